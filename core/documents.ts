/**
 * TypeScript types for the documents of the bluesky event model, version 1.24.
 *
 * The names follow event-model's JSON Schemas. Keys that a schema allows beyond its named
 * properties (any key without `.` or `/`) are typed as `unknown` so that metadata travels
 * unchanged.
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
  low: number | null;
  high: number | null;
}

/** EPICS limits of a data key. */
export interface Limits {
  control?: LimitsRange | null;
  display?: LimitsRange | null;
  warning?: LimitsRange | null;
  alarm?: LimitsRange | null;
  hysteresis?: number | null;
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
  units?: string | null;
  precision?: number | null;
  limits?: Limits;
  /** Dimension names. */
  dims?: string[];
  /** A numpy dtype string such as `"<f8"`. */
  dtype_numpy?: string | [string, string][];
  /** Set when the value lives outside the event, for example `"FILESTORE:"` or `"STREAM:"`. */
  external?: string;
  /** Name of the device the key comes from. */
  object_name?: string;
  /** Allowed values of an enum. */
  choices?: string[];
  /** Control limits as ophyd's EPICS signals report them. */
  lower_ctrl_limit?: number;
  upper_ctrl_limit?: number;
  [key: string]: unknown;
}

/** Map of data key name to its description. */
export type DataKeys = Record<string, DataKey>;

/** `hints` of a run start document. */
export interface StartHints {
  /** Independent axes, slow to fast: `[[fields], stream]` pairs. */
  dimensions?: [string[], string][];
  [key: string]: unknown;
}

/** The `start` document that opens a run. */
export interface RunStart {
  uid: string;
  time: number;
  scan_id?: number;
  plan_name?: string;
  plan_type?: string;
  hints?: StartHints;
  detectors?: string[];
  motors?: string[];
  num_points?: number;
  num_intervals?: number;
  versions?: Record<string, string>;
  sample?: Record<string, unknown> | string;
  [key: string]: unknown;
}

/** Configuration of one device as recorded in a descriptor. */
export interface Configuration {
  data: Record<string, unknown>;
  timestamps: Record<string, number>;
  data_keys: DataKeys;
}

/** Per-device hints of a descriptor. */
export interface PerObjectHint {
  fields?: string[];
  NX_class?: string;
  [key: string]: unknown;
}

/** The `descriptor` document that describes an event stream. */
export interface EventDescriptor {
  uid: string;
  run_start: string;
  time: number;
  data_keys: DataKeys;
  name?: string;
  configuration?: Record<string, Configuration>;
  hints?: Record<string, PerObjectHint>;
  object_keys?: Record<string, string[]>;
  object_classes?: Record<string, string>;
  [key: string]: unknown;
}

/** One `event`: a reading of every key of its descriptor. */
export interface Event {
  uid: string;
  descriptor: string;
  seq_num: number;
  time: number;
  data: Record<string, unknown>;
  timestamps: Record<string, number>;
  filled?: Record<string, boolean | string>;
}

/** A page of events of one descriptor, column-wise. */
export interface EventPage {
  uid: string[];
  descriptor: string;
  seq_num: number[];
  time: number[];
  data: Record<string, unknown[]>;
  timestamps: Record<string, number[]>;
  filled?: Record<string, (boolean | string)[]>;
}

/** Exit status of a run. */
export type ExitStatus = "success" | "abort" | "fail";

/** The `stop` document that closes a run. */
export interface RunStop {
  uid: string;
  run_start: string;
  time: number;
  exit_status: ExitStatus;
  reason?: string;
  num_events?: Record<string, number>;
  [key: string]: unknown;
}

/** A `resource`: a file or group of files holding external data. */
export interface Resource {
  uid: string;
  spec: string;
  root: string;
  resource_path: string;
  resource_kwargs: Record<string, unknown>;
  path_semantics?: "posix" | "windows";
  run_start?: string;
}

/** A `datum`: one quantum of external data inside a resource. */
export interface Datum {
  datum_id: string;
  resource: string;
  datum_kwargs: Record<string, unknown>;
}

/** A page of datums of one resource, column-wise. */
export interface DatumPage {
  datum_id: string[];
  resource: string;
  datum_kwargs: Record<string, unknown[]>;
}

/** A `stream_resource`: an external file that a data key is streamed into. */
export interface StreamResource {
  uid: string;
  data_key: string;
  mimetype: string;
  uri: string;
  parameters: Record<string, unknown>;
  run_start?: string;
  [key: string]: unknown;
}

/** A half-open range `[start, stop)` of integers. */
export interface StreamRange {
  start: number;
  stop: number;
}

/** A `stream_datum`: which rows of a stream resource belong to which events. */
export interface StreamDatum {
  uid: string;
  stream_resource: string;
  descriptor: string;
  indices: StreamRange;
  seq_nums: StreamRange;
  [key: string]: unknown;
}

/** Map of document name to document type. */
export interface DocumentMap {
  start: RunStart;
  descriptor: EventDescriptor;
  event: Event;
  event_page: EventPage;
  stop: RunStop;
  resource: Resource;
  datum: Datum;
  datum_page: DatumPage;
  stream_resource: StreamResource;
  stream_datum: StreamDatum;
}

/** Name of a document kind. */
export type DocumentName = keyof DocumentMap;

/** Every document name, in the order a run usually emits them. */
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

/** A `[name, doc]` pair, typed so that the document matches its name. */
export type NamedDocument = { [K in DocumentName]: [K, DocumentMap[K]] }[DocumentName];

/** Any document. */
export type Document = DocumentMap[DocumentName];
