/**
 * A search of the catalog's runs, as a user writes it, and its translation into a storage
 * filter.
 *
 * @module
 */

import type { RunFilter, StartValue } from "./storage.ts";

/**
 * Which runs to list. Times apply to the start document's `time`; every other key must equal
 * the start document's value of that key (same JSON type: `3` does not match `"3"`).
 *
 * @example Scans of one sample since a date
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RunQuery } from "./run_query.ts";
 * import { temp } from "./catalog.ts";
 * const catalog = temp();
 * const jan1 = Date.parse("2026-01-01") / 1000;
 * catalog.insert("start", { uid: "old-si", time: jan1 - 1, plan_name: "scan", sample: "Si" });
 * catalog.insert("start", { uid: "new-si", time: jan1 + 1, plan_name: "scan", sample: "Si" });
 * catalog.insert("start", { uid: "new-ge", time: jan1 + 2, plan_name: "scan", sample: "Ge" });
 * const query: RunQuery = { since: "2026-01-01", plan_name: "scan", sample: "Si" };
 * assert.deepEqual(catalog.runs(query).map((run) => run.uid), ["new-si"]);
 * catalog.close();
 * ```
 */
export interface RunQuery {
  /** Runs started at or after this time: epoch seconds, or an ISO 8601 text. */
  since?: number | string;
  /** Runs started before this time: epoch seconds, or an ISO 8601 text. */
  until?: number | string;
  /** Runs of this plan. */
  plan_name?: string;
  /** Runs with this scan id. */
  scan_id?: number;
  /** Any other top-level start key: a string, number, boolean or `null` it must equal. */
  [key: string]: unknown;
}

/**
 * Epoch seconds of a query time.
 *
 * @example Epoch seconds or ISO 8601
 * ```ts
 * import assert from "node:assert/strict";
 * import { epochSeconds } from "./run_query.ts";
 * assert.equal(epochSeconds("1970-01-01T00:01:00Z", "since"), 60);
 * assert.equal(epochSeconds(60.5, "since"), 60.5);
 * assert.throws(() => epochSeconds("yesterday", "since"), RangeError);
 * ```
 *
 * @param time Epoch seconds or an ISO 8601 text.
 * @param key The query key, for the error message.
 * @returns Epoch seconds.
 * @throws {RangeError} When the time is not a finite number nor a date.
 */
export function epochSeconds(time: number | string, key: string): number {
  const seconds = typeof time === "number" ? time : Date.parse(time) / 1000;
  if (!Number.isFinite(seconds)) {
    throw new RangeError(
      `Query key "${key}" needs epoch seconds or an ISO 8601 time: got "${time}"`,
    );
  }
  return seconds;
}

/**
 * The storage filter of a query.
 *
 * @example Times become epoch seconds, other keys equalities
 * ```ts
 * import assert from "node:assert/strict";
 * import { queryFilter } from "./run_query.ts";
 * assert.deepEqual(queryFilter({ since: 10, plan_name: "scan", sample: "Si" }), {
 *   since: 10,
 *   equal: [["plan_name", "scan"], ["sample", "Si"]],
 * });
 * ```
 *
 * @param query The query; keys whose value is `undefined` are ignored.
 * @returns The filter.
 * @throws {TypeError} When a value is not a time (for `since`/`until`) nor a JSON scalar.
 * @throws {RangeError} When a time is not a date.
 */
export function queryFilter(query: RunQuery): RunFilter {
  const filter: RunFilter = {};
  const equal: [string, StartValue][] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (key === "since" || key === "until") {
      if (typeof value !== "number" && typeof value !== "string") {
        throw new TypeError(`Query key "${key}" needs a number or a string: got ${typeof value}`);
      }
      filter[key] = epochSeconds(value, key);
    } else if (
      value === null || typeof value === "string" || typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value))
    ) {
      equal.push([key, value]);
    } else {
      throw new TypeError(
        `Query key "${key}" needs a string, a finite number, a boolean or null: got ${
          Array.isArray(value) ? "an array" : typeof value
        }`,
      );
    }
  }
  if (equal.length) filter.equal = equal;
  return filter;
}
