/**
 * NXWriter throughput: a run of 100,000 events with 12 scalar keys, from documents made in
 * the process to the NeXus file on disk, with the peak resident memory of the process.
 *
 * @module
 */

import { composeRun, createNXWriter, type DataKeys } from "../mod.ts";
import type { Figure } from "./_figures.ts";
import { rssMB, withPeakRss } from "./_figures.ts";

const EVENTS = 100_000;
const KEYS = 12;

async function documentsToFile(
  dir: string,
  events = EVENTS,
): Promise<{ seconds: number; peakMB: number }> {
  const writer = createNXWriter({ filePath: dir, fileName: "bench.h5", overwrite: "replace" });
  const { peakMB, result: seconds } = await withPeakRss(async () => {
    const started = performance.now();
    const run = composeRun({ plan_name: "bench", scan_id: 1, detectors: ["k0"], motors: [] });
    writer.receiver("start", run.start);
    const data_keys: DataKeys = {};
    for (let k = 0; k < KEYS; k++) {
      data_keys[`k${k}`] = { dtype: "number", shape: [], source: `SIM:k${k}`, precision: 4 };
    }
    const primary = run.descriptor({
      name: "primary",
      data_keys,
      hints: { k0: { fields: ["k0"] } },
      object_keys: Object.fromEntries(Object.keys(data_keys).map((k) => [k, [k]])),
    });
    writer.receiver("descriptor", primary.doc);
    const names = Object.keys(data_keys);
    for (let i = 0; i < events; i++) {
      const data: Record<string, number> = {};
      const timestamps: Record<string, number> = {};
      for (let k = 0; k < KEYS; k++) {
        data[names[k]!] = Math.sin(i + k);
        timestamps[names[k]!] = 1.7e9 + i * 0.01;
      }
      writer.receiver("event", primary.event({ data, timestamps }));
    }
    writer.receiver("stop", run.stop());
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
  async run(): Promise<Figure[]> {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    if (code !== 0) throw new Error(`The writer benchmark failed: ${decoder.decode(stderr)}`);
    return JSON.parse(decoder.decode(stdout)) as Figure[];
  },
}];

if (import.meta.main) console.log(JSON.stringify(await measure()));
