/**
 * Default file names for a run, as apstools' NXWriter makes them
 * (`20220812-172738-S00001-c888d28.hdf`), with the time zone stated rather than implied.
 *
 * @module
 */

import { DocumentError } from "../errors.ts";
import type { RunStart } from "../documents/types.ts";
import { localParts } from "../time.ts";

/**
 * Options of {@linkcode defaultFileName}.
 *
 * @example HDF5 names in UTC
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultFileName, type FileNameOptions } from "./file_name.ts";
 * const options: FileNameOptions = { timeZone: "UTC", extension: "h5" };
 * assert.equal(defaultFileName({ uid: "c888d28x", time: 0, scan_id: 1 }, options), "19700101-000000-S00001-c888d28.h5");
 * ```
 */
export interface FileNameOptions {
  /** IANA time zone of the date and time in the name; the system's by default. */
  timeZone?: string;
  /** File extension without the dot. */
  extension?: string;
}

/**
 * Defaults of {@linkcode FileNameOptions}.
 */
export const fileNameDefaults = { extension: "hdf" } as const satisfies FileNameOptions;

/**
 * The calendar date and time of `epochSeconds` in a time zone as `YYYYmmdd-HHMMSS`.
 * @param epochSeconds Unix epoch seconds.
 * @param timeZone IANA time zone; the system's by default.
 * @returns The stamp.
 *
 * @example The epoch in UTC
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeStamp } from "./file_name.ts";
 * assert.equal(timeStamp(0, "UTC"), "19700101-000000");
 * ```
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
 * @throws {DocumentError} When the start's `time` is no number of epoch seconds (a lenient
 *   receiver keeps such a start as recorded; then name the file yourself).
 */
export function defaultFileName(
  start: Pick<RunStart, "uid" | "time" | "scan_id">,
  options: FileNameOptions = {},
): string {
  const time: unknown = start.time;
  if (typeof time !== "number" || !Number.isFinite(time)) {
    throw new DocumentError(
      `needs a number of epoch seconds to name the file: got ${JSON.stringify(time) ?? "none"}` +
        " (give the file a name)",
      { document: "start", uid: String(start.uid), field: "time" },
    );
  }
  const extension = options.extension ?? fileNameDefaults.extension;
  const scanId = String(start.scan_id ?? 0).padStart(5, "0");
  // scan_id and uid come from the run's metadata: they must not choose the folder.
  return safeFileName(
    `${timeStamp(start.time, options.timeZone)}-S${scanId}-${
      String(start.uid).slice(0, 7)
    }.${extension}`,
  );
}

/** Longest file name most file systems take, in UTF-8 bytes. */
const NAME_BYTES = 255;

/**
 * A name made safe as one file name in a folder: path separators, NUL and other control
 * characters become `_`, a leading dot (a hidden file, or `..`) becomes `_`, and a name longer
 * than 255 bytes is shortened, keeping its extension.
 *
 * @example Metadata cannot leave the folder
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeFileName } from "./file_name.ts";
 * assert.equal(safeFileName("../../etc/passwd"), "_._.._etc_passwd");
 * assert.equal(safeFileName("/abs\u0000name.h5"), "_abs_name.h5");
 * assert.equal(new TextEncoder().encode(safeFileName("x".repeat(400) + ".h5")).length, 255);
 * assert.ok(safeFileName("x".repeat(400) + ".h5").endsWith("x.h5"));
 * ```
 *
 * @param name The name.
 * @returns The safe name.
 */
export function safeFileName(name: string): string {
  // deno-lint-ignore no-control-regex
  let safe = name.replace(/[/\\\x00-\x1f\x7f]/g, "_").replace(/^\./, "_");
  if (safe === "") safe = "_";
  const encoder = new TextEncoder();
  if (encoder.encode(safe).length <= NAME_BYTES) return safe;
  const dot = safe.lastIndexOf(".");
  const extension = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : "";
  let stem = [...safe.slice(0, safe.length - extension.length)];
  while (encoder.encode(stem.join("") + extension).length > NAME_BYTES) stem = stem.slice(0, -1);
  return stem.join("") + extension;
}

/**
 * The `n`-th file of a name, its number before the extension: `scan.h5`, `scan-2.h5`, ...
 * (a name without extension gets it at the end).
 *
 * @example The second and third run converted to one name
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberedName } from "./file_name.ts";
 * assert.equal(numberedName("/data/scan.h5", 2), "/data/scan-2.h5");
 * assert.equal(numberedName("/data.d/scan", 3), "/data.d/scan-3");
 * ```
 *
 * @param path The name or path.
 * @param n The number.
 * @returns The numbered name.
 */
export function numberedName(path: string, n: number): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? `${path.slice(0, dot)}-${n}${path.slice(dot)}` : `${path}-${n}`;
}
