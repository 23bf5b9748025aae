/**
 * Catalog and conversion figures for a 100,000-event run of 12 scalar keys: the catalog's
 * insert rate, the export of the stored run to NeXus, and the conversion of the run's JSON
 * Lines file in a fresh process with its peak memory (apstools in Python: 2.7 s and 425 MB
 * for the same run). Then searches of a catalog of 100,000 runs, as the web view pages them,
 * through the index of start keys and, for comparison, without it (a catalog of the old
 * schema opened read-only). The store, export and read-back are also timed with a catalog in
 * a PostgreSQL server of the bench's own (on 127.0.0.1, fsync off), when one is installed.
 *
 * @module
 */

import { runConvertCommand } from "../cli/nx_convert_command.ts";
import { Catalog, replay, type RunQuery, SqliteStorage } from "../core/catalog/mod.ts";
import { DatabaseSync } from "node:sqlite";
import { writeJsonLines } from "../core/readers/json_lines_writer.ts";
import { createNXWriter } from "../mod.ts";
import { benchRun, inChildProcess, KEYS } from "./_documents.ts";
import type { Figure } from "./_figures.ts";
import { withPeakRss } from "./_figures.ts";
import { postgresBinDir, startPostgres } from "../tests/_postgres.ts";

const EVENTS = 100_000;
const RUN = `${EVENTS} events x ${KEYS} keys`;

/**
 * Store the run in the catalog at `location`, export it, read it back, and time the two
 * lookups the web view and the commands make most; with `jsonl`, write its JSON Lines file
 * for the conversion.
 */
async function catalogFigures(
  dir: string,
  location: string,
  label: string,
  jsonl?: string,
): Promise<Figure[]> {
  const catalog = Catalog.open(location);
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
  const writer = createNXWriter({ filePath: dir, fileName: `export-${label}.h5` });
  await replay(run, writer.receiver);
  await writer.wait();
  const exportSeconds = (performance.now() - exportStarted) / 1000;
  const readStarted = performance.now();
  let read = 0;
  for (const _ of run.documents()) read++;
  const readSeconds = (performance.now() - readStarted) / 1000;
  if (read !== documents) throw new Error(`${label}: read ${read} documents of ${documents}`);
  const scanId = Number(run.start.scan_id);
  const lookups = [
    { name: `${label} last document number (the live view's poll)`, work: () => catalog.lastSeq() },
    { name: `${label} run by scan id`, work: () => catalog.byScanId(scanId) },
  ].map(({ name, work }) => ({ name, value: medianMs(work, 50), unit: "ms" }));
  if (jsonl !== undefined) await writeJsonLines(jsonl, run.documents());
  catalog.close();
  return [
    { name: `${label} insert, ${RUN}`, value: documents / insertSeconds, unit: "documents/s" },
    { name: `${label} export to NeXus, ${RUN}`, value: exportSeconds, unit: "s" },
    { name: `${label} read back, ${RUN}`, value: readSeconds, unit: "s" },
    ...lookups,
  ];
}

/** The same figures for a catalog in a PostgreSQL server of its own, if one is installed. */
async function postgresFigures(dir: string): Promise<Figure[]> {
  if (postgresBinDir() === null) {
    console.error("No PostgreSQL here (the postgresql package): no figures of its catalog");
    return [];
  }
  const server = await startPostgres();
  try {
    return await catalogFigures(dir, await server.database(), "catalog (PostgreSQL)");
  } finally {
    await server.close();
  }
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

const RUNS = 100_000;
/** Start documents inserted one by one into the catalog of `RUNS` runs. */
const STARTS = 2000;
const PLANS = ["scan", "count", "grid_scan", "rel_scan"];
const SAMPLES = Array.from({ length: 50 }, (_, i) => `sample-${i}`);
/** A page of the web view's list of runs. */
const PAGE = { from: "newest", offset: 0, limit: 50 } as const;

/** The start document of run `i`: a few keys to search by, and nested ones as plans write. */
function startDocument(i: number): Record<string, unknown> {
  return {
    uid: crypto.randomUUID(),
    // Ten runs share each second: ties in time.
    time: 1.7e9 + Math.floor(i / 10),
    plan_name: PLANS[i % PLANS.length],
    scan_id: i % 50_000,
    sample: SAMPLES[i % SAMPLES.length],
    operator: "bench",
    num_points: 11,
    dry_run: i % 2 === 0,
    detectors: ["det", "I0"],
    motors: ["motor"],
    plan_args: { start: -1, stop: 1, num: 11 },
    hints: { dimensions: [[["motor"], "primary"]] },
  };
}

/** Milliseconds of the median of a few calls (after one to warm up, unless a single call). */
function medianMs(work: () => unknown, calls = 15): number {
  if (calls > 1) work();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(calls / 2)]!;
}

/** The searches measured: the web view's first page and its total, for a few queries. */
const SEARCHES: [string, RunQuery][] = [
  ["plan_name", { plan_name: "scan" }],
  ["scan_id", { scan_id: 4321 }],
  ["sample + time range", { sample: "sample-7", since: 1.7e9 + 2000, until: 1.7e9 + 6000 }],
  ["plan_name + sample", { plan_name: "scan", sample: "sample-8" }],
  ["operator + dry_run (both common)", { operator: "bench", dry_run: true }],
];

/**
 * The runs of {@linkcode startDocument} in a catalog of the old schema (no index of start
 * keys), written by SQL at once: storing them one by one would take most of the benchmark.
 */
function oldCatalog(file: string): void {
  new SqliteStorage(file).close();
  const db = new DatabaseSync(file);
  db.exec(`
    DROP TABLE start_keys; DROP TABLE start_keys_filled; PRAGMA user_version = 1;
    BEGIN;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${RUNS - 1})
    INSERT INTO runs (uid, time, start)
    SELECT uid, time, json_object('uid', uid, 'time', time,
      'plan_name', json_extract('${JSON.stringify(PLANS)}', '$[' || (i % ${PLANS.length}) || ']'),
      'scan_id', i % 50000, 'sample', 'sample-' || (i % ${SAMPLES.length}), 'operator', 'bench',
      'num_points', 11, 'dry_run', json(iif(i % 2 = 0, 'true', 'false')),
      'detectors', json_array('det', 'I0'), 'motors', json_array('motor'),
      'plan_args', json_object('start', -1, 'stop', 1, 'num', 11),
      'hints', json('{"dimensions":[[["motor"],"primary"]]}'))
    FROM (SELECT i, lower(hex(randomblob(16))) AS uid, 1.7e9 + i / 10 AS time FROM n);
    INSERT INTO documents (run, name, uid, json) SELECT id, 'start', uid, start FROM runs;
    INSERT INTO refs (uid, run, name) SELECT uid, id, 'start' FROM runs;
    COMMIT;`);
  db.close();
}

/** Searches of `RUNS` runs without the index of start keys and with it; starts stored. */
function searchFigures(dir: string): Figure[] {
  oldCatalog(`${dir}/catalog.sqlite`);
  const at = `${RUNS / 1000}k runs`;
  const figures: Figure[] = [];
  const measure = (catalog: Catalog, how: string, calls?: number) => {
    for (const [name, query] of SEARCHES) {
      const page = medianMs(() => catalog.runs(query, PAGE), calls);
      const count = medianMs(() => catalog.count(query), calls);
      figures.push(
        { name: `catalog search ${how}, ${at}: ${name}, newest 50`, value: page, unit: "ms" },
        { name: `catalog search ${how}, ${at}: ${name}, count`, value: count, unit: "ms" },
      );
    }
    const deep = { ...PAGE, offset: 20_000 };
    const value = medianMs(() => catalog.runs({ plan_name: "scan" }, deep), calls);
    figures.push({
      name: `catalog search ${how}, ${at}: plan_name, offset 20,000`,
      value,
      unit: "ms",
    });
  };
  // Read-only, the old schema is searched by reading every start document.
  const old = Catalog.open(dir, { readOnly: true });
  measure(old, "(no index)", 1);
  old.close();
  const upgraded = performance.now();
  const catalog = Catalog.open(dir);
  figures.push({
    name: `catalog index of start keys made for ${at} (opened once)`,
    value: (performance.now() - upgraded) / 1000,
    unit: "s",
  });
  measure(catalog, "(index)");
  // As a live catalog stores them: each start committed at once.
  const started = performance.now();
  for (let i = RUNS; i < RUNS + STARTS; i++) catalog.insert("start", startDocument(i) as never);
  figures.push({
    name: `catalog insert at ${at}, start documents (each committed)`,
    value: STARTS / ((performance.now() - started) / 1000),
    unit: "documents/s",
  });
  catalog.close();
  return figures;
}

/** The catalog's benchmarks; the conversion runs in a fresh process for its peak memory. */
export const catalogBenchmarks = [{
  name: "catalog",
  async run(): Promise<Figure[]> {
    const dir = await Deno.makeTempDir();
    try {
      const figures = await inChildProcess<Figure[]>(import.meta.url, ["store", dir]);
      const postgres = await inChildProcess<Figure[]>(import.meta.url, ["postgres", dir]);
      const out = await Deno.makeTempDir({ dir });
      const convert = await inChildProcess<Figure[]>(import.meta.url, [
        "convert",
        `${dir}/run.jsonl`,
        out,
      ]);
      const search = await Deno.makeTempDir({ dir });
      const searches = await inChildProcess<Figure[]>(import.meta.url, ["search", search]);
      return [...figures, ...postgres, ...convert, ...searches];
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}];

if (import.meta.main) {
  const [mode, first, second] = Deno.args;
  const figures = mode === "store"
    ? await catalogFigures(first!, `${first}/catalog`, "catalog", `${first}/run.jsonl`)
    : mode === "postgres"
    ? await postgresFigures(first!)
    : mode === "search"
    ? searchFigures(first!)
    : await convertFigures(first!, second!);
  console.log(JSON.stringify(figures));
}
