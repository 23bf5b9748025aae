/**
 * Test helper: a step scan of the simulated area detector against an instant motor, as the
 * area-detector tests, the compression tests and the before/after comparison record it.
 *
 * @module
 */

import { RunEngine, scan } from "../mod.ts";
import type { NamedDocument } from "../core/documents/types.ts";
import { type AssetFlavor, SimAreaDetector, SimMotor } from "../devices/mod.ts";

/** What the scan is made of. */
export interface AreaDetectorScanOptions {
  /** Folder of the detector's own files. */
  folder: string;
  /** Frame width and height in pixels. */
  width: number;
  height: number;
  /** Points of the scan, the motor from -1 to 1. */
  num: number;
  /** Seed of the detector's noise. */
  seed: number;
  /** Classic resources or stream resources (default: the detector's). */
  flavor?: AssetFlavor;
}

/**
 * Run the scan.
 * @param options The detector, its folder, the points.
 * @returns Its documents, the detector's file and the run's exit status (undefined without a run).
 */
export async function areaDetectorScan(
  options: AreaDetectorScanOptions,
): Promise<{ docs: NamedDocument[]; file: string; exitStatus: string | undefined }> {
  const { folder, width, height, seed, flavor, num } = options;
  const motor = new SimMotor({ name: "motor", instant: true });
  const det = new SimAreaDetector({
    motor,
    folder,
    width,
    height,
    seed,
    ...(flavor === undefined ? {} : { flavor }),
  });
  const RE = new RunEngine();
  const docs: NamedDocument[] = [];
  let file = "";
  RE.subscribe("all", (name, doc) => {
    docs.push([name, doc] as NamedDocument);
    if (det.file) file = det.file;
  });
  const result = await RE.run(scan([det], [[motor, -1, 1]], { num }));
  return { docs, file, exitStatus: result.exitStatus };
}
