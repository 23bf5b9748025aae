/**
 * The contract test helper for plugin authors: build the NeXus tree a plugin makes from a
 * run's documents with the very step the writer uses ({@linkcode buildTree}), strictly, and
 * return it for assertions, without writing a file.
 *
 * @module
 */

import {
  buildTree,
  type BuildTreeOptions,
  type DocumentMap,
  type DocumentName,
  type NamedDocument,
  type NexusTree,
  type PluginLike,
  RunAccumulator,
  type RunStart,
} from "../core/nexus/mod.ts";
import { builtinPlugins, type BuiltinPluginsOptions } from "./builtin.ts";

/**
 * Options of {@linkcode buildPluginTree}.
 */
export interface BuildPluginTreeOptions {
  /** Run the built-in plugins first, as `createNXWriter` does (default true), with these
   * options. */
  builtins?: boolean | BuiltinPluginsOptions;
  /** Options of the build: file path, time zone, `warnOnMissingContent`. It is always strict
   * and asks for NeXus names. */
  build?: Omit<BuildTreeOptions, "strict" | "nexusNames" | "onWarning">;
}

/**
 * What {@linkcode buildPluginTree} returns.
 */
export interface BuiltPluginTree {
  /** The tree as the writer would write it. */
  tree: NexusTree;
  /** The warnings of every plugin, as `"<plugin>: <message>"`. */
  warnings: string[];
}

/**
 * Build the tree of a run with the given plugins, as the writer does, but strict: a plugin
 * that throws fails the build, naming itself and the path; every link must reach its
 * target, every group have an NX class, and every name follow NeXus's naming rule.
 *
 * @example A plugin that adds a note
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { METADATA, type NexusPlugin } from "../core/nexus/mod.ts";
 * import { buildPluginTree } from "./testing.ts";
 * const note: NexusPlugin = {
 *   name: "note",
 *   build({ run, tree }) {
 *     tree.group("/entry/note", "NXnote");
 *     tree.field("/entry/note/plan", String(run.start.plan_name));
 *     tree.link("/entry/note/uid", `${METADATA}/run_start_uid`);
 *   },
 * };
 * const run = composeRun({ plan_name: "count" });
 * const { tree } = await buildPluginTree(note, [["start", run.start], ["stop", run.stop()]]);
 * const plan = tree.get("/entry/note/plan");
 * assert.equal(plan?.kind === "field" && plan.data, "count");
 * ```
 *
 * @param plugins The plugin or plugins under test.
 * @param documents The run's documents, start to stop.
 * @param options Built-in plugins and build options.
 * @returns The tree and the warnings.
 * @throws {Error} When the documents hold no run, a document cannot be taken in, a plugin
 *   throws, or the tree breaks one of the checks above (all problems listed).
 */
export async function buildPluginTree(
  plugins: PluginLike | PluginLike[],
  documents: readonly NamedDocument[],
  options: BuildPluginTreeOptions = {},
): Promise<BuiltPluginTree> {
  const [first, ...rest] = documents;
  if (first?.[0] !== "start") throw new Error("The documents hold no run: the first is no start");
  const run = new RunAccumulator(first[1] as RunStart);
  for (const [name, doc] of rest) {
    run.receive(name as DocumentName, doc as DocumentMap[DocumentName]);
  }
  const builtins = options.builtins ?? true;
  const { tree, warnings } = await buildTree(run, [
    ...(builtins === false ? [] : builtinPlugins(builtins === true ? {} : builtins)),
    ...(Array.isArray(plugins) ? plugins : [plugins]),
  ], {
    filePath: "contract.h5",
    timeZone: "UTC",
    ...options.build,
    strict: true,
    nexusNames: true,
  });
  return { tree, warnings: warnings.map((w) => `${w.plugin}: ${w.message}`) };
}
