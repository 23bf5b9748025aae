/**
 * A best-effort view of a run, as bluesky's `BestEffortCallback`: a heading, a
 * {@linkcode createLiveTable | LiveTable} of the primary stream, the baseline readings, and
 * the data of one plot per stream for the caller to draw.
 *
 * @module
 */

import type {
  DataKey,
  Document,
  Event,
  EventDescriptor,
  EventPage,
  RunStart,
  RunStop,
} from "../documents/types.ts";
import { createLiveTable, type LiveCallback } from "./live_table.ts";
import { createLocalClock } from "./local_clock.ts";
import { hintedFields, type PlanDimensions, planDimensions } from "./dimensions.ts";
import type { PlotSeries } from "./plot.ts";

/** Options of {@linkcode createBestEffortCallback}. */
export interface BestEffortOptions {
  /** Receives each line of output, without its newline. */
  write: (line: string) => void;
  /** Print the scan id, time and uid when a run starts. */
  heading?: boolean;
  /** Print the LiveTable of the dimensions' stream (and the `New stream` lines). */
  table?: boolean;
  /** Print the hinted readings of the `baseline` stream. */
  baseline?: boolean;
  /** Collect plot data. */
  plots?: boolean;
  /** Streams that are never plotted. */
  noPlotStreams?: readonly string[];
  /** Make no plot of a run of one point (`num_points: 1`). */
  omitSinglePointPlot?: boolean;
  /** Print the table header again before every this-many-th row. */
  headerInterval?: number;
  /** IANA time zone of the heading and the table; the system's by default. */
  timeZone?: string;
  /** Called after the stop document with each plot that has data. */
  onPlot?: (plot: PlotSeries) => void;
}

/** Defaults of {@linkcode BestEffortOptions}, bluesky's. */
export const bestEffortDefaults = {
  heading: true,
  table: true,
  baseline: true,
  plots: true,
  noPlotStreams: ["baseline"],
  omitSinglePointPlot: true,
  headerInterval: 50,
} satisfies Omit<Required<BestEffortOptions>, "write" | "timeZone" | "onPlot">;

/**
 * The callback {@linkcode createBestEffortCallback} makes, with the plots of the current
 * (or last) run.
 */
export interface BestEffortCallback extends LiveCallback {
  /** One plot per plotted stream, in the order their descriptors came. */
  readonly plots: readonly PlotSeries[];
}

interface Plot {
  series: PlotSeries & { x: number[]; ys: { name: string; values: number[] }[] };
  xKey: string;
}

/** Python's `repr()` of a float: shortest digits, `.0` on whole numbers, exponent outside 1e-4..1e16. */
function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Object.is(x, -0)) return "-0.0";
  const [mantissa, exponent] = x.toExponential().split("e") as [string, string];
  const e = Number(exponent);
  if (e < -4 || e >= 16) {
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** A reading as Python's `str()` shows it, so the baseline table reads as bluesky's. */
function pyStr(value: unknown, key: DataKey | undefined): string {
  if (typeof value === "number") return key?.dtype === "integer" ? String(value) : floatRepr(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (value === null || value === undefined) return "None";
  if (Array.isArray(value)) return `[${value.map((v) => pyStr(v, key)).join(", ")}]`;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

const toNumber = (v: unknown): number =>
  typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : NaN;

/**
 * Make a best-effort callback. On `start` it writes bluesky's heading (two empty lines,
 * `Transient Scan ID: 1     Time: 2022-08-12 17:27:38` in local time, and the persistent
 * uid); on each new stream `New stream: 'primary'`; the LiveTable of the stream the
 * dimensions belong to; the baseline readings at the start (and, after the table, at the
 * end) of the run; and after the stop three empty lines. Every stream not in
 * `noPlotStreams` with numeric hinted fields gets a plot of them against the first
 * dimension (against `time` since the start for other streams), handed to `onPlot` after
 * the stop and kept in `plots`.
 *
 * @param options Output sink, what to show, time zone and plot hook.
 * @returns The callback.
 * @throws {RangeError} When the time zone is unknown.
 *
 * @example A scan of two points
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/compose.ts";
 * import { createBestEffortCallback } from "./best_effort.ts";
 * const lines: string[] = [];
 * const bec = createBestEffortCallback({ write: (l) => lines.push(l), timeZone: "UTC" });
 * const run = composeRun({
 *   scan_id: 3, time: 0, plan_name: "scan", hints: { dimensions: [[["m"], "primary"]] },
 * });
 * const stream = run.descriptor({
 *   name: "primary",
 *   data_keys: {
 *     m: { dtype: "number", shape: [], source: "SIM:m" },
 *     d: { dtype: "number", shape: [], source: "SIM:d" },
 *   },
 *   object_keys: { m: ["m"], d: ["d"] },
 * });
 * bec("start", run.start);
 * bec("descriptor", stream.doc);
 * for (const m of [0, 1]) bec("event", stream.event({ data: { m, d: m * 2 }, timestamps: { m: 0, d: 0 } }));
 * bec("stop", run.stop());
 * assert.equal(lines[2], "Transient Scan ID: 3     Time: 1970-01-01 00:00:00");
 * assert.equal(bec.plots[0]?.ys[0]?.values.join(), "0,2");
 * ```
 */
export function createBestEffortCallback(options: BestEffortOptions): BestEffortCallback {
  const o = { ...bestEffortDefaults, ...options };
  const clock = createLocalClock(o.timeZone);
  const write = o.write;
  const writeAll = (...lines: string[]): void => lines.forEach((line) => write(line));
  let start: RunStart | undefined;
  let dims: PlanDimensions = planDimensions({});
  let table: LiveCallback | undefined;
  const descriptors = new Map<string, EventDescriptor>();
  const streams = new Set<string>();
  const plots = new Map<string, Plot>();
  let toggle = true;
  let endBaseline: string[] = [];

  function begin(doc: RunStart): void {
    start = doc;
    dims = planDimensions(doc);
    descriptors.clear();
    streams.clear();
    plots.clear();
    toggle = true;
    endBaseline = [];
    if (o.heading) {
      writeAll("", "");
      write(`Transient Scan ID: ${doc.scan_id ?? ""}     Time: ${clock.dateTime(doc.time)}`);
      write(`Persistent Unique Scan ID: '${doc.uid}'`);
    }
    table = undefined;
    if (o.table) {
      table = createLiveTable({
        write,
        stream: dims.stream,
        separatorLines: false,
        headerInterval: o.headerInterval,
        ...(o.timeZone === undefined ? {} : { timeZone: o.timeZone }),
      });
      table("start", doc);
    }
  }

  function describe(doc: EventDescriptor): void {
    descriptors.set(doc.uid, doc);
    const stream = doc.name ?? "primary";
    if (!streams.has(stream)) {
      streams.add(stream);
      if (o.table) write(`New stream: '${stream}'`);
    }
    if (stream === dims.stream && dims.guessed && start) dims = planDimensions(start, doc);
    const columns = hintedFields(doc).filter((f) => !dims.fields.includes(f));
    table?.("descriptor", doc);
    const single = start?.num_points === 1 && stream === dims.stream && o.omitSinglePointPlot;
    if (!o.plots || o.noPlotStreams.includes(stream) || single) return;
    const ys = columns.filter((f) => ["number", "integer"].includes(doc.data_keys[f]?.dtype ?? ""));
    if (ys.length === 0) return;
    const xKey = stream === dims.stream ? dims.axes[0] ?? "seq_num" : "time";
    const plan = [start?.plan_name ?? "run", start?.scan_id].filter((p) => p != null).join(" ");
    const where = stream === dims.stream ? "" : ` [${stream}]`;
    plots.set(doc.uid, {
      xKey,
      series: {
        title: `${plan}: ${ys.join(", ")} vs ${xKey}${where}`,
        xLabel: xKey,
        x: [],
        ys: ys.map((name) => ({ name, values: [] })),
      },
    });
  }

  function baseline(doc: Event, descriptor: EventDescriptor): void {
    const columns = hintedFields(descriptor);
    toggle = !toggle;
    const lines = toggle ? endBaseline : [];
    const border = "+" + "-".repeat(32) + "+" + "-".repeat(32) + "+";
    lines.push(`${toggle ? "End" : "Start"}-of-run baseline readings:`, border);
    for (const [k, v] of Object.entries(doc.data)) {
      if (!columns.includes(k)) continue;
      lines.push(`| ${k.padStart(30)} | ${pyStr(v, descriptor.data_keys[k]).padEnd(30)} |`);
    }
    lines.push(border);
    if (!toggle) writeAll(...lines);
  }

  function event(doc: Event): void {
    const descriptor = descriptors.get(doc.descriptor);
    if (!descriptor) return;
    if (descriptor.name === "baseline" && o.baseline) baseline(doc, descriptor);
    const plot = plots.get(doc.descriptor);
    if (!plot) return;
    const { xKey, series } = plot;
    let x: number;
    if (Object.hasOwn(doc.data, xKey)) x = toNumber(doc.data[xKey]);
    else if (xKey === "time") x = doc.time - (start?.time ?? 0);
    else if (xKey === "seq_num") x = doc.seq_num;
    else return;
    series.x.push(x);
    for (const y of series.ys) y.values.push(toNumber(doc.data[y.name]));
  }

  function eventPage(page: EventPage): void {
    for (let i = 0; i < page.seq_num.length; i++) {
      const data: Record<string, unknown> = {};
      const timestamps: Record<string, number> = {};
      for (const key in page.data) data[key] = page.data[key]![i];
      for (const key in page.timestamps) timestamps[key] = page.timestamps[key]![i]!;
      event({
        uid: page.uid[i] ?? "",
        descriptor: page.descriptor,
        seq_num: page.seq_num[i]!,
        time: page.time[i]!,
        data,
        timestamps,
      });
    }
  }

  function stop(doc: RunStop): void {
    table?.("stop", doc);
    for (const { series } of plots.values()) {
      if (series.x.length > 0) o.onPlot?.(series);
    }
    if (o.baseline) {
      writeAll(...endBaseline, "", "", "");
    }
  }

  const callback = (name: string, doc: Document): void => {
    if (!(o.table || o.baseline || o.plots)) return;
    switch (name) {
      case "start":
        return begin(doc as RunStart);
      case "descriptor":
        return describe(doc as EventDescriptor);
      case "event":
        table?.("event", doc);
        return event(doc as Event);
      case "event_page":
        table?.("event_page", doc);
        return eventPage(doc as EventPage);
      case "stop":
        return stop(doc as RunStop);
    }
  };
  return Object.defineProperty(callback, "plots", {
    get: () => [...plots.values()].map((p) => p.series),
  }) as BestEffortCallback;
}
