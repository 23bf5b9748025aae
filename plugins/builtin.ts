/**
 * The built-in plugins as one list, and the options of each.
 *
 * @module
 */

import type { NexusPlugin } from "../core/nexus/mod.ts";
import { detectors, type Options as DetectorsOptions } from "./detectors.ts";
import { entry, type Options as EntryOptions } from "./entry.ts";
import { metadata, type Options as MetadataOptions } from "./metadata.ts";
import { type Options as PositionersOptions, positioners } from "./positioners.ts";
import { type Options as SourceOptions, source } from "./source.ts";
import { type Options as StreamsOptions, streams } from "./streams.ts";

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
