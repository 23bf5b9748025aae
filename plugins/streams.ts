/**
 * The run's data in the file: `/entry/instrument/bluesky/streams`, one NXdata group per data
 * key of each stream.
 *
 * @module
 */

import {
  type AttrValue,
  type BuildContext,
  type Column,
  type DataKey,
  type FieldData,
  isoTime,
  keyPath,
  type NexusPlugin,
  nxFloat,
  type NxType,
  signalRoles,
  type StreamData,
  streamPath,
  STREAMS,
} from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode streams} plugin.
 *
 * @example Copy area-detector frames into the file, uncompressed
 * ```ts
 * import { createNXWriter } from "../mod.ts";
 * createNXWriter({ builtins: { streams: { frames: "copy", compression: 0 } } });
 * ```
 */
export interface Options {
  /**
   * Streams whose keys also get `value_start` and `value_end`, their first and last
   * readings (apstools does this for the baseline, read once before and once after the run).
   */
  startEnd?: string[];
  /** Streams whose keys get `@signal_type` (`"detector"`, `"positioner"` or `"other"`). */
  signalTypes?: string[];
  /**
   * How frames that detectors wrote to their own files get into this file: `"link"`, an HDF5
   * external link to the detector's dataset when it holds exactly the run's frames in order
   * (else they are copied); `"copy"`: only the referenced frames, copied one at a time.
   */
  frames?: "link" | "copy";
  /**
   * How copied frames are compressed, one chunk per frame: a gzip level, 1-9, 0 for none
   * (faster, larger); or a filter detectors use, which readers need HDF5's filter plugins
   * for: `"bslz4"` (bitshuffle + LZ4, several times as fast as gzip level 1, and smaller),
   * or `"lz4"` (LZ4 alone: as fast, larger).
   */
  compression?: number | "bslz4" | "lz4";
}

/** The filter names {@linkcode Options.compression} takes beside gzip levels. */
export const frameFilterNames: readonly Extract<Options["compression"], string>[] = [
  "bslz4",
  "lz4",
];

/**
 * Why a value is not what {@linkcode Options.compression} takes.
 * @param value The option's value.
 * @returns What it should be, or undefined when it is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compressionProblem } from "./streams.ts";
 * assert.equal(compressionProblem("bslz4"), undefined);
 * assert.equal(compressionProblem(4), undefined);
 * assert.equal(compressionProblem(10), 'a gzip level from 0 to 9, "bslz4" or "lz4"');
 * ```
 */
export function compressionProblem(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 9) return;
  if ((frameFilterNames as readonly unknown[]).includes(value)) return;
  const names = frameFilterNames.map((name) => `"${name}"`);
  return `a gzip level from 0 to 9, ${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

/**
 * Defaults of {@linkcode Options}: apstools' streams, frames linked, copies at gzip level 1
 * (the fastest: gzip dominates the time of copying frames).
 */
export const defaults: Required<Options> = {
  startEnd: ["baseline"],
  signalTypes: ["primary"],
  frames: "link",
  compression: 1,
};

/** The options with their defaults. */
type Resolved = Required<Options>;

/** Data, type and shape of a field. */
interface Prepared {
  data: FieldData;
  dtype: NxType;
  shape: number[];
  attrs?: Record<string, AttrValue>;
}

const NUMPY_TYPES: Record<string, NxType> = {
  i1: "NX_INT8",
  i2: "NX_INT16",
  i4: "NX_INT32",
  i8: "NX_INT64",
  u1: "NX_UINT8",
  u2: "NX_UINT16",
  u4: "NX_UINT32",
  u8: "NX_UINT64",
  f4: "NX_FLOAT32",
  f8: "NX_FLOAT64",
};

const INTEGER_RANGES: Partial<Record<NxType, [number, number]>> = {
  NX_BOOLEAN: [0, 1],
  NX_INT8: [-(2 ** 7), 2 ** 7 - 1],
  NX_INT16: [-(2 ** 15), 2 ** 15 - 1],
  NX_INT32: [-(2 ** 31), 2 ** 31 - 1],
  NX_INT64: [-(2 ** 63), 2 ** 63 - 1],
  NX_UINT8: [0, 2 ** 8 - 1],
  NX_UINT16: [0, 2 ** 16 - 1],
  NX_UINT32: [0, 2 ** 32 - 1],
  NX_UINT64: [0, 2 ** 64 - 1],
};

/** Whether every value is a whole number that `dtype` holds (always, for float types). */
function fits(values: Float64Array, dtype: NxType): boolean {
  const range = INTEGER_RANGES[dtype];
  if (!range) return true;
  const [min, max] = range;
  return values.every((v) => Number.isInteger(v) && v >= min && v <= max);
}

/**
 * The NeXus type of a column's numbers, before missing readings are considered: the numpy
 * type recorded (`dtype_numpy`, or msgpack-numpy's), else the data key's `dtype`.
 */
function numericType(column: Column): NxType {
  if (column.kind === "boolean") return "NX_BOOLEAN";
  const code = /^[<>|=]?([iuf]\d)$/.exec(column.numpyType ?? "")?.[1];
  const recorded = NUMPY_TYPES[code ?? ""];
  if (recorded) return recorded;
  return column.kind === "integer" ? "NX_INT64" : "NX_FLOAT64";
}

/** The column's integers beyond 2^53, exactly, when its type is an integer type. */
function exactRows(column: Column, dtype: NxType, from: number, to: number): Prepared | undefined {
  if (!(dtype in INTEGER_RANGES) || dtype === "NX_BOOLEAN") return undefined;
  const exact = column.exactValues();
  if (!exact) return undefined;
  const size = column.shape.reduce((a, b) => a * b, 1);
  const data = exact.slice(from * size, to * size);
  // Only a 64-bit type holds what a float could not.
  const wide: NxType = exact instanceof BigUint64Array ? "NX_UINT64" : "NX_INT64";
  return { data, dtype: wide, shape: [to - from, ...column.shape] };
}

/**
 * Rows `from` to `to` (exclusive) of a column as field data, `rows` leading the shape unless
 * `scalar` (one row, written with the shape of one value).
 */
function prepare(
  column: Column,
  from: number,
  to: number,
  scalar: boolean,
  warn: (message: string) => void,
): Prepared {
  const rows = to - from;
  const shape = scalar ? [...column.shape] : [rows, ...column.shape];
  const values = column.values();
  if (values instanceof Float64Array) {
    const size = column.shape.reduce((a, b) => a * b, 1);
    const data = values.subarray(from * size, to * size);
    let dtype = numericType(column);
    const exact = exactRows(column, dtype, from, to);
    if (exact) {
      if (scalar) exact.shape = exact.shape.slice(1);
      if (scalar && column.shape.length === 0) exact.data = (exact.data as BigInt64Array)[0]!;
      return exact;
    }
    if (!fits(data, dtype)) {
      const why = data.some(Number.isNaN)
        ? "misses readings: written as NX_FLOAT64 with NaN for them"
        : `has values ${dtype} cannot hold: written as NX_FLOAT64`;
      warn(`Key "${column.key}" ${why}`);
      dtype = "NX_FLOAT64";
    }
    if (scalar && column.shape.length === 0) return { data: data[0]!, dtype, shape };
    // A view, not a copy: a column only grows past its end, so the view keeps its values, and
    // a copy of every column would raise the peak memory of a large run's writing by a tenth.
    return { data, dtype, shape };
  }
  if (column.kind === "string") {
    const strings = (values as string[]).slice(from, to);
    return scalar ? { data: strings[0]!, dtype: "NX_CHAR", shape } : {
      data: strings,
      dtype: "NX_CHAR",
      shape,
    };
  }
  warn(`Key "${column.key}" is not a fixed-shape ${column.dataKey.dtype}: written as JSON text`);
  const texts = values.slice(from, to).map((value) => JSON.stringify(value) ?? "null");
  const attrs = { text_format: "json" };
  return scalar
    ? { data: texts[0]!, dtype: "NX_CHAR", shape: [], attrs }
    : { data: texts, dtype: "NX_CHAR", shape: [rows], attrs };
}

/** Attributes of a value field from its data key, as apstools writes them. */
function keyAttributes(key: string, dataKey: DataKey): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = { long_name: key };
  if ("units" in dataKey) attrs.units = typeof dataKey.units === "string" ? dataKey.units : "";
  attrs.source = typeof dataKey.source === "string" ? dataKey.source : "";
  if (dataKey.dtype === "string") return attrs;
  if (typeof dataKey.precision === "number") attrs.precision = dataKey.precision;
  const lower = dataKey.lower_ctrl_limit ?? dataKey.limits?.control?.low;
  const upper = dataKey.upper_ctrl_limit ?? dataKey.limits?.control?.high;
  if (typeof lower === "number") attrs.lower_ctrl_limit = nxFloat(lower);
  if (typeof upper === "number") attrs.upper_ctrl_limit = nxFloat(upper);
  return attrs;
}

function signalTypes(context: BuildContext, stream: StreamData): Map<string, string> {
  const roles = signalRoles(context.run, stream);
  const types = new Map<string, string>(stream.keys().map((key) => [key, "other"]));
  for (const key of roles.detectors) types.set(key, "detector");
  for (const key of roles.positioners) types.set(key, "positioner");
  return types;
}

function writeTimes(context: BuildContext, group: string, column: Column): void {
  const { tree, settings } = context;
  // A view, not a copy, as for the values (see prepare()).
  const epoch = column.timestamps();
  tree.field(`${group}/EPOCH`, epoch, {
    dtype: "NX_FLOAT64",
    attrs: { units: "s", long_name: "epoch time (s)" },
    target: true,
  });
  const first = epoch.find(Number.isFinite);
  const attrs: Record<string, AttrValue> = { units: "s", long_name: "time since first data (s)" };
  if (first !== undefined) {
    attrs.start_time = nxFloat(first);
    attrs.start_time_iso = isoTime(first, settings.timeZone, { offset: false });
  }
  // A loop, not map(): a callback per event is the larger part of this for a long run.
  const base = first ?? NaN;
  const time = new Float64Array(epoch.length);
  for (let i = 0; i < epoch.length; i++) time[i] = epoch[i]! - base;
  tree.field(`${group}/time`, time, {
    dtype: "NX_FLOAT64",
    attrs,
    target: true,
  });
}

/** One key of a stream, and how to write it. */
interface KeyToWrite {
  stream: StreamData;
  column: Column;
  signalType: string | undefined;
  startEnd: boolean;
  options: Resolved;
}

function writeKey(context: BuildContext, key: KeyToWrite): void {
  const { stream, column, signalType, startEnd, options } = key;
  const { tree, warn, missing } = context;
  const group = keyPath(stream, column.key);
  const typed: Record<string, AttrValue> = signalType ? { signal_type: signalType } : {};
  const say = (message: string) => warn(message, group);
  if (stream.keyName(column.key) !== column.key) {
    typed.original_key = column.key;
    say(`Key "${column.key}" is written as "${stream.keyName(column.key)}"`);
  }
  const external = column.dataKey.external;
  const stack = context.assets.get(stream.name, column.key);
  // Without its frames, an image key has no value to plot: no @signal then.
  const plotted = external === undefined || external.startsWith("FILESTORE:") ||
    stack !== undefined;
  // One axis per dimension of the value: time for the events, "." for those of one reading.
  const rank = stack ? stack.frameShape.length : external === undefined ? column.shape.length : 0;
  const axes = ["time", ...Array<string>(rank).fill(".")];
  tree.group(group, "NXdata", plotted ? { signal: "value", axes, ...typed } : typed);
  // The first bad reading was told with its event; more are counted here.
  if (column.invalid > 1) {
    say(
      `Key "${column.key}" has ${column.invalid} reading(s) that do not match its data key: ` +
        "written as missing values",
    );
  }
  const attrs = keyAttributes(column.key, column.dataKey);
  if (external !== undefined) {
    writeFrames(context, { stream, column, group, attrs: { ...attrs, ...typed }, options });
    writeTimes(context, group, column);
    return;
  }
  const value = prepare(column, 0, column.length, false, say);
  tree.field(`${group}/value`, value.data, {
    dtype: value.dtype,
    shape: value.shape,
    attrs: { ...attrs, ...value.attrs, ...typed },
    target: true,
  });
  if (startEnd) {
    if (column.length === 0) {
      missing(`No readings of "${column.key}": no value_start`, group);
    } else {
      const quiet = () => {};
      for (const [name, row] of [["value_start", 0], ["value_end", column.length - 1]] as const) {
        const one = prepare(column, row, row + 1, true, quiet);
        tree.field(`${group}/${name}`, one.data, {
          dtype: one.dtype,
          shape: one.shape,
          attrs: { ...attrs, ...one.attrs },
          target: true,
        });
      }
    }
  }
  writeTimes(context, group, column);
}

/** The folder-relative name of `file` as seen from the NeXus file, for an external link. */
function relativeTo(nexusFile: string, file: string): string {
  if (!file.startsWith("/")) return file;
  const folder = nexusFile.startsWith("/")
    ? nexusFile.slice(0, nexusFile.lastIndexOf("/"))
    : `${Deno.cwd()}/${nexusFile}`.replace(/\/[^/]*$/, "");
  const from = folder.split("/").filter(Boolean);
  const to = file.split("/").filter(Boolean);
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  return [...from.slice(common).map(() => ".."), ...to.slice(common)].join("/");
}

/**
 * An external key (frames in a detector's own file): an external link to its dataset, or a
 * copy of the referenced frames; without them, the datum ids and a warning.
 */
function writeFrames(
  context: BuildContext,
  key: Pick<KeyToWrite, "stream" | "column" | "options"> & {
    group: string;
    attrs: Record<string, AttrValue>;
  },
): void {
  const { stream, column, group, attrs, options } = key;
  const { tree, settings, warn } = context;
  const say = (message: string) => warn(message, group);
  const stack = context.assets.get(stream.name, column.key);
  if (stack && stack.link && options.frames === "link") {
    // An external link carries no attributes: they stay on the group.
    tree.externalLink(
      `${group}/value`,
      relativeTo(settings.filePath, stack.link.file),
      stack.link.dataset,
    );
    return;
  }
  if (stack) {
    const { compression } = options;
    tree.field(`${group}/value`, stack.frames(), { attrs, target: true, compression });
    return;
  }
  if (column.dataKey.external!.startsWith("STREAM:")) {
    say(`The frames of "${column.key}" were not found: no value`);
    return;
  }
  const value = prepare(column, 0, column.length, false, say);
  tree.field(`${group}/value`, value.data, {
    dtype: value.dtype,
    shape: value.shape,
    attrs: { ...attrs, ...value.attrs },
    target: true,
  });
  say(`The frames of "${column.key}" were not found: the file has its datum ids`);
}

/**
 * The streams plugin: writes every stream of the run as
 * `/entry/instrument/bluesky/streams/<stream>:NXnote` (with `@uid`, its first descriptor's
 * uid), and each data key as `<key>:NXdata` holding `value`, `EPOCH` and `time`.
 *
 * `value` has one row per event (numbers as `NX_FLOAT64`, integers `NX_INT64`, booleans,
 * strings `NX_CHAR`, arrays of shape `[events, ...shape]`; the numpy type recorded, `dtype_numpy`
 * or msgpack-numpy's, wins; integers beyond 2^53 exactly, as `NX_INT64` or `NX_UINT64`) and the
 * data key's `@units` (when it has units), `@source`, `@long_name`, `@precision` and control
 * limits. `EPOCH` holds the readings' timestamps; `time` the seconds since the first, with
 * `@start_time` and `@start_time_iso`: local time without an offset in the writer's time zone,
 * as the reference writes it. Keys of the primary stream get `@signal_type`. Keys of the
 * baseline stream also get `value_start` and `value_end`. A stream without events is written
 * with empty datasets, and an `<name>_image` key is also linked as `<name>`, as apstools does.
 *
 * @example A stream of two readings
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { buildTree, RunAccumulator } from "../core/nexus/mod.ts";
 * import { streams } from "./streams.ts";
 *
 * const run = composeRun({ detectors: ["det"] });
 * const primary = run.descriptor({
 *   name: "primary",
 *   data_keys: { det: { dtype: "number", shape: [], source: "SIM:det", units: "counts" } },
 * });
 * const acc = new RunAccumulator(run.start);
 * acc.receive("descriptor", primary.doc);
 * acc.receive("event", primary.event({ data: { det: 1.5 }, timestamps: { det: 100 } }));
 * acc.receive("event", primary.event({ data: { det: 2.5 }, timestamps: { det: 101 } }));
 * const { tree } = await buildTree(acc, [streams()]);
 * const time = tree.get("/entry/instrument/bluesky/streams/primary/det/time");
 * assert.deepEqual(time?.kind === "field" && [...(time.data as Float64Array)], [0, 1]);
 * ```
 *
 * @param userOptions Streams with start and end values, streams with signal types.
 * @returns The plugin, named `"streams"`.
 * @throws {RangeError} When `compression` is not a gzip level or a filter's name.
 */
export function streams(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  const problem = options.compression === undefined
    ? undefined
    : compressionProblem(options.compression);
  if (problem !== undefined) {
    throw new RangeError(
      `Option "compression" of the streams plugin is ${problem}: got ${
        JSON.stringify(options.compression) ?? String(options.compression)
      }`,
    );
  }
  return {
    name: "streams",
    build(context) {
      const { run, tree, warn } = context;
      tree.group("/entry", "NXentry");
      tree.group("/entry/instrument", "NXinstrument");
      tree.group("/entry/instrument/bluesky", "NXnote");
      tree.group(STREAMS, "NXnote");
      for (const stream of run.streams.values()) {
        const path = streamPath(stream);
        if (stream.groupName !== stream.name) {
          warn(`Stream "${stream.name}" is written as "${stream.groupName}"`, path);
        }
        const uid = stream.descriptors[0]?.uid;
        const attrs: Record<string, AttrValue> = uid === undefined ? {} : { uid };
        if (stream.groupName !== stream.name) attrs.original_name = stream.name;
        tree.group(path, "NXnote", attrs);
        const types = options.signalTypes.includes(stream.name)
          ? signalTypes(context, stream)
          : undefined;
        const startEnd = options.startEnd.includes(stream.name);
        for (const key of stream.keys()) {
          const column = stream.column(key)!;
          writeKey(context, { stream, column, signalType: types?.get(key), startEnd, options });
        }
        for (const key of stream.keys()) {
          const base = key.endsWith("_image") ? key.slice(0, -"_image".length) : "";
          if (base && !stream.keys().includes(base) && !tree.has(keyPath(stream, base))) {
            tree.link(keyPath(stream, base), keyPath(stream, key));
          }
        }
      }
    },
  };
}
