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
 * What a plugin may know of the file being written. Each plugin's own choices (which signal
 * the default plot shows, whether frames are linked or copied) are its options, not settings.
 */
export interface WriterSettings {
  /** Path of the file being written, for links relative to it. */
  readonly filePath: string;
  /** IANA time zone of times written as text; the system's when undefined. */
  readonly timeZone: string | undefined;
}

/**
 * What a plugin's `build()` receives.
 *
 * @example A plugin reads the run and adds its part of the file
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/mod.ts";
 * import { buildTree, type NexusPlugin, RunAccumulator } from "./mod.ts";
 * const plan: NexusPlugin = {
 *   name: "plan",
 *   build({ run, tree, missing }) {
 *     if (typeof run.start.plan_name !== "string") return missing("No plan name: no /entry/plan");
 *     tree.group("/entry", "NXentry");
 *     tree.field("/entry/plan", run.start.plan_name);
 *   },
 * };
 * const run = new RunAccumulator(composeRun({ plan_name: "count" }).start);
 * const { tree } = await buildTree(run, [plan]);
 * const field = tree.get("/entry/plan");
 * assert.equal(field?.kind === "field" && field.data, "count");
 * ```
 */
export interface BuildContext {
  /** The run: start, streams with their columns and configuration, stop. */
  readonly run: RunData;
  /** The frames of the run's external keys (area detectors), found and waited for. */
  readonly assets: RunAssets;
  /** Adds nodes to the file's tree on behalf of this plugin, and reads what is there. */
  readonly tree: TreeBuilder;
  /** The file being written. */
  readonly settings: WriterSettings;
  /**
   * Report something the user should know that does not stop the file (a name made safe, a
   * value left out). The writer passes it on with the plugin's name.
   * @param message What happened.
   * @param path The NeXus path concerned.
   */
  warn(message: string, path?: string): void;
  /**
   * Report content the plugin looked for and did not find (no sample metadata, no detector
   * to plot). The writer passes it on only when its `warnOnMissingContent` is on, as
   * apstools' `warn_on_missing_content`.
   * @param message What is missing and what the plugin did instead.
   * @param path The NeXus path concerned.
   */
  missing(message: string, path?: string): void;
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

/** A plugin, or a function that makes one. */
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
