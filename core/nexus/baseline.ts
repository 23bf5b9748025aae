/**
 * What facility plugins share: the first baseline reading of a signal, as the streams plugin
 * wrote it, to link from a NeXus group (apstools' `get_stream_link`).
 *
 * @module
 */

import type { BuildContext } from "./plugin.ts";
import { keyPath } from "./layout.ts";

/**
 * Path of a signal's reading at the start of the run (`baseline/<key>/value_start`), when
 * the file has it.
 * @param context The plugin's context.
 * @param key The data key.
 * @param stream The stream (default `"baseline"`).
 * @returns The path, or undefined.
 *
 * @example Link a temperature read in the baseline, when the run has it
 * ```ts
 * import { baselinePath, type NexusPlugin } from "./mod.ts";
 * const plugin: NexusPlugin = {
 *   name: "temperature",
 *   build(context) {
 *     const path = baselinePath(context, "temperature");
 *     if (path === undefined) return;
 *     context.tree.group("/entry/sample", "NXsample");
 *     context.tree.link("/entry/sample/temperature", path);
 *   },
 * };
 * void plugin;
 * ```
 */
export function baselinePath(
  context: BuildContext,
  key: string,
  stream = "baseline",
): string | undefined {
  const path = `${keyPath(stream, key)}/value_start`;
  return context.tree.has(path) ? path : undefined;
}

/**
 * Link each field of a group to its baseline signal, leaving out the signals the run lacks.
 * @param context The plugin's context.
 * @param group The group (it must exist, or be made when something links).
 * @param fields Field name to data key.
 * @returns The fields linked.
 *
 * @example An NXslit whose gaps are read in the baseline
 * ```ts
 * import { linkBaseline, type NexusPlugin } from "./mod.ts";
 * const slit: NexusPlugin = {
 *   name: "slit",
 *   build(context) {
 *     context.tree.group("/entry/instrument/slit", "NXslit");
 *     linkBaseline(context, "/entry/instrument/slit", { x_gap: "slit_h", y_gap: "slit_v" });
 *   },
 * };
 * void slit;
 * ```
 */
export function linkBaseline(
  context: BuildContext,
  group: string,
  fields: Readonly<Record<string, string>>,
): string[] {
  const linked: string[] = [];
  for (const [field, key] of Object.entries(fields)) {
    const path = baselinePath(context, key);
    if (path === undefined) continue;
    context.tree.link(`${group}/${field}`, path);
    linked.push(field);
  }
  return linked;
}

/**
 * Which of the fields the run has, to decide whether to make a group at all.
 * @param context The plugin's context.
 * @param fields Field name to data key.
 * @returns The field names whose signal is in the baseline.
 *
 * @example Make the group only when the baseline has something for it
 * ```ts
 * import { linkBaseline, type NexusPlugin, presentFields } from "./mod.ts";
 * const fields = { x_gap: "slit_h", y_gap: "slit_v" };
 * const slit: NexusPlugin = {
 *   name: "slit",
 *   build(context) {
 *     if (presentFields(context, fields).length === 0) return;
 *     context.tree.group("/entry/instrument/slit", "NXslit");
 *     linkBaseline(context, "/entry/instrument/slit", fields);
 *   },
 * };
 * void slit;
 * ```
 */
export function presentFields(
  context: BuildContext,
  fields: Readonly<Record<string, string>>,
): string[] {
  return Object.keys(fields).filter((field) => baselinePath(context, fields[field]!) !== undefined);
}
