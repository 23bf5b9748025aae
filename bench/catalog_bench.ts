/**
 * Catalog and conversion figures for a 100,000-event run of 12 scalar keys: the catalog's
 * insert rate, the export of the stored run to NeXus, and the conversion of the run's JSON
 * Lines file in a fresh process with its peak memory (apstools in Python: 2.7 s and 425 MB
 * for the same run).
 *
 * @module
 */

import { runConvertCommand } from "../cli/nx_convert_command.ts";
import { Catalog, replay } from "../core/catalog/mod.ts";
import { writeJsonLines } from "../core/readers/json_lines_writer.ts";
import { createNXWriter } from "../mod.ts";
import { benchRun, inChildProcess, KEYS } from "./_documents.ts";
import type { Figure } from "./_figures.ts";
import { withPeakRss } from "./_figures.ts";

const EVENTS = 100_000;
const RUN = `${EVENTS} events x ${KEYS} keys`;

/** Store the run, export it, and write its JSON Lines file for the conversion. */
async function catalogFigures(dir: string): Promise<Figure[]> {
  const catalog = Catalog.open(`${dir}/catalog`);
  let documents = 0;
  const docs = [...benchRun(EVENTS)];
  const started = performance.now();
  for (const [name, doc] of docs) {
    catalog.insert(name, doc);
    documents++;
  }
  catalog.flush();
  const insertSeconds = (performance.now() - started) / 1000;
  const run = catalog.byIndex(-1);
  const exportStarted = performance.now();
  const writer = createNXWriter({ filePath: dir, fileName: "export.h5" });
  await replay(run, writer.receiver);
  await writer.wait();
  const exportSeconds = (performance.now() - exportStarted) / 1000;
  await writeJsonLines(`${dir}/run.jsonl`, run.documents());
  catalog.close();
  return [
    { name: `catalog insert, ${RUN}`, value: documents / insertSeconds, unit: "documents/s" },
    { name: `catalog export to NeXus, ${RUN}`, value: exportSeconds, unit: "s" },
  ];
}

/** Convert the JSON Lines file, in this (fresh) process. */
async function convertFigures(jsonl: string, dir: string): Promise<Figure[]> {
  const quiet = {
    out: () => {},
    err: () => {},
    isTerminal: false,
    columns: 80,
    onInterrupt: () => () => {},
  };
  const { peakMB, result: seconds } = await withPeakRss(async () => {
    const started = performance.now();
    const code = await runConvertCommand([jsonl, "--dir", dir], quiet);
    if (code !== 0) throw new Error(`The conversion of ${jsonl} failed`);
    return (performance.now() - started) / 1000;
  });
  const size = (await Deno.stat(jsonl)).size / 1e6;
  return [
    { name: `convert JSON Lines (${size.toFixed(0)} MB), ${RUN}`, value: seconds, unit: "s" },
    { name: `convert JSON Lines, ${RUN}, peak memory (process)`, value: peakMB, unit: "MB" },
  ];
}

/** The catalog's benchmarks; the conversion runs in a fresh process for its peak memory. */
export const catalogBenchmarks = [{
  name: "catalog",
  async run(): Promise<Figure[]> {
    const dir = await Deno.makeTempDir();
    try {
      const figures = await inChildProcess<Figure[]>(import.meta.url, ["store", dir]);
      const out = await Deno.makeTempDir({ dir });
      const convert = await inChildProcess<Figure[]>(import.meta.url, [
        "convert",
        `${dir}/run.jsonl`,
        out,
      ]);
      return [...figures, ...convert];
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}];

if (import.meta.main) {
  const [mode, first, second] = Deno.args;
  const figures = mode === "store"
    ? await catalogFigures(first!)
    : await convertFigures(first!, second!);
  console.log(JSON.stringify(figures));
}
