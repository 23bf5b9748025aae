/**
 * The built-in NeXus group plugins. Together they write the layout of apstools' `NXWriter`:
 * the start metadata, every stream, the detectors and positioners, the source, and the entry
 * with its default plot.
 *
 * @example Register the built-in plugins with a writer
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinPlugins } from "./mod.ts";
 * const plugins = builtinPlugins({ source: { name: "My Light Source", shortName: "MLS" } });
 * assert.deepEqual(plugins.map((p) => p.name), [
 *   "metadata",
 *   "streams",
 *   "detectors",
 *   "positioners",
 *   "source",
 *   "entry",
 * ]);
 * ```
 *
 * @module
 */

import type { NexusPlugin } from "../mod.ts";
import { detectors, type Options as DetectorsOptions } from "./detectors.ts";
import { entry, type Options as EntryOptions } from "./entry.ts";
import { metadata, type Options as MetadataOptions } from "./metadata.ts";
import { type Options as PositionersOptions, positioners } from "./positioners.ts";
import { type Options as SourceOptions, source } from "./source.ts";
import { type Options as StreamsOptions, streams } from "./streams.ts";

export { defaults as metadataDefaults, metadata } from "./metadata.ts";
export type { Options as MetadataOptions } from "./metadata.ts";
export { defaults as streamsDefaults, streams } from "./streams.ts";
export type { Options as StreamsOptions } from "./streams.ts";
export { defaults as detectorsDefaults, detectors } from "./detectors.ts";
export type { Options as DetectorsOptions } from "./detectors.ts";
export { defaults as positionersDefaults, positioners } from "./positioners.ts";
export type { Options as PositionersOptions } from "./positioners.ts";
export { defaults as sourceDefaults, source } from "./source.ts";
export type { Options as SourceOptions } from "./source.ts";
export { defaults as entryDefaults, entry } from "./entry.ts";
export type { Options as EntryOptions } from "./entry.ts";
export { defaults as sampleDefaults, sample } from "./sample.ts";
export type { Options as SampleOptions } from "./sample.ts";
export { defaults as userDefaults, user } from "./user.ts";
export type { Options as UserOptions } from "./user.ts";
export { defaults as monochromatorDefaults, monochromator } from "./monochromator.ts";
export type { Options as MonochromatorOptions } from "./monochromator.ts";
export { aps, defaults as apsDefaults } from "./aps.ts";
export type { Options as ApsOptions } from "./aps.ts";
export { defaults as templatesDefaults, templates } from "./templates.ts";
export type { Options as TemplatesOptions } from "./templates.ts";

/**
 * Options of {@linkcode builtinPlugins}: the options of each built-in plugin.
 *
 * @example A facility's source and a second start-and-end stream
 * ```ts
 * import { builtinPlugins, type BuiltinPluginsOptions } from "./mod.ts";
 * const options: BuiltinPluginsOptions = {
 *   source: { name: "Advanced Photon Source", shortName: "APS" },
 *   streams: { startEnd: ["baseline", "monitors"] },
 * };
 * builtinPlugins(options);
 * ```
 */
export interface BuiltinPluginsOptions {
  /** Options of {@linkcode metadata}. */
  metadata?: MetadataOptions;
  /** Options of {@linkcode streams}. */
  streams?: StreamsOptions;
  /** Options of {@linkcode detectors}. */
  detectors?: DetectorsOptions;
  /** Options of {@linkcode positioners}. */
  positioners?: PositionersOptions;
  /** Options of {@linkcode source}. */
  source?: SourceOptions;
  /** Options of {@linkcode entry}. */
  entry?: EntryOptions;
}

/**
 * The built-in plugins in their documented order: metadata, streams, detectors, positioners,
 * source, and entry (which runs last whatever is registered after it).
 *
 * @example The entry plugin runs after the others
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinPlugins } from "./mod.ts";
 * assert.equal(builtinPlugins().at(-1)?.enforce, "post");
 * ```
 *
 * @param options Options of each plugin.
 * @returns New plugin objects, to register in this order.
 */
export function builtinPlugins(options: BuiltinPluginsOptions = {}): NexusPlugin[] {
  return [
    metadata(options.metadata),
    streams(options.streams),
    detectors(options.detectors),
    positioners(options.positioners),
    source(options.source),
    entry(options.entry),
  ];
}
