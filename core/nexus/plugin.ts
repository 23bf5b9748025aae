/**
 * The contract of a NeXus group plugin: a named object whose `build()` reads a run and adds
 * groups, fields, attributes and links to the file's tree.
 *
 * @module
 */

import type { RunAssets } from "./run_assets.ts";
import type { RunData } from "./run_data.ts";
import type { TreeBuilder } from "./tree_builder.ts";

/**
 * Settings of the writer that plugins read.
 *
 * @example Settings a plugin reads
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WriterSettings } from "./plugin.ts";
 * const settings: WriterSettings = {
 *   filePath: "run.h5", nxdataSignal: undefined, nxdataSignalAxes: undefined,
 *   instrumentName: undefined, warnOnMissingContent: true, timeZone: "UTC",
 * };
 * assert.equal(settings.assetMode ?? "link", "link");
 * ```
 */
export interface WriterSettings {
  /** Absolute or relative path of the file being written. */
  readonly filePath: string;
  /** Name of the signal of the default plot (`/entry/data@signal`), when the user chose one. */
  readonly nxdataSignal: string | undefined;
  /** Axes of the default plot, when the user chose them. */
  readonly nxdataSignalAxes: readonly string[] | undefined;
  /** Name of the instrument (`/entry/instrument/name`), when given. */
  readonly instrumentName: string | undefined;
  /** Whether plugins should warn about content they expected and did not find. */
  readonly warnOnMissingContent: boolean;
  /** IANA time zone used for times written as text; the system's when undefined. */
  readonly timeZone: string | undefined;
  /**
   * How image frames written to their own files get into the NeXus file: an HDF5 external link
   * to the detector's dataset (`"link"`, the default, when the frames are that whole dataset
   * in order) or a compressed copy (`"copy"`).
   */
  readonly assetMode?: "link" | "copy";
  /** gzip level of copied frames (0: none); 1 when undefined. */
  readonly assetCompression?: number;
}

/**
 * What a plugin's `build()` receives.
 *
 * @example Calling a plugin by hand
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BuildContext, NexusPlugin } from "./plugin.ts";
 * import { composeRun } from "../documents/compose.ts";
 * import { RunAccumulator } from "./run_data.ts";
 * import { NexusTree } from "./tree.ts";
 * const tree = new NexusTree();
 * const warnings: string[] = [];
 * const context: BuildContext = {
 *   run: new RunAccumulator(composeRun({ plan_name: "count" }).start),
 *   tree: tree.builder("note"),
 *   settings: {
 *     filePath: "run.h5", nxdataSignal: undefined, nxdataSignalAxes: undefined,
 *     instrumentName: undefined, warnOnMissingContent: true, timeZone: "UTC",
 *   },
 *   warn: (message) => void warnings.push(message),
 * };
 * const plugin: NexusPlugin = { name: "note", build: ({ tree }) => void tree.group("/entry", "NXentry") };
 * await plugin.build(context);
 * assert.ok(tree.get("/entry"));
 * ```
 */
export interface BuildContext {
  /** The run: start, streams with their columns and configuration, stop. */
  readonly run: RunData;
  /** The frames of the run's external keys (area detectors), found and waited for. */
  readonly assets?: RunAssets;
  /** Adds nodes to the file's tree on behalf of this plugin. */
  readonly tree: TreeBuilder;
  /** The writer's settings. */
  readonly settings: WriterSettings;
  /**
   * Report something the user should know that does not stop the file (missing optional
   * content, a name made safe). The writer passes it on with the plugin's name.
   */
  warn(message: string, path?: string): void;
}

/**
 * A NeXus group plugin.
 *
 * Plugins run in three phases, `"pre"`, normal (no `enforce`) and `"post"`, and within a
 * phase in the order they were registered. The built-in plugins are registered first, so a
 * third-party plugin in the normal phase sees the tree they made.
 *
 * @example A plugin that adds an NXsample group from start metadata
 * ```ts
 * import type { NexusPlugin } from "./plugin.ts";
 * const sample: NexusPlugin = {
 *   name: "sample",
 *   build({ run, tree }) {
 *     if (typeof run.start.sample !== "string") return;
 *     tree.group("/entry", "NXentry");
 *     tree.group("/entry/sample", "NXsample");
 *     tree.field("/entry/sample/name", run.start.sample);
 *   },
 * };
 * ```
 */
export interface NexusPlugin {
  /** Unique name; it appears in every error and warning the plugin causes. */
  readonly name: string;
  /** Phase: `"pre"` before the normal plugins, `"post"` after them. */
  readonly enforce?: "pre" | "post";
  /** Add this plugin's part of the file. */
  build(context: BuildContext): void | Promise<void>;
}

/**
 * A plugin, or a function that makes one.
 *
 * @example A plugin or its factory
 * ```ts
 * import assert from "node:assert/strict";
 * import { type PluginLike, resolvePlugin } from "./plugin.ts";
 * const factory: PluginLike = () => ({ name: "mine", build() {} });
 * assert.equal(resolvePlugin(factory).name, "mine");
 * ```
 */
export type PluginLike = NexusPlugin | (() => NexusPlugin);

/**
 * Turn a {@linkcode PluginLike} into a plugin, checking its shape.
 * @param plugin The plugin or factory.
 * @returns The plugin.
 * @throws {TypeError} When it has no name or no `build` function.
 *
 * @example A factory is called
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePlugin } from "./plugin.ts";
 * assert.equal(resolvePlugin(() => ({ name: "a", build() {} })).name, "a");
 * ```
 */
export function resolvePlugin(plugin: PluginLike): NexusPlugin {
  const resolved = typeof plugin === "function" ? plugin() : plugin;
  if (!resolved || typeof resolved.name !== "string" || resolved.name === "") {
    throw new TypeError("A NeXus plugin needs a non-empty name");
  }
  if (typeof resolved.build !== "function") {
    throw new TypeError(`NeXus plugin "${resolved.name}" has no build() function`);
  }
  if (resolved.enforce !== undefined && resolved.enforce !== "pre" && resolved.enforce !== "post") {
    throw new TypeError(
      `NeXus plugin "${resolved.name}": enforce must be "pre" or "post": got "${resolved.enforce}"`,
    );
  }
  return resolved;
}

/**
 * Sort plugins into their running order: `"pre"`, normal, `"post"`, each in registration order.
 * @param plugins Plugins in registration order.
 * @returns A new array in running order.
 *
 * @example Phases first, then registration order
 * ```ts
 * import assert from "node:assert/strict";
 * import { runningOrder } from "./plugin.ts";
 * const build = () => {};
 * const order = runningOrder([
 *   { name: "late", enforce: "post", build },
 *   { name: "normal", build },
 *   { name: "early", enforce: "pre", build },
 * ]);
 * assert.deepEqual(order.map((p) => p.name), ["early", "normal", "late"]);
 * ```
 */
export function runningOrder(plugins: readonly NexusPlugin[]): NexusPlugin[] {
  const phase = (p: NexusPlugin) => p.enforce === "pre" ? 0 : p.enforce === "post" ? 2 : 1;
  return [...plugins].sort((a, b) => phase(a) - phase(b));
}
