/**
 * The writer as most users want it: {@linkcode NXWriter} with the built-in plugins, which
 * write the layout of apstools' NXWriter.
 *
 * @module
 */

import { NXWriter, type NXWriterOptions } from "../core/nexus/mod.ts";
import { builtinPlugins, type BuiltinPluginsOptions } from "./builtin.ts";

/**
 * Options of {@linkcode createNXWriter}: the writer's, plus those of the built-in plugins.
 *
 * @example The default plot's signal, and frames copied rather than linked
 * ```ts
 * import assert from "node:assert/strict";
 * import { createNXWriter, type CreateNXWriterOptions } from "./default_writer.ts";
 * const options: CreateNXWriterOptions = {
 *   overwrite: "rename",
 *   builtins: { entry: { signal: "det" }, streams: { frames: "copy" } },
 * };
 * assert.equal(createNXWriter(options).plugins.length, 7);
 * ```
 */
export interface CreateNXWriterOptions extends NXWriterOptions {
  /** Options of the built-in plugins. */
  builtins?: BuiltinPluginsOptions;
}

/**
 * An NXWriter with the built-in plugins registered first (metadata, streams, detectors,
 * positioners, source, entry, templates), then `options.plugins`.
 *
 * @example Write the NeXus file of a scan
 * ```ts
 * import assert from "node:assert/strict";
 * import { createNXWriter, RunEngine, scan } from "../mod.ts";
 * import { RandomSensor, SimMotor } from "../devices/mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const writer = createNXWriter({ filePath: dir, fileName: "scan.h5" });
 * const RE = new RunEngine();
 * RE.subscribe("all", writer.receiver);
 * const motor = new SimMotor({ name: "motor", instant: true });
 * await RE.run(scan([new RandomSensor({ seed: 1 })], [[motor, -0.5, 0.5]], { num: 5 }));
 * assert.equal(await writer.wait(), `${dir}/scan.h5`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param options Writer options and the built-in plugins' options.
 * @returns The writer.
 */
export function createNXWriter(options: CreateNXWriterOptions = {}): NXWriter {
  const { builtins, plugins = [], ...rest } = options;
  return new NXWriter({ ...rest, plugins: [...builtinPlugins(builtins), ...plugins] });
}
