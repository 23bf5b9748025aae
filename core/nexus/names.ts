/**
 * Names and paths of HDF5 objects: what HDF5 takes, what NeXus recommends.
 *
 * @module
 */

import { NexusLayoutError } from "../errors.ts";

const NEXUS_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.]*[A-Za-z0-9_])?$/;

/**
 * Why `name` cannot name an HDF5 object, or undefined when it can.
 * @param name A path segment.
 * @returns The reason, or undefined.
 *
 * @example A name with a slash
 * ```ts
 * import assert from "node:assert/strict";
 * import { illegalName } from "./names.ts";
 * assert.equal(illegalName("a/b"), "a name may not contain '/'");
 * assert.equal(illegalName("ok"), undefined);
 * ```
 */
export function illegalName(name: string): string | undefined {
  if (name.length === 0) return "an empty name";
  if (name === "." || name === "..") return `"${name}" is reserved`;
  if (name.includes("/")) return "a name may not contain '/'";
  if (name.includes("\0")) return "a name may not contain NUL";
  if (new TextEncoder().encode(name).length > 255) return "a name longer than 255 bytes";
  return undefined;
}

/**
 * Whether `name` follows NeXus's recommended naming rule (letters, digits, `_`, inner `.`).
 * @param name A path segment.
 * @returns True when it does.
 *
 * @example NeXus names
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNexusName } from "./names.ts";
 * assert.equal(isNexusName("motor_1"), true);
 * assert.equal(isNexusName("motor-1"), false);
 * ```
 */
export function isNexusName(name: string): boolean {
  return NEXUS_NAME.test(name);
}

/**
 * Split an absolute path into its segments.
 * @param path For example `"/entry/data"`.
 * @returns The segments, `[]` for the root.
 *
 * @example The segments
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitPath } from "./names.ts";
 * assert.deepEqual(splitPath("/entry/data"), ["entry", "data"]);
 * assert.deepEqual(splitPath("/"), []);
 * ```
 */
export function splitPath(path: string): string[] {
  if (!path.startsWith("/")) {
    throw new NexusLayoutError(`Path "${path}" is not absolute (it must start with "/")`, {
      path,
    });
  }
  return path === "/" ? [] : path.slice(1).split("/");
}

/**
 * Join a parent path and a child name.
 * @param parent Absolute path of the parent.
 * @param name Child name.
 * @returns The child's absolute path.
 *
 * @example Under the root and below
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinPath } from "./names.ts";
 * assert.equal(joinPath("/", "entry"), "/entry");
 * assert.equal(joinPath("/entry", "data"), "/entry/data");
 * ```
 */
export function joinPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}
