/**
 * Copying an area detector's frames into the NeXus file: a 1,000-frame 512 x 512 `uint16`
 * stack (about 524 MB) written by the simulated detector, then taken into the run's file in
 * copy mode (one chunk per frame, read one frame at a time) with each compression the streams
 * plugin offers: gzip level 1 (the default), none, bitshuffle + LZ4 and LZ4. Each
 * copy's rate, file size and the process's peak memory, against `cp` of the same file
 * measured in the same run (`cp` runs three times before the copies and three times after;
 * the median time counts).
 *
 * Each copy and each `cp` is timed twice: warm, the detector file in the page cache (as just
 * written), and from disk, its pages dropped from the page cache first (`posix_fadvise`
 * `DONTNEED` after an `fsync`). Written files stay in the page cache in both cases, for `cp`
 * as for the copies. The ratios to `cp` are given for both.
 *
 * `FRAMES_BENCH_FRAMES` sets a smaller stack and `FRAMES_BENCH_ONLY` (for example `bslz4,1`)
 * the copies made, while developing.
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

/** How many times `cp` runs, each way, before the copies and again after them. */
const CP_REPEAT = 3;

/** `FRAMES_BENCH_ONLY=bslz4,1`: only these copies, while developing. */
const only = Deno.env.get("FRAMES_BENCH_ONLY")?.split(",");

/** The copies measured, by how the streams plugin is told to compress. */
const COPIES: { compression: NonNullable<StreamsOptions["compression"]>; label: string }[] = [
  { compression: 1, label: "gzip level 1 (the default)" },
  { compression: 0, label: "without compression" },
  { compression: "bslz4", label: 'bitshuffle + LZ4 ("bslz4")' },
  { compression: "lz4", label: 'LZ4 ("lz4")' },
];

async function cpSeconds(from: string, to: string, cold: boolean): Promise<number> {
  if (cold) await dropFromPageCache(from);
  const started = performance.now();
  const cp = await new Deno.Command("cp", { args: [from, to] }).output();
  if (!cp.success) throw new Error(`cp of "${from}" failed`);
  const seconds = (performance.now() - started) / 1000;
  await Deno.remove(to);
  return seconds;
}

/**
 * Drop `file`'s pages from the page cache (written out first), so that the next read of it
 * comes from the disk: python3's `os.posix_fadvise(POSIX_FADV_DONTNEED)`, else GNU dd's
 * `iflag=nocache`.
 */
async function dropFromPageCache(file: string): Promise<void> {
  const script = "import os, sys\n" +
    "fd = os.open(sys.argv[1], os.O_RDONLY)\n" +
    "os.fsync(fd)\n" +
    "os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)\n" +
    "os.close(fd)\n";
  const python = await new Deno.Command("python3", { args: ["-c", script, file] }).output()
    .catch(() => undefined);
  if (python?.success) return;
  const dd = await new Deno.Command("dd", {
    args: [`if=${file}`, "iflag=nocache", "count=0", "status=none"],
  }).output();
  if (!dd.success) throw new Error(`Cannot drop "${file}" from the page cache`);
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
  const cpTimes = { warm: [] as number[], cold: [] as number[] };
  const timeCp = async () => {
    for (let i = 0; i < CP_REPEAT; i++) {
      cpTimes.cold.push(await cpSeconds(file, `${dir}/cp.h5`, true));
      cpTimes.warm.push(await cpSeconds(file, `${dir}/cp.h5`, false));
    }
  };
  await timeCp();
  const figures: Figure[] = [];
  const rates = new Map<string, number>();
  let peak = 0;
  for (const [i, { compression, label: how }] of COPIES.entries()) {
    if (only !== undefined && !only.includes(String(compression))) continue;
    for (const cold of [false, true]) {
      const fileName = `copy${i}.h5`;
      const writer = createNXWriter({
        filePath: dir,
        fileName,
        builtins: { streams: { frames: "copy", compression } },
      });
      // Warm: the detector file's pages are in the page cache (cp just read it); cold: not.
      if (cold) await dropFromPageCache(file);
      const { peakMB, result: seconds } = await withPeakRss(async () => {
        const started = performance.now();
        for (const [name, doc] of docs) writer.receiver(name, doc);
        await writer.wait();
        return (performance.now() - started) / 1000;
      });
      peak = Math.max(peak, peakMB);
      const name = `${label}, copied${cold ? " from disk" : ""}, ${how}`;
      rates.set(name, mb / seconds);
      figures.push({ name, value: mb / seconds, unit: "MB/s" });
      if (!cold) {
        const size = (await Deno.stat(`${dir}/${fileName}`)).size / 1e6;
        figures.push({ name: `${label}, NeXus file size, ${how}`, value: size, unit: "MB" });
      }
      await Deno.remove(`${dir}/${fileName}`);
    }
  }
  await timeCp();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const cpWarm = mb / median(cpTimes.warm);
  const cpCold = mb / median(cpTimes.cold);
  const ratio = (how: string, cold: boolean) =>
    (rates.get(`${label}, copied${cold ? " from disk" : ""}, ${how}`) ?? NaN) /
    (cold ? cpCold : cpWarm);
  return [
    ...figures,
    { name: `${label}, cp of the detector file (page cache)`, value: cpWarm, unit: "MB/s" },
    { name: `${label}, cp of the detector file (from disk)`, value: cpCold, unit: "MB/s" },
    ...[COPIES[2]!, COPIES[0]!].flatMap(({ label: how }) => [
      { name: `${label}, ${how} copy / cp (page cache)`, value: ratio(how, false), unit: "x" },
      { name: `${label}, ${how} copy / cp (from disk)`, value: ratio(how, true), unit: "x" },
    ]),
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
