/**
 * Composition of one stream's events: keys checked against the descriptor, 1-based
 * `seq_num`s counted by the run, and datum keys marked as not filled yet.
 *
 * @module
 */

import type { DataKeys, Event, EventDescriptor, EventPage } from "./types.ts";
import { DocumentError } from "../errors.ts";
import type { RunComposer } from "./compose.ts";

/** What a caller gives for one event. */
export interface EventInit {
  /** The values, with exactly the descriptor's data keys. */
  data: Record<string, unknown>;
  /** When each value was read, in Unix epoch seconds, with exactly the descriptor's data keys. */
  timestamps: Record<string, number>;
  /** Event time in Unix epoch seconds; defaults to the composer's clock. */
  time?: number;
  /** Uid of the event; defaults to a new one. */
  uid?: string;
  /** Position in the stream, counted from 1; defaults to the stream's next number. */
  seq_num?: number;
  /** Fill state of each external key, as in the event document. */
  filled?: Record<string, boolean | string>;
}

/**
 * What a caller gives for a page of events.
 *
 * @example Two readings
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "./compose.ts";
 * import type { EventPageInit } from "./descriptor_composer.ts";
 * const stream = composeRun().descriptor({ name: "primary", data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } } });
 * const init: EventPageInit = { data: { x: [1, 2] }, timestamps: { x: [0, 0] } };
 * assert.deepEqual(stream.eventPage(init).seq_num, [1, 2]);
 * ```
 */
export interface EventPageInit {
  /** One column per data key of the descriptor, all of the same length. */
  data: Record<string, unknown[]>;
  /** Read times in Unix epoch seconds, one column per data key, as long as `data`'s. */
  timestamps: Record<string, number[]>;
  /** Event times in Unix epoch seconds; defaults to the composer's clock for each row. */
  time?: number[];
  /** Uids of the events; default to new ones. */
  uid?: string[];
  /** Positions in the stream; default to the stream's next numbers. */
  seq_num?: number[];
  /** Fill state of each external key, one entry per row. */
  filled?: Record<string, (boolean | string)[]>;
}

function sameKeys(
  all: DataKeys,
  expected: DataKeys,
  count: number,
  actual: Record<string, unknown>,
  where: { document: string; uid: string; field: string },
): void {
  let n = 0;
  for (const key in actual) {
    if (!(key in expected)) {
      const external = all[key]?.external;
      const why = external === undefined
        ? "is not in the descriptor's data_keys"
        : `is a ${external} key: its data come by stream_datum, not in events`;
      throw new DocumentError(`key "${key}" ${why}`, {
        ...where,
        field: `${where.field}.${key}`,
      });
    }
    n++;
  }
  if (n !== count) {
    const missing = Object.keys(expected).filter((key) => !(key in actual));
    throw new DocumentError(`missing key(s) ${missing.map((k) => `"${k}"`).join(", ")}`, where);
  }
}

/**
 * Composes the events of one stream. Made by {@linkcode RunComposer.descriptor}.
 *
 * @example Events are numbered and checked against the descriptor
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "./compose.ts";
 * import { DocumentError } from "../errors.ts";
 * const stream = composeRun().descriptor({
 *   name: "primary",
 *   data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
 * });
 * const page = stream.eventPage({ data: { x: [1, 2] }, timestamps: { x: [0, 0] } });
 * assert.deepEqual(page.seq_num, [1, 2]);
 * assert.equal(stream.event({ data: { x: 3 }, timestamps: { x: 0 } }).seq_num, 3);
 * assert.throws(() => stream.event({ data: { y: 1 }, timestamps: { y: 0 } }), DocumentError);
 * ```
 */
export class DescriptorComposer {
  /** The descriptor document. */
  readonly doc: EventDescriptor;
  readonly #run: RunComposer;
  /** The keys an event carries: all but the `STREAM:` ones, whose data come by stream_datum. */
  readonly #eventKeys: DataKeys;
  readonly #keyCount: number;
  /** Keys whose values are datum ids (`external` but not `STREAM:`). */
  readonly #datumKeys: string[];

  /**
   * Wrap a descriptor; prefer {@linkcode RunComposer.descriptor}, which also registers the
   * stream with the run.
   *
   * @param run The run this stream belongs to.
   * @param doc Its descriptor.
   */
  constructor(run: RunComposer, doc: EventDescriptor) {
    this.#run = run;
    this.doc = doc;
    const entries = Object.entries(doc.data_keys);
    this.#eventKeys = Object.fromEntries(
      entries.filter(([, key]) => !key.external?.startsWith("STREAM:")),
    );
    this.#keyCount = Object.keys(this.#eventKeys).length;
    this.#datumKeys = entries
      .filter(([, key]) => key.external !== undefined && !key.external.startsWith("STREAM:"))
      .map(([name]) => name);
  }

  /** Name of the stream. */
  get name(): string {
    return this.doc.name ?? "";
  }

  /**
   * Compose one event, checking its keys and numbering it.
   *
   * @param init Data and timestamps (and optional time, uid, seq_num, filled).
   * @returns The event document.
   * @throws {DocumentError} When the keys of `data` or `timestamps` differ from the
   * descriptor's data keys, or the run has stopped.
   */
  event(init: EventInit): Event {
    const uid = init.uid ?? this.#run.newUid();
    const where = { document: "event", uid, field: "data" };
    this.#run.assertOpen("event", uid);
    sameKeys(this.doc.data_keys, this.#eventKeys, this.#keyCount, init.data, where);
    sameKeys(this.doc.data_keys, this.#eventKeys, this.#keyCount, init.timestamps, {
      ...where,
      field: "timestamps",
    });
    const seq_num = this.#run.nextSeqNum(this.name, 1, init.seq_num);
    const event: Event = {
      uid,
      time: init.time ?? this.#run.clock(),
      data: init.data,
      timestamps: init.timestamps,
      seq_num,
      descriptor: this.doc.uid,
    };
    if (init.filled !== undefined) event.filled = init.filled;
    else if (this.#datumKeys.length > 0) {
      // As bluesky: the values of external keys are datum ids, not filled in yet.
      event.filled = Object.fromEntries(this.#datumKeys.map((key) => [key, false]));
    }
    return event;
  }

  /**
   * Compose a page of events, checking its keys and column lengths.
   *
   * @param init Column-wise data and timestamps.
   * @returns The event page document.
   * @throws {DocumentError} When keys differ from the descriptor's or columns differ in length.
   */
  eventPage(init: EventPageInit): EventPage {
    const length = init.time?.length ?? Object.values(init.data)[0]?.length ?? 0;
    const uids = init.uid ?? Array.from({ length }, () => this.#run.newUid());
    const where = { document: "event_page", uid: uids[0] ?? "", field: "data" };
    this.#run.assertOpen("event_page", where.uid);
    sameKeys(this.doc.data_keys, this.#eventKeys, this.#keyCount, init.data, where);
    sameKeys(this.doc.data_keys, this.#eventKeys, this.#keyCount, init.timestamps, {
      ...where,
      field: "timestamps",
    });
    for (
      const [field, columns] of [["data", init.data], ["timestamps", init.timestamps]] as const
    ) {
      for (const [key, column] of Object.entries(columns)) {
        if (column.length !== length) {
          throw new DocumentError(`column has ${column.length} rows, expected ${length}`, {
            ...where,
            field: `${field}.${key}`,
          });
        }
      }
    }
    const first = this.#run.nextSeqNum(this.name, length, init.seq_num?.[0]);
    const time = init.time ?? Array.from({ length }, () => this.#run.clock());
    const page: EventPage = {
      uid: uids,
      time,
      data: init.data,
      timestamps: init.timestamps,
      seq_num: init.seq_num ?? Array.from({ length }, (_, i) => first + i),
      descriptor: this.doc.uid,
    };
    if (init.filled !== undefined) page.filled = init.filled;
    else if (this.#datumKeys.length > 0) {
      page.filled = Object.fromEntries(
        this.#datumKeys.map((key) => [key, Array.from({ length }, () => false)]),
      );
    }
    return page;
  }
}
