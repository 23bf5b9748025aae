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
import { type Options as TemplatesOptions, templates } from "./templates.ts";

/**
 * Options of {@linkcode builtinPlugins}: the options of each built-in plugin.
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
  /** Options of {@linkcode templates}. */
  templates?: TemplatesOptions;
}

/**
 * The built-in plugins in their documented order: metadata, streams, detectors, positioners,
 * source, entry, and templates (apstools' `nxwriter_template`, which apstools always
 * honours). Source, entry and templates run after the plugins registered later
 * (`enforce: "post"`), so a facility plugin's source wins and the default plot sees every
 * stream.
 *
 * @example The default plot shows a chosen signal, and the source is the facility's
 * ```ts
 * import { builtinPlugins } from "./mod.ts";
 * import { NXWriter } from "../core/nexus/mod.ts";
 * const writer = new NXWriter({
 *   plugins: builtinPlugins({
 *     entry: { signal: "I0" },
 *     source: { name: "Advanced Photon Source", shortName: "APS" },
 *   }),
 * });
 * void writer;
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
    templates(options.templates),
  ];
}
