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
 *   "templates",
 * ]);
 * ```
 *
 * @module
 */

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

export { builtinPlugins } from "./builtin.ts";
export type { BuiltinPluginsOptions } from "./builtin.ts";
export { createNXWriter } from "./default_writer.ts";
export type { CreateNXWriterOptions } from "./default_writer.ts";
