/**
 * NXWriter throughput: a run of 100,000 events with 12 scalar keys, from documents made in
 * the process to the NeXus file on disk, with the peak resident memory of the process.
 *
 * @module
 */

import { createNXWriter } from "../mod.ts";
import { benchRun, inChildProcess, KEYS } from "./_documents.ts";
import type { Figure } from "./_figures.ts";
import { rssMB, withPeakRss } from "./_figures.ts";

const EVENTS = 100_000;

async function documentsToFile(
  dir: string,
  events = EVENTS,
): Promise<{ seconds: number; peakMB: number }> {
  const writer = createNXWriter({ filePath: dir, fileName: "bench.h5", overwrite: "replace" });
  const { peakMB, result: seconds } = await withPeakRss(async () => {
    const started = performance.now();
    for (const [name, doc] of benchRun(events)) writer.receiver(name, doc);
    await writer.wait();
    return (performance.now() - started) / 1000;
  });
  return { seconds, peakMB };
}

/** Measure in this process: a 10,000-event run to warm up, then the 100,000-event run. */
async function measure(): Promise<Figure[]> {
  const dir = await Deno.makeTempDir();
  try {
    await documentsToFile(dir, 10_000);
    const baseline = rssMB();
    const { seconds, peakMB } = await documentsToFile(dir);
    const size = (await Deno.stat(`${dir}/bench.h5`)).size / 1e6;
    return [
      { name: `${EVENTS} events x ${KEYS} keys, documents to file`, value: seconds, unit: "s" },
      { name: `${EVENTS} events x ${KEYS} keys, peak memory (process)`, value: peakMB, unit: "MB" },
      { name: "process memory before the run", value: baseline, unit: "MB" },
      { name: `${EVENTS} events x ${KEYS} keys, file size`, value: size, unit: "MB" },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The writer's benchmarks, each in a fresh process so that its peak memory is its own. */
export const writerBenchmarks = [{
  name: "writer",
  run: (): Promise<Figure[]> => inChildProcess<Figure[]>(import.meta.url),
}];

if (import.meta.main) console.log(JSON.stringify(await measure()));
