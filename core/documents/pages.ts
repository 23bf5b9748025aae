/**
 * Event pages and datum pages: the column-wise form of many events (or datums), packed and
 * unpacked as event-model's `pack_event_page`, `unpack_event_page`, `pack_datum_page` and
 * `unpack_datum_page` do.
 *
 * Packing checks that the documents can share a page: one descriptor (or resource) and the
 * same keys in every event (or datum). Unlike event-model, `filled` is written only when the
 * inputs have it, so a round trip gives back exactly what went in. Values are not copied: a
 * page's columns hold the events' values, and unpacked events hold the page's values.
 *
 * @module
 */

import type { Datum, DatumPage, Event, EventPage } from "./types.ts";
import { DocumentError } from "../errors.ts";

/** Refuses a record whose keys differ from the first document's. */
function sameKeys(
  keys: readonly string[],
  record: Readonly<Record<string, unknown>>,
  document: string,
  uid: string,
  field: string,
): void {
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string;
    if (!Object.hasOwn(record, key)) {
      const where = { document, uid, field: `${field}.${key}` };
      throw new DocumentError(
        `missing key "${key}" that the first ${document} of the page has`,
        where,
      );
    }
  }
  let count = 0;
  for (const _ in record) count++;
  if (count === keys.length) return;
  for (const key in record) {
    if (!keys.includes(key)) {
      const where = { document, uid, field: `${field}.${key}` };
      throw new DocumentError(
        `unexpected key "${key}" that the first ${document} of the page lacks`,
        where,
      );
    }
  }
}

function emptyColumns<T>(keys: readonly string[]): T[][] {
  return keys.map(() => []);
}

function appendRow<T>(keys: readonly string[], columns: T[][], row: Readonly<Record<string, T>>) {
  for (let k = 0; k < keys.length; k++) {
    (columns[k] as T[]).push(row[keys[k] as string] as T);
  }
}

function toRecord<T>(keys: readonly string[], columns: T[][]): Record<string, T[]> {
  const record: Record<string, T[]> = {};
  for (let k = 0; k < keys.length; k++) record[keys[k] as string] = columns[k] as T[];
  return record;
}

/** Where a page's columns are, for errors. */
interface PageWhere {
  document: string;
  uid: string | undefined;
  /** The page's id column: `"uid"` or `"datum_id"`. */
  ids: string;
}

function checkColumn<T>(column: T[], rows: number, where: PageWhere, field: string): T[] {
  if (!Array.isArray(column) || column.length !== rows) {
    throw new DocumentError(
      Array.isArray(column)
        ? `column has ${column.length} rows but ${where.ids} has ${rows}`
        : "column is not an array",
      { document: where.document, uid: where.uid, field },
    );
  }
  return column;
}

/** The columns of a page, in the order of `keys`, each checked to have `rows` rows. */
function columnsOf<T>(
  record: Readonly<Record<string, T[]>>,
  keys: readonly string[],
  rows: number,
  where: PageWhere,
  field: string,
): T[][] {
  return keys.map((key) => checkColumn(record[key] as T[], rows, where, `${field}.${key}`));
}

function rowOf<T>(keys: readonly string[], columns: T[][], row: number): Record<string, T> {
  const record: Record<string, T> = {};
  for (let k = 0; k < keys.length; k++) {
    record[keys[k] as string] = (columns[k] as T[])[row] as T;
  }
  return record;
}

/**
 * Packs events of one descriptor into an event page, in the order given.
 *
 * @param events The events; at least one, all of one descriptor, all with the keys of the
 * first in `data`, `timestamps` and (if the first has it) `filled`.
 * @returns The event page; it has `filled` only if the events have it.
 * @throws {RangeError} When `events` is empty: a page needs a descriptor.
 * @throws {DocumentError} When an event belongs to another descriptor, or its keys differ from
 * the first event's; the error names the event's uid and the field.
 *
 * @example Two events become one page
 * ```ts
 * import assert from "node:assert/strict";
 * import { packEventPage } from "./pages.ts";
 *
 * const page = packEventPage([
 *   { uid: "e1", descriptor: "d", seq_num: 1, time: 10, data: { x: 1 }, timestamps: { x: 9 } },
 *   { uid: "e2", descriptor: "d", seq_num: 2, time: 11, data: { x: 2 }, timestamps: { x: 10 } },
 * ]);
 * assert.deepEqual(page, {
 *   uid: ["e1", "e2"],
 *   descriptor: "d",
 *   seq_num: [1, 2],
 *   time: [10, 11],
 *   data: { x: [1, 2] },
 *   timestamps: { x: [9, 10] },
 * });
 * ```
 */
export function packEventPage(events: readonly Event[]): EventPage {
  const first = events[0];
  if (first === undefined) throw new RangeError("Cannot pack an event page: no events given");
  const descriptor = first.descriptor;
  const dataKeys = Object.keys(first.data);
  const timestampKeys = Object.keys(first.timestamps);
  const filledKeys = first.filled === undefined ? undefined : Object.keys(first.filled);
  const data = emptyColumns<unknown>(dataKeys);
  const timestamps = emptyColumns<number>(timestampKeys);
  const filled = emptyColumns<boolean | string>(filledKeys ?? []);
  const uid: string[] = [];
  const seq_num: number[] = [];
  const time: number[] = [];
  for (const event of events) {
    if (event.descriptor !== descriptor) {
      throw new DocumentError(
        `belongs to descriptor "${event.descriptor}", not "${descriptor}" as the first event of the page`,
        { document: "event", uid: event.uid, field: "descriptor" },
      );
    }
    sameKeys(dataKeys, event.data, "event", event.uid, "data");
    sameKeys(timestampKeys, event.timestamps, "event", event.uid, "timestamps");
    if (filledKeys !== undefined || event.filled !== undefined) {
      if (filledKeys === undefined || event.filled === undefined) {
        throw new DocumentError(
          filledKeys === undefined
            ? "has filled but the first event of the page has not"
            : "has no filled but the first event of the page has",
          { document: "event", uid: event.uid, field: "filled" },
        );
      }
      sameKeys(filledKeys, event.filled, "event", event.uid, "filled");
      appendRow(filledKeys, filled, event.filled);
    }
    uid.push(event.uid);
    seq_num.push(event.seq_num);
    time.push(event.time);
    appendRow(dataKeys, data, event.data);
    appendRow(timestampKeys, timestamps, event.timestamps);
  }
  const page: EventPage = {
    uid,
    descriptor,
    seq_num,
    time,
    data: toRecord(dataKeys, data),
    timestamps: toRecord(timestampKeys, timestamps),
  };
  if (filledKeys !== undefined) page.filled = toRecord(filledKeys, filled);
  return page;
}

/**
 * Unpacks an event page into its events, in order.
 *
 * @param page The event page.
 * @returns One event per uid of the page; each has `filled` only if the page has it.
 * @throws {DocumentError} When a column's length differs from the number of uids; the error
 * names the page's first uid and the column.
 *
 * @example A page of two events
 * ```ts
 * import assert from "node:assert/strict";
 * import { unpackEventPage } from "./pages.ts";
 *
 * const [first, second] = unpackEventPage({
 *   uid: ["e1", "e2"],
 *   descriptor: "d",
 *   seq_num: [1, 2],
 *   time: [10, 11],
 *   data: { x: [1, 2] },
 *   timestamps: { x: [9, 10] },
 * });
 * assert.deepEqual(first, {
 *   uid: "e1",
 *   descriptor: "d",
 *   seq_num: 1,
 *   time: 10,
 *   data: { x: 1 },
 *   timestamps: { x: 9 },
 * });
 * assert.equal(second?.data.x, 2);
 * ```
 */
export function unpackEventPage(page: EventPage): Event[] {
  const rows = page.uid.length;
  const where: PageWhere = { document: "event_page", uid: page.uid[0], ids: "uid" };
  const seqNums = checkColumn(page.seq_num, rows, where, "seq_num");
  const times = checkColumn(page.time, rows, where, "time");
  const dataKeys = Object.keys(page.data);
  const data = columnsOf(page.data, dataKeys, rows, where, "data");
  const timestampKeys = Object.keys(page.timestamps);
  const timestamps = columnsOf(page.timestamps, timestampKeys, rows, where, "timestamps");
  const filledKeys = page.filled === undefined ? undefined : Object.keys(page.filled);
  const filled = filledKeys === undefined
    ? []
    : columnsOf(page.filled ?? {}, filledKeys, rows, where, "filled");
  const events: Event[] = [];
  for (let i = 0; i < rows; i++) {
    const event: Event = {
      uid: page.uid[i] as string,
      descriptor: page.descriptor,
      seq_num: seqNums[i] as number,
      time: times[i] as number,
      data: rowOf(dataKeys, data, i),
      timestamps: rowOf(timestampKeys, timestamps, i),
    };
    if (filledKeys !== undefined) event.filled = rowOf(filledKeys, filled, i);
    events.push(event);
  }
  return events;
}

/**
 * Packs datums of one resource into a datum page, in the order given.
 *
 * @param datums The datums; at least one, all of one resource, all with the `datum_kwargs`
 * keys of the first.
 * @returns The datum page.
 * @throws {RangeError} When `datums` is empty: a page needs a resource.
 * @throws {DocumentError} When a datum belongs to another resource, or its keys differ from the
 * first datum's; the error names the datum's id and the field.
 *
 * @example Two frames of one file
 * ```ts
 * import assert from "node:assert/strict";
 * import { packDatumPage } from "./pages.ts";
 *
 * const page = packDatumPage([
 *   { datum_id: "r/0", resource: "r", datum_kwargs: { point_number: 0 } },
 *   { datum_id: "r/1", resource: "r", datum_kwargs: { point_number: 1 } },
 * ]);
 * assert.deepEqual(page, {
 *   datum_id: ["r/0", "r/1"],
 *   resource: "r",
 *   datum_kwargs: { point_number: [0, 1] },
 * });
 * ```
 */
export function packDatumPage(datums: readonly Datum[]): DatumPage {
  const first = datums[0];
  if (first === undefined) throw new RangeError("Cannot pack a datum page: no datums given");
  const resource = first.resource;
  const keys = Object.keys(first.datum_kwargs);
  const kwargs = emptyColumns<unknown>(keys);
  const datumIds: string[] = [];
  for (const datum of datums) {
    if (datum.resource !== resource) {
      throw new DocumentError(
        `belongs to resource "${datum.resource}", not "${resource}" as the first datum of the page`,
        { document: "datum", uid: datum.datum_id, field: "resource" },
      );
    }
    sameKeys(keys, datum.datum_kwargs, "datum", datum.datum_id, "datum_kwargs");
    datumIds.push(datum.datum_id);
    appendRow(keys, kwargs, datum.datum_kwargs);
  }
  return { datum_id: datumIds, resource, datum_kwargs: toRecord(keys, kwargs) };
}

/**
 * Unpacks a datum page into its datums, in order.
 *
 * @param page The datum page.
 * @returns One datum per `datum_id` of the page.
 * @throws {DocumentError} When a column of `datum_kwargs` has a length other than the number
 * of datum ids; the error names the page's first datum id and the column.
 *
 * @example A page of two datums
 * ```ts
 * import assert from "node:assert/strict";
 * import { unpackDatumPage } from "./pages.ts";
 *
 * const datums = unpackDatumPage({
 *   datum_id: ["r/0", "r/1"],
 *   resource: "r",
 *   datum_kwargs: { point_number: [0, 1] },
 * });
 * assert.deepEqual(datums[1], {
 *   datum_id: "r/1",
 *   resource: "r",
 *   datum_kwargs: { point_number: 1 },
 * });
 * ```
 */
export function unpackDatumPage(page: DatumPage): Datum[] {
  const rows = page.datum_id.length;
  const keys = Object.keys(page.datum_kwargs);
  const where: PageWhere = { document: "datum_page", uid: page.datum_id[0], ids: "datum_id" };
  const kwargs = columnsOf(page.datum_kwargs, keys, rows, where, "datum_kwargs");
  const datums: Datum[] = [];
  for (let i = 0; i < rows; i++) {
    datums.push({
      datum_id: page.datum_id[i] as string,
      resource: page.resource,
      datum_kwargs: rowOf(keys, kwargs, i),
    });
  }
  return datums;
}
