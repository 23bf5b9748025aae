/**
 * The catalog's embedded storage: one SQLite file (or an in-memory database) through Deno's
 * built-in `node:sqlite`.
 *
 * @module
 */

import { REFERRED } from "./_referred.ts";
import { bigintDigits } from "../readers/_stringify_python.ts";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { DocumentName } from "../documents/types.ts";
import type {
  CatalogStorage,
  DocumentRecord,
  RunFilter,
  RunSlice,
  StartValue,
  StoredDocument,
  StoredRun,
  TailedDocument,
  TailFilter,
} from "./storage.ts";
import { CatalogCorruptError, isDamaged } from "./storage_errors.ts";
import { CHECKPOINT_BYTES, Checkpointer } from "./_checkpointer.ts";

/**
 * Version of the tables below, kept in SQLite's `user_version`. 2 added `start_keys`: a
 * version 1 catalog opened to write gets it filled; one opened read-only is searched without.
 */
const SCHEMA_VERSION = 2;

/** The first version with `start_keys`. */
const START_KEYS_VERSION = 2;

// `runs.id` and `documents.seq` count insertion order. A run's documents refer to it by its
// integer id, which keeps the index on `documents.run` small. Only the few documents that
// others refer to are indexed by uid (`refs`): an index of random event uids would dirty
// about one page per event at every commit, and writing would slow down as the catalog grows
// (measured: 14k instead of 67k events/s with a million events stored).
//
// Searches by start key go through `start_keys`: a row per top-level scalar of each start
// document, with the run's time, so that one seek in its primary key finds a key's value and
// walks its runs in time order (newest first, a time range, offset, count) without reading a
// start document (at 100,000 runs: 0.2 instead of 300 ms for a scan id). `kind` keeps JSON
// types apart (3 is not "3", true is not 1); `value` has no type, so SQLite converts nothing.
// The key `uid` is left out: `runs.uid` has it, and its random values would dirty a page per
// start. Only start documents write to the table, and in batches: the runs after
// `start_keys_filled.upto` (fewer than `TAIL`) are searched by reading their start documents,
// and the start that makes them `TAIL` files them all. Filing each start at its commit
// dirtied a page per key and made starts 2.5 times slower (events are not affected).
const START_KEYS = `
CREATE TABLE IF NOT EXISTS start_keys (
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  value NOT NULL,
  time REAL NOT NULL,
  run INTEGER NOT NULL,
  PRIMARY KEY (key, kind, value, time, run)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS start_keys_filled (upto INTEGER NOT NULL);
INSERT INTO start_keys_filled SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM start_keys_filled);
`;

/** At most this many runs are searched by reading their start documents. */
const TAIL = 100;

/** The runs not yet in `start_keys`. */
const TAIL_RUNS = "runs.id > (SELECT upto FROM start_keys_filled)";

/** Every run is filed. */
const FILED = "UPDATE start_keys_filled SET upto = (SELECT coalesce(max(id), 0) FROM runs)";

/**
 * The rows of `start_keys` of the runs a condition on `runs` selects. SQLite reads the start
 * documents itself (the summary copy, NaN as null), as a search without the index does.
 *
 * @param condition An SQL condition on the table `runs`.
 * @returns The SQL of a `SELECT` of `key, kind, value, time, run`.
 */
export function startKeyRows(condition: string): string {
  return "SELECT j.key, CASE j.type WHEN 'text' THEN 'string' WHEN 'null' THEN 'null' " +
    "WHEN 'true' THEN 'boolean' WHEN 'false' THEN 'boolean' ELSE 'number' END, " +
    "coalesce(j.atom, 0), runs.time, runs.id FROM runs, json_each(runs.start) AS j " +
    `WHERE j.type NOT IN ('object', 'array') AND j.key <> 'uid' AND ${condition}`;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  time REAL NOT NULL,
  start TEXT NOT NULL,
  stop TEXT,
  streams TEXT NOT NULL DEFAULT '[]',
  events INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs (time, id);
CREATE TABLE IF NOT EXISTS documents (
  seq INTEGER PRIMARY KEY,
  run INTEGER NOT NULL,
  name TEXT NOT NULL,
  uid TEXT,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_run ON documents (run);
CREATE TABLE IF NOT EXISTS refs (
  uid TEXT PRIMARY KEY,
  run INTEGER NOT NULL,
  name TEXT NOT NULL
) WITHOUT ROWID;
${START_KEYS}`;

const RUN_COLUMNS = "id, uid, start, stop, streams, events";

/** Documents read at a time: each page with `.all()`, which throws on a damaged page. */
const PAGE = 1000;

/**
 * Options of {@linkcode SqliteStorage}.
 *
 * @example A quota of pages
 * ```ts
 * import { type SqliteStorageOptions, SqliteStorage } from "./sqlite_storage.ts";
 * const options: SqliteStorageOptions = { busyTimeout: 60_000, maxPages: 10_000 };
 * new SqliteStorage(":memory:", options).close();
 * ```
 */
export interface SqliteStorageOptions {
  /**
   * How long a write waits, in milliseconds, for another process that is writing the same
   * catalog (SQLite's `busy_timeout`) before it fails.
   */
  busyTimeout?: number;
  /**
   * At most this many database pages (SQLite's `max_page_count`): beyond, writes fail as on a
   * full disk ("database or disk is full"). Default: no limit but the disk's.
   */
  maxPages?: number;
  /**
   * Open an existing catalog only to read it (for a server): nothing is created nor written,
   * and the process needs no permission to write. A catalog of schema version 1 (before the
   * index of start keys) is then searched by reading its start documents, more slowly; once
   * opened to write, it has the index. Default: `false`.
   */
  readOnly?: boolean;
}

/** Default {@linkcode SqliteStorageOptions}: a write waits 5 s for another writer. */
export const SQLITE_STORAGE_DEFAULTS = {
  busyTimeout: 5000,
} satisfies SqliteStorageOptions;

interface RunRow {
  id: number;
  uid: string;
  start: string;
  stop: string | null;
  streams: string;
  events: number;
}

/**
 * A catalog storage in SQLite. A file is opened in WAL mode with `synchronous=NORMAL`: a
 * committed transaction survives the process being killed, though the last ones may be lost
 * if the machine loses power (the file stays consistent either way).
 *
 * @example An in-memory storage
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStorage } from "./sqlite_storage.ts";
 * const storage = new SqliteStorage(":memory:");
 * const doc = { uid: "run-1", time: 1 };
 * storage.append({ run: "run-1", name: "start", doc, uid: "run-1", events: 0, json: "{}" });
 * assert.equal(storage.run("run-1")?.start, "{}");
 * storage.close();
 * ```
 */
export class SqliteStorage implements CatalogStorage {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #ids = new Map<string, number>();
  /** Events appended but not yet added to `runs.events`, by run id. */
  readonly #pendingEvents = new Map<number, number>();
  readonly #insertDocument: StatementSync;
  readonly #insertRef: StatementSync;
  readonly #insertRun: StatementSync;
  readonly #deleteRun: StatementSync;
  readonly #setStop: StatementSync;
  readonly #addStream: StatementSync;
  readonly #addEvents: StatementSync;
  readonly #findDocument: StatementSync;
  readonly #uids: StatementSync;
  readonly #runId: StatementSync;
  readonly #runByUid: StatementSync;
  /** File the tail's start keys; none when read-only. */
  readonly #fileStartKeys: StatementSync[] = [];
  /** The last run filed; none when read-only. */
  readonly #filed: StatementSync | undefined;
  /** Whether the file has `start_keys` (a version 1 catalog opened read-only has not). */
  readonly #indexed: boolean;
  /** Whether this connection writes a file, and so checkpoints its log. */
  readonly #checkpoints: boolean;
  /** The checkpoints' thread, started once a first checkpoint is due. */
  #checkpointer: Checkpointer | undefined;
  readonly #busyTimeout: number;
  readonly #statements = new Map<string, StatementSync>();
  /** Bytes of documents in the open transaction; committed since the last checkpoint. */
  #transactionBytes = 0;
  #committedBytes = 0;

  /**
   * Open (and create when missing) a SQLite catalog.
   *
   * @param path The database file, or `":memory:"` for a database that lives as long as the
   *   storage.
   * @param options How long a write waits for another writer; a quota of pages.
   * @throws {CatalogCorruptError} When the file is damaged, or not a database.
   * @throws {Error} When the file is not a catalog this version can read.
   */
  constructor(path: string | ":memory:", options: SqliteStorageOptions = {}) {
    this.#path = path;
    const { busyTimeout, maxPages } = { ...SQLITE_STORAGE_DEFAULTS, ...options };
    const readOnly = options.readOnly === true && path !== ":memory:";
    this.#checkpoints = path !== ":memory:" && !readOnly;
    this.#busyTimeout = Math.max(0, Math.floor(busyTimeout));
    this.#db = new DatabaseSync(path, { readOnly });
    try {
      this.#db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeout))}`);
      if (maxPages !== undefined) {
        this.#db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(maxPages))}`);
      }
      if (path !== ":memory:" && !readOnly) this.#db.exec("PRAGMA journal_mode = WAL");
      // Checkpoints sync the file: they run on a thread of their own (see _checkpointer.ts),
      // not inside the commit that passes SQLite's threshold.
      if (path !== ":memory:" && !readOnly) this.#db.exec("PRAGMA wal_autocheckpoint = 0");
      this.#db.exec("PRAGMA synchronous = NORMAL");
      // 16 MB of pages (SQLite's default: 2 MB) keep the index of start keys of 100,000 runs
      // in memory: 12k instead of 8k starts/s stored in batches.
      this.#db.exec("PRAGMA cache_size = -16384");
      const { user_version } = this.#db.prepare("PRAGMA user_version").get() as {
        user_version: number;
      };
      if (user_version > SCHEMA_VERSION) {
        throw new Error(
          `Catalog "${path}" has schema version ${user_version}: this version reads up to ` +
            `${SCHEMA_VERSION}`,
        );
      }
      // A catalog opened only to read it is not written to: without `start_keys`, it is
      // searched by reading the start documents.
      if (user_version === 0 && readOnly) {
        throw new Error(`it has schema version ${user_version}, and is opened read-only`);
      }
      if (user_version < SCHEMA_VERSION && !readOnly) this.#upgrade();
      this.#indexed = readOnly ? user_version >= START_KEYS_VERSION : true;
    } catch (cause) {
      this.#db.close();
      const message = cause instanceof Error ? cause.message : String(cause);
      if (isDamaged(cause)) throw new CatalogCorruptError(path, message, { cause });
      throw new Error(`Cannot open catalog "${path}": ${message}`, { cause });
    }
    const db = this.#db;
    this.#insertDocument = db.prepare(
      "INSERT INTO documents (run, name, uid, json) VALUES (?, ?, ?, ?)",
    );
    this.#insertRef = db.prepare(
      "INSERT INTO refs (uid, run, name) VALUES (?, ?, ?) ON CONFLICT (uid) DO NOTHING",
    );
    this.#insertRun = db.prepare(
      "INSERT INTO runs (uid, time, start) VALUES (?, ?, ?) ON CONFLICT (uid) DO NOTHING",
    );
    this.#deleteRun = db.prepare("DELETE FROM runs WHERE id = ?");
    this.#setStop = db.prepare("UPDATE runs SET stop = ? WHERE id = ? AND stop IS NULL");
    this.#addStream = db.prepare(
      "UPDATE runs SET streams = json_insert(streams, '$[#]', ?1) WHERE id = ?2 " +
        "AND NOT EXISTS (SELECT 1 FROM json_each(streams) WHERE value = ?1)",
    );
    this.#addEvents = db.prepare("UPDATE runs SET events = events + ? WHERE id = ?");
    this.#findDocument = db.prepare(
      "SELECT refs.name AS name, runs.uid AS run FROM refs JOIN runs ON runs.id = refs.run " +
        "WHERE refs.uid = ?",
    );
    // json_each has columns of its own (json, key, value...): qualify the table's.
    this.#uids = db.prepare(
      "SELECT uid FROM documents WHERE run = ?1 AND name IN ('event', 'datum', 'stream_datum') " +
        "UNION ALL SELECT rows.value FROM documents AS d, json_each(d.json, '$.uid') AS rows " +
        "WHERE d.run = ?1 AND d.name = 'event_page' " +
        "UNION ALL SELECT rows.value FROM documents AS d, json_each(d.json, '$.datum_id') AS rows " +
        "WHERE d.run = ?1 AND d.name = 'datum_page'",
    );
    this.#runId = db.prepare("SELECT id FROM runs WHERE uid = ?");
    this.#runByUid = db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE uid = ?`);
    // A read-only catalog files nothing; one of version 1 has not the tables.
    if (!readOnly) {
      this.#fileStartKeys = [
        db.prepare(`INSERT OR IGNORE INTO start_keys ${startKeyRows(TAIL_RUNS)}`),
        db.prepare(FILED),
      ];
      this.#filed = db.prepare("SELECT upto FROM start_keys_filled");
    }
  }

  /**
   * Make or bring the tables up to this version, in one transaction: another process that
   * opens the catalog meanwhile waits, then finds it done. A version 1 catalog gets its runs'
   * `start_keys` filled.
   */
  #upgrade(): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const { user_version } = this.#db.prepare("PRAGMA user_version").get() as {
        user_version: number;
      };
      if (user_version < SCHEMA_VERSION) {
        this.#db.exec(SCHEMA);
        // Built whole from the runs, whatever a file of an older version holds.
        this.#db.exec("DELETE FROM start_keys; UPDATE start_keys_filled SET upto = 0");
        this.#db.exec(`INSERT OR IGNORE INTO start_keys ${startKeyRows(TAIL_RUNS)}`);
        this.#db.exec(FILED);
        this.#db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** The database file, or `":memory:"`. */
  get path(): string {
    return this.#path;
  }

  /** The database file, or `":memory:"`: where the documents are, for messages. */
  get location(): string {
    return this.#path;
  }

  /**
   * Add a document to the open transaction, beginning one when none is open.
   * @param record The document and its run.
   * @returns `false`, with nothing stored, when it is a document others refer to and its uid
   *   is stored already.
   * @throws {Error} When the document's run has no start document here.
   */
  append(record: DocumentRecord): boolean {
    return this.#guard(() => this.#append(record));
  }

  #append(record: DocumentRecord): boolean {
    if (!this.#db.isTransaction) this.#db.exec("BEGIN IMMEDIATE");
    const { name, uid } = record;
    let id: number | undefined;
    if (name === "start") {
      const time = Number((record.doc as { time?: unknown }).time);
      // Searched with SQLite's JSON functions, which do not read Python's bare NaN: the
      // summary copy holds null there; the document itself is kept as recorded.
      const inserted = this.#insertRun.run(record.run, time, sqliteJson(record));
      if (inserted.changes === 0) return false;
      id = Number(inserted.lastInsertRowid);
    } else {
      id = this.#idOf(record.run);
      if (id === undefined) throw new Error(`Run "${record.run}" has no start document here`);
    }
    if (REFERRED.has(name) && this.#insertRef.run(uid ?? "", id, name).changes === 0) {
      if (name === "start") this.#deleteRun.run(id);
      return false;
    }
    if (name === "start") {
      this.#ids.set(record.run, id);
      const upto = (this.#filed?.get() as { upto: number } | undefined)?.upto;
      if (upto !== undefined && id - upto >= TAIL) {
        for (const statement of this.#fileStartKeys) statement.run();
      }
    }
    this.#insertDocument.run(id, name, uid ?? null, record.json);
    this.#transactionBytes += record.json.length;
    if (record.events > 0) {
      this.#pendingEvents.set(id, (this.#pendingEvents.get(id) ?? 0) + record.events);
    } else if (name === "stop") {
      this.#setStop.run(sqliteJson(record), id);
    } else if (name === "descriptor") {
      const stream = (record.doc as { name?: unknown }).name;
      if (typeof stream === "string") this.#addStream.run(stream, id);
    }
    return true;
  }

  /** A statement prepared once, for queries made often in a few shapes (the tail's). */
  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      if (this.#statements.size >= 64) this.#statements.clear();
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Commit the open transaction, if any. */
  commit(): void {
    if (!this.#db.isTransaction) return;
    this.#guard(() => {
      for (const [id, events] of this.#pendingEvents) this.#addEvents.run(events, id);
      this.#db.exec("COMMIT");
    });
    this.#pendingEvents.clear();
    const bytes = this.#transactionBytes;
    this.#transactionBytes = 0;
    if (this.#checkpoints) this.#checkpoint(bytes);
  }

  /** After a commit: have the log copied into the database, mostly by the checkpoints' thread. */
  #checkpoint(bytes: number): void {
    if (this.#checkpointer === undefined) {
      this.#committedBytes += bytes;
      if (this.#committedBytes < CHECKPOINT_BYTES) return;
      this.#checkpointer = new Checkpointer(this.#path, this.#busyTimeout);
      bytes = this.#committedBytes;
    }
    if (!this.#checkpointer.committed(bytes)) return;
    try {
      this.#db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    } catch {
      // The documents are committed to the log, which is kept whole: tried again later.
    }
  }

  /** Discard the open transaction, if any (SQLite may have rolled it back already). */
  rollback(): void {
    // Ids of runs begun in the transaction are gone with it.
    this.#ids.clear();
    this.#pendingEvents.clear();
    this.#transactionBytes = 0;
    if (this.#db.isOpen && this.#db.isTransaction) this.#db.exec("ROLLBACK");
  }

  /** Commit and close the database; on a failed commit, close it all the same and throw. */
  close(): void {
    if (!this.#db.isOpen) return;
    try {
      this.commit();
    } finally {
      if (this.#db.isTransaction) this.rollback();
      // Its connection closed first, the last one left copies the log in and removes it.
      this.#checkpointer?.close();
      this.#db.close();
    }
  }

  /** Run statements, turning SQLite's "malformed" into an error naming the file. */
  #guard<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (!isDamaged(error)) throw error;
      throw new CatalogCorruptError(this.#path, (error as Error).message, { cause: error });
    }
  }

  /**
   * Find a stored document that others refer to by its uid.
   * @param uid The uid.
   * @returns Its name and run, or `undefined`.
   */
  find(uid: string): { name: DocumentName; run: string } | undefined {
    const row = this.#guard(() => this.#findDocument.get(uid)) as {
      name: DocumentName;
      run: string;
    } | undefined;
    return row === undefined ? undefined : { name: row.name, run: row.run };
  }

  /**
   * The uids of a run's events, datums and stream datums, pages' rows included.
   * @param run Uid of the start document.
   * @returns The uids.
   */
  *uids(run: string): Generator<string> {
    const id = this.#idOf(run);
    if (id === undefined) return;
    // `.all()`: `iterate()` ends quietly on a damaged page.
    const rows = this.#guard(() => this.#uids.all(id)) as { uid: string }[];
    for (const row of rows) yield row.uid;
  }

  /**
   * One run.
   * @param uid Uid of the start document.
   * @returns The run, or `undefined`.
   */
  run(uid: string): StoredRun | undefined {
    const row = this.#guard(() => this.#runByUid.get(uid)) as RunRow | undefined;
    return row === undefined ? undefined : this.#stored(row);
  }

  /**
   * SQLite's quick check of every page: garbage anywhere in the file is found.
   * @throws {CatalogCorruptError} Naming the file and SQLite's first finding.
   */
  verify(): void {
    const rows = this.#guard(() => this.#db.prepare("PRAGMA quick_check(1)").all()) as {
      quick_check: string;
    }[];
    const finding = rows[0]?.quick_check ?? "no answer";
    if (finding !== "ok") throw new CatalogCorruptError(this.location, finding);
  }

  /**
   * The runs matching a filter, by start time and then insertion order.
   * @param filter Conditions on the runs.
   * @param slice Which part of the result.
   * @returns The runs.
   */
  runs(filter: RunFilter, slice?: RunSlice): StoredRun[] {
    const order = slice?.from === "newest" ? "DESC" : "ASC";
    const page = slice === undefined ? "" : " LIMIT ? OFFSET ?";
    const paged = slice === undefined ? [] : [slice.limit, slice.offset];
    const keyed = this.#keyed(filter);
    let sql: string;
    let params: SQLInputValue[];
    if (keyed === undefined) {
      const scan = scanned(filter);
      sql = `SELECT ${RUN_COLUMNS} FROM runs WHERE ${scan.where} ` +
        `ORDER BY time ${order}, id ${order}${page}`;
      params = [...scan.params, ...paged];
    } else {
      // The page is found in the index and the tail, both in time order (SQLite merges
      // them); only its runs are read. NOT INDEXED: the tail is read by id, not sought in
      // time order among every run.
      const tail = scanned(filter, TAIL_RUNS);
      sql = `SELECT ${RUN_COLUMNS.replaceAll(/\w+/g, "runs.$&")} FROM (${keyed.sql} UNION ALL ` +
        `SELECT runs.id AS id, runs.time AS time FROM runs NOT INDEXED WHERE ${tail.where} ` +
        `ORDER BY time ${order}, id ${order}${page}) AS found ` +
        `CROSS JOIN runs ON runs.id = found.id ORDER BY found.time ${order}, found.id ${order}`;
      params = [...keyed.params, ...tail.params, ...paged];
    }
    const rows = this.#guard(() => this.#db.prepare(sql).all(...params)) as unknown as RunRow[];
    return rows.map((row) => this.#stored(row));
  }

  /**
   * How many runs match a filter.
   * @param filter Conditions on the runs.
   * @returns The number.
   */
  count(filter: RunFilter): number {
    const keyed = this.#keyed(filter);
    let sql: string;
    let params: SQLInputValue[];
    if (keyed === undefined) {
      const scan = scanned(filter);
      sql = `SELECT count(*) AS n FROM runs WHERE ${scan.where}`;
      params = scan.params;
    } else {
      const tail = scanned(filter, TAIL_RUNS);
      // An INTERSECT in time order, as the index gives the rows, is a merge.
      const order = keyed.merged ? " ORDER BY time, id" : "";
      sql = `SELECT (SELECT count(*) FROM (${keyed.sql}${order})) + ` +
        `(SELECT count(*) FROM runs NOT INDEXED WHERE ${tail.where}) AS n`;
      params = [...keyed.params, ...tail.params];
    }
    const row = this.#guard(() => this.#db.prepare(sql).get(...params));
    return (row as { n: number }).n;
  }

  /**
   * The runs of a filter that `start_keys` holds, as a `SELECT` of their `id` and `time`: the
   * rows `k0` of the most selective equality, in time order, each matched with one row per
   * other equality (an exact seek: same run, same time), or the common runs of several
   * common values. `undefined` when the filter has no equality the index can answer, or the
   * catalog has no index.
   */
  #keyed(
    filter: RunFilter,
  ): { sql: string; params: SQLInputValue[]; merged: boolean } | undefined {
    const all = filter.equal ?? [];
    const equal = all.filter(([key]) => key !== "uid").map(([key, value]) => [
      key,
      ...indexed(value),
    ]);
    if (!this.#indexed || equal.length === 0) return undefined;
    const timeParams: SQLInputValue[] = [];
    if (filter.since !== undefined) timeParams.push(filter.since);
    if (filter.until !== undefined) timeParams.push(filter.until);
    /** The rows of one value, in a time range: a range of the primary key. */
    const seek = (k: string) =>
      [
        `${k}.key = ? AND ${k}.kind = ? AND ${k}.value = ?`,
        ...(filter.since === undefined ? [] : [`${k}.time >= ?`]),
        ...(filter.until === undefined ? [] : [`${k}.time < ?`]),
      ].join(" AND ");
    const uids = all.filter(([key]) => key === "uid");
    if (equal.length > 1) {
      // SQLite cannot tell which value is rare: a bounded count of each one's rows can.
      const probe = this.#db.prepare(
        `SELECT count(*) AS n FROM (SELECT 1 FROM start_keys AS k WHERE ${seek("k")} ` +
          `LIMIT ${PROBE})`,
      );
      const sizes = new Map(
        equal.map((e) => [e, this.#guard(() => probe.get(...e, ...timeParams)) as { n: number }]),
      );
      equal.sort((a, b) => sizes.get(a)!.n - sizes.get(b)!.n);
      if (sizes.get(equal[0]!)!.n >= PROBE && uids.length === 0 && !filter.uidPrefix) {
        // Every value is common: a merge of their runs in time order (SQLite's INTERSECT of
        // ordered selects) beats a seek per run (at 100,000 runs, 40 instead of 190 ms).
        const arms = equal.map((_, i) =>
          `SELECT k${i}.run AS id, k${i}.time AS time FROM start_keys AS k${i} ` +
          `WHERE ${seek(`k${i}`)}`
        );
        return {
          sql: arms.join(" INTERSECT "),
          params: equal.flatMap((e) => [...e, ...timeParams]),
          merged: true,
        };
      }
    }
    const tables = ["start_keys AS k0"];
    const conditions = [seek("k0")];
    const params: SQLInputValue[] = [...equal[0]!, ...timeParams];
    equal.slice(1).forEach((other, i) => {
      const k = `k${i + 1}`;
      tables.push(`start_keys AS ${k}`);
      conditions.push(
        `${k}.key = ? AND ${k}.kind = ? AND ${k}.value = ? AND ${k}.time = k0.time AND ` +
          `${k}.run = k0.run`,
      );
      params.push(...other);
    });
    if (uids.length > 0 || filter.uidPrefix !== undefined) {
      const { uidPrefix } = filter;
      const rest = scanned({ equal: uids, ...(uidPrefix === undefined ? {} : { uidPrefix }) });
      tables.push("runs");
      conditions.push(`runs.id = k0.run AND ${rest.where}`);
      params.push(...rest.params);
    }
    // CROSS JOIN: SQLite keeps this order, the selective equality outermost.
    const from = tables.join(" CROSS JOIN ");
    return {
      sql: `SELECT k0.run AS id, k0.time AS time FROM ${from} WHERE ${conditions.join(" AND ")}`,
      params,
      merged: false,
    };
  }

  /**
   * A run's documents in insertion order, read a page of 1,000 at a time as they are iterated.
   * @param run Uid of the start document.
   * @returns The documents.
   * @throws {CatalogCorruptError} When a page of the file cannot be read.
   */
  *documents(run: string): Generator<StoredDocument> {
    const id = this.#idOf(run);
    if (id === undefined) return;
    // A statement of its own: two iterations at once must not reset each other. Pages read
    // with `.all()`, which throws on a damaged page where `iterate()` ends quietly.
    const statement = this.#db.prepare(
      "SELECT seq, name, json FROM documents WHERE run = ? AND seq > ? ORDER BY seq LIMIT ?",
    );
    let after = 0;
    while (true) {
      const rows = this.#guard(() => statement.all(id, after, PAGE)) as unknown as {
        seq: number;
        name: DocumentName;
        json: string;
      }[];
      for (const { name, json } of rows) yield { name, json };
      if (rows.length < PAGE) return;
      after = rows.at(-1)!.seq;
    }
  }

  /**
   * Documents committed after a place in the insertion order, in that order.
   * @param after The `seq` of the last document seen (0 for the first).
   * @param filter One run, some names, how many (default 1,000).
   * @returns The documents; none for a run not stored.
   */
  tail(after: number, filter: TailFilter = {}): TailedDocument[] {
    const conditions = ["d.seq > ?"];
    const params: SQLInputValue[] = [after];
    if (filter.run !== undefined) {
      const id = this.#idOf(filter.run);
      if (id === undefined) return [];
      conditions.push("d.run = ?");
      params.push(id);
    }
    if (filter.names !== undefined) {
      conditions.push(`d.name IN (${filter.names.map(() => "?").join(", ") || "NULL"})`);
      params.push(...filter.names);
    }
    params.push(Math.max(1, Math.floor(filter.limit ?? PAGE)));
    const sql = "SELECT d.seq AS seq, runs.uid AS run, d.name AS name, d.json AS json " +
      "FROM documents AS d JOIN runs ON runs.id = d.run " +
      `WHERE ${conditions.join(" AND ")} ORDER BY d.seq LIMIT ?`;
    return this.#guard(() => this.#statement(sql).all(...params)) as unknown as TailedDocument[];
  }

  /**
   * The `seq` of the last document committed (0 when there is none).
   * @returns The number.
   */
  lastSeq(): number {
    const row = this.#guard(() =>
      this.#statement("SELECT coalesce(max(seq), 0) AS seq FROM documents").get()
    );
    return (row as { seq: number }).seq;
  }

  #idOf(uid: string): number | undefined {
    let id = this.#ids.get(uid);
    if (id === undefined) {
      id = this.#guard(() => this.#runId.get(uid) as { id: number } | undefined)?.id;
      if (id !== undefined) this.#ids.set(uid, id);
    }
    return id;
  }

  #stored(row: RunRow): StoredRun {
    return {
      uid: row.uid,
      start: row.start,
      stop: row.stop ?? undefined,
      streams: JSON.parse(row.streams),
      events: row.events + (this.#pendingEvents.get(row.id) ?? 0),
    };
  }
}

/**
 * The SQL condition of a filter on the table `runs`, reading the start documents; keys and
 * values are bound as parameters, never spliced in. A run's `uid` is its start's: the unique
 * index finds it.
 */
function scanned(
  filter: RunFilter,
  ...more: string[]
): { where: string; params: SQLInputValue[] } {
  const conditions = [...more];
  const params: SQLInputValue[] = [];
  if (filter.since !== undefined) {
    conditions.push("runs.time >= ?");
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    conditions.push("runs.time < ?");
    params.push(filter.until);
  }
  if (filter.uidPrefix !== undefined) {
    conditions.push("instr(runs.uid, ?) = 1");
    params.push(filter.uidPrefix);
  }
  for (const [key, value] of filter.equal ?? []) {
    if (key === "uid" && typeof value === "string") {
      conditions.push("runs.uid = ?");
      params.push(value);
    }
    let test: string;
    if (value === null) test = "type = 'null'";
    else if (typeof value === "boolean") test = `type = '${value}'`;
    else if (typeof value === "number") test = "type IN ('integer', 'real') AND atom = ?";
    else test = "type = 'text' AND atom = ?";
    conditions.push(`EXISTS (SELECT 1 FROM json_each(runs.start) WHERE key = ? AND ${test})`);
    params.push(key);
    if (typeof value === "number" || typeof value === "string") params.push(value);
  }
  return { where: conditions.join(" AND ") || "1", params };
}

/** Rows of each equality counted, at most, to choose the one to begin with. */
const PROBE = 5000;

/** A value as `start_keys` holds it: its JSON kind and an SQL value. */
function indexed(value: StartValue): [kind: string, value: SQLInputValue] {
  if (value === null) return ["null", 0];
  if (typeof value === "boolean") return ["boolean", value ? 1 : 0];
  return [typeof value, value];
}

/** The document as JSON that SQLite reads: non-finite numbers as null, big integers exact. */
function sqliteJson(record: DocumentRecord): string {
  return /NaN|Infinity/.test(record.json) ? JSON.stringify(record.doc, bigintDigits) : record.json;
}
