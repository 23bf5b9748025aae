/**
 * Clock faces in one time zone, as Python's `datetime.fromtimestamp()` prints them: the
 * time column of the live table and the heading of the best-effort view.
 *
 * @module
 */

import { localParts } from "../time.ts";

/**
 * Clock faces in one time zone, as Python's `datetime.fromtimestamp()` prints them.
 *
 * @example Read the time of day
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLocalClock, type LocalClock } from "./local_clock.ts";
 * const clock: LocalClock = createLocalClock("UTC");
 * assert.equal(clock.time(0.5), "00:00:00.500000");
 * ```
 */
export interface LocalClock {
  /** `HH:MM:SS.ffffff`, or `HH:MM:SS` on a whole second (Python's `str(time)`). */
  time(epoch: number): string;
  /**
   * `HH:MM:SS.f`, the tenths of {@linkcode LocalClock.time} (or `HH:MM:SS` on a whole second):
   * the first ten characters of `time(epoch)`, as bluesky's LiveTable shows them.
   */
  timeTenths(epoch: number): string;
  /** `YYYY-MM-DD HH:MM:SS`, the seconds truncated. */
  dateTime(epoch: number): string;
}

const two = (n: number): string => (n < 10 ? "0" : "") + n;

/**
 * What the clocks share, as `Intl` is slow to ask and a live table makes a clock for every
 * run: the zones found valid, and the offset of the quarter hour each zone was last asked
 * about ("" is the system's zone).
 */
const knownZones = new Set<string>();
const lastOffsets = new Map<string, { bucket: number; offset: number }>();

/**
 * Make a clock for a time zone. The zone's offset is looked up once per quarter hour of
 * epoch time (every offset change since 1970 falls on one), so formatting thousands of
 * rows does not call `Intl` for each of them.
 *
 * @param timeZone IANA zone name, for example `"America/Chicago"`; the system's by default.
 * @returns The clock.
 * @throws {RangeError} When the time zone is unknown.
 *
 * @example Format the seed's start time in Chicago
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLocalClock } from "./local_clock.ts";
 * const clock = createLocalClock("America/Chicago");
 * assert.equal(clock.dateTime(1660343258.78), "2022-08-12 17:27:38");
 * assert.equal(clock.time(1660343260.1), "17:27:40.100000");
 * assert.equal(clock.timeTenths(1660343260.1), "17:27:40.1");
 * ```
 */
export function createLocalClock(timeZone?: string): LocalClock {
  const zone = timeZone ?? "";
  // Fail at once on an unknown time zone, not at the first event.
  if (!knownZones.has(zone)) {
    localParts(0, timeZone);
    knownZones.add(zone);
  }
  let bucket = NaN;
  let offset = 0;
  let local = 0;
  let micro = 0;
  let hms = "";
  let hmsOf = NaN;
  let tenths = "";
  let tenthsOf = NaN;
  // Python rounds to the microsecond first, so 59.9999996 shows as the next second.
  const split = (epoch: number): void => {
    let whole = Math.floor(epoch);
    micro = Math.round((epoch - whole) * 1e6);
    if (micro === 1e6) {
      whole += 1;
      micro = 0;
    }
    if (Math.floor(whole / 900) !== bucket) {
      bucket = Math.floor(whole / 900);
      const last = lastOffsets.get(zone);
      if (last?.bucket === bucket) offset = last.offset;
      else {
        const p = localParts(whole * 1000, timeZone);
        const utc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
        offset = utc / 1000 - whole;
        lastOffsets.set(zone, { bucket, offset });
      }
    }
    local = whole + offset;
  };
  // A live table asks for the time of every row, mostly within the same second.
  const updateHms = (): void => {
    if (local === hmsOf) return;
    const s = ((local % 86400) + 86400) % 86400;
    hms = two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
    hmsOf = local;
    tenthsOf = NaN;
  };
  return {
    time(epoch) {
      split(epoch);
      updateHms();
      return micro === 0 ? hms : hms + "." + String(micro).padStart(6, "0");
    },
    timeTenths(epoch) {
      split(epoch);
      updateHms();
      if (micro === 0) return hms;
      // micro is 1 to 999,999: the first of its six digits.
      const tenth = Math.floor(micro / 100000);
      if (tenth !== tenthsOf) {
        tenths = hms + "." + tenth;
        tenthsOf = tenth;
      }
      return tenths;
    },
    dateTime(epoch) {
      split(epoch);
      const iso = new Date(local * 1000).toISOString();
      return iso.slice(0, 10) + " " + iso.slice(11, 19);
    },
  };
}
