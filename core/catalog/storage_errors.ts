/**
 * The errors of a catalog's storage: documents it could not store (a full disk, for one), and
 * a database file that is damaged.
 *
 * @module
 */

/**
 * The catalog's file is damaged: SQLite found a page it cannot read. Every read that meets
 * such a page throws it, instead of ending early as if the documents were all there.
 *
 * @example The message names the file and what to run
 * ```ts
 * import assert from "node:assert/strict";
 * import { CatalogCorruptError } from "./storage_errors.ts";
 * const error = new CatalogCorruptError("/data/catalog.sqlite", "database disk image is malformed");
 * assert.match(error.message, /^Catalog "\/data\/catalog.sqlite" is damaged/);
 * assert.match(error.message, /nx check --catalog \/data/);
 * ```
 */
export class CatalogCorruptError extends Error {
  /** Always `"CatalogCorruptError"`. */
  override name = "CatalogCorruptError";
  /** The damaged database file. */
  readonly file: string;

  /**
   * Make the error.
   * @param file The database file.
   * @param detail What SQLite said.
   * @param options Standard error options (`cause`).
   */
  constructor(file: string, detail: string, options?: ErrorOptions) {
    const dir = file.replace(/\/[^/]*$/, "") || ".";
    super(
      `Catalog "${file}" is damaged (${detail}): what it holds cannot all be read; ` +
        `"deno task nx check --catalog ${dir}" tells what can be recovered`,
      options,
    );
    this.file = file;
  }
}

/**
 * Documents the catalog was given and could not store, by run: a write or a commit failed
 * (the disk is full, for one). Everything not yet committed when it failed is lost, and the
 * later documents of those runs are not stored either, so that a run stored in part is a
 * beginning of the run, in order, never a run with holes.
 *
 * @example The message names the file, the runs and the counts
 * ```ts
 * import assert from "node:assert/strict";
 * import { CatalogWriteError } from "./storage_errors.ts";
 * const error = new CatalogWriteError("/data/catalog.sqlite", new Map([["r1", 96]]), {
 *   cause: new Error("database or disk is full"),
 * });
 * assert.equal(
 *   error.message,
 *   'Catalog "/data/catalog.sqlite" could not store 96 documents of run "r1": ' +
 *     "database or disk is full (the run is not stored completely)",
 * );
 * ```
 */
export class CatalogWriteError extends Error {
  /** Always `"CatalogWriteError"`. */
  override name = "CatalogWriteError";
  /** The database file (or `":memory:"`). */
  readonly file: string;
  /** Documents not stored, by the uid of their run's start document. */
  readonly notStored: ReadonlyMap<string, number>;

  /**
   * Make the error.
   * @param file Where the catalog is.
   * @param notStored Documents not stored, by run uid.
   * @param options Standard error options: `cause` is the storage's error.
   */
  constructor(file: string, notStored: ReadonlyMap<string, number>, options?: ErrorOptions) {
    const runs = [...notStored].map(([run, n], i) =>
      i === 0
        ? `${n} ${n === 1 ? "document" : "documents"} of run "${run}"`
        : `${n} of run "${run}"`
    );
    const cause = options?.cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    const list = runs.length > 1 ? `${runs.slice(0, -1).join(", ")} and ${runs.at(-1)}` : runs[0];
    const which = runs.length > 1 ? "the runs are" : "the run is";
    super(
      `Catalog "${file}" could not store ${list}: ${detail} (${which} not stored completely)`,
      options,
    );
    this.file = file;
    this.notStored = notStored;
  }
}

/** SQLite's result codes of a damaged file: SQLITE_CORRUPT and SQLITE_NOTADB. */
const DAMAGED: ReadonlySet<number> = new Set([11, 26]);

/**
 * Whether an error of `node:sqlite` says the database file is damaged.
 * @param error What a statement threw.
 * @returns True for SQLITE_CORRUPT and SQLITE_NOTADB.
 */
export function isDamaged(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === "number" && DAMAGED.has(code & 0xff);
}
