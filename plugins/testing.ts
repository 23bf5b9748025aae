/**
 * The contract test helper for plugin authors: build the NeXus tree a plugin makes from a
 * run's documents, exactly as the writer would, check it, and return it for assertions,
 * without writing a file.
 *
 * @module
 */

import {
  type DocumentMap,
  type DocumentName,
  type Hdf5Backend,
  isNexusName,
  type NamedDocument,
  type NexusTree,
  type NexusWarning,
  NXWriter,
  type NXWriterOptions,
  type PluginLike,
} from "../core/nexus/mod.ts";
import { builtinPlugins, type BuiltinPluginsOptions } from "./builtin.ts";

/**
 * Options of {@linkcode buildPluginTree}.
 *
 * @example Without the built-in plugins
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BuildPluginTreeOptions } from "./testing.ts";
 * const options: BuildPluginTreeOptions = { builtins: false, writer: { timeZone: "UTC" } };
 * assert.equal(options.builtins, false);
 * ```
 */
export interface BuildPluginTreeOptions {
  /** Run the built-in plugins first, as `createNXWriter` does (default true). */
  builtins?: boolean | BuiltinPluginsOptions;
  /** Writer options (signal, time zone, ...). */
  writer?: Omit<NXWriterOptions, "plugins" | "backend" | "strict" | "onWarning">;
}

/**
 * What {@linkcode buildPluginTree} returns.
 *
 * @example What a contract test asserts on
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPluginTree, type BuiltPluginTree } from "./testing.ts";
 * import { composeRun } from "../mod.ts";
 * const run = composeRun();
 * const built: BuiltPluginTree = await buildPluginTree([], [["start", run.start], ["stop", run.stop()]]);
 * assert.ok(built.tree.get("/entry"));
 * ```
 */
export interface BuiltPluginTree {
  /** The tree as the writer would write it. */
  tree: NexusTree;
  /** The warnings of every plugin, as `"<plugin>: <message>"`. */
  warnings: string[];
}

/**
 * Build the tree of a run with the given plugins, as the writer would (strict: a plugin that
 * throws fails the build, naming itself and the path), and check it: every link reaches its
 * target, every group has an NX class, and every name follows NeXus's naming rule.
 *
 * @example A plugin that adds a note
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { type NexusPlugin } from "../core/nexus/mod.ts";
 * import { buildPluginTree } from "./testing.ts";
 * const note: NexusPlugin = {
 *   name: "note",
 *   build({ run, tree }) {
 *     tree.group("/entry/note", "NXnote");
 *     tree.field("/entry/note/plan", String(run.start.plan_name));
 *     tree.link("/entry/note/uid", "/entry/instrument/bluesky/metadata/run_start_uid");
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
 * @param options Built-in plugins and writer options.
 * @returns The tree and the warnings.
 * @throws {Error} When a plugin throws, or the tree breaks one of the checks above (all
 *   problems listed).
 */
export async function buildPluginTree(
  plugins: PluginLike | PluginLike[],
  documents: readonly NamedDocument[],
  options: BuildPluginTreeOptions = {},
): Promise<BuiltPluginTree> {
  let captured: NexusTree | undefined;
  const backend: Hdf5Backend = {
    versions: () => Promise.resolve({ library: "none", libraryVersion: "0", hdf5: "0" }),
    write(tree) {
      captured = tree;
      return Promise.reject(new Error("captured"));
    },
  };
  const builtins = options.builtins ?? true;
  const warnings: NexusWarning[] = [];
  const writer = new NXWriter({
    ...options.writer,
    fileName: "contract.h5",
    filePath: "/nonexistent-folder-for-contract-tests",
    backend,
    strict: true,
    onWarning: (w) => void warnings.push(w),
    plugins: [
      ...(builtins === false ? [] : builtinPlugins(builtins === true ? {} : builtins)),
      ...(Array.isArray(plugins) ? plugins : [plugins]),
    ],
  });
  for (const [name, doc] of documents) {
    writer.receiver(name as DocumentName, doc as DocumentMap[DocumentName]);
  }
  writer.flush();
  try {
    await writer.wait();
  } catch (error) {
    if (!captured) throw error;
  }
  if (!captured) throw new Error("The documents hold no run: no tree was built");
  const problems = captured.check().map((p) => p.message);
  for (const node of captured.walk()) {
    if (node === captured.root) continue;
    if (!isNexusName(node.name)) {
      problems.push(`"${node.path}": "${node.name}" is not a NeXus name`);
    }
    if (node.kind === "group" && !/^NX[a-z_]+$/.test(node.nxClass)) {
      problems.push(`"${node.path}": NX class "${node.nxClass}" is not one`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`The tree breaks the NeXus contract:\n  ${problems.join("\n  ")}`);
  }
  return { tree: captured, warnings: warnings.map((w) => `${w.plugin}: ${w.message}`) };
}
