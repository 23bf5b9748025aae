/**
 * The checks of an event descriptor: its data keys (dtype, shape, limits...), configuration and
 * hints.
 *
 * @module
 */

import {
  allowedKeys,
  intOrNull,
  isInteger,
  isObject,
  keyNames,
  num,
  numOrNull,
  obj,
  oneOf,
  optional,
  str,
  strings,
  strOrNull,
  time,
  valuesOf,
  within,
  wrong,
} from "./_validate_checks.ts";
import type { Json, Problem } from "./_validate_checks.ts";

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

/** The problem with an event descriptor, if any. */
export function checkDescriptor(doc: Json): Problem | undefined {
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
