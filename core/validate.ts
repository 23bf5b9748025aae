/**
 * Runtime checks of documents that come from outside the process: files, catalogs, other
 * programs. The checks follow the JSON Schemas of event-model v1.24 by hand, so that millions
 * of events can be checked without a schema library; nothing is allocated unless a check
 * fails.
 *
 * Beyond the schemas, three things every bluesky run satisfies are enforced as well: event
 * `seq_num` starts at 1, all columns of a page have as many rows as it has uids (or datum
 * ids), and `time` fields are finite numbers.
 *
 * @module
 */

import { DOCUMENT_NAMES } from "./documents.ts";
import type { Document, DocumentMap, DocumentName } from "./documents.ts";
import { DocumentError } from "./errors.ts";

type Json = Record<string, unknown>;

/** What is wrong and where, relative to the value that was checked (`""` is the value). */
interface Problem {
  field: string;
  message: string;
  /** Row of a page, so that the error names that row's uid. */
  row?: number;
}

type Check = (doc: Json) => Problem | undefined;

// ---- reporting (runs only when a check fails) ----

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "object": {
      const kind = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof kind === "string" && kind !== "Object" ? `a ${kind}` : "an object";
    }
    default:
      return `a ${typeof value}`;
  }
}

function quoteAll(values: Iterable<string>): string {
  return [...values].map((value) => JSON.stringify(value)).join(", ");
}

function problem(field: string, message: string, row?: number): Problem {
  return row === undefined ? { field, message } : { field, message, row };
}

function wrong(field: string, expected: string, value: unknown, row?: number): Problem {
  return problem(
    field,
    value === undefined ? "is required" : `must be ${expected}: got ${show(value)}`,
    row,
  );
}

/** Re-roots a problem found inside `prefix`. */
function within(prefix: string, found: Problem | undefined): Problem | undefined {
  if (found !== undefined) found.field = found.field === "" ? prefix : `${prefix}.${found.field}`;
  return found;
}

// ---- leaf checks: `undefined` when the value is fine ----

function isObject(value: unknown): value is Json {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

function str(value: unknown, field: string): Problem | undefined {
  return typeof value === "string" ? undefined : wrong(field, "a string", value);
}

function num(value: unknown, field: string): Problem | undefined {
  return typeof value === "number" ? undefined : wrong(field, "a number", value);
}

function int(value: unknown, field: string): Problem | undefined {
  return isInteger(value) ? undefined : wrong(field, "an integer", value);
}

function time(value: unknown, field: string): Problem | undefined {
  return typeof value === "number" && Number.isFinite(value)
    ? undefined
    : wrong(field, "a finite number (Unix epoch seconds)", value);
}

function obj(value: unknown, field: string): Problem | undefined {
  return isObject(value) ? undefined : wrong(field, "an object", value);
}

function arr(value: unknown, field: string): Problem | undefined {
  return Array.isArray(value) ? undefined : wrong(field, "an array", value);
}

function strings(value: unknown, field: string): Problem | undefined {
  if (!Array.isArray(value)) return wrong(field, "an array of strings", value);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") return wrong(`${field}.${i}`, "a string", value[i]);
  }
  return undefined;
}

function strOrNull(value: unknown, field: string): Problem | undefined {
  return value === null || typeof value === "string"
    ? undefined
    : wrong(field, "a string or null", value);
}

function intOrNull(value: unknown, field: string): Problem | undefined {
  return value === null || isInteger(value) ? undefined : wrong(field, "an integer or null", value);
}

function numOrNull(value: unknown, field: string): Problem | undefined {
  return value === null || typeof value === "number"
    ? undefined
    : wrong(field, "a number or null", value);
}

function optional(
  check: (value: unknown, field: string) => Problem | undefined,
  value: unknown,
  field: string,
): Problem | undefined {
  return value === undefined ? undefined : check(value, field);
}

function oneOf(values: ReadonlySet<unknown>, value: unknown, field: string): Problem | undefined {
  return values.has(value)
    ? undefined
    : wrong(field, `one of ${quoteAll(values as Set<string>)}`, value);
}

/** Values of an object, each checked by `check`. */
function valuesOf(
  check: (value: unknown, field: string) => Problem | undefined,
  value: unknown,
  field: string,
): Problem | undefined {
  if (!isObject(value)) return wrong(field, "an object", value);
  for (const key in value) {
    const found = check(value[key], "");
    if (found !== undefined) return within(`${field}.${key}`, found);
  }
  return undefined;
}

function allowedKeys(doc: Json, allowed: ReadonlySet<string>): Problem | undefined {
  for (const key in doc) {
    if (!allowed.has(key)) {
      return problem(key, `unexpected field: allowed are ${quoteAll(allowed)}`);
    }
  }
  return undefined;
}

function isKeyName(key: string): boolean {
  return key.length > 0 && !key.includes(".") && !key.includes("/");
}

/**
 * The schemas' `patternProperties: {"^([^./]+)$": DataType}` with `additionalProperties: false`.
 * In start and descriptor `DataType` repeats the rule on every nested object (arrays are not
 * entered); in stop it applies to the top level only.
 */
function keyNames(value: Json, deep: boolean): Problem | undefined {
  for (const key in value) {
    if (!isKeyName(key)) {
      return problem(key, `key ${JSON.stringify(key)} must be non-empty and contain no "." or "/"`);
    }
    if (deep) {
      const child = value[key];
      if (isObject(child)) {
        const found = keyNames(child, true);
        if (found !== undefined) return within(key, found);
      }
    }
  }
  return undefined;
}

// ---- start ----

function startHints(hints: unknown): Problem | undefined {
  if (hints === undefined) return undefined;
  if (!isObject(hints)) return wrong("hints", "an object", hints);
  const dimensions = hints.dimensions;
  if (dimensions === undefined) return undefined;
  if (!Array.isArray(dimensions)) return wrong("hints.dimensions", "an array", dimensions);
  for (let i = 0; i < dimensions.length; i++) {
    const dimension = dimensions[i];
    if (!Array.isArray(dimension)) {
      return wrong(`hints.dimensions.${i}`, "an array such as [[fields], stream]", dimension);
    }
    for (let j = 0; j < dimension.length; j++) {
      const part = dimension[j];
      if (typeof part !== "string" && strings(part, "") !== undefined) {
        return wrong(`hints.dimensions.${i}.${j}`, "a string or an array of strings", part);
      }
    }
  }
  return undefined;
}

function calculation(value: unknown): Problem | undefined {
  if (!isObject(value)) return wrong("", "an object", value);
  return str(value.callable, "callable") ?? optional(arr, value.args, "args") ??
    optional(obj, value.kwargs, "kwargs");
}

/** One entry of a projection: configuration-linked, event-linked, calculated or static. */
function projectionEntry(entry: unknown): Problem | undefined {
  if (!isObject(entry)) return wrong("", "an object", entry);
  const location = entry.location;
  switch (entry.type) {
    case "static":
      return entry.value === undefined ? problem("value", "is required") : undefined;
    case "calculated":
      return within("calculation", calculation(entry.calculation)) ?? str(entry.field, "field") ??
        str(entry.stream, "stream") ??
        (location === "event" ? undefined : wrong("location", '"event"', location));
    case "linked":
      if (location === "configuration") {
        return str(entry.config_device, "config_device") ??
          int(entry.config_index, "config_index") ?? str(entry.field, "field") ??
          str(entry.stream, "stream");
      }
      return str(entry.field, "field") ?? str(entry.stream, "stream") ??
        (location === "event"
          ? undefined
          : wrong("location", '"event" or "configuration"', location));
    default:
      return wrong("type", '"linked", "calculated" or "static"', entry.type);
  }
}

function projection(value: unknown): Problem | undefined {
  if (!isObject(value)) return wrong("", "an object", value);
  const found = obj(value.configuration, "configuration") ?? str(value.version, "version") ??
    optional(str, value.name, "name");
  return found ?? valuesOf(projectionEntry, value.projection, "projection");
}

function projections(value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return wrong("projections", "an array", value);
  for (let i = 0; i < value.length; i++) {
    const found = projection(value[i]);
    if (found !== undefined) return within(`projections.${i}`, found);
  }
  return undefined;
}

function sample(value: unknown): Problem | undefined {
  return value === undefined || typeof value === "string" || isObject(value)
    ? undefined
    : wrong("sample", "an object or a string", value);
}

function checkStart(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? time(doc.time, "time") ?? optional(int, doc.scan_id, "scan_id") ??
    optional(str, doc.data_session, "data_session") ?? optional(str, doc.group, "group") ??
    optional(str, doc.owner, "owner") ?? optional(str, doc.project, "project") ??
    optional(strings, doc.data_groups, "data_groups") ?? sample(doc.sample) ??
    startHints(doc.hints) ?? projections(doc.projections) ?? keyNames(doc, true);
}

// ---- descriptor ----

const DTYPES: ReadonlySet<unknown> = new Set(["string", "number", "array", "boolean", "integer"]);
const NUMPY_DTYPE = /[|<>][tbiufcmMOSUV][0-9]+/;
const NX_CLASS = /^NX[A-Za-z_]+$/;
const EXTERNAL = /^[A-Z]+:?/;

function shape(value: unknown): Problem | undefined {
  if (!Array.isArray(value)) return wrong("shape", "an array of integers or nulls", value);
  for (let i = 0; i < value.length; i++) {
    const size = value[i];
    if (size !== null && !isInteger(size)) return wrong(`shape.${i}`, "an integer or null", size);
  }
  return undefined;
}

function dtypeNumpy(value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") {
    return NUMPY_DTYPE.test(value)
      ? undefined
      : wrong("dtype_numpy", 'a numpy dtype such as "<f8"', value);
  }
  if (!Array.isArray(value)) {
    return wrong("dtype_numpy", "a numpy dtype string or an array of [name, dtype] pairs", value);
  }
  for (let i = 0; i < value.length; i++) {
    const pair = value[i];
    if (
      !Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" ||
      typeof pair[1] !== "string" || !NUMPY_DTYPE.test(pair[1])
    ) {
      return wrong(`dtype_numpy.${i}`, 'a [name, dtype] pair such as ["x", "<f8"]', pair);
    }
  }
  return undefined;
}

function external(value: unknown): Problem | undefined {
  return value === undefined || (typeof value === "string" && EXTERNAL.test(value))
    ? undefined
    : wrong("external", 'a string starting with capitals, such as "FILESTORE:"', value);
}

const LIMITS_KEYS: ReadonlySet<string> = new Set([
  "alarm",
  "control",
  "display",
  "hysteresis",
  "rds",
  "warning",
]);
const RANGE_KEYS: ReadonlySet<string> = new Set(["high", "low"]);

function limitsRange(value: unknown, field: string): Problem | undefined {
  if (value === null) return undefined;
  if (!isObject(value)) return wrong(field, "an object with low and high, or null", value);
  return within(
    field,
    numOrNull(value.low, "low") ?? numOrNull(value.high, "high") ??
      allowedKeys(value, RANGE_KEYS),
  );
}

function rdsRange(value: unknown, field: string): Problem | undefined {
  if (value === null) return undefined;
  if (!isObject(value)) return wrong(field, "an object or null", value);
  return within(
    field,
    num(value.time_difference, "time_difference") ??
      num(value.value_difference, "value_difference"),
  );
}

function limits(value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return wrong("limits", "an object", value);
  const found = optional(limitsRange, value.control, "control") ??
    optional(limitsRange, value.display, "display") ??
    optional(limitsRange, value.warning, "warning") ??
    optional(limitsRange, value.alarm, "alarm") ??
    optional(numOrNull, value.hysteresis, "hysteresis") ?? optional(rdsRange, value.rds, "rds") ??
    allowedKeys(value, LIMITS_KEYS);
  return within("limits", found);
}

function dataKey(value: unknown): Problem | undefined {
  if (!isObject(value)) return wrong("", "an object", value);
  return oneOf(DTYPES, value.dtype, "dtype") ?? shape(value.shape) ??
    str(value.source, "source") ?? optional(strOrNull, value.units, "units") ??
    optional(intOrNull, value.precision, "precision") ?? optional(strings, value.dims, "dims") ??
    optional(strings, value.choices, "choices") ??
    optional(str, value.object_name, "object_name") ?? external(value.external) ??
    dtypeNumpy(value.dtype_numpy) ?? limits(value.limits);
}

function dataKeys(value: unknown, field: string): Problem | undefined {
  if (!isObject(value)) return wrong(field, "an object", value);
  for (const key in value) {
    const found = dataKey(value[key]);
    if (found !== undefined) return within(`${field}.${key}`, found);
  }
  return undefined;
}

function configuration(value: unknown): Problem | undefined {
  if (!isObject(value)) return wrong("", "an object", value);
  return optional(obj, value.data, "data") ?? optional(obj, value.timestamps, "timestamps") ??
    optional(dataKeys, value.data_keys, "data_keys");
}

function descriptorHints(value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return wrong("hints", "an object", value);
  const nxClass = value.NX_class;
  if (nxClass !== undefined && (typeof nxClass !== "string" || !NX_CLASS.test(nxClass))) {
    return wrong("hints.NX_class", 'a NeXus class name such as "NXdetector"', nxClass);
  }
  return optional(strings, value.fields, "hints.fields");
}

function checkDescriptor(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.run_start, "run_start") ?? time(doc.time, "time") ??
    dataKeys(doc.data_keys, "data_keys") ?? optional(str, doc.name, "name") ??
    (doc.configuration === undefined
      ? undefined
      : valuesOf(configuration, doc.configuration, "configuration")) ??
    descriptorHints(doc.hints) ??
    (doc.object_classes === undefined
      ? undefined
      : valuesOf(str, doc.object_classes, "object_classes")) ??
    optional(obj, doc.object_keys, "object_keys") ?? keyNames(doc, true);
}

// ---- event and event page ----

const EVENT_KEYS: ReadonlySet<string> = new Set([
  "uid",
  "descriptor",
  "seq_num",
  "time",
  "data",
  "timestamps",
  "filled",
]);

function seqNum(value: unknown, field: string, row?: number): Problem | undefined {
  return isInteger(value) && value >= 1
    ? undefined
    : wrong(field, "an integer >= 1 (bluesky numbers events from 1)", value, row);
}

function filledValue(value: unknown, field: string): Problem | undefined {
  return typeof value === "boolean" || typeof value === "string"
    ? undefined
    : wrong(field, "a boolean or a string (a datum id)", value);
}

function checkEvent(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.descriptor, "descriptor") ??
    seqNum(doc.seq_num, "seq_num") ?? time(doc.time, "time") ?? obj(doc.data, "data") ??
    obj(doc.timestamps, "timestamps") ??
    (doc.filled === undefined ? undefined : valuesOf(filledValue, doc.filled, "filled")) ??
    allowedKeys(doc, EVENT_KEYS);
}

/** A page's array of ids; its length is the page's number of rows. */
function ids(value: unknown, field: string): Problem | undefined {
  if (!Array.isArray(value)) return wrong(field, "an array of strings", value);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") return wrong(`${field}.${i}`, "a string", value[i], i);
  }
  return undefined;
}

function rowCount(column: unknown[], rows: number, idField: string, field: string) {
  return column.length === rows
    ? undefined
    : problem(field, `has ${column.length} rows but ${idField} has ${rows}`);
}

/** A column-wise object (`data`, `timestamps`, `filled`, `datum_kwargs`) of `rows` rows. */
function columns(
  value: unknown,
  rows: number,
  idField: string,
  field: string,
  cell?: (value: unknown, field: string) => Problem | undefined,
): Problem | undefined {
  if (!isObject(value)) return wrong(field, "an object of arrays", value);
  for (const key in value) {
    const column = value[key];
    if (!Array.isArray(column)) return wrong(`${field}.${key}`, "an array", column);
    const found = rowCount(column, rows, idField, `${field}.${key}`);
    if (found !== undefined) return found;
    if (cell !== undefined) {
      for (let i = 0; i < rows; i++) {
        const bad = cell(column[i], "");
        if (bad !== undefined) return within(`${field}.${key}.${i}`, { ...bad, row: i });
      }
    }
  }
  return undefined;
}

function seqNums(value: unknown, rows: number): Problem | undefined {
  if (!Array.isArray(value)) return wrong("seq_num", "an array of integers", value);
  for (let i = 0; i < value.length; i++) {
    const found = seqNum(value[i], `seq_num.${i}`, i);
    if (found !== undefined) return found;
  }
  return rowCount(value, rows, "uid", "seq_num");
}

function times(value: unknown, rows: number): Problem | undefined {
  if (!Array.isArray(value)) return wrong("time", "an array of numbers", value);
  for (let i = 0; i < value.length; i++) {
    const t = value[i];
    if (typeof t !== "number" || !Number.isFinite(t)) {
      return wrong(`time.${i}`, "a finite number (Unix epoch seconds)", t, i);
    }
  }
  return rowCount(value, rows, "uid", "time");
}

function checkEventPage(doc: Json): Problem | undefined {
  const found = ids(doc.uid, "uid") ?? str(doc.descriptor, "descriptor");
  if (found !== undefined) return found;
  const rows = (doc.uid as unknown[]).length;
  return seqNums(doc.seq_num, rows) ?? times(doc.time, rows) ??
    columns(doc.data, rows, "uid", "data") ?? columns(doc.timestamps, rows, "uid", "timestamps") ??
    (doc.filled === undefined
      ? undefined
      : columns(doc.filled, rows, "uid", "filled", filledValue)) ??
    allowedKeys(doc, EVENT_KEYS);
}

// ---- stop ----

const EXIT_STATUSES: ReadonlySet<unknown> = new Set(["success", "abort", "fail"]);

function checkStop(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.run_start, "run_start") ?? time(doc.time, "time") ??
    oneOf(EXIT_STATUSES, doc.exit_status, "exit_status") ?? optional(str, doc.reason, "reason") ??
    (doc.num_events === undefined ? undefined : valuesOf(int, doc.num_events, "num_events")) ??
    keyNames(doc, false);
}

// ---- assets ----

const RESOURCE_KEYS: ReadonlySet<string> = new Set([
  "uid",
  "spec",
  "root",
  "resource_path",
  "resource_kwargs",
  "path_semantics",
  "run_start",
]);
const PATH_SEMANTICS: ReadonlySet<unknown> = new Set(["posix", "windows"]);

function checkResource(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.spec, "spec") ?? str(doc.root, "root") ??
    str(doc.resource_path, "resource_path") ?? obj(doc.resource_kwargs, "resource_kwargs") ??
    (doc.path_semantics === undefined
      ? undefined
      : oneOf(PATH_SEMANTICS, doc.path_semantics, "path_semantics")) ??
    optional(str, doc.run_start, "run_start") ?? allowedKeys(doc, RESOURCE_KEYS);
}

const DATUM_KEYS: ReadonlySet<string> = new Set(["datum_id", "resource", "datum_kwargs"]);

function checkDatum(doc: Json): Problem | undefined {
  return str(doc.datum_id, "datum_id") ?? str(doc.resource, "resource") ??
    obj(doc.datum_kwargs, "datum_kwargs") ?? allowedKeys(doc, DATUM_KEYS);
}

function checkDatumPage(doc: Json): Problem | undefined {
  const found = ids(doc.datum_id, "datum_id") ?? str(doc.resource, "resource");
  if (found !== undefined) return found;
  const rows = (doc.datum_id as unknown[]).length;
  return columns(doc.datum_kwargs, rows, "datum_id", "datum_kwargs") ??
    allowedKeys(doc, DATUM_KEYS);
}

function checkStreamResource(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.data_key, "data_key") ?? str(doc.mimetype, "mimetype") ??
    str(doc.uri, "uri") ?? obj(doc.parameters, "parameters") ??
    optional(str, doc.run_start, "run_start");
}

function streamRange(value: unknown, field: string): Problem | undefined {
  if (!isObject(value)) return wrong(field, "an object with start and stop", value);
  return within(field, int(value.start, "start") ?? int(value.stop, "stop"));
}

function checkStreamDatum(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.stream_resource, "stream_resource") ??
    str(doc.descriptor, "descriptor") ?? streamRange(doc.indices, "indices") ??
    streamRange(doc.seq_nums, "seq_nums");
}

// ---- entry points ----

const CHECKS: Readonly<Record<DocumentName, Check>> = {
  start: checkStart,
  descriptor: checkDescriptor,
  event: checkEvent,
  event_page: checkEventPage,
  stop: checkStop,
  resource: checkResource,
  datum: checkDatum,
  datum_page: checkDatumPage,
  stream_resource: checkStreamResource,
  stream_datum: checkStreamDatum,
};

/** The uid (or datum id) that names a document, or a page's row, in errors. */
function idOf(doc: Json, row: number): string | undefined {
  const id = doc.uid !== undefined ? doc.uid : doc.datum_id;
  if (typeof id === "string") return id;
  if (Array.isArray(id)) {
    const first = id[row];
    return typeof first === "string" ? first : undefined;
  }
  return undefined;
}

/**
 * Tells whether a string names a kind of document of the event model.
 *
 * @param name The name to test, for example the first item of a `[name, doc]` pair.
 * @returns `true` for `"start"`, `"descriptor"`, `"event"`, `"event_page"`, `"stop"`,
 * `"resource"`, `"datum"`, `"datum_page"`, `"stream_resource"` and `"stream_datum"`.
 *
 * @example Sorting out lines of a document file
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDocumentName } from "./validate.ts";
 *
 * assert.equal(isDocumentName("event_page"), true);
 * assert.equal(isDocumentName("bulk_events"), false);
 * assert.equal(isDocumentName("toString"), false);
 * ```
 */
export function isDocumentName(name: unknown): name is DocumentName {
  return typeof name === "string" && Object.hasOwn(CHECKS, name);
}

/**
 * Checks a document that comes from outside (a file, a catalog, another program) against the
 * event model, v1.24, and returns it typed. The document is neither copied nor changed.
 *
 * @param name The document's kind, for example `"event"`.
 * @param doc The document, as parsed.
 * @returns The same document, typed after its name.
 * @throws {DocumentError} When the name is unknown, the document is not a plain object, or a
 * field breaks the event model; the error names the kind, the uid (or `datum_id`, or for a page
 * the uid of the offending row) and the dotted path of the field.
 *
 * @example Checking a parsed stop document
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateDocument } from "./validate.ts";
 *
 * const stop = validateDocument(
 *   "stop",
 *   JSON.parse('{"uid": "s1", "run_start": "r1", "time": 1.5, "exit_status": "success"}'),
 * );
 * assert.equal(stop.exit_status, "success");
 * ```
 *
 * @example The error names the document, its uid and the field
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateDocument } from "./validate.ts";
 *
 * assert.throws(
 *   () =>
 *     validateDocument("event", {
 *       uid: "e1",
 *       descriptor: "d1",
 *       seq_num: 0,
 *       time: 1.5,
 *       data: {},
 *       timestamps: {},
 *     }),
 *   {
 *     name: "DocumentError",
 *     message: 'event document, uid "e1", field "seq_num": ' +
 *       "must be an integer >= 1 (bluesky numbers events from 1): got 0",
 *   },
 * );
 * ```
 */
export function validateDocument<K extends DocumentName>(name: K, doc: unknown): DocumentMap[K];
/**
 * Checks a document whose name is known only at run time (for example a `[name, doc]` pair read
 * from a file) and returns it as a document of any kind.
 *
 * @param name The document's kind; an unknown name is an error.
 * @param doc The document, as parsed.
 * @returns The same document.
 * @throws {DocumentError} As the typed overload does.
 *
 * @example Checking a pair read from a file
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateDocument } from "./validate.ts";
 *
 * const [name, doc] = JSON.parse('["datum", {"datum_id": "r/0", "resource": "r", "datum_kwargs": {}}]');
 * assert.equal(validateDocument(name as string, doc), doc);
 * assert.throws(() => validateDocument("bulk_events", {}), /unknown document name/);
 * ```
 */
export function validateDocument(name: string, doc: unknown): Document;
export function validateDocument(name: string, doc: unknown): Document {
  if (!isDocumentName(name)) {
    throw new DocumentError(
      `unknown document name ${show(name)}: expected one of ${quoteAll(DOCUMENT_NAMES)}`,
      { document: String(name), uid: isObject(doc) ? idOf(doc, 0) : undefined },
    );
  }
  if (!isObject(doc)) {
    throw new DocumentError(`must be a plain object: got ${show(doc)}`, { document: name });
  }
  const found = CHECKS[name](doc);
  if (found !== undefined) {
    throw new DocumentError(found.message, {
      document: name,
      uid: idOf(doc, found.row ?? 0),
      field: found.field === "" ? undefined : found.field,
    });
  }
  return doc as unknown as Document;
}
