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
import { createLocalClock } from "./local_clock.ts";
import { hintedFields, planDimensions } from "./dimensions.ts";
import { formatFixed, formatInteger, text } from "./_python_format.ts";

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

/** Options of {@linkcode createLiveTable}. */
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

/** Defaults of {@linkcode LiveTableOptions}, bluesky's. */
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
  /** Width of the value, padding excluded. */
  inner: number;
  /** The cell of a value that is not shown, with its closing `|`. */
  blank: string;
  /** The spaces before a value `n` characters narrower than `inner`, by `n`: padStart's. */
  pads: string[];
  /**
   * The last number formatted in this column and its text, and the last text padded and its
   * cell: a signal often reads the same value for many rows (a sensor renewed at 10 Hz), and
   * the time column shows tenths of seconds.
   */
  lastNumber: number | undefined;
  lastText: string;
  lastValue: string | undefined;
  lastCell: string;
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
  const close = space + "|";
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
    const column = (key: string, kind: Kind, width: number, precision: number): Column => ({
      key,
      kind,
      width,
      precision,
      inner: width - 2 * pad,
      blank: " ".repeat(width) + "|",
      pads: Array.from({ length: Math.max(0, width - 2 * pad) + 1 }, (_, n) => " ".repeat(pad + n)),
      lastNumber: undefined,
      lastText: "",
      lastValue: undefined,
      lastCell: "",
    });
    columns = [column("seq_num", "seq", 10 + pad, 0), column("time", "time", 10 + 2 * pad, 10)];
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
      columns.push(column(key, kind, width, precision));
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
        if (typeof value !== "number") return text(value);
        // Object.is: -0 is shown as "-0.000", unlike 0.
        if (!Object.is(value, c.lastNumber)) {
          c.lastText = formatFixed(value, c.precision);
          c.lastNumber = value;
        }
        return c.lastText;
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
      else if (c.kind === "time") value = clock.timeTenths(time);
      else if (shown(c.key)) value = cell(c, get(c.key));
      else {
        line += c.blank;
        continue;
      }
      line += padded(c, value);
    }
    write(line);
  }

  /** A value's cell, padded and closed: the same text as the row before is not padded again. */
  function padded(c: Column, value: string): string {
    if (value !== c.lastValue) {
      const gap = c.inner - value.length;
      c.lastCell = (gap > 0 ? c.pads[gap]! : space) + value + close;
      c.lastValue = value;
    }
    return c.lastCell;
  }

  function event(doc: Event): void {
    if (!descriptors.has(doc.descriptor)) return;
    // row() for one event, without its two closures: a table takes every event of a scan.
    rows += 1;
    if (rows % interval === 0) writeAll(border!, header, border!);
    const { data, filled } = doc;
    let line = "|";
    for (const c of columns) {
      let value: string;
      if (c.kind === "seq") value = formatInteger(doc.seq_num);
      else if (c.kind === "time") value = clock.timeTenths(doc.time);
      else if (
        Object.hasOwn(data, c.key) && (filled === undefined || Boolean(filled[c.key] ?? true))
      ) {
        value = cell(c, data[c.key]);
      } else {
        line += c.blank;
        continue;
      }
      line += padded(c, value);
    }
    write(line);
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
