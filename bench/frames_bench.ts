/**
 * Copying an area detector's frames into the NeXus file: a 1,000-frame 512 x 512 `uint16`
 * stack (about 524 MB) written by the simulated detector, then taken into the run's file in
 * copy mode (one chunk per frame, read one frame at a time) with each compression the streams
 * plugin offers: gzip level 1 (the default), none, bitshuffle + LZ4 and LZ4. Each
 * copy's rate, file size and the process's peak memory, against `cp` of the same file
 * measured in the same run (`cp` runs before and after the copies; their mean time counts).
 *
 * `FRAMES_BENCH_FRAMES` sets a smaller stack while developing.
 *
 * @module
 */

import { createNXWriter, type NamedDocument, RunEngine, scan } from "../mod.ts";
import { SimAreaDetector, SimMotor } from "../devices/mod.ts";
import type { Options as StreamsOptions } from "../plugins/streams.ts";
import { inChildProcess } from "./_documents.ts";
import type { Figure } from "./_figures.ts";
import { rssMB, withPeakRss } from "./_figures.ts";

const SIZE = 512;

/** The copies measured, by how the streams plugin is told to compress. */
const COPIES: { compression: NonNullable<StreamsOptions["compression"]>; label: string }[] = [
  { compression: 1, label: "gzip level 1 (the default)" },
  { compression: 0, label: "without compression" },
  { compression: "bslz4", label: 'bitshuffle + LZ4 ("bslz4")' },
  { compression: "lz4", label: 'LZ4 ("lz4")' },
];

async function cpSeconds(from: string, to: string): Promise<number> {
  const started = performance.now();
  const cp = await new Deno.Command("cp", { args: [from, to] }).output();
  if (!cp.success) throw new Error(`cp of "${from}" failed`);
  const seconds = (performance.now() - started) / 1000;
  await Deno.remove(to);
  return seconds;
}

async function measure(dir: string, frames: number): Promise<Figure[]> {
  const motor = new SimMotor({ name: "motor", instant: true });
  const det = new SimAreaDetector({ motor, folder: `${dir}/images`, seed: 1 });
  const RE = new RunEngine();
  const docs: NamedDocument[] = [];
  let file = "";
  RE.subscribe("all", (name, doc) => {
    docs.push([name, doc] as NamedDocument);
    file ||= det.file ?? "";
  });
  await RE.run(scan([det], [[motor, -1, 1]], { num: frames }));
  const mb = (await Deno.stat(file)).size / 1e6;
  const label = `${frames} frames ${SIZE} x ${SIZE} uint16 (${mb.toFixed(0)} MB)`;
  const before = rssMB();
  const cpBefore = await cpSeconds(file, `${dir}/cp.h5`);
  const figures: Figure[] = [];
  let peak = 0;
  for (const [i, { compression, label: how }] of COPIES.entries()) {
    const fileName = `copy${i}.h5`;
    const writer = createNXWriter({
      filePath: dir,
      fileName,
      builtins: { streams: { frames: "copy", compression } },
    });
    const { peakMB, result: seconds } = await withPeakRss(async () => {
      const started = performance.now();
      for (const [name, doc] of docs) writer.receiver(name, doc);
      await writer.wait();
      return (performance.now() - started) / 1000;
    });
    peak = Math.max(peak, peakMB);
    const size = (await Deno.stat(`${dir}/${fileName}`)).size / 1e6;
    await Deno.remove(`${dir}/${fileName}`);
    figures.push(
      { name: `${label}, copied, ${how}`, value: mb / seconds, unit: "MB/s" },
      { name: `${label}, NeXus file size, ${how}`, value: size, unit: "MB" },
    );
  }
  const cp = (cpBefore + await cpSeconds(file, `${dir}/cp.h5`)) / 2;
  const cpRate = mb / cp;
  const rate = (how: string) =>
    figures.find((f) => f.name === `${label}, copied, ${how}`)?.value ?? NaN;
  return [
    ...figures,
    { name: `${label}, cp of the detector file`, value: cpRate, unit: "MB/s" },
    {
      name: `${label}, bitshuffle + LZ4 copy / cp`,
      value: rate(COPIES[2]!.label) / cpRate,
      unit: "x",
    },
    { name: `${label}, gzip level 1 copy / cp`, value: rate(COPIES[0]!.label) / cpRate, unit: "x" },
    { name: `${label}, copies, peak memory (process)`, value: peak, unit: "MB" },
    { name: `${label}, process memory before the copies`, value: before, unit: "MB" },
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

if (import.meta.main) {
  const frames = Number(Deno.env.get("FRAMES_BENCH_FRAMES") ?? 1000);
  console.log(JSON.stringify(await measure(Deno.args[0]!, frames)));
}
