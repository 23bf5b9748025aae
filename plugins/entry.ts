/**
 * The entry of the file: `/entry` with its title, times and identifiers, the default plot
 * `/entry/data`, and the `@default` chain that leads a viewer to it.
 *
 * @module
 */

import {
  type AttrValue,
  type BuildContext,
  type Column,
  dimensions,
  isoTime,
  keyPath,
  linspace,
  METADATA,
  type NexusPlugin,
  nxInt,
  type RunStart,
  safeName,
  signalRoles,
  type StreamData,
  uniqueNames,
} from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode entry} plugin.
 *
 * @example Plot the image of an area detector against the motor
 * ```ts
 * import { createNXWriter } from "../mod.ts";
 * createNXWriter({ builtins: { entry: { signal: "image_image", axes: ["motor"] } } });
 * ```
 */
export interface Options {
  /** The stream of the default plot; another stream is plotted when it has nothing to plot. */
  stream?: string;
  /** `/entry/program_name`. */
  programName?: string;
  /**
   * The key the default plot shows (`/entry/data@signal`, apstools' `nxdata_signal`); by
   * default the first hinted detector.
   */
  signal?: string;
  /**
   * The keys it is plotted against (`@axes`, apstools' `nxdata_signal_axes`); by default the
   * first dimension of the start's `hints.dimensions`, or the motors.
   */
  axes?: string[];
  /** `/entry/instrument/name`, the instrument's name; none by default. */
  instrumentName?: string;
}

/** Defaults of {@linkcode Options}: the reference's program name and stream. */
export const defaults = { stream: "primary", programName: "bluesky" } satisfies Options;

/** The options with their defaults. */
type Resolved = Options & typeof defaults;

const PLOTTABLE = new Set(["number", "integer", "array"]);

/** The title apstools gives a run: `<plan_name>-S<scan_id, 4 digits>-<uid, 7 characters>`. */
function titleOf(start: RunStart): string {
  const parts: string[] = [];
  if (typeof start.plan_name === "string" && start.plan_name !== "") parts.push(start.plan_name);
  const id = start.scan_id;
  if (typeof id === "number" && Number.isInteger(id)) {
    parts.push(`S${id < 0 ? `-${String(-id).padStart(3, "0")}` : String(id).padStart(4, "0")}`);
  }
  parts.push(start.uid.slice(0, 7));
  return parts.join("-");
}

/** A link to the metadata field `key` when the metadata plugin wrote it, else a field. */
function fromMetadata(context: BuildContext, path: string, key: string, value: unknown): void {
  const { tree } = context;
  const field = `${METADATA}/${safeName(key)}`;
  if (tree.has(field)) tree.link(path, field);
  else if (typeof value === "string") tree.field(path, value);
}

/** What `/entry/data` plots. */
interface Plot {
  stream: StreamData;
  /** Keys of the stream whose `value` is in the file. */
  available: string[];
  signal: string;
  /** The name of a key's field in `/entry/data` (`EPOCH` is the signal's epoch seconds). */
  name: (key: string) => string;
}

/** Keys whose frames are in the file (a link to the detector's file or a copy). */
function imageKeys(context: BuildContext, stream: StreamData, available: string[]): string[] {
  return available.filter((key) =>
    stream.column(key)!.dataKey.external !== undefined &&
    context.assets.get(stream.name, key) !== undefined
  );
}

function plotOf(stream: StreamData, available: string[], signal: string): Plot {
  const names = uniqueNames(available.map((key) => stream.keyName(key)), ["EPOCH"]);
  const name = (key: string) => names.get(stream.keyName(key)) ?? stream.keyName(key);
  return { stream, available, signal, name };
}

function choosePlot(context: BuildContext, options: Resolved): Plot | undefined {
  const { run, tree, warn, missing } = context;
  const preferred = options.stream;
  const ordered = [...run.streams.values()].sort((a, b) =>
    Number(b.name === preferred) - Number(a.name === preferred)
  );
  for (const stream of ordered) {
    // A stream without events (a run that failed at once) has nothing to show.
    if (stream.length === 0) continue;
    const available = stream.keys().filter((key) => tree.has(`${keyPath(stream, key)}/value`));
    // Images whose frames are in the file plot as stacks: a detector that hints no field
    // (a count of an area detector) stands for its image.
    const plottable = [
      ...available.filter((key) => PLOTTABLE.has(stream.column(key)!.kind)),
      ...imageKeys(context, stream, available),
    ];
    if (plottable.length === 0) continue;
    const chosen = options.signal;
    if (chosen !== undefined) {
      if (available.includes(chosen)) return plotOf(stream, available, chosen);
      warn(`The chosen signal "${chosen}" is not a key of stream "${stream.name}"`, "/entry/data");
    }
    const roles = signalRoles(run, stream);
    // A count (no positioners) of an area detector is about its frames: plot the stack.
    const image = imageKeys(context, stream, available)[0];
    if (image !== undefined && roles.positioners.length === 0) {
      return plotOf(stream, available, image);
    }
    const detector = roles.detectors.find((key) => plottable.includes(key));
    if (detector) return plotOf(stream, available, detector);
    const signal = plottable.find((key) => !roles.positioners.includes(key)) ?? plottable[0]!;
    missing(
      `No detector to plot: /entry/data plots "${signal}" of "${stream.name}"`,
      "/entry/data",
    );
    return plotOf(stream, available, signal);
  }
  return undefined;
}

/** The run's 2-D grid: its shape and the values along each axis, slowest first. */
interface Grid {
  shape: [number, number];
  axes: [string, string];
  values: [number[], number[]];
  snake: boolean;
}

function gridOf(run: BuildContext["run"], plot: Plot, dims: string[][]): Grid | undefined {
  const { shape, extents, snaking, plan_name } = run.start;
  const column = plot.stream.column(plot.signal)!;
  if (dims.length !== 2 || (column.kind !== "number" && column.kind !== "integer")) return;
  if (!Array.isArray(shape) || shape.length !== 2) return;
  if (!shape.every((n) => Number.isInteger(n) && n > 0)) return;
  const [n1, n2] = shape as [number, number];
  const slow = dims[0]![0];
  const fast = dims[1]![0];
  if (!slow || !fast || slow === fast || slow === plot.signal || fast === plot.signal) return;
  // A relative grid's extents are offsets from where the motors were; its readbacks are not.
  const relative = typeof plan_name === "string" && plan_name.startsWith("rel_");
  const ranges = Array.isArray(extents) && extents.length === 2 && !relative
    ? extents.map((e) => Array.isArray(e) && typeof e[0] === "number" && typeof e[1] === "number")
    : [false, false];
  const axisValues = (axis: 0 | 1): number[] | undefined => {
    const n = axis === 0 ? n1 : n2;
    if (ranges[axis]) {
      const [from, to] = (extents as number[][])[axis]!;
      return linspace(from!, to!, n);
    }
    const readback = plot.stream.column(axis === 0 ? slow : fast);
    if (!readback || readback.kind === "array" || !(readback.values() instanceof Float64Array)) {
      return undefined;
    }
    const values = readback.values() as Float64Array;
    return Array.from({ length: n }, (_, i) => values[axis === 0 ? i * n2 : i] ?? NaN);
  };
  const slowValues = axisValues(0);
  const fastValues = axisValues(1);
  if (!slowValues || !fastValues) return;
  const snake = Array.isArray(snaking) && snaking[1] === true;
  return { shape: [n1, n2], axes: [slow, fast], values: [slowValues, fastValues], snake };
}

function unitsOf(column: Column | undefined): Record<string, AttrValue> {
  const units = column?.dataKey.units;
  return typeof units === "string" ? { units } : {};
}

/** Write the grid's signal as a 2-D dataset and its axes as 1-D datasets. */
function writeGrid(context: BuildContext, plot: Plot, grid: Grid): Record<string, AttrValue> {
  const { tree, warn } = context;
  const [n1, n2] = grid.shape;
  const column = plot.stream.column(plot.signal)!;
  const values = column.values() as Float64Array;
  const data = new Float64Array(n1 * n2).fill(NaN);
  const count = Math.min(values.length, n1 * n2);
  for (let i = 0; i < count; i++) {
    const row = Math.floor(i / n2);
    const col = grid.snake && row % 2 === 1 ? n2 - 1 - (i % n2) : i % n2;
    data[row * n2 + col] = values[i]!;
  }
  if (values.length !== n1 * n2) {
    warn(
      `The grid has ${n1 * n2} points and the run ${values.length}: ` +
        (values.length < n1 * n2 ? "missing points are NaN" : "extra points are left out"),
      "/entry/data",
    );
  }
  tree.field(`/entry/data/${plot.name(plot.signal)}`, data, {
    dtype: "NX_FLOAT64",
    shape: [n1, n2],
    attrs: { long_name: plot.signal, ...unitsOf(column) },
  });
  grid.axes.forEach((axis, i) => {
    tree.field(`/entry/data/${plot.name(axis)}`, Float64Array.from(grid.values[i]!), {
      dtype: "NX_FLOAT64",
      attrs: { long_name: axis, ...unitsOf(plot.stream.column(axis)) },
    });
  });
  return {
    axes: grid.axes.map(plot.name),
    [`${plot.name(grid.axes[0])}_indices`]: nxInt(0),
    [`${plot.name(grid.axes[1])}_indices`]: nxInt(1),
  };
}

/**
 * The axes of a signal plotted against its events: the first name that exists, with the
 * others as alternatives (`AXISNAME_indices = 0`), and `"."` for the dimensions of an array
 * signal. `time`, when no key has that name, is linked to the signal's `time`.
 */
function eventAxes(context: BuildContext, plot: Plot, wanted: string[]): Record<string, AttrValue> {
  const { tree, warn } = context;
  const signalPath = keyPath(plot.stream, plot.signal);
  const exists = (name: string) =>
    plot.available.includes(name) ||
    (name === "time" && tree.has(`${signalPath}/time`));
  const named = wanted.filter((name) => name !== ".");
  const axes = named.filter((name) => name !== plot.signal && exists(name));
  for (const name of named) {
    if (!exists(name)) {
      warn(`Axis "${name}" is not a key of stream "${plot.stream.name}": left out`, "/entry/data");
    }
  }
  if (axes.length === 0 && tree.has(`${signalPath}/time`)) axes.push("time");
  if (axes.length === 0) return {};
  if (axes.includes("time") && !plot.available.includes("time")) {
    tree.link("/entry/data/time", `${signalPath}/time`);
  }
  const column = plot.stream.column(plot.signal)!;
  // An image's column holds datum ids; its frames have the stack's shape.
  const stack = context.assets.get(plot.stream.name, plot.signal);
  const frameShape = stack ? stack.frameShape : column.shape;
  const rank = 1 + frameShape.length;
  const name = (axis: string) =>
    axis === "time" && !plot.available.includes("time") ? axis : plot.name(axis);
  const attrs: Record<string, AttrValue> = {
    axes: [name(axes[0]!), ...Array<string>(rank - 1).fill(".")],
  };
  for (const axis of axes) attrs[`${name(axis)}_indices`] = nxInt(0);
  return attrs;
}

/** Write `/entry/data`; false when the run has nothing to plot. */
function writeData(context: BuildContext, options: Resolved): boolean {
  const { run, tree, warn, missing } = context;
  const plot = choosePlot(context, options);
  if (!plot) {
    const events = [...run.streams.values()].some((stream) => stream.length > 0);
    warn(
      events
        ? "Nothing to plot (no numeric data or images in the file): no /entry/data"
        : "Nothing to plot (the run has no events): no /entry/data",
      "/entry",
    );
    return false;
  }
  tree.group("/entry/data", "NXdata");
  const dims = dimensions(run, plot.stream.name);
  const grid = options.axes === undefined ? gridOf(run, plot, dims) : undefined;
  const written = grid ? new Set([plot.signal, ...grid.axes]) : new Set<string>();
  for (const key of plot.available) {
    if (written.has(key)) continue;
    if (plot.name(key) !== plot.stream.keyName(key)) {
      warn(`Key "${key}" is linked as "${plot.name(key)}" (its value's @long_name)`, "/entry/data");
    }
    tree.link(`/entry/data/${plot.name(key)}`, `${keyPath(plot.stream, key)}/value`);
  }
  const signalPath = keyPath(plot.stream, plot.signal);
  if (!tree.has("/entry/data/EPOCH") && tree.has(`${signalPath}/EPOCH`)) {
    tree.link("/entry/data/EPOCH", `${signalPath}/EPOCH`);
  }
  let axes: Record<string, AttrValue>;
  if (grid) {
    axes = writeGrid(context, plot, grid);
  } else {
    if (dims.length > 1 && options.axes === undefined) {
      missing(
        `The run has ${dims.length} dimensions but no 2-D grid shape: /entry/data plots time`,
        "/entry/data",
      );
    }
    // Without dimensions, the motors are the axes, as apstools takes them.
    let wanted: string[] = [];
    if (options.axes) wanted = [...options.axes];
    else if (dims.length === 1) wanted = dims[0]!;
    else if (dims.length === 0) wanted = signalRoles(run, plot.stream).positioners;
    axes = eventAxes(context, plot, wanted);
  }
  tree.group("/entry/data", "NXdata", { signal: plot.name(plot.signal), ...axes });
  return true;
}

/**
 * The entry plugin (it runs after the others, `enforce: "post"`): writes `/entry:NXentry` and
 * the default plot `/entry/data:NXdata`.
 *
 * `/entry` gets `title` (`<plan_name>-S<scan_id>-<short uid>` as the reference, or a link to
 * the start's own `title`), `start_time` and `end_time` as ISO 8601 with the UTC offset in the
 * writer's time zone, `duration` in seconds, `program_name`, and links `entry_identifier` and
 * `plan_name` to the metadata. A run without a stop document gets no `end_time` or `duration`,
 * and an `/entry/notes` NXnote saying the run is incomplete.
 *
 * `/entry/data` plots the first hinted detector key of the primary stream (or `signal`)
 * against the first dimension of `hints.dimensions` (or `axes`, or without dimensions the
 * motors), with `AXISNAME_indices`; it links every key's `value` and `EPOCH` (the signal's
 * epoch seconds). Axes that are not there are left out with a warning. A count is plotted
 * against `time`, linked to the signal's `time`. A 2-D `grid_scan` (start `shape`
 * `[n1, n2]`, two dimensions) gets its signal written as an `[n1, n2]` dataset (snaked rows
 * put back in order, NaN where the run stopped early) with the slow and the fast motor's
 * positions as 1-D axes: setpoints from `extents`, or for a relative grid the readbacks of
 * the first column and row. The file's `@default` names the entry, and the entry's
 * `@default` names `data` only when there is something to plot.
 *
 * @example A one-point count is plotted against time
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTree, RunAccumulator } from "../core/nexus/mod.ts";
 * import { composeRun } from "../mod.ts";
 * import { streams } from "./streams.ts";
 * import { entry } from "./entry.ts";
 *
 * const hints = { dimensions: [[["time"], "primary"]] as [string[], string][] };
 * const run = composeRun(
 *   { plan_name: "count", scan_id: 7, detectors: ["det"], hints },
 *   { clock: () => 1660343258, uid: () => "c888d282-1094-403b-baff-3781057ff087" },
 * );
 * const primary = run.descriptor({
 *   name: "primary",
 *   data_keys: { det: { dtype: "number", shape: [], source: "SIM:det" } },
 *   hints: { det: { fields: ["det"] } },
 * });
 * const acc = new RunAccumulator(run.start);
 * acc.receive("descriptor", primary.doc);
 * acc.receive("event", primary.event({ data: { det: 1 }, timestamps: { det: 1660343259 } }));
 * acc.receive("stop", run.stop());
 * const { tree } = await buildTree(acc, [streams(), entry({ instrumentName: "USAXS" })]);
 * const title = tree.get("/entry/title");
 * assert.equal(title?.kind === "field" && title.data, "count-S0007-c888d28");
 * assert.deepEqual(tree.get("/entry/data")?.attrs.get("axes")?.value, ["time"]);
 * const name = tree.get("/entry/instrument/name");
 * assert.equal(name?.kind === "field" && name.data, "USAXS");
 * ```
 *
 * @param userOptions The default plot's stream, signal and axes, the program and instrument names.
 * @returns The plugin, named `"entry"`.
 */
export function entry(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "entry",
    enforce: "post",
    build(context) {
      const { run, tree, settings, missing } = context;
      const { start, stop } = run;
      tree.group("/entry", "NXentry");
      if (typeof start.title === "string") {
        fromMetadata(context, "/entry/title", "title", start.title);
      }
      if (!tree.has("/entry/title")) tree.field("/entry/title", titleOf(start));
      tree.field("/entry/start_time", isoTime(start.time, settings.timeZone));
      if (stop) {
        tree.field("/entry/end_time", isoTime(stop.time, settings.timeZone));
        tree.field("/entry/duration", stop.time - start.time, {
          dtype: "NX_FLOAT64",
          attrs: { units: "s" },
        });
      } else {
        // Written from a run whose stop never came: say so in the file, not only in a warning.
        tree.group("/entry/notes", "NXnote");
        tree.field("/entry/notes/type", "text/plain");
        tree.field(
          "/entry/notes/description",
          "Incomplete run: no stop document was recorded; the file holds the documents received.",
        );
        missing("The run has no stop document: no end_time or duration", "/entry");
      }
      tree.field("/entry/program_name", options.programName);
      if (options.instrumentName !== undefined) {
        tree.group("/entry/instrument", "NXinstrument");
        tree.field("/entry/instrument/name", options.instrumentName);
      }
      const uidField = `${METADATA}/run_start_uid`;
      if (tree.has(uidField)) tree.link("/entry/entry_identifier", uidField);
      else tree.field("/entry/entry_identifier", start.uid);
      fromMetadata(context, "/entry/plan_name", "plan_name", start.plan_name);
      tree.attr("/", "default", "entry");
      if (writeData(context, options)) tree.attr("/entry", "default", "data");
    },
  };
}
