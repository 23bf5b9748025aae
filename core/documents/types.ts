/**
 * TypeScript types for the documents of the bluesky event model, version 1.24.
 *
 * The names follow event-model's JSON Schemas. Keys that a schema allows beyond its named
 * properties (any key without `.` or `/`) are typed as `unknown` so that metadata travels
 * unchanged.
 *
 * All times and timestamps are Unix epoch seconds (floating point). A `uid` is globally
 * unique; the other documents of a run refer to its start document by that uid.
 *
 * @module
 */

/** JSON value, the only thing documents may carry. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** The broad JSON type of a data key (`DataKey.dtype`). */
export type Dtype = "string" | "number" | "array" | "boolean" | "integer";

/** A low/high pair of EPICS limits. */
export interface LimitsRange {
  /** Lower limit, in the data key's units; `null` when there is none. */
  low: number | null;
  /** Upper limit, in the data key's units; `null` when there is none. */
  high: number | null;
}

/** EPICS limits of a data key. */
export interface Limits {
  /** Range a setpoint is allowed to take (EPICS `DRVL`/`DRVH`). */
  control?: LimitsRange | null;
  /** Range a display should show (EPICS `LOPR`/`HOPR`). */
  display?: LimitsRange | null;
  /** Outside this range the value raises a minor alarm (EPICS `LOW`/`HIGH`). */
  warning?: LimitsRange | null;
  /** Outside this range the value raises a major alarm (EPICS `LOLO`/`HIHI`). */
  alarm?: LimitsRange | null;
  /** Dead band the value must cross back before an alarm clears (EPICS `HYST`). */
  hysteresis?: number | null;
  /**
   * Read-different-than-set alarm (Tango): after `time_difference` milliseconds the readback
   * must be within `value_difference` of the setpoint.
   */
  rds?: { time_difference: number; value_difference: number } | null;
}

/** Description of one key of an event's `data` (event-model's `DataKey`). */
export interface DataKey {
  /** Broad JSON type of the value. */
  dtype: Dtype;
  /** Shape of the value; `[]` for scalars, `null` for a dimension of unknown length. */
  shape: (number | null)[];
  /** Where the value came from, for example `"PV:gp:m10.RBV"` or `"SIM:motor"`. */
  source: string;
  /** Engineering units of the value, for example `"mm"`. */
  units?: string | null;
  /** Number of digits after the decimal point to show for a floating-point value. */
  precision?: number | null;
  /** EPICS limits of the value. */
  limits?: Limits;
  /** Dimension names, one per entry of `shape`; empty or absent for scalars. */
  dims?: string[];
  /** A numpy dtype string such as `"<f8"`, or `[name, dtype]` pairs for a structured dtype. */
  dtype_numpy?: string | [string, string][];
  /** Set when the value lives outside the event, for example `"FILESTORE:"` or `"STREAM:"`. */
  external?: string;
  /** Name of the device the key comes from. */
  object_name?: string;
  /** Allowed values of an enum. */
  choices?: string[];
  /** Lower control limit as ophyd's EPICS signals report it. */
  lower_ctrl_limit?: number;
  /** Upper control limit as ophyd's EPICS signals report it. */
  upper_ctrl_limit?: number;
  /** Further fields a device reports about the key; the schema allows any. */
  [key: string]: unknown;
}

/** Map of data key name to its description. */
export type DataKeys = Record<string, DataKey>;

/** `hints` of a run start document. */
export interface StartHints {
  /**
   * Independent axes of the run, slowest first: `[fields, stream]` pairs naming the data keys
   * of one axis and the stream they are read in.
   */
  dimensions?: [string[], string][];
  /** Further hints for viewers; the schema allows any. */
  [key: string]: unknown;
}

/**
 * The `start` document that opens a run.
 *
 * @example A start document
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RunStart } from "./types.ts";
 * import { composeRun } from "./compose.ts";
 * const start: RunStart = composeRun({ plan_name: "count", scan_id: 1 }).start;
 * assert.equal(start.scan_id, 1);
 * ```
 */
export interface RunStart {
  /** Globally unique id of the run; every other document of the run refers to it. */
  uid: string;
  /** When the run started, in Unix epoch seconds. */
  time: number;
  /** Human-friendly run number, counted by the RunEngine; not globally unique. */
  scan_id?: number;
  /** Name of the plan that made the run, for example `"scan"`. */
  plan_name?: string;
  /** Kind of plan, `"generator"` for plans written as generators. */
  plan_type?: string;
  /** What the run is about, for live plots and viewers. */
  hints?: StartHints;
  /** Names of the detectors the plan reads. */
  detectors?: string[];
  /** Names of the motors the plan moves. */
  motors?: string[];
  /** Number of points the plan expects to take. */
  num_points?: number;
  /** Number of intervals between the points (`num_points - 1` for a scan). */
  num_intervals?: number;
  /** Versions of the software that took the data, by package name. */
  versions?: Record<string, string>;
  /** The sample: a description, or the uid of a record kept elsewhere. */
  sample?: Record<string, unknown> | string;
  /** Further run metadata, such as `plan_args` or user keys; keys must not contain `.` or `/`. */
  [key: string]: unknown;
}

/** Configuration of one device as recorded in a descriptor. */
export interface Configuration {
  /** Configuration values, by data key. */
  data: Record<string, unknown>;
  /** When each value was read, by data key, in Unix epoch seconds. */
  timestamps: Record<string, number>;
  /** Descriptions of the configuration keys. */
  data_keys: DataKeys;
}

/** Per-device hints of a descriptor. */
export interface PerObjectHint {
  /** The device's data keys worth plotting or tabulating. */
  fields?: string[];
  /** NeXus base class of the device, for example `"NXmonochromator"`. */
  NX_class?: string;
  /** Further per-device hints; the schema allows any. */
  [key: string]: unknown;
}

/** The `descriptor` document that describes an event stream. */
export interface EventDescriptor {
  /** Globally unique id of the descriptor; its events refer to it. */
  uid: string;
  /** Uid of the run's start document. */
  run_start: string;
  /** When the descriptor was made, in Unix epoch seconds. */
  time: number;
  /** Description of every key of the stream's events. */
  data_keys: DataKeys;
  /** Name of the stream, for example `"primary"` or `"baseline"`. */
  name?: string;
  /** Configuration read from each device, by device name, needed to interpret its data. */
  configuration?: Record<string, Configuration>;
  /** Hints of each device, by device name. */
  hints?: Record<string, PerObjectHint>;
  /** The data keys each device contributes, by device name. */
  object_keys?: Record<string, string[]>;
  /** The qualified class name of each device, by device name. */
  object_classes?: Record<string, string>;
  /** Further metadata of the stream; keys must not contain `.` or `/`. */
  [key: string]: unknown;
}

/**
 * One `event`: a reading of every key of its descriptor.
 *
 * @example An event
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Event } from "./types.ts";
 * import { composeRun } from "./compose.ts";
 * const stream = composeRun().descriptor({
 *   name: "primary",
 *   data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
 * });
 * const event: Event = stream.event({ data: { x: 1 }, timestamps: { x: 0 } });
 * assert.equal(event.seq_num, 1);
 * ```
 */
export interface Event {
  /** Globally unique id of the event. */
  uid: string;
  /** Uid of the descriptor of the event's stream. */
  descriptor: string;
  /** Position of the event in its stream, counted from 1. */
  seq_num: number;
  /** When the event was made, in Unix epoch seconds; may differ from the `timestamps`. */
  time: number;
  /**
   * The measured values, with exactly the descriptor's data keys. An external key holds the
   * id of the datum that points at the value.
   */
  data: Record<string, unknown>;
  /** When each value was read, by data key, in Unix epoch seconds. */
  timestamps: Record<string, number>;
  /**
   * For each external key: `false` while `data` holds the datum id, or that datum id once the
   * value has been loaded into `data`.
   */
  filled?: Record<string, boolean | string>;
}

/**
 * A page of events of one descriptor, column-wise.
 *
 * @example A page of two events
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EventPage } from "./types.ts";
 * import { composeRun } from "./compose.ts";
 * const stream = composeRun().descriptor({
 *   name: "primary",
 *   data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
 * });
 * const page: EventPage = stream.eventPage({ data: { x: [1, 2] }, timestamps: { x: [0, 0] } });
 * assert.deepEqual(page.seq_num, [1, 2]);
 * ```
 */
export interface EventPage {
  /** Globally unique id of each event. */
  uid: string[];
  /** Uid of the descriptor that all events of the page belong to. */
  descriptor: string;
  /** Position of each event in its stream, counted from 1. */
  seq_num: number[];
  /** When each event was made, in Unix epoch seconds. */
  time: number[];
  /** The measured values, one column per data key, one row per event. */
  data: Record<string, unknown[]>;
  /** When each value was read, one column per data key, in Unix epoch seconds. */
  timestamps: Record<string, number[]>;
  /** Per external key and event, as {@linkcode Event.filled}. */
  filled?: Record<string, (boolean | string)[]>;
}

/** Exit status of a run. */
export type ExitStatus = "success" | "abort" | "fail";

/**
 * The `stop` document that closes a run.
 *
 * @example A stop document
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RunStop } from "./types.ts";
 * import { composeRun } from "./compose.ts";
 * const run = composeRun();
 * const stop: RunStop = run.stop();
 * assert.equal(stop.run_start, run.start.uid);
 * ```
 */
export interface RunStop {
  /** Globally unique id of the stop document. */
  uid: string;
  /** Uid of the start document this stop closes. */
  run_start: string;
  /** When the run ended, in Unix epoch seconds. */
  time: number;
  /** How the run ended. */
  exit_status: ExitStatus;
  /** Why the run ended, in words; empty after a normal end. */
  reason?: string;
  /** Number of events in each stream, by stream name. */
  num_events?: Record<string, number>;
  /** Further metadata of the end of the run; keys must not contain `.` or `/`. */
  [key: string]: unknown;
}

/** A `resource`: a file or group of files holding external data. */
export interface Resource {
  /** Globally unique id of the resource; its datums refer to it. */
  uid: string;
  /** Format of the resource, which selects the handler that reads it, for example `"AD_HDF5"`. */
  spec: string;
  /**
   * The part of the path that is a local detail (a mount point, say) and may change when the
   * data moves; `resource_path` is relative to it.
   */
  root: string;
  /** Path or URI of the resource, relative to `root`. */
  resource_path: string;
  /** Arguments the handler needs to open the resource. */
  resource_kwargs: Record<string, unknown>;
  /** How to join `root` and `resource_path`. */
  path_semantics?: "posix" | "windows";
  /** Uid of the start document of the run the resource belongs to. */
  run_start?: string;
}

/**
 * A `datum`: one quantum of external data inside a resource.
 *
 * @example A datum's id is its resource's uid and a counter
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Datum } from "./types.ts";
 * import { composeRun } from "./compose.ts";
 * const run = composeRun();
 * const resource = run.resource({ spec: "AD_HDF5", root: "/data", resource_path: "img.h5", resource_kwargs: {} });
 * const datum: Datum = run.datum(resource, { point_number: 0 });
 * assert.equal(datum.datum_id, `${resource.uid}/0`);
 * ```
 */
export interface Datum {
  /** Globally unique id of the datum, usually `<resource uid>/<counter>`. */
  datum_id: string;
  /** Uid of the resource the datum lies in. */
  resource: string;
  /** Arguments the handler needs to find this datum in the resource, such as a frame number. */
  datum_kwargs: Record<string, unknown>;
}

/** A page of datums of one resource, column-wise. */
export interface DatumPage {
  /** Globally unique id of each datum. */
  datum_id: string[];
  /** Uid of the resource that all datums of the page lie in. */
  resource: string;
  /** The handler's arguments, one column per argument, one row per datum. */
  datum_kwargs: Record<string, unknown[]>;
}

/** A `stream_resource`: an external file that a data key is streamed into. */
export interface StreamResource {
  /** Globally unique id of the stream resource; its stream datums refer to it. */
  uid: string;
  /** The descriptor's data key whose values are written into the resource. */
  data_key: string;
  /** Format of the resource, which selects the handler, for example `"application/x-hdf5"`. */
  mimetype: string;
  /** Where the resource is, for example `"file://localhost/data/scan.h5"`. */
  uri: string;
  /** Arguments the handler needs to read the resource, such as the dataset inside a file. */
  parameters: Record<string, unknown>;
  /** Uid of the start document of the run the stream resource belongs to. */
  run_start?: string;
  /** Further metadata of the stream resource; the schema allows any. */
  [key: string]: unknown;
}

/** A half-open range `[start, stop)` of integers. */
export interface StreamRange {
  /** First integer of the range. */
  start: number;
  /** One past the last integer of the range; equal to `start` for an empty range. */
  stop: number;
}

/**
 * A `stream_datum`: which rows of a stream resource belong to which events.
 *
 * @example The rows of the first event's frame
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StreamDatum } from "./types.ts";
 * import { composeRun } from "./compose.ts";
 * const run = composeRun();
 * const sr = run.streamResource({ data_key: "image", mimetype: "application/x-hdf5", uri: "file://localhost/data/img.h5", parameters: { dataset: "/entry/data/data" } });
 * const sd: StreamDatum = run.streamDatum(sr, { descriptor: "d", indices: { start: 0, stop: 1 }, seq_nums: { start: 1, stop: 2 } });
 * assert.equal(sd.uid, `${sr.uid}/0`);
 * assert.equal(sd.stream_resource, sr.uid);
 * ```
 */
export interface StreamDatum {
  /** Globally unique id of the stream datum, usually `<stream resource uid>/<counter>`. */
  uid: string;
  /** Uid of the stream resource the rows lie in. */
  stream_resource: string;
  /** Uid of the descriptor of the events the rows belong to. */
  descriptor: string;
  /** The rows of the stream resource that this datum covers. */
  indices: StreamRange;
  /** The `seq_num`s of the events those rows belong to. */
  seq_nums: StreamRange;
  /** Further metadata of the stream datum; the schema allows any. */
  [key: string]: unknown;
}

/**
 * Map of document name to document type.
 *
 * @example A typed callback
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DocumentMap, DocumentName } from "./types.ts";
 * const names: string[] = [];
 * const callback = <K extends DocumentName>(name: K, _doc: DocumentMap[K]) => void names.push(name);
 * callback("stop", { uid: "s", run_start: "r", time: 0, exit_status: "success" });
 * assert.deepEqual(names, ["stop"]);
 * ```
 */
export interface DocumentMap {
  /** Opens a run. */
  start: RunStart;
  /** Describes a stream of events. */
  descriptor: EventDescriptor;
  /** One row of a stream. */
  event: Event;
  /** Several rows of a stream, column-wise. */
  event_page: EventPage;
  /** Closes a run. */
  stop: RunStop;
  /** An external file holding data that datums point into. */
  resource: Resource;
  /** One piece of external data inside a resource. */
  datum: Datum;
  /** Several datums of one resource, column-wise. */
  datum_page: DatumPage;
  /** An external file a data key is streamed into. */
  stream_resource: StreamResource;
  /** Which rows of a stream resource belong to which events. */
  stream_datum: StreamDatum;
}

/** Name of a document kind. */
export type DocumentName = keyof DocumentMap;

/**
 * Every document name, in the order a run usually emits them.
 *
 * @example Check a name at run time
 * ```ts
 * import assert from "node:assert/strict";
 * import { DOCUMENT_NAMES } from "./types.ts";
 * assert.equal(DOCUMENT_NAMES[0], "start");
 * assert.ok(DOCUMENT_NAMES.includes("event_page"));
 * ```
 */
export const DOCUMENT_NAMES: readonly DocumentName[] = [
  "start",
  "descriptor",
  "resource",
  "datum",
  "datum_page",
  "stream_resource",
  "stream_datum",
  "event",
  "event_page",
  "stop",
];

/**
 * A `[name, doc]` pair, typed so that the document matches its name.
 *
 * @example The name narrows the document's type
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NamedDocument } from "./types.ts";
 * import { composeRun } from "./compose.ts";
 * const run = composeRun();
 * const pairs: NamedDocument[] = [["start", run.start], ["stop", run.stop()]];
 * const stops = pairs.flatMap(([name, doc]) => name === "stop" ? [doc.exit_status] : []);
 * assert.deepEqual(stops, ["success"]);
 * ```
 */
export type NamedDocument = { [K in DocumentName]: [K, DocumentMap[K]] }[DocumentName];

/** Any document. */
export type Document = DocumentMap[DocumentName];
