/**
 * A live text table of a run's events, laid out as bluesky's `LiveTable`: the same borders,
 * column widths, number formats, header repetition and closing line.
 *
 * @module
 */

import type {
  DataKey,
  Document,
  DocumentName,
  Event,
  EventDescriptor,
  EventPage,
  RunStart,
  RunStop,
} from "../documents/types.ts";
import { localParts } from "../time.ts";

/**
 * A callback taking every document, as `DocumentBus.subscribe("all", ...)` wants.
 *
 * @example Subscribe a table to a bus
 * ```ts
 * import { DocumentBus } from "../bus/bus.ts";
 * import { createLiveTable, type LiveCallback } from "./live_table.ts";
 * const table: LiveCallback = createLiveTable({ write: () => {} });
 * new DocumentBus().subscribe("all", table);
 * ```
 */
export type LiveCallback = (name: DocumentName, doc: Document) => void;

/**
 * Clock faces in one time zone, as Python's `datetime.fromtimestamp()` prints them.
 *
 * @example Read the time of day
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLocalClock, type LocalClock } from "./live_table.ts";
 * const clock: LocalClock = createLocalClock("UTC");
 * assert.equal(clock.time(0.5), "00:00:00.500000");
 * ```
 */
export interface LocalClock {
  /** `HH:MM:SS.ffffff`, or `HH:MM:SS` on a whole second (Python's `str(time)`). */
  time(epoch: number): string;
  /** `YYYY-MM-DD HH:MM:SS`, the seconds truncated. */
  dateTime(epoch: number): string;
}

const two = (n: number): string => (n < 10 ? "0" : "") + n;

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
 * import { createLocalClock } from "./live_table.ts";
 * const clock = createLocalClock("America/Chicago");
 * assert.equal(clock.dateTime(1660343258.78), "2022-08-12 17:27:38");
 * assert.equal(clock.time(1660343260.1), "17:27:40.100000");
 * ```
 */
export function createLocalClock(timeZone?: string): LocalClock {
  // Fail at once on an unknown time zone, not at the first event.
  localParts(0, timeZone);
  let bucket = NaN;
  let offset = 0;
  let local = 0;
  let micro = 0;
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
      const p = localParts(whole * 1000, timeZone);
      const utc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
      offset = utc / 1000 - whole;
    }
    local = whole + offset;
  };
  return {
    time(epoch) {
      split(epoch);
      const s = ((local % 86400) + 86400) % 86400;
      const hms = two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" +
        two(s % 60);
      return micro === 0 ? hms : hms + "." + String(micro).padStart(6, "0");
    },
    dateTime(epoch) {
      split(epoch);
      const iso = new Date(local * 1000).toISOString();
      return iso.slice(0, 10) + " " + iso.slice(11, 19);
    },
  };
}

/** Python's `format(x, ".{p}f")`: ties to even, `nan`, `inf`, `-0.0`, no exponent. */
function formatFixed(x: number, p: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Math.abs(x) >= 1e21) return BigInt(x).toString() + (p > 0 ? "." + "0".repeat(p) : "");
  let s = x.toFixed(p);
  // toFixed() rounds exact ties away from zero; a tie is x = odd / 2^(p+1).
  const scaled = x * 2 ** (p + 1);
  if (Number.isInteger(scaled) && scaled % 2 !== 0 && (s.charCodeAt(s.length - 1) & 1) === 1) {
    const digits = (BigInt(s.replace(/[-.]/g, "")) - 1n).toString().padStart(p + 1, "0");
    s = (x < 0 ? "-" : "") + (p > 0 ? digits.slice(0, -p) + "." + digits.slice(-p) : digits);
  }
  return Object.is(x, -0) ? "-" + s : s;
}

function formatInteger(x: number): string {
  return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString();
}

function text(value: unknown): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

/**
 * The fields a descriptor's devices hint at, device by device (bluesky's `hinted_fields`):
 * a device's `hints.fields` when it has them, all its `object_keys` otherwise. A descriptor
 * without `object_keys` hints at all its data keys.
 *
 * @param descriptor The descriptor.
 * @returns Field names in device order.
 *
 * @example Hinted fields of a motor and a detector
 * ```ts
 * import assert from "node:assert/strict";
 * import { hintedFields } from "./live_table.ts";
 * const fields = hintedFields({
 *   uid: "d", run_start: "r", time: 0, data_keys: {},
 *   object_keys: { motor: ["motor", "motor_user_setpoint"], sensor: ["sensor"] },
 *   hints: { motor: { fields: ["motor"] } },
 * });
 * assert.equal(fields.join(), "motor,sensor");
 * ```
 */
export function hintedFields(descriptor: EventDescriptor): string[] {
  const objects = Object.entries(descriptor.object_keys ?? {});
  if (objects.length === 0) return Object.keys(descriptor.data_keys);
  return objects.flatMap(([obj, keys]) => descriptor.hints?.[obj]?.fields ?? keys);
}

/**
 * The independent axes of a run, as bluesky's `BestEffortCallback` works them out.
 *
 * @example The axes of a scan
 * ```ts
 * import assert from "node:assert/strict";
 * import { planDimensions, type PlanDimensions } from "./live_table.ts";
 * const dims: PlanDimensions = planDimensions({ hints: { dimensions: [[["m"], "primary"]] } });
 * assert.equal(dims.axes[0], "m");
 * ```
 */
export interface PlanDimensions {
  /** The stream all dimensions belong to. */
  stream: string;
  /** First field of each dimension, slow to fast: what plots use as x. */
  axes: string[];
  /** Every field of every dimension. */
  fields: string[];
  /** True when the start document has no usable `hints.dimensions` and they were guessed. */
  guessed: boolean;
}

/**
 * Work out a run's dimensions from its start document's `hints.dimensions`. Without them
 * (or when they span several streams) they are guessed as bluesky does, one per entry of
 * `motors`, whose device names are turned into fields with the primary `descriptor`'s
 * hints; a run with neither is plotted against `seq_num`.
 *
 * @param start The start document.
 * @param descriptor The primary descriptor, to resolve guessed motor names into fields.
 * @returns The dimensions.
 *
 * @example Guess from the motors when hints are missing
 * ```ts
 * import assert from "node:assert/strict";
 * import { planDimensions } from "./live_table.ts";
 * const dims = planDimensions({ motors: ["m1"] }, {
 *   uid: "d", run_start: "r", time: 0, data_keys: {},
 *   object_keys: { m1: ["m1_readback", "m1_setpoint"] },
 *   hints: { m1: { fields: ["m1_readback"] } },
 * });
 * assert.ok(dims.guessed);
 * assert.equal(dims.axes[0], "m1_readback");
 * ```
 */
export function planDimensions(
  start: Partial<RunStart>,
  descriptor?: EventDescriptor,
): PlanDimensions {
  const hinted = start.hints?.dimensions;
  if (
    Array.isArray(hinted) && hinted.length > 0 && new Set(hinted.map((d) => d[1])).size === 1
  ) {
    const fields = hinted.flatMap(([f]) => f);
    return {
      stream: hinted[0]![1],
      axes: hinted.map(([f]) => f[0] ?? "time"),
      fields,
      guessed: false,
    };
  }
  const motors = Array.isArray(start.motors) ? start.motors : [];
  const resolve = (obj: string): string[] =>
    descriptor?.hints?.[obj]?.fields ?? descriptor?.object_keys?.[obj] ?? [obj];
  const dims = motors.map((m) => descriptor ? resolve(m) : [m]);
  if (dims.length === 0) dims.push(["seq_num"]);
  const axes = dims.map((f) => f[0] ?? "time");
  return { stream: "primary", axes, fields: dims.flat(), guessed: true };
}

/**
 * Options of {@linkcode createLiveTable}.
 *
 * @example Options that print every line
 * ```ts
 * import type { LiveTableOptions } from "./live_table.ts";
 * const options: LiveTableOptions = { write: (line) => console.log(line), timeZone: "UTC" };
 * ```
 */
export interface LiveTableOptions {
  /** Receives each line of output, without its newline. */
  write: (line: string) => void;
  /** Fields to show; by default the dimensions then the hinted fields, as bluesky's BEC. */
  fields?: readonly string[];
  /** The stream to show. */
  stream?: string;
  /** Print the header again before every this-many-th row. */
  headerInterval?: number;
  /** Minimum width of a data column, padding included. */
  minWidth?: number;
  /** Precision of numbers whose data key has none. */
  defaultPrecision?: number;
  /** Spaces on each side of a value. */
  extraPad?: number;
  /** Two empty lines before and after the table. */
  separatorLines?: boolean;
  /** IANA time zone of the time column; the system's by default. */
  timeZone?: string;
}

/**
 * Defaults of {@linkcode LiveTableOptions}, bluesky's.
 *
 * @example Reprint the header less often
 * ```ts
 * import assert from "node:assert/strict";
 * import { liveTableDefaults } from "./live_table.ts";
 * const options = { ...liveTableDefaults, headerInterval: 100 };
 * assert.equal(options.minWidth, 12);
 * ```
 */
export const liveTableDefaults = {
  stream: "primary",
  headerInterval: 50,
  minWidth: 12,
  defaultPrecision: 3,
  extraPad: 1,
  separatorLines: true,
} satisfies Omit<Required<LiveTableOptions>, "write" | "fields" | "timeZone">;

type Kind = "seq" | "time" | "f" | "d" | "s" | "b";
const KINDS: Partial<Record<string, Kind>> = {
  number: "f",
  integer: "d",
  string: "s",
  boolean: "b",
};

interface Column {
  key: string;
  kind: Kind;
  /** Width between the `|`, padding included. */
  width: number;
  precision: number;
}

function count(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`Invalid ${name} "${value}": expected an integer >= ${min}`);
  }
  return value;
}

function precisionOf(key: DataKey, fallback: number): number {
  const p = Math.trunc(Number(key.precision ?? fallback));
  return Number.isFinite(p) && p >= 0 && p <= 100 ? p : fallback;
}

/**
 * Make a callback that writes a run's events as a table, one row per event (pages are
 * split), in bluesky's `LiveTable` layout; a run that does not end in success gets a last
 * line saying how it ended. Array fields are left out, as bluesky does.
 *
 * @param options Output sink, fields, stream, layout and time zone.
 * @returns The callback.
 * @throws {RangeError} When a count option is out of range or the time zone is unknown.
 *
 * @example A table of one event
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/compose.ts";
 * import { createLiveTable } from "./live_table.ts";
 * const lines: string[] = [];
 * const table = createLiveTable({ write: (l) => lines.push(l), timeZone: "UTC", fields: ["x"] });
 * const run = composeRun({ plan_type: "generator", plan_name: "count", scan_id: 7, uid: "abcdef123" });
 * const stream = run.descriptor({
 *   name: "primary",
 *   data_keys: { x: { dtype: "number", shape: [], source: "SIM:x", precision: 2 } },
 * });
 * table("start", run.start);
 * table("descriptor", stream.doc);
 * table("event", stream.event({ data: { x: 1.234 }, timestamps: { x: 0 }, time: 3600.5 }));
 * table("stop", run.stop());
 * assert.ok(lines.includes("|         1 | 01:00:00.5 |       1.23 |"));
 * assert.ok(lines.includes("generator count ['abcdef12'] (scan num: 7)"));
 * ```
 */
export function createLiveTable(options: LiveTableOptions): LiveCallback {
  const o = { ...liveTableDefaults, ...options };
  const interval = count("headerInterval", o.headerInterval, 1);
  const pad = count("extraPad", o.extraPad, 0);
  const minWidth = count("minWidth", o.minWidth, 0);
  const defaultPrecision = count("defaultPrecision", o.defaultPrecision, 0);
  const clock = createLocalClock(o.timeZone);
  const space = " ".repeat(pad);
  const write = o.write;
  const writeAll = (...lines: string[]): void => lines.forEach((line) => write(line));

  let start: RunStart | undefined;
  const descriptors = new Set<string>();
  let columns: Column[] = [];
  let border: string | undefined;
  let header = "";
  let rows = 0;

  function describe(doc: EventDescriptor): void {
    const fields = o.fields ?? defaultColumns(start ?? {}, doc);
    columns = [
      { key: "seq_num", kind: "seq", width: 10 + pad, precision: 0 },
      { key: "time", kind: "time", width: 10 + 2 * pad, precision: 10 },
    ];
    for (const key of new Set(fields)) {
      const dataKey = doc.data_keys[key];
      const kind = dataKey && KINDS[dataKey.dtype];
      if (!dataKey || !kind) continue;
      let width = Math.max(minWidth, key.length + 2, defaultPrecision + 1 + 2 * pad);
      let precision = defaultPrecision;
      if (kind === "b") precision = 5;
      else if (kind === "s") precision = width - 1 - 2 * pad;
      else if (kind === "f") {
        precision = precisionOf(dataKey, defaultPrecision);
        // Unlike bluesky, widen the column so that "-0." and the digits always fit.
        width = Math.max(width, precision + 3 + 2 * pad);
      }
      columns.push({ key, kind, width, precision });
    }
    border = "+" + columns.map((c) => "-".repeat(c.width)).join("+") + "+";
    header = "|" + columns.map((c) => c.key.padStart(c.width - pad) + space).join("|") + "|";
    rows = 0;
    if (o.separatorLines) writeAll("", "");
    writeAll(border, header, border);
  }

  function cell(c: Column, value: unknown): string {
    switch (c.kind) {
      case "f":
        return typeof value === "number" ? formatFixed(value, c.precision) : text(value);
      case "d":
        return typeof value === "number" && Number.isInteger(value)
          ? formatInteger(value)
          : text(value);
      default:
        return text(value).slice(0, c.precision);
    }
  }

  function row(
    seq: number,
    time: number,
    get: (key: string) => unknown,
    shown: (key: string) => boolean,
  ): void {
    rows += 1;
    if (rows % interval === 0) writeAll(border!, header, border!);
    let line = "|";
    for (const c of columns) {
      let value: string;
      if (c.kind === "seq") value = formatInteger(seq);
      else if (c.kind === "time") value = clock.time(time).slice(0, 10);
      else if (shown(c.key)) value = cell(c, get(c.key));
      else {
        line += " ".repeat(c.width) + "|";
        continue;
      }
      line += space + value.padStart(c.width - 2 * pad) + space + "|";
    }
    write(line);
  }

  function event(doc: Event): void {
    if (!descriptors.has(doc.descriptor)) return;
    row(
      doc.seq_num,
      doc.time,
      (key) => doc.data[key],
      (key) => Object.hasOwn(doc.data, key) && Boolean(doc.filled?.[key] ?? true),
    );
  }

  function eventPage(page: EventPage): void {
    if (!descriptors.has(page.descriptor)) return;
    for (let i = 0; i < page.seq_num.length; i++) {
      row(
        page.seq_num[i]!,
        page.time[i]!,
        (key) => page.data[key]?.[i],
        (key) => Object.hasOwn(page.data, key) && Boolean(page.filled?.[key]?.[i] ?? true),
      );
    }
  }

  function stop(doc: RunStop): void {
    if (!start || doc.run_start !== start.uid) return;
    if (border !== undefined) write(border);
    write(watermark(start));
    if (doc.exit_status !== "success") {
      const reason = doc.reason ? `: ${doc.reason}` : "";
      write(`Run ended with exit status '${doc.exit_status}'${reason}`);
    }
    if (o.separatorLines) writeAll("", "");
  }

  return (name, doc) => {
    switch (name) {
      case "start":
        start = doc as RunStart;
        descriptors.clear();
        border = undefined;
        return;
      case "descriptor": {
        const d = doc as EventDescriptor;
        if ((d.name ?? "primary") !== o.stream) return;
        descriptors.add(d.uid);
        return describe(d);
      }
      case "event":
        return event(doc as Event);
      case "event_page":
        return eventPage(doc as EventPage);
      case "stop":
        return stop(doc as RunStop);
    }
  };
}

/** The default columns: every dimension field, then the other hinted fields. */
function defaultColumns(start: Partial<RunStart>, descriptor: EventDescriptor): string[] {
  const dims = planDimensions(start, descriptor).fields;
  return [...dims, ...hintedFields(descriptor).filter((f) => !dims.includes(f))];
}

/** bluesky's closing line: `generator scan ['c888d282'] (scan num: 1)`. */
function watermark(start: RunStart): string {
  const plan = [start.plan_type, start.plan_name].filter((p) => p != null).join(" ");
  return `${plan} ['${start.uid.slice(0, 8)}'] (scan num: ${start.scan_id ?? "-"})`;
}
