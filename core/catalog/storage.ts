/**
 * The interface between the catalog and the database that holds it. The catalog does the
 * event model's logic (which run a document belongs to, duplicates, lookups, when to commit);
 * a storage only keeps documents and answers simple questions, so an embedded SQLite file, an
 * in-memory database or a server database can hold a catalog.
 *
 * @module
 */

import type { Document, DocumentName } from "../documents/types.ts";

/**
 * One document to store, with what the catalog worked out about it.
 */
export interface DocumentRecord {
  /** Uid of the start document of the document's run. */
  run: string;
  /** The document's name. */
  name: DocumentName;
  /** The document itself (for the storage to read fields it indexes, such as `time`). */
  doc: Document;
  /** The document's `uid` (a datum's `datum_id`); `undefined` for pages, which have several. */
  uid: string | undefined;
  /** How many events the document holds: 1 for an event, the rows of an event page, else 0. */
  events: number;
  /** The document's JSON text (NaN and infinities as Python writes them): kept and given back. */
  json: string;
}

/**
 * A run as the storage keeps it.
 *
 * @example What the storage keeps of a run
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqliteStorage } from "./sqlite_storage.ts";
 * const storage = new SqliteStorage(":memory:");
 * const doc = { uid: "r1", time: 1 };
 * storage.append({ run: "r1", name: "start", doc, uid: "r1", events: 0, json: JSON.stringify(doc) });
 * assert.equal(storage.run("r1")?.uid, "r1");
 * storage.close();
 * ```
 */
export interface StoredRun {
  /** Uid of the run's start document. */
  uid: string;
  /** The start document, as JSON text. */
  start: string;
  /** The stop document, as JSON text; `undefined` while the run has none. */
  stop: string | undefined;
  /** Names of the run's streams, in the order their first descriptor came. */
  streams: string[];
  /** Events stored for the run (an event page counts its rows). */
  events: number;
}

/**
 * A value a start-document key can be compared with.
 */
export type StartValue = string | number | boolean | null;

/**
 * Which runs to select; every condition given must hold.
 */
export interface RunFilter {
  /** Start time (epoch seconds) at or after this. */
  since?: number;
  /** Start time (epoch seconds) before this. */
  until?: number;
  /** Top-level keys of the start document and the values they must equal (same JSON type). */
  equal?: readonly (readonly [key: string, value: StartValue])[];
  /** The start uid begins with this text. */
  uidPrefix?: string;
}

/**
 * Which part of the selected runs, ordered by start time and then by insertion order.
 */
export interface RunSlice {
  /** Count from the oldest run or from the most recent one. */
  from: "oldest" | "newest";
  /** How many runs to skip from that end. */
  offset: number;
  /** How many runs to return at most. */
  limit: number;
}

/**
 * A stored document, as JSON text.
 */
export interface StoredDocument {
  /** The document's name. */
  name: DocumentName;
  /** The document, as it was stored. */
  json: string;
}

/** A stored document with its place in the store's insertion order, for a reader that tails. */
export interface TailedDocument extends StoredDocument {
  /** Insertion order across the whole store: later documents have larger numbers. */
  seq: number;
  /** Uid of the document's run. */
  run: string;
}

/** Which documents {@linkcode CatalogStorage.tail} gives. */
export interface TailFilter {
  /** Only this run's documents (uid of its start); every run's by default. */
  run?: string;
  /** Only documents of these names; all by default. */
  names?: readonly DocumentName[];
  /** At most this many (default 1,000). */
  limit?: number;
}

/**
 * Where a catalog keeps its documents.
 *
 * Writes form a unit of work: {@linkcode CatalogStorage.append} adds to it and
 * {@linkcode CatalogStorage.commit} makes everything appended so far durable at once. Reads see
 * what was appended, committed or not.
 *
 * @example A storage behind a catalog
 * ```ts
 * import assert from "node:assert/strict";
 * import { Catalog, type CatalogStorage, SqliteStorage } from "./mod.ts";
 * const storage: CatalogStorage = new SqliteStorage(":memory:");
 * const catalog = new Catalog(storage);
 * catalog.insert("start", { uid: "r1-0123", time: 1 });
 * assert.equal(storage.find("r1-0123")?.name, "start");
 * catalog.close();
 * ```
 */
export interface CatalogStorage {
  /** Where the documents are (a file's path), for messages. */
  readonly location: string;
  /**
   * Check that the whole store is readable (for SQLite, its quick check), so that a listing of
   * runs does not vouch for documents that are damaged. Optional: a store that cannot tell
   * leaves it out.
   * @throws {import("./storage_errors.ts").CatalogCorruptError} When it is damaged.
   */
  verify?(): void;
  /**
   * Add a document to the unit of work, after the documents appended before it. A `start`
   * document creates its run; a `stop` closes it; a `descriptor` adds its stream's name.
   * @param record The document and its run.
   * @returns `false`, with nothing stored, when the document is one that others refer to
   *   (`start`, `descriptor`, `stop`, `resource`, `stream_resource`) and a document of those
   *   kinds with the same uid is stored already. Other uids are the catalog's to check.
   */
  append(record: DocumentRecord): boolean;
  /**
   * Make every document appended so far durable.
   * @throws {Error} When it cannot (a full disk, for one); the caller then rolls back.
   */
  commit(): void;
  /**
   * Discard every document appended since the last commit: after a failed write, so that the
   * storage holds what was committed, and nothing in part.
   */
  rollback(): void;
  /** Commit, then release the database; the storage cannot be used afterwards. */
  close(): void;
  /**
   * Find a stored `start`, `descriptor`, `stop`, `resource` or `stream_resource` by its uid.
   * @param uid The uid.
   * @returns Its name and its run, or `undefined`.
   */
  find(uid: string): { name: DocumentName; run: string } | undefined;
  /**
   * The uids of a run's events, datums and stream datums (each row of a page included), for
   * a catalog that goes on with a run stored in an earlier session.
   * @param run Uid of the run's start document.
   * @returns The uids.
   */
  uids(run: string): Iterable<string>;
  /**
   * One run.
   * @param uid Uid of its start document.
   * @returns The run, or `undefined`.
   */
  run(uid: string): StoredRun | undefined;
  /**
   * The runs that match a filter, ordered by start time and then insertion order (newest
   * first when the slice counts from the newest).
   * @param filter Conditions on the runs.
   * @param slice Which part of the result; all of it by default.
   * @returns The runs.
   */
  runs(filter: RunFilter, slice?: RunSlice): StoredRun[];
  /**
   * How many runs match a filter.
   * @param filter Conditions on the runs.
   * @returns The number of runs.
   */
  count(filter: RunFilter): number;
  /**
   * A run's documents in insertion order, read as they are iterated.
   * @param run Uid of the run's start document.
   * @returns The documents.
   * @throws {CatalogCorruptError} When the storage is damaged where the documents are: never
   *   an end of the documents before the last.
   */
  documents(run: string): Iterable<StoredDocument>;
  /**
   * Documents committed after a place in the insertion order, in that order: what a reader in
   * another process polls for to follow a catalog being written.
   * @param after The `seq` of the last document seen (0 for the first).
   * @param filter One run, some names, how many.
   * @returns The documents.
   */
  tail?(after: number, filter?: TailFilter): TailedDocument[];
  /**
   * The `seq` of the last document committed (0 when there is none): where a reader that
   * follows only what comes next begins.
   * @returns The number.
   */
  lastSeq?(): number;
}
