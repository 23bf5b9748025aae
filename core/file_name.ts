/**
 * Default file names for a run, as apstools' NXWriter makes them
 * (`20220812-172738-S00001-c888d28.hdf`), with the time zone stated rather than implied.
 *
 * @module
 */

import type { RunStart } from "./documents.ts";
import { localParts } from "./time.ts";

/** Options of {@linkcode defaultFileName}. */
export interface FileNameOptions {
  /** IANA time zone of the date and time in the name; the system's by default. */
  timeZone?: string;
  /** File extension without the dot. */
  extension?: string;
}

/** Defaults of {@linkcode FileNameOptions}. */
export const fileNameDefaults = { extension: "hdf" } as const satisfies FileNameOptions;

/**
 * The calendar date and time of `epochSeconds` in a time zone as `YYYYmmdd-HHMMSS`.
 * @param epochSeconds Unix epoch seconds.
 * @param timeZone IANA time zone; the system's by default.
 * @returns The stamp.
 */
export function timeStamp(epochSeconds: number, timeZone?: string): string {
  const parts = localParts(epochSeconds * 1000, timeZone);
  return `${parts.year}${parts.month}${parts.day}-${parts.hour}${parts.minute}${parts.second}`;
}

/**
 * The default file name of a run: start time in the given time zone, scan id, short uid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultFileName } from "./file_name.ts";
 * const start = { uid: "c888d282-1094-403b-baff-3781057ff087", time: 1660343258.78, scan_id: 1 };
 * assert.equal(
 *   defaultFileName(start, { timeZone: "America/Chicago" }),
 *   "20220812-172738-S00001-c888d28.hdf",
 * );
 * ```
 *
 * @param start The run's start document.
 * @param options Time zone and extension.
 * @returns The file name (no folder).
 */
export function defaultFileName(
  start: Pick<RunStart, "uid" | "time" | "scan_id">,
  options: FileNameOptions = {},
): string {
  const extension = options.extension ?? fileNameDefaults.extension;
  const scanId = String(start.scan_id ?? 0).padStart(5, "0");
  return `${timeStamp(start.time, options.timeZone)}-S${scanId}-${
    start.uid.slice(0, 7)
  }.${extension}`;
}
