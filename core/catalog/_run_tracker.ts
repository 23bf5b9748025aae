/**
 * The catalog's checks before it stores a document: which run it belongs to (also for runs
 * begun in an earlier session, found in the storage), and whether its uid is new. Private to
 * the catalog.
 *
 * @module
 */

import type { DocumentName } from "../documents/types.ts";
import { DocumentError } from "../errors.ts";
import { RunRouter } from "../bus/run_router.ts";
import type { CatalogStorage } from "./storage.ts";

/** Documents others refer to (or that close a run): the storage keeps their uids unique. */
const REFERRED: ReadonlySet<DocumentName> = new Set([
  "start",
  "descriptor",
  "stop",
  "resource",
  "stream_resource",
]);

/** Documents whose uids are checked within their run, in memory. */
const ROWS: ReadonlySet<DocumentName> = new Set([
  "event",
  "event_page",
  "datum",
  "datum_page",
  "stream_datum",
]);

/** The field by which a document finds its run, and the kind of document it names. */
const REFERENCES: Partial<Record<DocumentName, readonly [string, DocumentName]>> = {
  descriptor: ["run_start", "start"],
  stop: ["run_start", "start"],
  resource: ["run_start", "start"],
  stream_resource: ["run_start", "start"],
  event: ["descriptor", "descriptor"],
  event_page: ["descriptor", "descriptor"],
  stream_datum: ["descriptor", "descriptor"],
  datum: ["resource", "resource"],
  datum_page: ["resource", "resource"],
};

/**
 * Traces documents to their runs and refuses those that do not fit.
 *
 * A global index of random event uids would slow every commit as the catalog grows, so the
 * uids of events, datums and stream datums are checked within their run only, against a set
 * kept while the run is open (read back from the storage for a run of an earlier session).
 *
 * @example A duplicate event is refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunTracker } from "./_run_tracker.ts";
 * import { SqliteStorage } from "./sqlite_storage.ts";
 * const tracker = new RunTracker(new SqliteStorage(":memory:"));
 * tracker.admit("start", { uid: "r1", time: 0 });
 * tracker.admit("descriptor", { uid: "d1", run_start: "r1" });
 * const event = { uid: "e1", descriptor: "d1" };
 * const { run, ids } = tracker.admit("event", event);
 * tracker.stored("event", run, ids);
 * assert.throws(() => tracker.admit("event", event), /already in the catalog/);
 * ```
 */
export class RunTracker {
  readonly #storage: CatalogStorage;
  readonly #router = new RunRouter();
  /** Descriptors and resources of runs begun in an earlier session, found in the storage. */
  readonly #resumed = new Map<string, string>();
  /** Uids of the events, datums and stream datums of the runs not yet stopped, by run. */
  readonly #seen = new Map<string, Set<string>>();

  /**
   * Track the runs of documents stored in a storage.
   * @param storage Where the catalog's documents are.
   */
  constructor(storage: CatalogStorage) {
    this.#storage = storage;
  }

  /**
   * Check a document before it is stored.
   * @param name The document's name.
   * @param fields The document.
   * @returns Its run, and its uids (a page's, or one).
   * @throws {DocumentError} When the uid is missing or taken, or the run, descriptor or
   *   resource it refers to is unknown or stopped.
   */
  admit(name: DocumentName, fields: Record<string, unknown>): { run: string; ids: string[] } {
    const ids = identify(name, fields);
    const uid = ids[0];
    if (REFERRED.has(name) && this.#storage.find(uid!) !== undefined) throw duplicate(name, uid);
    const run = this.#route(name, fields, uid);
    if (ROWS.has(name)) checkRows(name, ids, this.#seenOf(run));
    return { run, ids };
  }

  /**
   * Remember a document once stored: its uids, and the end of its run at a stop.
   * @param name The document's name.
   * @param run Its run.
   * @param ids Its uids.
   */
  stored(name: DocumentName, run: string, ids: readonly string[]): void {
    if (ROWS.has(name)) {
      const seen = this.#seenOf(run);
      for (const id of ids) seen.add(id);
    } else if (name === "stop") {
      this.#router.forget(run);
      this.#seen.delete(run);
      for (const [ref, owner] of this.#resumed) if (owner === run) this.#resumed.delete(ref);
    }
  }

  #route(name: DocumentName, fields: Record<string, unknown>, uid: string | undefined): string {
    try {
      return this.#router.route(name, fields);
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      const run = this.#storedRun(name, fields, uid);
      if (run === undefined) throw error;
      return run;
    }
  }

  /** The run of a document that refers to a run, descriptor or resource of an earlier session. */
  #storedRun(
    name: DocumentName,
    fields: Record<string, unknown>,
    uid: string | undefined,
  ): string | undefined {
    const [field, kind] = REFERENCES[name] ?? [];
    const ref = field === undefined ? undefined : fields[field];
    if (typeof ref !== "string") return undefined;
    const known = this.#resumed.get(ref);
    if (known !== undefined) return known;
    const found = this.#storage.find(ref);
    if (found === undefined || found.name !== kind) return undefined;
    if (this.#storage.run(found.run)?.stop !== undefined) {
      const why = name === "stop"
        ? `run "${found.run}" already has a stop document`
        : `belongs to run "${found.run}", which has already stopped`;
      throw new DocumentError(why, { document: name, uid, field });
    }
    if (kind !== "start") this.#resumed.set(ref, found.run);
    return found.run;
  }

  #seenOf(run: string): Set<string> {
    let seen = this.#seen.get(run);
    if (seen === undefined) {
      seen = new Set(this.#storage.uids(run));
      this.#seen.set(run, seen);
    }
    return seen;
  }
}

/** The uids of a document: one, or a page's; each a string. */
function identify(name: DocumentName, fields: Record<string, unknown>): string[] {
  const field = name === "datum" || name === "datum_page" ? "datum_id" : "uid";
  const id = fields[field];
  const page = name === "event_page" || name === "datum_page";
  const ids = page && Array.isArray(id) ? id : [id];
  if ((page && !Array.isArray(id)) || ids.some((one) => typeof one !== "string")) {
    const uid = typeof ids[0] === "string" ? ids[0] : undefined;
    const what = page ? "an array of strings" : "a string";
    throw new DocumentError(`is missing or not ${what}`, { document: name, uid, field });
  }
  if (name === "start" && typeof fields.time !== "number") {
    const where = { document: name, uid: ids[0], field: "time" };
    throw new DocumentError("is missing or not a number", where);
  }
  return ids;
}

/** Refuse a document with a uid its run holds already, or a page that repeats one. */
function checkRows(name: DocumentName, ids: readonly string[], seen: ReadonlySet<string>): void {
  if (ids.length === 1) {
    if (seen.has(ids[0]!)) throw duplicate(name, ids[0]);
    return;
  }
  const page = new Set<string>();
  for (const id of ids) {
    if (seen.has(id) || page.has(id)) throw duplicate(name, id);
    page.add(id);
  }
}

/**
 * The error of a uid that is taken.
 * @param document The document's name.
 * @param uid Its uid.
 * @returns The error.
 */
export function duplicate(document: string, uid: string | undefined): DocumentError {
  const field = document === "datum" || document === "datum_page" ? "datum_id" : "uid";
  return new DocumentError("is already in the catalog", { document, uid, field });
}
