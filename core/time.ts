/**
 * Times as text for NeXus files: ISO 8601 with microseconds and the UTC offset, so that a
 * time read from the file means one instant wherever it is read (the reference writes naive
 * local time).
 *
 * @module
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? "";
  let format = formatters.get(key);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
    } catch (cause) {
      throw new RangeError(`Unknown time zone "${timeZone}"`, { cause });
    }
    formatters.set(key, format);
  }
  return format;
}

/**
 * Calendar fields of an instant in a time zone, as zero-padded text.
 *
 * @example The epoch in UTC
 * ```ts
 * import assert from "node:assert/strict";
 * import { localParts, type LocalParts } from "./time.ts";
 * const parts: LocalParts = localParts(0, "UTC");
 * assert.equal(`${parts.year}-${parts.month}-${parts.day}`, "1970-01-01");
 * ```
 */
export interface LocalParts {
  /** Four-digit year. */
  year: string;
  /** Month, `01` to `12`. */
  month: string;
  /** Day of the month, `01` to `31`. */
  day: string;
  /** Hour, `00` to `23`. */
  hour: string;
  /** Minute, `00` to `59`. */
  minute: string;
  /** Second, `00` to `59`. */
  second: string;
}

/**
 * The calendar date and time of an instant in a time zone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { localParts } from "./time.ts";
 * assert.equal(localParts(0, "UTC").year, "1970");
 * ```
 *
 * @param epochMillis Unix epoch milliseconds.
 * @param timeZone IANA time zone; the system's by default.
 * @returns Year, month, day, hour, minute and second, zero-padded.
 * @throws {RangeError} For an unknown time zone.
 */
export function localParts(epochMillis: number, timeZone?: string): LocalParts {
  if (timeZone === undefined) {
    // The system's zone is the Date's own: its fields cost no Intl formatter, whose making
    // takes tens of ms at a program's start. Years outside 1 to 9999 are left to Intl.
    const date = new Date(epochMillis);
    const year = date.getFullYear();
    if (year >= 1 && year <= 9999) {
      const two = (n: number) => String(n).padStart(2, "0");
      return {
        year: String(year),
        month: two(date.getMonth() + 1),
        day: two(date.getDate()),
        hour: two(date.getHours()),
        minute: two(date.getMinutes()),
        second: two(date.getSeconds()),
      };
    }
  }
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(epochMillis))) {
    parts[part.type] = part.value;
  }
  return parts as unknown as LocalParts;
}

/**
 * Options of {@linkcode isoTime}.
 *
 * @example Without the UTC offset
 * ```ts
 * import assert from "node:assert/strict";
 * import { isoTime, type IsoTimeOptions } from "./time.ts";
 * const options: IsoTimeOptions = { offset: false };
 * assert.equal(isoTime(0, "UTC", options), "1970-01-01T00:00:00.000000");
 * ```
 */
export interface IsoTimeOptions {
  /** Append the UTC offset (`-05:00`, `+00:00`). Default true. */
  offset?: boolean;
}

/**
 * Format Unix epoch seconds as local ISO 8601 time with microseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isoTime } from "./time.ts";
 * assert.equal(isoTime(1660343258.779351, "America/Chicago"), "2022-08-12T17:27:38.779351-05:00");
 * assert.equal(
 *   isoTime(1660343258.779351, "America/Chicago", { offset: false }),
 *   "2022-08-12T17:27:38.779351",
 * );
 * ```
 *
 * @param epochSeconds Unix epoch seconds.
 * @param timeZone IANA time zone; the system's by default.
 * @param options Whether to append the UTC offset.
 * @returns The time as text.
 */
export function isoTime(
  epochSeconds: number,
  timeZone?: string,
  options: IsoTimeOptions = {},
): string {
  const micros = Math.round(epochSeconds * 1e6);
  const wholeMillis = Math.floor(micros / 1e6) * 1000;
  const fraction = String(micros - wholeMillis * 1000).padStart(6, "0");
  const parts = localParts(wholeMillis, timeZone);
  const local =
    `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  if (options.offset === false) return `${local}.${fraction}`;
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const offsetMinutes = Math.round((asUtc - wholeMillis) / 60000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}.${fraction}${sign}${hh}:${mm}`;
}
