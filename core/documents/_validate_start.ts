/**
 * The checks of a run start document: its required fields, hints, sample and projections.
 *
 * @module
 */

import {
  arr,
  int,
  isObject,
  keyNames,
  obj,
  optional,
  problem,
  str,
  strings,
  time,
  valuesOf,
  within,
  wrong,
} from "./_validate_checks.ts";
import type { Json, Problem } from "./_validate_checks.ts";

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

/** The problem with a run start document, if any. */
export function checkStart(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? time(doc.time, "time") ?? optional(int, doc.scan_id, "scan_id") ??
    optional(str, doc.data_session, "data_session") ?? optional(str, doc.group, "group") ??
    optional(str, doc.owner, "owner") ?? optional(str, doc.project, "project") ??
    optional(strings, doc.data_groups, "data_groups") ?? sample(doc.sample) ??
    startHints(doc.hints) ?? projections(doc.projections) ?? keyNames(doc, true);
}
