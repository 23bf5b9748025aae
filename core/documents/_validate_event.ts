/**
 * The checks of events and event pages: `seq_num` from 1, finite times, and for a page, columns
 * of as many rows as it has uids.
 *
 * @module
 */

import {
  allowedKeys,
  columns,
  ids,
  isInteger,
  obj,
  rowCount,
  str,
  time,
  valuesOf,
  wrong,
} from "./_validate_checks.ts";
import type { Json, Problem } from "./_validate_checks.ts";

const EVENT_KEYS: ReadonlySet<string> = new Set([
  "uid",
  "descriptor",
  "seq_num",
  "time",
  "data",
  "timestamps",
  "filled",
]);

/** The check of `allowedKeys(doc, EVENT_KEYS)`, in one pass that compares names only. */
function eventKeys(doc: Json): Problem | undefined {
  for (const key in doc) {
    switch (key) {
      case "uid":
      case "descriptor":
      case "seq_num":
      case "time":
      case "data":
      case "timestamps":
      case "filled":
        continue;
      default:
        return allowedKeys(doc, EVENT_KEYS);
    }
  }
  return undefined;
}

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

/** The problem with an event, if any. */
export function checkEvent(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.descriptor, "descriptor") ??
    seqNum(doc.seq_num, "seq_num") ?? time(doc.time, "time") ?? obj(doc.data, "data") ??
    obj(doc.timestamps, "timestamps") ??
    (doc.filled === undefined ? undefined : valuesOf(filledValue, doc.filled, "filled")) ??
    eventKeys(doc);
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

/** The problem with an event page, if any. */
export function checkEventPage(doc: Json): Problem | undefined {
  const found = ids(doc.uid, "uid") ?? str(doc.descriptor, "descriptor");
  if (found !== undefined) return found;
  const rows = (doc.uid as unknown[]).length;
  return seqNums(doc.seq_num, rows) ?? times(doc.time, rows) ??
    columns(doc.data, rows, "uid", "data") ?? columns(doc.timestamps, rows, "uid", "timestamps") ??
    (doc.filled === undefined
      ? undefined
      : columns(doc.filled, rows, "uid", "filled", filledValue)) ??
    eventKeys(doc);
}
