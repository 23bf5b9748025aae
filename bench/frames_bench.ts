/**
 * Copying an area detector's frames into the NeXus file: a 1,000-frame 512 x 512 `uint16`
 * stack (about 524 MB) written by the simulated detector, then taken into the run's file in
 * copy mode (one gzip chunk per frame, read one frame at a time), with the process's peak
 * memory, against `cp` of the same file measured in the same run.
 *
 * @module
 */

import { createNXWriter, type NamedDocument, RunEngine, scan } from "../mod.ts";
import { SimAreaDetector, SimMotor } from "../devices/mod.ts";
import { inChildProcess } from "./_documents.ts";
import type { Figure } from "./_figures.ts";
import { rssMB, withPeakRss } from "./_figures.ts";

const FRAMES = 1000;
const SIZE = 512;

async function measure(dir: string): Promise<Figure[]> {
  const motor = new SimMotor({ name: "motor", instant: true });
  const det = new SimAreaDetector({ motor, folder: `${dir}/images`, seed: 1 });
  const RE = new RunEngine();
  const docs: NamedDocument[] = [];
  let file = "";
  RE.subscribe("all", (name, doc) => {
    docs.push([name, doc] as NamedDocument);
    file ||= det.file ?? "";
  });
  await RE.run(scan([det], [[motor, -1, 1]], { num: FRAMES }));
  const bytes = (await Deno.stat(file)).size;
  const before = rssMB();
  const copy = (compression: number, fileName: string) => {
    const writer = createNXWriter({
      filePath: dir,
      fileName,
      builtins: { streams: { frames: "copy", compression } },
    });
    return withPeakRss(async () => {
      const started = performance.now();
      for (const [name, doc] of docs) writer.receiver(name, doc);
      await writer.wait();
      return (performance.now() - started) / 1000;
    });
  };
  const { peakMB, result: seconds } = await copy(1, "copy.h5");
  const plain = await copy(0, "plain.h5");
  const cpStarted = performance.now();
  const cp = await new Deno.Command("cp", { args: [file, `${dir}/cp.h5`] }).output();
  if (!cp.success) throw new Error("cp failed");
  const cpSeconds = (performance.now() - cpStarted) / 1000;
  const mb = bytes / 1e6;
  const label = `${FRAMES} frames ${SIZE} x ${SIZE} uint16 (${mb.toFixed(0)} MB)`;
  return [
    { name: `${label}, copied into the NeXus file`, value: mb / seconds, unit: "MB/s" },
    { name: `${label}, copied without compression`, value: mb / plain.result, unit: "MB/s" },
    { name: `${label}, cp of the detector file`, value: mb / cpSeconds, unit: "MB/s" },
    {
      name: `${label}, copy, peak memory (process)`,
      value: Math.max(peakMB, plain.peakMB),
      unit: "MB",
    },
    { name: `${label}, process memory before the copy`, value: before, unit: "MB" },
    {
      name: `${label}, NeXus file size (gzip level 1)`,
      value: (await Deno.stat(`${dir}/copy.h5`)).size / 1e6,
      unit: "MB",
    },
  ];
}

/** The frames benchmark, in a fresh process so that its peak memory is its own. */
export const framesBenchmarks = [{
  name: "frames",
  async run(): Promise<Figure[]> {
    const dir = await Deno.makeTempDir();
    try {
      return await inChildProcess<Figure[]>(import.meta.url, [dir]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}];

if (import.meta.main) console.log(JSON.stringify(await measure(Deno.args[0]!)));
