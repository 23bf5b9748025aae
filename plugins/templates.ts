/**
 * The `templates` plugin: apstools' `nxwriter_template` run metadata, a JSON list of
 * `[source, target]` pairs applied after every other plugin: `"/path/@attr"` sets an
 * attribute, `"/path/field="` writes a constant field, and any other source is linked at the
 * target. Path segments written `name:NXclass` make the group on the way.
 *
 * @module
 */

import {
  isNexusName,
  NexusLayoutError,
  type NexusPlugin,
  type TreeBuilder,
} from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode templates} plugin.
 *
 * @example Another metadata key
 * ```ts
 * import { type Options, templates } from "./templates.ts";
 * const options: Options = { key: "my_template" };
 * templates(options);
 * ```
 */
export interface Options {
  /** The start document's key holding the template. */
  key?: string;
}

/**
 * Defaults of {@linkcode Options}.
 */
export const defaults = { key: "nxwriter_template" } as const satisfies Options;

/** Make the groups of `a:NXclass/b/...`, returning the plain path. */
function resolveClassPath(tree: TreeBuilder, path: string, where: string): string {
  if (!path.startsWith("/")) {
    throw new NexusLayoutError(`${where}: "${path}" is not absolute`, { path });
  }
  let current = "";
  for (const segment of path.split("/").slice(1)) {
    const [name, nxClass] = segment.split(":") as [string, string | undefined];
    if (!isNexusName(name)) {
      throw new NexusLayoutError(`${where}: "${name}" is not a NeXus name`, { path });
    }
    current = `${current}/${name}`;
    if (nxClass !== undefined) tree.group(current, nxClass);
  }
  return current || "/";
}

/**
 * The templates plugin (it runs after the others, `enforce: "post"`). Each entry is applied on
 * its own: one that cannot be (a malformed pair, a missing group or source) is reported with
 * its index, `nxwriter_template[2]: ...`, and the others are still applied.
 *
 * @example A constant, an attribute and a link
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { buildTree, type NexusPlugin, RunAccumulator } from "../core/nexus/mod.ts";
 * import { templates } from "./templates.ts";
 * const template = JSON.stringify([
 *   ["/entry/extra:NXnote/answer=", 42],
 *   ["/entry/extra/@note", "set by a template"],
 *   ["/entry/extra/answer", "/entry/answer"],
 * ]);
 * const run = composeRun({ nxwriter_template: template });
 * const entry: NexusPlugin = { name: "entry", build: ({ tree }) => void tree.group("/entry", "NXentry") };
 * const { tree } = await buildTree(new RunAccumulator(run.start), [entry, templates()]);
 * assert.equal(tree.get("/entry/extra")?.attrs.get("note")?.value, "set by a template");
 * assert.equal(tree.resolve("/entry/answer")?.path, "/entry/extra/answer");
 * ```
 *
 * @param userOptions The metadata key.
 * @returns The plugin, named `"templates"`.
 */
export function templates(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "templates",
    enforce: "post",
    build({ run, tree, warn }) {
      const raw = run.start[options.key];
      if (raw === undefined) return;
      let entries: unknown;
      try {
        entries = typeof raw === "string" ? JSON.parse(raw) : raw;
      } catch (error) {
        warn(`${options.key}: not JSON: ${(error as Error).message}`);
        return;
      }
      if (!Array.isArray(entries)) {
        warn(`${options.key}: expected a list of [source, target] pairs`);
        return;
      }
      entries.forEach((entry, i) => {
        const where = `${options.key}[${i}]`;
        try {
          if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== "string") {
            throw new NexusLayoutError(`${where}: expected a [source, target] pair`, { path: "/" });
          }
          const [source, target] = entry as [string, unknown];
          const at = source.lastIndexOf("/@");
          if (at >= 0) {
            if (source.indexOf("/@") !== at) {
              throw new NexusLayoutError(`${where}: only one attribute can be named`, {
                path: source,
              });
            }
            const path = resolveClassPath(tree, source.slice(0, at) || "/", where);
            if (!tree.has(path)) {
              throw new NexusLayoutError(
                `${where}: no "${path}" to set "${source.slice(at + 2)}" on`,
                { path },
              );
            }
            tree.attr(path, source.slice(at + 2), target as never);
          } else if (source.endsWith("=")) {
            const slash = source.lastIndexOf("/");
            const group = resolveClassPath(tree, source.slice(0, slash) || "/", where);
            if (!tree.has(group)) {
              throw new NexusLayoutError(`${where}: no group "${group}"`, { path: group });
            }
            const name = source.slice(slash + 1, -1);
            tree.field(`${group}/${name}`, target as never, { target: true });
          } else {
            if (!tree.resolve(source)) {
              throw new NexusLayoutError(`${where}: no "${source}" to link to`, { path: source });
            }
            if (typeof target !== "string") {
              throw new NexusLayoutError(`${where}: the link's place must be a path`, {
                path: source,
              });
            }
            tree.link(resolveClassPath(tree, target, where), source);
          }
        } catch (error) {
          warn(`${(error as Error).message} (entry left out)`, (error as NexusLayoutError).path);
        }
      });
    },
  };
}
