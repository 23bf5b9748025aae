/**
 * The catalog's server storage: a PostgreSQL database that many processes share (the workers
 * that store runs, the web view that shows them), through the npm package `postgres`.
 *
 * @module
 */

import { REFERRED } from "./_referred.ts";
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import { bigintDigits } from "../readers/_stringify_python.ts";
import type { DocumentName } from "../documents/types.ts";
import type {
  CatalogStorage,
  DocumentRecord,
  RunFilter,
  RunSlice,
  StoredDocument,
  StoredRun,
  TailedDocument,
  TailFilter,
} from "./storage.ts";
import type { PostgresQuery, PostgresReply, PostgresRequest } from "./_postgres_protocol.ts";

/** Version of the tables below, kept in `catalog_schema`. */
const SCHEMA_VERSION = 1;

/**
 * Keys of the transaction-level advisory locks (any two numbers that other programs sharing
 * the database do not use): one makes the tables, one orders the documents' `seq`.
 */
const SCHEMA_LOCK = 7_162_300_001;
const SEQ_LOCK = 7_162_300_002;

// `runs.start` is the start document's summary copy (NaN and infinities as null, as in the
// SQLite storage: the document itself is in `documents` as recorded); `runs.keys` the same as
// jsonb, searched with `@>` through its GIN index and compared exactly with `->`. `documents.rows` holds the uids of a page's
// rows (event_page's `uid`, datum_page's `datum_id`), for `uids()` without parsing pages.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS catalog_schema (version integer NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id bigserial PRIMARY KEY,
  uid text NOT NULL UNIQUE,
  time double precision NOT NULL,
  start text NOT NULL,
  keys jsonb NOT NULL,
  stop text,
  streams jsonb NOT NULL DEFAULT '[]',
  events bigint NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs (time, id);
CREATE INDEX IF NOT EXISTS runs_by_keys ON runs USING gin (keys jsonb_path_ops);
CREATE INDEX IF NOT EXISTS runs_by_uid_prefix ON runs (uid text_pattern_ops);
CREATE TABLE IF NOT EXISTS documents (
  seq bigserial PRIMARY KEY,
  run bigint NOT NULL REFERENCES runs (id),
  name text NOT NULL,
  uid text,
  rows jsonb,
  json text NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_run ON documents (run, seq);
CREATE TABLE IF NOT EXISTS refs (
  uid text PRIMARY KEY,
  run bigint NOT NULL REFERENCES runs (id),
  name text NOT NULL
);
`;

const RUN_COLUMNS = "id, uid, start, stop, streams::text AS streams, events";

/** Documents read at a time. */
const PAGE = 1000;

/**
 * Documents kept in this process before they are sent, even inside a transaction: beyond, they
 * wait in a temporary table of the transaction's own (`pending_documents`), without taking
 * the lock that orders `seq`, until the commit (or a read of the run's documents) moves them.
 */
const BUFFERED = 5000;

/**
 * The statement of the temporary table (not written to the log; emptied by each move, and
 * by a rollback).
 */
const PENDING = "CREATE TEMPORARY TABLE IF NOT EXISTS pending_documents (" +
  "n bigserial PRIMARY KEY, run bigint NOT NULL, name text NOT NULL, uid text, rows jsonb, " +
  "json text NOT NULL)";

/**
 * The kept documents as the rows of a `SELECT`, in order, from a parameter of JSON, parsed
 * once as `jsonb`: each `->>` of `json` would parse its element again (inserts took half as
 * long again, `deno task bench --filter catalog`). Both refuse a NUL in a uid or name alike,
 * as `text` cannot hold one; a NUL in a document is an escape in its text, which the
 * parameter escapes again.
 */
const BUFFERED_ROWS = "SELECT (d->>0)::bigint, d->>1, d->>2, (d->>3)::jsonb, d->>4 " +
  "FROM jsonb_array_elements($1::text::jsonb) WITH ORDINALITY AS t(d, n) ORDER BY n";

/**
 * Options of {@linkcode PostgresStorage}.
 *
 * @example A storage that waits at most 10 s for its server
 * ```ts
 * import type { PostgresStorageOptions } from "./postgres_storage.ts";
 * const options: PostgresStorageOptions = { connectTimeout: 10, timeout: 30_000 };
 * ```
 */
export interface PostgresStorageOptions {
  /** Seconds to wait for a connection to the server (default 10). */
  connectTimeout?: number;
  /**
   * Milliseconds to wait for the answer to one request (a connection and its statements)
   * before failing with an error that names the server (default 60,000).
   */
  timeout?: number;
  /**
   * Only read: no table is made, and the catalog must exist (for a server showing it).
   * Default: `false`.
   */
  readOnly?: boolean;
}

/** Default {@linkcode PostgresStorageOptions}. */
export const POSTGRES_STORAGE_DEFAULTS = {
  connectTimeout: 10,
  timeout: 60_000,
  readOnly: false,
} satisfies Required<PostgresStorageOptions>;

/**
 * Whether a catalog location is a PostgreSQL URL (`postgres://` or `postgresql://`) rather
 * than a folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPostgresUrl } from "./postgres_storage.ts";
 * assert.equal(isPostgresUrl("postgres://nxdaq@db.example:5432/catalog"), true);
 * assert.equal(isPostgresUrl("/data/catalog"), false);
 * ```
 *
 * @param location A `--catalog` value.
 * @returns True for a URL of a PostgreSQL database.
 */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * A URL without its password, for messages: `postgres://user@host:port/database`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactPostgresUrl } from "./postgres_storage.ts";
 * assert.equal(
 *   redactPostgresUrl("postgres://nxdaq:secret@db.example/catalog?sslmode=require"),
 *   "postgres://nxdaq@db.example:5432/catalog",
 * );
 * ```
 *
 * @param url The database's URL.
 * @returns The URL with user, host, port and database only.
 * @throws {TypeError} When it is not a URL.
 */
export function redactPostgresUrl(url: string): string {
  const parsed = new URL(url);
  const user = parsed.username === "" ? "" : `${parsed.username}@`;
  const scheme = parsed.protocol.replace(/:$/, "");
  return `${scheme}://${user}${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}

interface RunRow {
  id: string | number;
  uid: string;
  start: string;
  stop: string | null;
  streams: string;
  events: string | number;
}

/** A document appended and not yet sent to the server. */
interface Buffered {
  run: number;
  name: DocumentName;
  uid: string | null;
  rows: string | null;
  json: string;
}

/**
 * A catalog storage in a PostgreSQL database, shared by every process that opens the same
 * URL: several workers store runs into it at once and the web view reads it meanwhile.
 *
 * The interface is synchronous; the client is not. The client runs on a thread of its own (a
 * `node:worker_threads` worker, unreferenced so that it never keeps the process alive) and the
 * storage's thread waits for each answer (`Atomics.wait` on a shared flag, then the reply
 * taken with `receiveMessageOnPort`). Round trips are few: events, datums and pages are kept
 * here and sent in one statement before a read that needs them and at the commit; only the
 * documents others refer to (`start`, `descriptor`, `stop`, `resource`, `stream_resource`)
 * go to the server at once, because whether their uid is taken, by any process, is known
 * there only (an insert that does nothing on conflict).
 *
 * A unit of work is one transaction on one connection: `rollback` discards it and `commit`
 * makes it durable (with the server's own `synchronous_commit`). Reads in a unit of work see
 * what it appended.
 *
 * `seq`, the order {@linkcode PostgresStorage.tail} follows, is the order of commits: a
 * transaction takes a transaction-level advisory lock before it inserts documents and keeps
 * it to its commit, so a document committed later never has a smaller `seq` than one a
 * reader has seen, and a reader polling `tail(after)` misses none. Writers wait for each other
 * only for that last part of a transaction (the insert of its documents, and its commit): a
 * long transaction (a run stored whole, as by `nx worker`) keeps its documents in a temporary
 * table meanwhile. Two writers that store the same uid at once wait for each other; should
 * that make a cycle with the lock, the server ends one of the transactions (a deadlock), which
 * is that writer's store failure.
 *
 * The tables (`runs`, `documents`, `refs`, `catalog_schema`) are made on first use, under an
 * advisory lock so that processes opening a new catalog at once do not race: give the
 * catalog a database of its own.
 *
 * @example Store a run (not run here: it needs a server; `Catalog.open(url)` does the same)
 * ```ts ignore
 * import { PostgresStorage } from "./postgres_storage.ts";
 * import { Catalog } from "./catalog.ts";
 * const catalog = new Catalog(new PostgresStorage("postgres://nxdaq@127.0.0.1/catalog"));
 * catalog.insert("start", { uid: "r1-0123", time: 1 });
 * console.log(catalog.get("r1-0123").summary.exitStatus); // "incomplete"
 * catalog.close();
 * ```
 */
export class PostgresStorage implements CatalogStorage {
  readonly #location: string;
  readonly #timeout: number;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  readonly #ids = new Map<string, number>();
  /** Events appended but not yet added to `runs.events`, by run id. */
  readonly #pendingEvents = new Map<number, number>();
  #buffer: Buffered[] = [];
  /** Whether a transaction is open on the server. */
  #open = false;
  /** Whether the open transaction holds the lock that orders `seq`. */
  #locked = false;
  /** Whether the open transaction has documents in `pending_documents`. */
  #staged = false;
  #closed = false;
  /** Requests sent so far: each answer names its request. */
  #requests = 0;

  /**
   * Connect to a catalog's database, making its tables when missing.
   *
   * @param url `postgres://user:password@host:port/database` (libpq's `PG*` variables fill
   *   in what it leaves out, when the process may read them).
   * @param options How long to wait for the server; read-only.
   * @throws {Error} When the server cannot be reached, refuses the login, or holds a catalog
   *   of a newer version: naming the server (`host:port/database`, never the password).
   */
  constructor(url: string, options: PostgresStorageOptions = {}) {
    const { connectTimeout, timeout, readOnly } = { ...POSTGRES_STORAGE_DEFAULTS, ...options };
    this.#location = redactPostgresUrl(url);
    this.#timeout = Math.max(1, timeout);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(new URL("./_postgres_worker.ts", import.meta.url), {
      workerData: { port: port2, flag: this.#flag, url, connectTimeout },
      transferList: [port2],
    });
    this.#worker.unref();
    try {
      this.#prepare(readOnly);
    } catch (error) {
      this.#shutDown();
      throw error;
    }
  }

  /** Make the tables (or check them, read-only) and their version. */
  #prepare(readOnly: boolean): void {
    const version = (rows: Record<string, unknown>[] | undefined) =>
      rows?.[0]?.version === undefined ? undefined : Number(rows[0].version);
    let found: number | undefined;
    if (readOnly) {
      const exists = this.#read("SELECT to_regclass('catalog_schema') IS NOT NULL AS exists", []);
      if (exists[0]?.exists !== true) {
        throw new Error(`No catalog in "${this.#location}": nothing was stored there yet`);
      }
      found = version(this.#read("SELECT max(version) AS version FROM catalog_schema", []));
    } else {
      const results = this.#request({
        begin: true,
        queries: [
          { text: `SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`, params: [] },
          { text: SCHEMA, params: [] },
          {
            text: "INSERT INTO catalog_schema (version) SELECT $1::integer " +
              "WHERE NOT EXISTS (SELECT 1 FROM catalog_schema)",
            params: [SCHEMA_VERSION],
          },
          { text: "SELECT max(version) AS version FROM catalog_schema", params: [] },
        ],
        end: "COMMIT",
      });
      found = version(results[3]);
    }
    if (found !== undefined && found > SCHEMA_VERSION) {
      throw new Error(
        `Catalog "${this.#location}" has schema version ${found}: this version reads up to ` +
          `${SCHEMA_VERSION}`,
      );
    }
  }

  /** `postgres://user@host:port/database`: where the documents are, for messages. */
  get location(): string {
    return this.#location;
  }

  /**
   * Send statements to the client's thread and wait for the answer.
   * @throws {Error} The server's or the connection's error, naming the server.
   */
  #request(question: Omit<PostgresRequest, "id">): Record<string, unknown>[][] {
    if (this.#closed) throw new Error(`Catalog "${this.#location}" is closed`);
    const request: PostgresRequest = { ...question, id: ++this.#requests };
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage(request);
    const deadline = performance.now() + this.#timeout;
    while (Atomics.load(this.#flag, 0) === 0) {
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.#flag, 0, 0, left) === "timed-out") {
        // The thread may still answer later: that answer must not be taken for another's.
        this.#shutDown();
        throw new Error(
          `Catalog "${this.#location}": no answer from the server within ` +
            `${Math.round(this.#timeout / 1000)} s`,
        );
      }
    }
    let message: PostgresReply | undefined;
    // An answer to an earlier request (its thread answered twice) is passed over.
    do {
      message = receiveMessageOnPort(this.#port)?.message as PostgresReply | undefined;
    } while (message !== undefined && message.id !== request.id);
    if (message === undefined) {
      throw new Error(`Catalog "${this.#location}": the client's thread gave no answer`);
    }
    if (message.error !== undefined) {
      const { message: detail, code, connection } = message.error;
      if (request.end !== undefined || connection) {
        // The server rolled the transaction back, or the connection is gone with it.
        this.#forget();
      }
      const where = this.#location.replace(/^[a-z]+:\/\/([^@/]*@)?/i, "");
      throw new Error(
        connection
          ? `Cannot reach the catalog's PostgreSQL server ${where}: ${detail}` +
            (code === undefined || detail.includes(code) ? "" : ` (${code})`)
          : `Catalog "${this.#location}": ${detail}${code === undefined ? "" : ` (${code})`}`,
        { cause: message.error },
      );
    }
    if (request.end !== undefined) this.#forget();
    return message.results;
  }

  /** The transaction is over: what it began is gone or stored. */
  #forget(): void {
    this.#open = false;
    this.#locked = false;
    this.#staged = false;
  }

  /** Statements in the open transaction, beginning one when none is open. */
  #write(queries: PostgresQuery[]): Record<string, unknown>[][] {
    const results = this.#request({ begin: true, queries });
    this.#open = true;
    return results;
  }

  /** Statements that read: in the open transaction, to see what it appended. */
  #read(text: string, params: PostgresQuery["params"]): Record<string, unknown>[] {
    return this.#request({ queries: [{ text, params }] })[0] ?? [];
  }

  /**
   * A page of documents in `seq` order (`... ORDER BY seq LIMIT n`), read by walking an index
   * in that order, whatever the statistics say. On statistics taken before a large insert, the
   * planner expects a few rows of a run that has thousands, and reads all of the run's rows
   * after the page (then sorts them) for every page, a cost that grows with the square of the
   * run's length (`deno task bench --filter catalog` read a 100,000-event run back in 2.7 s
   * that way, 0.6-0.85 s now). Bitmap scans and sorts are turned off for the statement
   * alone: in a transaction of its own, or, in the open one, turned back on after it.
   */
  #readInOrder(text: string, params: PostgresQuery["params"]): Record<string, unknown>[] {
    const set = (value: string): PostgresQuery[] => [
      { text: `SET LOCAL enable_bitmapscan TO ${value}`, params: [] },
      { text: `SET LOCAL enable_sort TO ${value}`, params: [] },
    ];
    const queries = [...set("off"), { text, params }];
    const results = this.#open
      ? this.#request({ queries: [...queries, ...set("DEFAULT")] })
      : this.#request({ begin: true, queries, end: "COMMIT" });
    return results[queries.length - 1] ?? [];
  }

  /**
   * Add a document to the unit of work. Events, datums and pages are kept in this process
   * until a read or the commit; the documents others refer to are inserted at once.
   * @param record The document and its run.
   * @returns `false`, with nothing stored, when it is a document others refer to and its uid
   *   is stored already, by this process or another.
   * @throws {Error} When the document's run has no start document here, or the server fails.
   */
  append(record: DocumentRecord): boolean {
    const { name, uid } = record;
    let id: number | undefined;
    if (name === "start") {
      const time = Number((record.doc as { time?: unknown }).time);
      const [rows] = this.#write([{
        text: "WITH run AS (INSERT INTO runs (uid, time, start, keys) " +
          "VALUES ($1, $2::float8, $3, $4::text::jsonb) ON CONFLICT (uid) DO NOTHING RETURNING id), " +
          "ref AS (INSERT INTO refs (uid, run, name) SELECT $1, id, 'start' FROM run " +
          "ON CONFLICT (uid) DO NOTHING RETURNING run) " +
          "SELECT (SELECT id FROM run) AS id, (SELECT run FROM ref) AS ref",
        params: [record.run, time, summary(record), searchable(summary(record))],
      }]);
      const row = rows?.[0];
      if (row?.id === null || row?.id === undefined) return false;
      id = Number(row.id);
      if (row.ref === null) {
        // A descriptor or resource has the uid: the run goes, as it came.
        this.#write([{ text: "DELETE FROM runs WHERE id = $1", params: [id] }]);
        return false;
      }
      this.#ids.set(record.run, id);
    } else {
      id = this.#idOf(record.run);
      if (id === undefined) throw new Error(`Run "${record.run}" has no start document here`);
      if (REFERRED.has(name)) {
        let update = "";
        const params: PostgresQuery["params"] = [uid ?? "", id, name];
        if (name === "stop") {
          update = ", changed AS (UPDATE runs SET stop = $4 WHERE id = (SELECT run FROM ref) " +
            "AND stop IS NULL)";
          params.push(record.json);
        } else if (name === "descriptor") {
          const stream = (record.doc as { name?: unknown }).name;
          if (typeof stream === "string") {
            update =
              ", changed AS (UPDATE runs SET streams = streams || jsonb_build_array($4::text) " +
              "WHERE id = (SELECT run FROM ref) AND NOT streams ? $4::text)";
            params.push(stream);
          }
        }
        const [rows] = this.#write([{
          text: "WITH ref AS (INSERT INTO refs (uid, run, name) VALUES ($1, $2::bigint, $3) " +
            `ON CONFLICT (uid) DO NOTHING RETURNING run)${update} SELECT count(*) AS n FROM ref`,
          params,
        }]);
        if (Number(rows?.[0]?.n) === 0) return false;
      }
    }
    const page = name === "event_page" ? "uid" : name === "datum_page" ? "datum_id" : undefined;
    const rows = page === undefined
      ? null
      : JSON.stringify((record.doc as unknown as Record<string, unknown>)[page] ?? []);
    this.#buffer.push({ run: id, name, uid: uid ?? null, rows, json: record.json });
    if (record.events > 0) {
      this.#pendingEvents.set(id, (this.#pendingEvents.get(id) ?? 0) + record.events);
    }
    if (this.#buffer.length >= BUFFERED) this.#stage();
    return true;
  }

  /** The statements that send the kept documents and event counts, in order of `seq`. */
  #flushQueries(): PostgresQuery[] {
    const queries: PostgresQuery[] = [];
    if (this.#buffer.length > 0 || this.#staged) {
      if (!this.#locked) {
        queries.push({ text: `SELECT pg_advisory_xact_lock(${SEQ_LOCK})`, params: [] });
      }
      if (this.#staged) {
        queries.push({
          text: "INSERT INTO documents (run, name, uid, rows, json) " +
            "SELECT run, name, uid, rows, json FROM pending_documents ORDER BY n",
          params: [],
        }, { text: "DELETE FROM pending_documents", params: [] });
      }
      if (this.#buffer.length > 0) {
        queries.push(this.#bufferedInsert("documents"));
      }
    }
    if (this.#pendingEvents.size > 0) {
      const counts = [...this.#pendingEvents];
      queries.push({
        text: "UPDATE runs SET events = runs.events + c.n FROM " +
          "(SELECT (e->>0)::bigint AS id, (e->>1)::bigint AS n FROM json_array_elements($1::text::json) " +
          "AS e) AS c WHERE runs.id = c.id",
        params: [JSON.stringify(counts)],
      });
    }
    return queries;
  }

  /** The statement that inserts the kept documents into `table`. */
  #bufferedInsert(table: "documents" | "pending_documents"): PostgresQuery {
    const param = JSON.stringify(this.#buffer.map((d) => [d.run, d.name, d.uid, d.rows, d.json]));
    return {
      text: `INSERT INTO ${table} (run, name, uid, rows, json) ${BUFFERED_ROWS}`,
      params: [param],
    };
  }

  /**
   * Send the kept documents into the open transaction's temporary table: they leave this
   * process's memory without taking the lock that orders `seq` (a run stored in one
   * transaction, as `nx worker` does, would hold it for the run's whole length).
   */
  #stage(): void {
    if (this.#locked) return this.#flush();
    this.#write([
      { text: PENDING, params: [] },
      this.#bufferedInsert("pending_documents"),
    ]);
    this.#staged = true;
    this.#buffer = [];
  }

  /** Send the kept documents into the open transaction, for a read of them. */
  #flush(): void {
    const queries = this.#flushQueries();
    if (queries.length === 0) return;
    const locking = this.#buffer.length > 0 || this.#staged;
    this.#write(queries);
    if (locking) this.#locked = true;
    this.#staged = false;
    this.#buffer = [];
    this.#pendingEvents.clear();
  }

  /**
   * Send what is kept and commit the open transaction, in one round trip.
   * @throws {Error} When the server fails or cannot be reached: the transaction is then rolled
   *   back, and the caller rolls back its own account too.
   */
  commit(): void {
    const queries = this.#flushQueries();
    if (queries.length === 0 && !this.#open) return;
    this.#request({ begin: true, queries, end: "COMMIT" });
    this.#buffer = [];
    this.#pendingEvents.clear();
  }

  /** Discard the unit of work: what is kept here, and the open transaction. */
  rollback(): void {
    this.#buffer = [];
    this.#pendingEvents.clear();
    // Ids of runs begun in the transaction are gone with it.
    this.#ids.clear();
    if (!this.#open || this.#closed) return this.#forget();
    try {
      this.#request({ queries: [], end: "ROLLBACK" });
    } finally {
      this.#forget();
    }
  }

  /** Commit and disconnect; on a failed commit, disconnect all the same and throw. */
  close(): void {
    if (this.#closed) return;
    try {
      this.commit();
    } finally {
      try {
        this.#request({ queries: [], close: true });
      } catch {
        // Closed either way.
      }
      this.#shutDown();
    }
  }

  /** Stop the client's thread. */
  #shutDown(): void {
    this.#closed = true;
    this.#port.close();
    void this.#worker.terminate();
  }

  /**
   * Find a stored document that others refer to by its uid (one this unit of work appended,
   * or one any process committed).
   * @param uid The uid.
   * @returns Its name and run, or `undefined`.
   */
  find(uid: string): { name: DocumentName; run: string } | undefined {
    const [row] = this.#read(
      "SELECT refs.name AS name, runs.uid AS run FROM refs JOIN runs ON runs.id = refs.run " +
        "WHERE refs.uid = $1",
      [uid],
    );
    return row === undefined
      ? undefined
      : { name: row.name as DocumentName, run: row.run as string };
  }

  /**
   * The uids of a run's events, datums and stream datums, pages' rows included.
   * @param run Uid of the start document.
   * @returns The uids.
   */
  *uids(run: string): Generator<string> {
    const id = this.#idOf(run);
    if (id === undefined) return;
    this.#flush();
    const rows = this.#read(
      "SELECT uid FROM documents WHERE run = $1 AND name IN ('event', 'datum', 'stream_datum') " +
        "UNION ALL SELECT jsonb_array_elements_text(rows) FROM documents " +
        "WHERE run = $1 AND rows IS NOT NULL",
      [id],
    );
    for (const row of rows) yield row.uid as string;
  }

  /**
   * One run.
   * @param uid Uid of the start document.
   * @returns The run, or `undefined`.
   */
  run(uid: string): StoredRun | undefined {
    const [row] = this.#read(`SELECT ${RUN_COLUMNS} FROM runs WHERE uid = $1`, [uid]);
    return row === undefined ? undefined : this.#stored(row as unknown as RunRow);
  }

  /**
   * The runs matching a filter, by start time and then insertion order.
   * @param filter Conditions on the runs.
   * @param slice Which part of the result.
   * @returns The runs.
   */
  runs(filter: RunFilter, slice?: RunSlice): StoredRun[] {
    const order = slice?.from === "newest" ? "DESC" : "ASC";
    const { where, params } = condition(filter);
    let page = "";
    if (slice !== undefined) {
      page = ` LIMIT $${params.length + 1} OFFSET $${params.length + 2}`;
      params.push(Math.max(0, Math.floor(slice.limit)), Math.max(0, Math.floor(slice.offset)));
    }
    const rows = this.#read(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE ${where} ORDER BY time ${order}, id ${order}${page}`,
      params,
    );
    return rows.map((row) => this.#stored(row as unknown as RunRow));
  }

  /**
   * How many runs match a filter.
   * @param filter Conditions on the runs.
   * @returns The number.
   */
  count(filter: RunFilter): number {
    const { where, params } = condition(filter);
    const [row] = this.#read(`SELECT count(*) AS n FROM runs WHERE ${where}`, params);
    return Number(row?.n ?? 0);
  }

  /**
   * A run's documents in insertion order, read 1,000 at a time as they are iterated.
   * @param run Uid of the start document.
   * @returns The documents.
   */
  *documents(run: string): Generator<StoredDocument> {
    const id = this.#idOf(run);
    if (id === undefined) return;
    this.#flush();
    let after = 0;
    while (true) {
      const rows = this.#readInOrder(
        "SELECT seq, name, json FROM documents WHERE run = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        [id, after, PAGE],
      );
      for (const { name, json } of rows) yield { name: name as DocumentName, json: json as string };
      if (rows.length < PAGE) return;
      after = Number(rows.at(-1)!.seq);
    }
  }

  /**
   * Documents committed after a place in the insertion order, in that order: the order of
   * their commits, whichever process made them.
   * @param after The `seq` of the last document seen (0 for the first).
   * @param filter One run, some names, how many (default 1,000).
   * @returns The documents; none for a run not stored.
   */
  tail(after: number, filter: TailFilter = {}): TailedDocument[] {
    const conditions = ["d.seq > $1"];
    const params: PostgresQuery["params"] = [after];
    if (filter.run !== undefined) {
      const id = this.#idOf(filter.run);
      if (id === undefined) return [];
      params.push(id);
      conditions.push(`d.run = $${params.length}`);
    }
    if (filter.names !== undefined) {
      params.push(JSON.stringify(filter.names));
      conditions.push(
        `d.name IN (SELECT json_array_elements_text($${params.length}::text::json))`,
      );
    }
    params.push(Math.max(1, Math.floor(filter.limit ?? PAGE)));
    const text = "SELECT d.seq, runs.uid AS run, d.name, d.json FROM documents AS d " +
      `JOIN runs ON runs.id = d.run WHERE ${conditions.join(" AND ")} ORDER BY d.seq ` +
      `LIMIT $${params.length}`;
    // Following one run from far back is paged as a run's documents are.
    const rows = filter.run === undefined
      ? this.#read(text, params)
      : this.#readInOrder(text, params);
    return rows.map((row) => ({
      seq: Number(row.seq),
      run: row.run as string,
      name: row.name as DocumentName,
      json: row.json as string,
    }));
  }

  /**
   * The `seq` of the last document committed (0 when there is none).
   * @returns The number.
   */
  lastSeq(): number {
    const [row] = this.#read("SELECT coalesce(max(seq), 0) AS seq FROM documents", []);
    return Number(row?.seq ?? 0);
  }

  #idOf(uid: string): number | undefined {
    let id = this.#ids.get(uid);
    if (id === undefined) {
      const [row] = this.#read("SELECT id FROM runs WHERE uid = $1", [uid]);
      if (row !== undefined) {
        id = Number(row.id);
        this.#ids.set(uid, id);
      }
    }
    return id;
  }

  #stored(row: RunRow): StoredRun {
    const id = Number(row.id);
    return {
      uid: row.uid,
      start: row.start,
      stop: row.stop ?? undefined,
      streams: JSON.parse(row.streams),
      events: Number(row.events) + (this.#pendingEvents.get(id) ?? 0),
    };
  }
}

/** The start document's summary copy: non-finite numbers as null, big integers exact. */
function summary(record: DocumentRecord): string {
  return /NaN|Infinity/.test(record.json) ? JSON.stringify(record.doc, bigintDigits) : record.json;
}

/**
 * The summary copy as `jsonb` can hold it: `jsonb` refuses the character NUL in a string, which
 * becomes U+FFFD there (such a value is then found by neither), so that the start is stored.
 */
function searchable(json: string): string {
  if (!json.includes("\\u0000")) return json;
  return JSON.stringify(
    JSON.parse(json),
    (_key, value) => typeof value === "string" ? value.replaceAll("\0", "\uFFFD") : value,
  );
}

/**
 * The SQL condition of a filter on the table `runs`; keys and values are bound as parameters,
 * never spliced in. An equality is a containment (`@>`, which the GIN index answers) and an
 * exact comparison of the key's value (so that an array holding the value does not match).
 */
function condition(filter: RunFilter): { where: string; params: PostgresQuery["params"] } {
  const conditions: string[] = [];
  const params: PostgresQuery["params"] = [];
  const param = (value: string | number) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.since !== undefined) conditions.push(`time >= ${param(filter.since)}::float8`);
  if (filter.until !== undefined) conditions.push(`time < ${param(filter.until)}::float8`);
  if (filter.uidPrefix !== undefined) {
    const escaped = filter.uidPrefix.replaceAll(/[\\%_]/g, "\\$&");
    conditions.push(`uid LIKE ${param(`${escaped}%`)}`);
  }
  for (const [key, value] of filter.equal ?? []) {
    if (key === "uid" && typeof value === "string") conditions.push(`uid = ${param(value)}`);
    const k = param(key);
    const v = param(JSON.stringify(value));
    conditions.push(`keys @> jsonb_build_object(${k}::text, ${v}::text::jsonb)`);
    conditions.push(`keys -> ${k}::text = ${v}::text::jsonb`);
  }
  return { where: conditions.join(" AND ") || "true", params };
}
