/**
 * The one step that turns a run into the tree of its NeXus file: the plugins in their order,
 * then the writer's passes over the whole tree (the file's attributes, links to frames in
 * other files, `@target`), then the whole-tree check. The writer, the plugin contract helper
 * and every test build trees with it, so what a test sees is what the writer writes.
 *
 * @module
 */

import { NexusLayoutError, PluginError } from "../errors.ts";
import { isoTime } from "../time.ts";
import { VERSION } from "../version.ts";
import type { BackendVersions } from "./backend.ts";
import { type NexusPlugin, type PluginLike, resolvePlugin, runningOrder } from "./plugin.ts";
import { NO_ASSETS, type RunAssets } from "./run_assets.ts";
import type { RunData } from "./run_data.ts";
import { NexusTree } from "./tree.ts";
import { checkTree } from "./check.ts";

/**
 * Something a user should know about a file that was still written.
 *
 * @example Warnings of a build name their plugin
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/mod.ts";
 * import { buildTree, RunAccumulator } from "./mod.ts";
 * const run = new RunAccumulator(composeRun().start);
 * const { warnings } = await buildTree(run, [{ name: "quiet", build: ({ missing }) => missing("Nothing here") }]);
 * assert.deepEqual(warnings.map((w) => `${w.plugin}: ${w.message}`), ["quiet: Nothing here"]);
 * ```
 */
export interface NexusWarning {
  /** Uid of the run. */
  readonly run: string;
  /** Plugin that raised it (`"NXWriter"` for the writer itself). */
  readonly plugin: string;
  /** NeXus path concerned, when there is one. */
  readonly path: string | undefined;
  /** What happened. */
  readonly message: string;
}

/** Options of {@linkcode buildTree}. */
export interface BuildTreeOptions {
  /** Path of the file the tree is for: the file's `@file_name`, and where links to other
   * files are taken from. */
  filePath?: string;
  /** IANA time zone of times written as text; the system's by default. */
  timeZone?: string;
  /** Pass on what plugins report as missing content (`missing()`), as apstools'
   * `warn_on_missing_content`. */
  warnOnMissingContent?: boolean;
  /**
   * A plugin that throws, or a link whose target is missing, fails the build; by default
   * the plugin's part, or the link, is left out of the file with a warning.
   */
  strict?: boolean;
  /** Every name follows NeXus's recommended rule, not only HDF5's (the plugin contract). */
  nexusNames?: boolean;
  /** The frames of the run's external keys, found and waited for. */
  assets?: RunAssets;
  /** The HDF5 library that will write the file, for the file's `@HDF5_Version` and
   * `@<library>_version`; left out when not given. */
  versions?: BackendVersions;
  /** The time the file is written, in epoch seconds (`@file_time`); now by default. */
  fileTime?: number;
  /** Receives each warning as it happens (they are also in the result). */
  onWarning?: (warning: NexusWarning) => void;
}

/**
 * Defaults of {@linkcode BuildTreeOptions}.
 */
export const buildTreeDefaults = {
  filePath: "run.h5",
  warnOnMissingContent: true,
  strict: false,
  nexusNames: false,
} as const satisfies BuildTreeOptions;

/**
 * What {@linkcode buildTree} returns.
 */
export interface BuiltTree {
  /** The tree, checked, as the writer writes it. */
  readonly tree: NexusTree;
  /** What the plugins and the writer's passes reported, in order. */
  readonly warnings: readonly NexusWarning[];
}

/** The name the writer's own nodes, attributes and warnings carry. */
export const WRITER = "NXWriter";

/**
 * Plugins resolved, their names checked to be unique, in running order (`"pre"`, normal,
 * `"post"`, each in registration order).
 * @param plugins Plugins or their factories, in registration order.
 * @returns The plugins in running order.
 * @throws {TypeError} When a plugin is malformed or two share a name.
 *
 * @example Two plugins of one name are refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { pluginOrder } from "./build_tree.ts";
 * const build = () => {};
 * assert.throws(() => pluginOrder([{ name: "a", build }, { name: "a", build }]), /"a"/);
 * ```
 */
export function pluginOrder(plugins: readonly PluginLike[]): NexusPlugin[] {
  const resolved: NexusPlugin[] = [];
  for (const plugin of plugins) {
    const one = resolvePlugin(plugin);
    if (resolved.some((p) => p.name === one.name)) {
      throw new TypeError(`A NeXus plugin named "${one.name}" is already registered`);
    }
    resolved.push(one);
  }
  return runningOrder(resolved);
}

/**
 * Build the tree of a run's NeXus file.
 *
 * The plugins run in their order (see {@linkcode pluginOrder}), each with a builder that
 * records it as the owner of what it adds. Then the writer's passes: the file's attributes
 * (`@creator`, `@file_name`, `@file_time`, versions, `@NeXus_version`), links to a node that
 * is itself a link into another file become external links, and every group, and every node
 * a link points at, gets `@target` with its own path, as apstools writes it. Last, the whole
 * tree is checked: a link whose target is missing is left out with a warning (strict:
 * fails), any other problem fails the build.
 *
 * @example A plugin's part of a count's file
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/mod.ts";
 * import { buildTree, type NexusPlugin, RunAccumulator } from "./mod.ts";
 * const note: NexusPlugin = {
 *   name: "note",
 *   build({ run, tree }) {
 *     tree.group("/entry", "NXentry");
 *     tree.group("/entry/note", "NXnote");
 *     tree.field("/entry/note/plan", String(run.start.plan_name));
 *     tree.link("/entry/note/missing", "/entry/nowhere");
 *   },
 * };
 * const run = new RunAccumulator(composeRun({ plan_name: "count" }).start);
 * const { tree, warnings } = await buildTree(run, [note], { filePath: "count.h5" });
 * assert.equal(tree.get("/entry/note")?.attrs.get("target")?.value, "/entry/note");
 * assert.equal(tree.get("/")?.attrs.get("file_name")?.value, "count.h5");
 * assert.equal(tree.get("/entry/note/missing"), undefined);
 * assert.match(warnings[0]!.message, /does not exist \(link left out\)/);
 * ```
 *
 * @param run The run: start, streams, stop.
 * @param plugins The plugins, in registration order.
 * @param options Where the file goes, how strict the build is, the run's frames.
 * @returns The tree and the warnings.
 * @throws {PluginError} Strict, when a plugin throws (naming it and the path).
 * @throws {NexusLayoutError} When the tree cannot be written as built (naming the path and
 *   the plugin; several problems are listed in one error).
 */
export async function buildTree(
  run: RunData,
  plugins: readonly PluginLike[],
  options: BuildTreeOptions = {},
): Promise<BuiltTree> {
  const o = { ...buildTreeDefaults, ...options };
  const uid = run.start.uid;
  const tree = new NexusTree();
  const warnings: NexusWarning[] = [];
  const warn = (plugin: string, path: string | undefined, message: string) => {
    const warning = { run: uid, plugin, path, message };
    warnings.push(warning);
    o.onWarning?.(warning);
  };
  const settings = { filePath: o.filePath, timeZone: o.timeZone };
  for (const plugin of pluginOrder(plugins)) {
    try {
      await plugin.build({
        run,
        assets: o.assets ?? NO_ASSETS,
        tree: tree.builder(plugin.name),
        settings,
        warn: (message, path) => warn(plugin.name, path, message),
        missing: (message, path) => {
          if (o.warnOnMissingContent) warn(plugin.name, path, message);
        },
      });
    } catch (error) {
      const path = error instanceof NexusLayoutError ? error.path : undefined;
      const failure = new PluginError(plugin.name, error, path);
      if (o.strict) throw failure;
      tree.removeOwner(plugin.name);
      warn(plugin.name, path, `${failure.message} (left out of the file)`);
    }
  }
  fileAttributes(tree, o.filePath, o.fileTime ?? Date.now() / 1000, o);
  externalizeLinks(tree);
  markTargets(tree);
  const problems: NexusLayoutError[] = [];
  for (const problem of checkTree(tree, { nexusNames: o.nexusNames })) {
    const node = tree.get(problem.path);
    if (node?.kind === "link" && !o.strict && tree.resolve(node.target) === undefined) {
      tree.remove(problem.path);
      warn(node.owner, problem.path, `${problem.message} (link left out)`);
    } else {
      problems.push(problem);
    }
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    throw new NexusLayoutError(
      `The tree has ${problems.length} problems:\n  ${problems.map((p) => p.message).join("\n  ")}`,
      { path: problems[0]!.path, plugin: problems[0]!.plugin },
      { cause: problems[0] },
    );
  }
  return { tree, warnings };
}

function fileAttributes(
  tree: NexusTree,
  filePath: string,
  fileTime: number,
  options: { timeZone?: string; versions?: BackendVersions },
): void {
  const root = tree.builder(WRITER);
  root.attr("/", "creator", WRITER);
  root.attr("/", "creator_version", `nxdaq ${VERSION}`);
  root.attr("/", "file_name", filePath);
  root.attr("/", "file_time", isoTime(fileTime, options.timeZone));
  const versions = options.versions;
  if (versions) {
    root.attr("/", "HDF5_Version", versions.hdf5);
    root.attr("/", `${versions.library}_version`, versions.libraryVersion);
  }
  root.attr("/", "NeXus_version", "v2020.1");
}

/**
 * A link to an external link (an image stack linked from a detector's file, linked again as
 * `NXdetector/data` or into `/entry/data`) becomes an external link to the same place: HDF5
 * hard links cannot reach into another file.
 */
function externalizeLinks(tree: NexusTree): void {
  const replace: { path: string; owner: string; file: string; target: string }[] = [];
  for (const node of tree.walk()) {
    if (node.kind !== "link") continue;
    const target = tree.resolve(node.target);
    if (target?.kind !== "external_link") continue;
    replace.push({ path: node.path, owner: node.owner, file: target.file, target: target.target });
  }
  for (const { path, owner, file, target } of replace) {
    tree.remove(path);
    tree.builder(owner).externalLink(path, file, target);
  }
}

/** Give every group, and every node a link points at, `@target` with its own path. */
function markTargets(tree: NexusTree): void {
  const targets = new Set<string>();
  for (const node of tree.walk()) {
    if (node.kind === "link") targets.add(node.target);
  }
  const writer = tree.builder(WRITER);
  for (const node of tree.walk()) {
    if (node === tree.root || node.kind === "link" || node.kind === "external_link") continue;
    if ((node.kind === "group" || targets.has(node.path)) && !node.attrs.has("target")) {
      writer.attr(node.path, "target", node.path);
    }
  }
}
