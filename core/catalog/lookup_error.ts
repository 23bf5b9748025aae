/**
 * The error of a catalog lookup that finds no run, or more than one.
 *
 * @module
 */

/**
 * No run, or more than one, matches a lookup key.
 *
 * @example An ambiguous uid prefix lists the candidates
 * ```ts
 * import assert from "node:assert/strict";
 * import { CatalogLookupError } from "./lookup_error.ts";
 * const error = new CatalogLookupError('Uid prefix "3f2a1" is ambiguous', "3f2a1", [
 *   "3f2a1b00",
 *   "3f2a1c00",
 * ]);
 * assert.equal(error.message, 'Uid prefix "3f2a1" is ambiguous: "3f2a1b00", "3f2a1c00"');
 * assert.deepEqual(error.candidates, ["3f2a1b00", "3f2a1c00"]);
 * ```
 */
export class CatalogLookupError extends Error {
  /** Always `"CatalogLookupError"`. */
  override name = "CatalogLookupError";
  /** What was looked up: a scan id, an index or a uid prefix. */
  readonly key: number | string;
  /** Uids of the runs that matched when there were several; empty when none matched. */
  readonly candidates: string[];

  /**
   * Make the error; candidates, if any, are listed after the message.
   *
   * @param message What was not found, naming the key.
   * @param key The key looked up.
   * @param candidates Uids of the runs that matched.
   * @param options Standard error options (`cause`).
   */
  constructor(
    message: string,
    key: number | string,
    candidates: string[] = [],
    options?: ErrorOptions,
  ) {
    const list = candidates.map((uid) => `"${uid}"`).join(", ");
    super(candidates.length ? `${message}: ${list}` : message, options);
    this.key = key;
    this.candidates = candidates;
  }
}
