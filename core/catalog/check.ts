/**
 * `nx check`'s work: SQLite's integrity check of a catalog file, and every run's documents
 * read one by one, counted against what its stop document says, so that a user learns what
 * a damaged catalog still holds.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { parseJson } from "../readers/_parse_json.ts";
import { startKeyRows } from "./sqlite_storage.ts";

/** What a check found of one run. */
export interface RunCheck {
  /** Uid of the run's start document. */
  uid: string;
  /** The start document's `scan_id`, if it could be read. */
  scanId: number | undefined;
  /** The stop's exit status, `"incomplete"` without a stop, `undefined` when it cannot be read. */
  exitStatus: string | undefined;
  /** Documents of the run that could be read. */
  documents: number;
  /**
   * Events by stream: how many the stop document's `num_events` (or, without it, the
   * catalog's count) says, and how many could be read.
   */
  events: Record<string, { expected: number | undefined; readable: number }>;
  /** Whether every event expected could be read, and the start (and stop, if any). */
  ok: boolean;
}

/** What {@linkcode checkCatalog} found. */
export interface CatalogCheck {
  /** The database file. */
  file: string;
  /**
   * SQLite's `integrity_check` (at most 100 findings), then what else does not fit: a list of
   * runs that cannot be read, an index of start keys that does not match the start documents.
   * `[]` when all is well.
   */
  problems: string[];
  /** Every run found, from the list of runs or, where that is damaged, from start documents. */
  runs: RunCheck[];
  /** Rows of documents that could not be read at all (their run is not known). */
  unreadable: number;
  /** Whether all is well: no problem, every run whole. */
  ok: boolean;
}

interface RunRow {
  id: number;
  uid: string;
  start: string;
  stop: string | null;
  events: number;
}

/** Rows read at a time; a range that cannot be read is read again row by row. */
const RANGE = 500;

/**
 * Check a catalog file, reading everything it holds that can be read. The file is opened read
 * only and nothing is changed.
 *
 * @example A catalog in good health
 * ```ts
 * import assert from "node:assert/strict";
 * import { Catalog } from "./catalog.ts";
 * import { checkCatalog } from "./check.ts";
 * const dir = Deno.makeTempDirSync();
 * const catalog = Catalog.open(dir);
 * catalog.insert("start", { uid: "r1-abcdef", time: 1 });
 * catalog.close();
 * const check = checkCatalog(`${dir}/catalog.sqlite`);
 * assert.equal(check.ok, true);
 * assert.equal(check.runs[0]?.exitStatus, "incomplete");
 * Deno.removeSync(dir, { recursive: true });
 * ```
 *
 * @param file The catalog's database file.
 * @returns What was found.
 * @throws {Error} When the file cannot be opened as a database at all.
 */
export function checkCatalog(file: string): CatalogCheck {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const problems = integrity(db);
    const runs = new Map<number, RunRow>();
    try {
      const rows = db.prepare("SELECT id, uid, start, stop, events FROM runs").all();
      for (const row of rows as unknown as RunRow[]) runs.set(row.id, row);
    } catch (error) {
      problems.push(`The list of runs cannot be read: ${(error as Error).message}`);
    }
    problems.push(...startKeyProblems(db));
    const found = new Map<number, Found>();
    let unreadable = 0;
    readDocuments(db, (run, name, json) => {
      let state = found.get(run);
      if (state === undefined) found.set(run, state = newFound());
      state.documents++;
      let doc: Record<string, unknown>;
      try {
        doc = parseJson(json) as Record<string, unknown>;
      } catch {
        state.damaged++;
        return;
      }
      if (name === "start") state.start = doc;
      else if (name === "stop") state.stop = doc;
      else if (name === "descriptor") state.streams.set(String(doc.uid), String(doc.name));
      else if (name === "event" || name === "event_page") {
        const rows = name === "event" ? 1 : Array.isArray(doc.uid) ? doc.uid.length : 0;
        const key = String(doc.descriptor);
        state.events.set(key, (state.events.get(key) ?? 0) + rows);
      }
    }, () => unreadable++);
    const checks: RunCheck[] = [];
    for (const id of new Set([...runs.keys(), ...found.keys()])) {
      checks.push(runCheck(runs.get(id), found.get(id) ?? newFound()));
    }
    const ok = problems.length === 0 && unreadable === 0 && checks.every((run) => run.ok);
    return { file, problems, runs: checks, unreadable, ok };
  } finally {
    db.close();
  }
}

interface Found {
  documents: number;
  damaged: number;
  start: Record<string, unknown> | undefined;
  stop: Record<string, unknown> | undefined;
  /** Stream name by descriptor uid. */
  streams: Map<string, string>;
  /** Events by descriptor uid. */
  events: Map<string, number>;
}

function newFound(): Found {
  return {
    documents: 0,
    damaged: 0,
    start: undefined,
    stop: undefined,
    streams: new Map(),
    events: new Map(),
  };
}

/**
 * Whether `start_keys` holds exactly the top-level scalars of the start documents of the runs
 * it has filed (a catalog of version 1 has no such table: nothing to check).
 */
function startKeyProblems(db: DatabaseSync): string[] {
  try {
    const table = db.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'start_keys_filled'",
    ).get();
    if (table === undefined) return [];
    const expected = startKeyRows("runs.id <= (SELECT upto FROM start_keys_filled)");
    const held = "SELECT key, kind, value, time, run FROM start_keys";
    const count = (sql: string) =>
      (db.prepare(`SELECT count(*) AS n FROM (${sql})`).get() as { n: number }).n;
    const missing = count(`${expected} EXCEPT ${held}`);
    const extra = count(`${held} EXCEPT ${expected}`);
    if (missing === 0 && extra === 0) return [];
    return [
      `The index of start keys (table "start_keys") does not match the start documents: ` +
      `${missing} entries missing, ${extra} entries of no start document (searches by start ` +
      "key may miss runs or find others)",
    ];
  } catch (error) {
    return [`The index of start keys cannot be checked: ${(error as Error).message}`];
  }
}

function integrity(db: DatabaseSync): string[] {
  try {
    const rows = db.prepare("PRAGMA integrity_check(100)").all();
    const lines = rows.flatMap((row) => String(Object.values(row)[0]).split("\n"));
    return lines.length === 1 && lines[0] === "ok" ? [] : lines.filter((line) => line !== "");
  } catch (error) {
    return [`The integrity check stopped: ${(error as Error).message}`];
  }
}

/** Every row of `documents` that can be read, by ranges of rowids, row by row where damaged. */
function readDocuments(
  db: DatabaseSync,
  onRow: (run: number, name: string, json: string) => void,
  onUnreadable: () => void,
): void {
  let last = 0;
  try {
    last = Number((db.prepare("SELECT max(seq) AS n FROM documents").get() as { n: number }).n);
  } catch {
    last = 0;
  }
  const range = db.prepare("SELECT seq, run, name, json FROM documents WHERE seq BETWEEN ? AND ?");
  const one = db.prepare("SELECT run, name, json FROM documents WHERE seq = ?");
  type Row = { run: number; name: string; json: string };
  for (let from = 1; from <= last; from += RANGE) {
    let rows: Row[];
    try {
      rows = range.all(from, from + RANGE - 1) as unknown as Row[];
    } catch {
      rows = [];
      for (let seq = from; seq < from + RANGE && seq <= last; seq++) {
        try {
          const row = one.get(seq) as Row | undefined;
          if (row !== undefined) rows.push(row);
        } catch {
          onUnreadable();
        }
      }
    }
    for (const row of rows) onRow(row.run, row.name, row.json);
  }
}

function runCheck(row: RunRow | undefined, found: Found): RunCheck {
  let start = found.start;
  let stop = found.stop;
  try {
    start ??= row === undefined ? undefined : parseJson(row.start) as Record<string, unknown>;
    if (row?.stop != null) stop ??= parseJson(row.stop) as Record<string, unknown>;
  } catch {
    // What could not be parsed stays unknown.
  }
  const readable: Record<string, number> = {};
  for (const [descriptor, n] of found.events) {
    const stream = found.streams.get(descriptor) ?? `descriptor ${descriptor}`;
    readable[stream] = (readable[stream] ?? 0) + n;
  }
  const events: RunCheck["events"] = {};
  const counts = stop?.num_events;
  if (counts !== null && typeof counts === "object" && Object.keys(counts).length > 0) {
    for (const [stream, n] of Object.entries(counts)) {
      events[stream] = { expected: typeof n === "number" ? n : undefined, readable: 0 };
    }
  } else if (row !== undefined) {
    events["(all streams)"] = { expected: row.events, readable: 0 };
  }
  const total = events["(all streams)"];
  for (const [stream, n] of Object.entries(readable)) {
    if (total !== undefined) total.readable += n;
    else (events[stream] ??= { expected: undefined, readable: 0 }).readable += n;
  }
  const whole = Object.values(events).every((e) => e.expected === e.readable);
  const uid = String(row?.uid ?? start?.uid ?? "?");
  return {
    uid,
    scanId: typeof start?.scan_id === "number" ? start.scan_id : undefined,
    exitStatus: row !== undefined && row.stop === null
      ? "incomplete"
      : typeof stop?.exit_status === "string"
      ? stop.exit_status
      : undefined,
    documents: found.documents,
    events,
    ok: whole && found.damaged === 0 && found.start !== undefined && row !== undefined &&
      (row.stop === null || found.stop !== undefined),
  };
}
