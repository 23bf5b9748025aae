/**
 * What plans need to know about devices beyond the protocols: their ancestry (a component
 * belongs to its root device) and their hinted fields.
 *
 * @module
 */

/** Self, parent, grandparent... for devices that have a `parent`. */
function ancestry(obj: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let o: unknown = obj;
    o !== undefined && o !== null;
    o = (o as { parent?: unknown }).parent
  ) {
    if (chain.includes(o)) break;
    chain.push(o);
  }
  return chain;
}

/**
 * The topmost ancestor of a device (itself when it has no `parent`).
 *
 * @example A device without a parent
 * ```ts
 * import assert from "node:assert/strict";
 * import { rootAncestor } from "./mod.ts";
 * const parent = { name: "stage" };
 * assert.equal(rootAncestor({ name: "stage_x", parent }), parent);
 * ```
 *
 * @param obj A device.
 * @returns Its root ancestor.
 */
export function rootAncestor<T>(obj: T): T {
  return ancestry(obj).at(-1) as T;
}

/**
 * Drop repeated devices and devices whose ancestor is also listed, keeping order (bluesky's
 * `separate_devices`).
 *
 * @example Duplicates go
 * ```ts
 * import assert from "node:assert/strict";
 * import { separateDevices } from "./mod.ts";
 * const a = { name: "a" }, b = { name: "b" };
 * assert.deepEqual(separateDevices([a, b, a]), [a, b]);
 * ```
 *
 * @param devices Devices, possibly repeated.
 * @returns The devices without redundant entries.
 */
export function separateDevices<T>(devices: Iterable<T>): T[] {
  const result: T[] = [];
  for (const device of devices) {
    const chain = ancestry(device);
    if (result.some((kept) => chain.includes(kept))) continue;
    for (let i = result.length - 1; i >= 0; i--) {
      if (ancestry(result[i]).includes(device)) result.splice(i, 1);
    }
    result.push(device);
  }
  return result;
}

/**
 * The hinted fields of a device (`hints.fields`), or none (bluesky's `get_hinted_fields`).
 *
 * @example A motor's readback
 * ```ts
 * import assert from "node:assert/strict";
 * import { hintedFields } from "./mod.ts";
 * assert.deepEqual(hintedFields({ name: "motor", hints: { fields: ["motor"] } }), ["motor"]);
 * ```
 *
 * @param obj A device.
 * @returns Its hinted data keys.
 */
export function hintedFields(obj: unknown): string[] {
  const fields = (obj as { hints?: { fields?: unknown } } | null)?.hints?.fields;
  return Array.isArray(fields) ? [...fields] : [];
}
