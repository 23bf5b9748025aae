/**
 * The run catalog, databroker's role: every document of every run stored as it comes, runs
 * listed and searched, and a run's documents read back in order.
 *
 * @module
 */

import { stringifyPython } from "../readers/_stringify_python.ts";
import type { Document, DocumentMap, DocumentName } from "../documents/types.ts";
import { DocumentError } from "../errors.ts";
import { DocumentGate, type ProblemCallback } from "../bus/document_gate.ts";
import type { RunHistory } from "../bus/run_router.ts";
import { type CatalogRun, catalogRun, type RunSummary, summarize } from "./catalog_run.ts";
import { CatalogLookupError } from "./lookup_error.ts";
import { queryFilter, type RunQuery } from "./run_query.ts";
import { RunSkipper } from "./_run_skipper.ts";
import { SqliteStorage, type SqliteStorageOptions } from "./sqlite_storage.ts";
import { isPostgresUrl, PostgresStorage, type PostgresStorageOptions } from "./postgres_storage.ts";
import type { CatalogStorage, RunSlice, StoredRun, TailedDocument, TailFilter } from "./storage.ts";
import { CatalogWriteError } from "./storage_errors.ts";

/**
 * When the catalog commits what it was given, and what it does with documents that break the
 * event model.
 *
 * @example Collect the problems instead of catching them
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CatalogOptions, temp } from "./catalog.ts";
 * const problems: string[] = [];
 * const options: CatalogOptions = { onProblem: (problem) => void problems.push(problem.message) };
 * const catalog = temp(options);
 * catalog.insert("stop", { uid: "s1", run_start: "r9", time: 1, exit_status: "success" });
 * assert.match(problems[0]!, /^stop document, uid "s1", field "run_start": refers to run "r9"/);
 * assert.equal(catalog.size, 0);
 * catalog.close();
 * ```
 */
export interface CatalogOptions {
  /** Commit once this many documents wait uncommitted. */
  maxBatch?: number;
  /** Commit at most this many milliseconds after the first uncommitted document. */
  maxDelay?: number;
  /**
   * `"batch"` (default): group commits, as below, for a live run, so that a crash loses
   * little. `"run"`: each run's documents in one transaction, committed at its stop (or at the
   * next start, {@linkcode Catalog.flush}, {@linkcode Catalog.close}), so that a run is stored
   * whole or not at all: for an import, which can be done again.
   */
  transactions?: "batch" | "run";
  /**
   * What to do with a run whose start document the catalog holds already. `"refuse"`
   * (default): each of its documents is refused as any document that does not fit. `"skip"`:
   * its documents are passed over without a word and counted in
   * {@linkcode Catalog.tally}'s `skipped` (importing a file twice stores it once, in two
   * processes at once too).
   */
  existing?: "refuse" | "skip";
  /**
   * Leave out documents that break the event model. By default they are stored as recorded
   * (and reported to `onProblem`, when given).
   */
  strict?: boolean;
  /**
   * Receives every problem of a document, counted as {@linkcode DocumentGate} does; `insert`
   * then throws nothing for them. Default: `insert` throws the {@linkcode DocumentError} of
   * each document it leaves out, and stores nonconforming ones without a word.
   */
  onProblem?: ProblemCallback;
}

/**
 * Default {@linkcode CatalogOptions}: group commits of 1,000 documents or 20 ms (a reader
 * following the catalog, as the web view's live updates, sees a document at most that late
 * while the event loop runs), lenient.
 */
export const CATALOG_DEFAULTS = {
  maxBatch: 1000,
  maxDelay: 20,
  strict: false,
  transactions: "batch",
  existing: "refuse",
} satisfies Required<Omit<CatalogOptions, "onProblem">>;

/**
 * What became of the documents of one run given to a catalog since it was opened. Documents
 * waiting for their commit are in none of the counts.
 */
export interface RunTally {
  /** Documents committed. */
  stored: number;
  /** Documents that could not be stored (see {@linkcode CatalogWriteError}). */
  notStored: number;
  /** Documents passed over: their run was in the catalog already (`existing: "skip"`). */
  skipped: number;
}

/** Thrown by `#store` when a start turns out to be stored already: the run is skipped. */
class RunExists {
  constructor(readonly run: string) {}
}

/**
 * Thrown through the gate when the storage could not answer what it holds (a server that went
 * away): the document is not stored, as when a write fails.
 */
class HistoryUnreadable {
  constructor(readonly cause: unknown) {}
}

/** Documents after which the catalog commits at once: the run boundaries. */
const BOUNDARIES: ReadonlySet<DocumentName> = new Set(["start", "descriptor", "stop"]);

/**
 * A catalog of runs over a {@linkcode CatalogStorage}.
 *
 * Subscribe {@linkcode Catalog.insert} to the bus. Documents are written in a transaction
 * that is committed (group commit):
 *
 * - right after every `start`, `descriptor` and `stop` document,
 * - once {@linkcode CatalogOptions.maxBatch} documents (1,000) wait uncommitted,
 * - by a timer {@linkcode CatalogOptions.maxDelay} ms (20) after the first uncommitted one,
 * - by {@linkcode Catalog.flush} and {@linkcode Catalog.close}.
 *
 * Every document comes through a {@linkcode DocumentGate}. One that breaks the event model is
 * stored as recorded: the lenient mode is the default because the catalog is the record of
 * what was measured, Python bluesky does not validate, and an export must give the same file
 * as converting the original; {@linkcode CatalogOptions.strict} leaves such documents out.
 * One that does not fit its run is refused in either mode: its uid is missing or taken (those
 * of `start`, `descriptor`, `stop`, `resource` and `stream_resource` documents across the whole
 * catalog, those of events, datums and stream datums, each row of a page, within their run),
 * it refers to a run, descriptor or resource the catalog does not hold, or its run has
 * stopped. A start needs a finite `time`: the catalog orders and finds runs by it. A run begun
 * in an earlier session goes on: the gate looks up what the storage holds.
 *
 * A write or commit that fails (a full disk) does not lose documents without a word: the
 * documents not yet committed are rolled back, later documents of their runs are not stored
 * either (a run stored in part is its beginning, in order), the next `insert` throws a
 * {@linkcode CatalogWriteError}, and so does every {@linkcode Catalog.flush}; see
 * {@linkcode Catalog.failure}. Documents of later runs are stored when they can be.
 *
 * "Committed" means on the storage for good: with the SQLite storage (WAL,
 * `synchronous=NORMAL`) a committed document survives the process being killed or crashing.
 * A hard crash loses only what was not committed yet: the documents of the last 20 ms, never
 * more than 1,000, and never a run boundary (a stop document, once `insert` returns, is
 * stored with everything before it). A thread that never lets the timer run (a plan that
 * never waits) commits at the first document after the delay. Losing power (or the operating system crashing) may lose the
 * last commits too, though the file stays consistent.
 *
 * @example Store a run and find it by scan id
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/compose.ts";
 * import { temp } from "./catalog.ts";
 * const catalog = temp();
 * const run = composeRun({ scan_id: 7, plan_name: "count" });
 * const primary = run.descriptor({
 *   name: "primary",
 *   data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
 * });
 * catalog.insert("start", run.start);
 * catalog.insert("descriptor", primary.doc);
 * catalog.insert("event", primary.event({ data: { x: 1 }, timestamps: { x: 0 } }));
 * catalog.insert("stop", run.stop());
 * const found = catalog.get(7);
 * assert.equal(found.summary.numEvents, 1);
 * assert.deepEqual([...found.documents()].map(([name]) => name), [
 *   "start",
 *   "descriptor",
 *   "event",
 *   "stop",
 * ]);
 * catalog.close();
 * ```
 */
export class Catalog {
  readonly #storage: CatalogStorage;
  readonly #options: Required<Omit<CatalogOptions, "onProblem">>;
  readonly #gate: DocumentGate;
  /** The JSON text of the document being inserted, made by the gate's `admit` check. */
  #json = "";
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the first uncommitted document came (`performance.now()`). */
  #firstPending = 0;
  /** Documents appended and not yet committed, by run. */
  readonly #uncommitted = new Map<string, number>();
  readonly #tallies = new Map<string, RunTally>();
  /** Runs with documents that could not be stored: their later documents are not stored. */
  readonly #lost = new Set<string>();
  /** What the storage threw at the first failure. */
  #cause: unknown;
  /** Whether `insert` has thrown the last failure. */
  #reported = true;
  readonly #skipper: RunSkipper | undefined;
  /**
   * Runs lost because the storage could not be read while their documents came, with the
   * descriptors and resources that came since: the gate never took those, so their later
   * documents are counted as not stored here.
   */
  readonly #unread = new RunSkipper();
  #closed = false;
  // A timer cannot report to anyone: its failure is thrown by the next call.
  #onTimer = (): void => {
    this.#timer = undefined;
    this.#commit();
  };

  /**
   * A catalog in SQLite, in the file `catalog.sqlite` of a folder (both made when missing), or
   * in a PostgreSQL database when the location is a `postgres://` or `postgresql://` URL (the
   * catalog's tables made when missing): the one place where a location chooses its storage,
   * for every command and the web view.
   *
   * @example Open a catalog in a folder
   * ```ts
   * import assert from "node:assert/strict";
   * import { Catalog } from "./catalog.ts";
   * const dir = Deno.makeTempDirSync();
   * const catalog = Catalog.open(`${dir}/catalog`);
   * assert.equal(catalog.size, 0);
   * catalog.close();
   * Deno.removeSync(dir, { recursive: true });
   * ```
   *
   * @param location The folder, or the database's URL.
   * @param options When to commit; for SQLite, how long to wait for another writer and a quota
   *   of pages; for PostgreSQL, how long to wait for the server; read-only (the folder, or the
   *   tables, are then not made).
   * @returns The catalog.
   * @throws {CatalogCorruptError} When the catalog's file is damaged.
   * @throws {Error} When the PostgreSQL server cannot be reached, naming it.
   */
  static open(
    location: string,
    options: CatalogOptions & SqliteStorageOptions & PostgresStorageOptions = {},
  ): Catalog {
    const { busyTimeout, maxPages, readOnly, connectTimeout, timeout, ...rest } = options;
    if (isPostgresUrl(location)) {
      const storage = new PostgresStorage(location, {
        ...(connectTimeout === undefined ? {} : { connectTimeout }),
        ...(timeout === undefined ? {} : { timeout }),
        ...(readOnly === undefined ? {} : { readOnly }),
      });
      return new Catalog(storage, rest);
    }
    const dir = location;
    if (readOnly !== true) Deno.mkdirSync(dir, { recursive: true });
    const storage = new SqliteStorage(`${dir.replace(/\/+$/, "")}/catalog.sqlite`, {
      ...(busyTimeout === undefined ? {} : { busyTimeout }),
      ...(maxPages === undefined ? {} : { maxPages }),
      ...(readOnly === undefined ? {} : { readOnly }),
    });
    return new Catalog(storage, rest);
  }

  /**
   * A catalog over a storage.
   * @param storage Where the documents are kept.
   * @param options When to commit.
   */
  constructor(storage: CatalogStorage, options: CatalogOptions = {}) {
    this.#storage = storage;
    const { onProblem, ...rest } = options;
    this.#options = { ...CATALOG_DEFAULTS, ...rest };
    if (this.#options.existing === "skip") this.#skipper = new RunSkipper();
    this.#gate = new DocumentGate(this.#store, {
      strict: this.#options.strict,
      onProblem: onProblem ?? refuse,
      admit: this.#admit,
      history: storageHistory(storage, (cause) => new HistoryUnreadable(cause)),
    });
  }

  /**
   * Store a document: the callback to subscribe to the bus. Documents are kept exactly as
   * given (as JSON text), pages as pages; see {@linkcode Catalog} for those left out.
   *
   * @param name The document's name.
   * @param doc The document.
   * @throws {DocumentError} Without `onProblem`: when the document is left out (its uid is
   *   stored already, it refers to a run, descriptor or resource the catalog does not hold, its
   *   run has stopped; in strict mode, it breaks the event model). Nothing stored before is
   *   lost.
   * @throws {CatalogWriteError} Once per failure of the storage, at the next document.
   */
  readonly insert = (name: DocumentName, doc: Document): void => {
    this.#assertOpen();
    const skipper = this.#skipper;
    if (skipper !== undefined) {
      const uid = (doc as { uid?: unknown }).uid;
      if (name === "start" && typeof uid === "string") {
        skipper.started(uid);
        if (this.#storage.find(uid)?.name === "start") return this.#skip(uid);
      }
      const skipped = skipper.runOf(name, doc);
      if (skipped !== undefined) return this.#skip(skipped);
    }
    const fields = doc as unknown as Record<string, unknown>;
    if (name === "start" && typeof fields.uid === "string") this.#unread.started(fields.uid);
    const unread = this.#unread.runOf(name, doc);
    if (unread !== undefined) {
      this.#count(unread).notStored++;
      return this.#reportFailure();
    }
    // The document goes through even after a failure: it is counted among those not stored.
    try {
      this.#gate.receiver(name, doc);
    } catch (error) {
      if (error instanceof RunExists) this.#skip(error.run);
      else if (error instanceof HistoryUnreadable) this.#failRead(error.cause, name, fields);
      else if (skipper !== undefined && this.#storedMeanwhile(name, doc, error)) {
        this.#skip((doc as { uid: string }).uid);
      } else throw error;
    }
    this.#reportFailure();
  };

  /**
   * The documents that could not be stored, by run, since the catalog was opened; `undefined`
   * when every write so far succeeded.
   */
  get failure(): CatalogWriteError | undefined {
    if (this.#cause === undefined) return undefined;
    const notStored = new Map<string, number>();
    for (const [run, tally] of this.#tallies) {
      if (tally.notStored > 0) notStored.set(run, tally.notStored);
    }
    return new CatalogWriteError(this.#storage.location, notStored, { cause: this.#cause });
  }

  /**
   * What became of one run's documents given to this catalog.
   * @param run Uid of the run's start document.
   * @returns Its counts (a copy); zeros for a run the catalog was not given.
   */
  tally(run: string): RunTally {
    return { ...(this.#tallies.get(run) ?? { stored: 0, notStored: 0, skipped: 0 }) };
  }

  /**
   * Whether the gate refused a start because another process stored its run between the
   * check of `insert` and the gate's own (two workers handling one run at once).
   */
  #storedMeanwhile(name: DocumentName, doc: Document, error: unknown): boolean {
    const uid = (doc as { uid?: unknown }).uid;
    return name === "start" && error instanceof DocumentError && typeof uid === "string" &&
      this.#storage.find(uid)?.name === "start";
  }

  #skip(run: string): void {
    this.#skipper!.skip(run);
    this.#count(run).skipped++;
  }

  #count(run: string): RunTally {
    let tally = this.#tallies.get(run);
    if (tally === undefined) {
      tally = { stored: 0, notStored: 0, skipped: 0 };
      this.#tallies.set(run, tally);
    }
    return tally;
  }

  #reportFailure(): void {
    if (this.#reported) return;
    this.#reported = true;
    throw this.failure;
  }

  /** A write failed: roll back what was not committed; those runs are not stored further. */
  #fail(cause: unknown, run: string | undefined): void {
    this.#cause ??= cause;
    this.#reported = false;
    try {
      this.#storage.rollback();
    } catch {
      // SQLite rolls back on its own after some failures; nothing is committed either way.
    }
    for (const [lost, n] of this.#uncommitted) {
      this.#count(lost).notStored += n;
      this.#lost.add(lost);
    }
    if (run !== undefined) {
      this.#count(run).notStored++;
      this.#lost.add(run);
    }
    this.#uncommitted.clear();
    this.#pending = 0;
  }

  /**
   * The storage could not tell the gate what it holds: the document is not stored, nor its
   * run's later documents (those that name it, or a descriptor or resource of it).
   */
  #failRead(cause: unknown, name: DocumentName, fields: Record<string, unknown>): void {
    const ref = name === "start" ? fields.uid : fields.run_start;
    const run = typeof ref === "string" ? ref : undefined;
    this.#fail(cause, run);
    if (run === undefined) return;
    this.#unread.skip(run);
    this.#unread.runOf(name, fields);
  }

  #admit = (name: DocumentName, doc: Document): void => {
    const fields = doc as unknown as Record<string, unknown>;
    const uid = typeof fields.uid === "string" ? fields.uid : undefined;
    if (name === "start" && !Number.isFinite(fields.time)) {
      throw new DocumentError(
        `needs a number of epoch seconds: got ${JSON.stringify(fields.time)}` +
          " (the catalog orders and finds runs by it)",
        { document: name, uid, field: "time" },
      );
    }
    try {
      // Python's tokens for NaN and infinities, so such readings come back as recorded.
      this.#json = stringifyPython(doc);
    } catch (cause) {
      throw new DocumentError("cannot be written as JSON", { document: name, uid }, { cause });
    }
  };

  #store = <K extends DocumentName>(name: K, doc: DocumentMap[K], run: string): void => {
    const fields = doc as unknown as Record<string, unknown>;
    const id = name === "datum" || name === "datum_page" ? fields.datum_id : fields.uid;
    const page = name === "event_page" || name === "datum_page";
    const uid = page ? undefined : id as string;
    const events = name === "event" ? 1 : name === "event_page" ? (id as string[]).length : 0;
    if (this.#lost.has(run)) {
      this.#count(run).notStored++;
      return;
    }
    const byRun = this.#options.transactions === "run";
    if (byRun && name === "start" && this.#pending > 0) this.#commit();
    let appended: boolean;
    try {
      appended = this.#storage.append({ run, name, doc, uid, events, json: this.#json });
    } catch (error) {
      return this.#fail(error, run);
    }
    if (!appended) {
      // Another process stored the run in the meantime (the check before found nothing).
      if (name === "start" && this.#skipper !== undefined) throw new RunExists(run);
      const field = name === "datum" ? "datum_id" : "uid";
      throw new DocumentError("is already in the catalog", { document: name, uid, field });
    }
    this.#uncommitted.set(run, (this.#uncommitted.get(run) ?? 0) + 1);
    this.#pending++;
    if (byRun) {
      if (name === "stop") this.#commit();
    } else if (BOUNDARIES.has(name) || this.#pending >= this.#options.maxBatch) this.#commit();
    else if (this.#timer === undefined) {
      const timer = setTimeout(this.#onTimer, this.#options.maxDelay);
      Deno.unrefTimer(timer);
      this.#timer = timer;
      this.#firstPending = performance.now();
    } else if (performance.now() - this.#firstPending >= this.#options.maxDelay) {
      // The timer is late: the thread has not let it run (a plan that never waits).
      this.#commit();
    }
  };

  /**
   * Commit every document inserted so far.
   * @throws {CatalogWriteError} When documents given to the catalog could not be stored, now
   *   or earlier: at every call, naming the runs and how many of their documents are missing.
   */
  flush(): void {
    this.#assertOpen();
    this.#commit();
    const failure = this.failure;
    this.#reported = true;
    if (failure !== undefined) throw failure;
  }

  /**
   * Commit and close the storage; the catalog cannot be used afterwards. Idempotent.
   * @throws {CatalogWriteError} When this last commit fails (an earlier failure is
   *   {@linkcode Catalog.flush}'s to report).
   */
  close(): void {
    if (this.#closed) return;
    this.#commit();
    this.#closed = true;
    try {
      this.#storage.close();
    } catch (error) {
      this.#fail(error, undefined);
    }
    this.#reportFailure();
  }

  /**
   * Where the catalog is, for messages: its SQLite file, or its PostgreSQL database's URL
   * without the password.
   */
  get location(): string {
    return this.#storage.location;
  }

  /** Number of runs. */
  get size(): number {
    this.#assertOpen();
    return this.#storage.count({});
  }

  /**
   * The runs matching a query, ordered by start time (then insertion order).
   * @param query Time range and start-document values; all runs by default.
   * @param slice Which part of them (paged in the storage, newest first when it counts from
   *   the newest); all of them by default.
   * @returns Their summaries.
   * @throws {TypeError} When a query value is neither a time nor a JSON scalar.
   * @throws {RangeError} When a query time is not a date.
   */
  runs(query: RunQuery = {}, slice?: RunSlice): RunSummary[] {
    this.#assertOpen();
    return this.#storage.runs(queryFilter(query), slice).map(summarize);
  }

  /**
   * How many runs match a query.
   * @param query Time range and start-document values; all runs by default.
   * @returns The number of runs.
   * @throws {TypeError} When a query value is neither a time nor a JSON scalar.
   * @throws {RangeError} When a query time is not a date.
   */
  count(query: RunQuery = {}): number {
    this.#assertOpen();
    return this.#storage.count(queryFilter(query));
  }

  /**
   * Documents committed after a place in the store's insertion order, in that order: what a
   * server polls for to follow a catalog that another process writes (each call reads what is
   * committed by then).
   *
   * @example Follow a run
   * ```ts
   * import assert from "node:assert/strict";
   * import { temp } from "./catalog.ts";
   * const catalog = temp();
   * catalog.insert("start", { uid: "r1-0123", time: 1 });
   * catalog.flush();
   * const [first] = catalog.tail(0, { run: "r1-0123" });
   * assert.equal(first?.name, "start");
   * assert.deepEqual(catalog.tail(first!.seq, { run: "r1-0123" }), []);
   * catalog.close();
   * ```
   *
   * @param after The `seq` of the last document seen (0 for the first).
   * @param filter One run, some names, how many (default 1,000).
   * @returns The documents.
   * @throws {TypeError} When the storage cannot be tailed.
   */
  tail(after: number, filter: TailFilter = {}): TailedDocument[] {
    this.#assertOpen();
    if (this.#storage.tail === undefined) {
      throw new TypeError(`Catalog "${this.#storage.location}" cannot be tailed`);
    }
    return this.#storage.tail(after, filter);
  }

  /**
   * The `seq` of the last document committed (0 when there is none), for
   * {@linkcode Catalog.tail}.
   * @returns The number.
   * @throws {TypeError} When the storage cannot be tailed.
   */
  lastSeq(): number {
    this.#assertOpen();
    if (this.#storage.lastSeq === undefined) {
      throw new TypeError(`Catalog "${this.#storage.location}" cannot be tailed`);
    }
    return this.#storage.lastSeq();
  }

  /**
   * Check that every page of the store can be read, so that a listing does not vouch for
   * damaged documents (`nx runs` calls it; `nx check` says what is recoverable).
   * @throws {CatalogCorruptError} When the store is damaged, naming its file.
   */
  verify(): void {
    this.#assertOpen();
    this.#storage.verify?.();
  }

  /**
   * A run, as databroker's `catalog[key]`: a non-negative integer is a scan id, a negative
   * one an index from the most recent run (`-1`), a string a uid or its first characters.
   * @param key Scan id, negative index or uid prefix.
   * @returns The run.
   * @throws {CatalogLookupError} When no run, or several, match.
   * @throws {RangeError} When a number is not an integer, or a uid prefix is too short.
   */
  get(key: number | string): CatalogRun {
    if (typeof key === "string") return this.byUid(key);
    return key < 0 ? this.byIndex(key) : this.byScanId(key);
  }

  /**
   * The most recent run with a scan id.
   * @param scanId The scan id.
   * @returns The run.
   * @throws {CatalogLookupError} When no run has it.
   */
  byScanId(scanId: number): CatalogRun {
    integer(scanId, "Scan id");
    const slice: RunSlice = { from: "newest", offset: 0, limit: 1 };
    const [found] = this.#select({ equal: [["scan_id", scanId]] }, slice);
    if (found === undefined) throw new CatalogLookupError(`No run has scan_id ${scanId}`, scanId);
    return catalogRun(this.#storage, found);
  }

  /**
   * A run by its position in start-time order: `0` is the oldest, `-1` the most recent.
   * @param index The position.
   * @returns The run.
   * @throws {CatalogLookupError} When there is no run there.
   */
  byIndex(index: number): CatalogRun {
    integer(index, "Index");
    const slice: RunSlice = index < 0
      ? { from: "newest", offset: -index - 1, limit: 1 }
      : { from: "oldest", offset: index, limit: 1 };
    const [found] = this.#select({}, slice);
    if (found === undefined) {
      throw new CatalogLookupError(
        `No run at index ${index}: the catalog holds ${this.size} runs`,
        index,
      );
    }
    return catalogRun(this.#storage, found);
  }

  /**
   * A run by its uid or the uid's first characters.
   * @param prefix At least 5 characters of the uid.
   * @returns The run.
   * @throws {RangeError} When the prefix is shorter than 5 characters.
   * @throws {CatalogLookupError} When no run, or several, have a uid starting so.
   */
  byUid(prefix: string): CatalogRun {
    if (typeof prefix !== "string" || prefix.length < 5) {
      throw new RangeError(`Uid prefix "${prefix}" is too short: give at least 5 characters`);
    }
    const found = this.#select({ uidPrefix: prefix });
    const match = found.length === 1 ? found[0] : found.find((run) => run.uid === prefix);
    if (match !== undefined) return catalogRun(this.#storage, match);
    if (found.length === 0) {
      throw new CatalogLookupError(`No run has a uid starting with "${prefix}"`, prefix);
    }
    const uids = found.map((run) => run.uid);
    throw new CatalogLookupError(
      `Uid prefix "${prefix}" matches ${uids.length} runs`,
      prefix,
      uids,
    );
  }

  #select(filter: Parameters<CatalogStorage["runs"]>[0], slice?: RunSlice): StoredRun[] {
    this.#assertOpen();
    return this.#storage.runs(filter, slice);
  }

  /** Commit; a failure is recorded (and thrown by the next `insert` and `flush`). */
  #commit(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      this.#storage.commit();
    } catch (error) {
      return this.#fail(error, undefined);
    }
    for (const [run, n] of this.#uncommitted) this.#count(run).stored += n;
    this.#uncommitted.clear();
    this.#pending = 0;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("Catalog is closed");
  }
}

/**
 * A temporary catalog in memory, gone when closed: databroker's `temp()`.
 *
 * @example Nothing is written to disk
 * ```ts
 * import assert from "node:assert/strict";
 * import { temp } from "./catalog.ts";
 * const catalog = temp();
 * catalog.insert("start", { uid: "abcdef-1", time: 1, plan_name: "count" });
 * assert.equal(catalog.runs()[0]?.exitStatus, "incomplete");
 * catalog.close();
 * ```
 *
 * @param options When to commit.
 * @returns The catalog.
 */
export function temp(options: CatalogOptions = {}): Catalog {
  return new Catalog(new SqliteStorage(":memory:"), options);
}

/** Without `onProblem`, a document left out is an error for the caller of `insert`. */
const refuse: ProblemCallback = (problem, report) => {
  if (!report.passed) throw problem;
};

/**
 * What the storage holds, for the gate: runs of earlier sessions go on, their uids stay taken.
 * A read that fails throws what `unreadable` makes of its error, past the gate.
 */
function storageHistory(
  storage: CatalogStorage,
  unreadable: (cause: unknown) => unknown,
): RunHistory {
  const read = <T>(question: () => T): T => {
    try {
      return question();
    } catch (cause) {
      throw unreadable(cause);
    }
  };
  return {
    name: "the catalog",
    find: (uid) => read(() => storage.find(uid)),
    stopped: (run) => read(() => storage.run(run)?.stop !== undefined),
    uids: (run) => read(() => [...storage.uids(run)]),
  };
}

function integer(value: number, what: string): void {
  if (!Number.isInteger(value)) throw new RangeError(`${what} must be an integer: got ${value}`);
}
