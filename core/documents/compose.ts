/**
 * Composition of a run's documents, in the spirit of event-model's `compose_run`: uids and
 * times filled in, 1-based `seq_num` per stream, event keys checked against the descriptor,
 * `num_events` counted for the stop document, and a second stop refused.
 *
 * @module
 */

import type {
  Configuration,
  DataKeys,
  Datum,
  Event,
  EventDescriptor,
  EventPage,
  ExitStatus,
  PerObjectHint,
  Resource,
  RunStart,
  RunStop,
  StreamDatum,
  StreamResource,
} from "./types.ts";
import { DocumentError } from "../errors.ts";

/**
 * A new random uid (RFC 4122 version 4), as bluesky makes them.
 *
 * @example Two uids differ
 * ```ts
 * import assert from "node:assert/strict";
 * import { newUid } from "./compose.ts";
 * const uid = newUid();
 * assert.match(uid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
 * assert.notEqual(newUid(), uid);
 * ```
 *
 * @returns A uid in the canonical 36-character form.
 */
export function newUid(): string {
  return crypto.randomUUID();
}

/**
 * The current time as Unix epoch seconds with sub-millisecond resolution.
 *
 * @example Seconds, not milliseconds
 * ```ts
 * import assert from "node:assert/strict";
 * import { now } from "./compose.ts";
 * assert.ok(Math.abs(now() - Date.now() / 1000) < 1);
 * ```
 *
 * @returns Seconds since 1970-01-01T00:00:00Z.
 */
export function now(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/**
 * Options shared by the composers.
 *
 * @example A fixed clock for tests
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun, type ComposeOptions } from "./compose.ts";
 * const options: ComposeOptions = { clock: () => 100 };
 * assert.equal(composeRun({}, options).start.time, 100);
 * ```
 */
export interface ComposeOptions {
  /** Clock returning Unix epoch seconds; defaults to {@linkcode now}. */
  clock?: () => number;
  /** Uid factory; defaults to {@linkcode newUid}. */
  uid?: () => string;
}

/**
 * What a caller gives to describe a stream.
 *
 * @example A stream of one key
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun, type DescriptorInit } from "./compose.ts";
 * const init: DescriptorInit = { name: "primary", data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } } };
 * assert.equal(composeRun().descriptor(init).doc.name, "primary");
 * ```
 */
export interface DescriptorInit {
  /** Name of the stream, for example `"primary"`; events are numbered per name. */
  name: string;
  /** Description of every key the stream's events carry. */
  data_keys: DataKeys;
  /** Configuration of each device, by device name; defaults to `{}`. */
  configuration?: Record<string, Configuration>;
  /** Hints of each device, by device name; defaults to `{}`. */
  hints?: Record<string, PerObjectHint>;
  /** The data keys each device contributes, by device name; defaults to `{}`. */
  object_keys?: Record<string, string[]>;
  /** Creation time in Unix epoch seconds; defaults to the composer's clock. */
  time?: number;
  /** Uid of the descriptor; defaults to a new one. */
  uid?: string;
  /** Further descriptor fields, copied as given. */
  [key: string]: unknown;
}

/**
 * What a caller gives for one event.
 *
 * @example One reading
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun, type EventInit } from "./compose.ts";
 * const stream = composeRun().descriptor({ name: "primary", data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } } });
 * const init: EventInit = { data: { x: 1 }, timestamps: { x: 0 } };
 * assert.equal(stream.event(init).data.x, 1);
 * ```
 */
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
 * import { composeRun, type EventPageInit } from "./compose.ts";
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

/**
 * Composes the documents of one run.
 *
 * @example A run with one stream of one event
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "./compose.ts";
 * const run = composeRun({ plan_name: "count" });
 * const stream = run.descriptor({
 *   name: "primary",
 *   data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
 * });
 * const event = stream.event({ data: { x: 1 }, timestamps: { x: 0 } });
 * const stop = run.stop({ exit_status: "success" });
 * assert.equal(event.seq_num, 1);
 * assert.equal(event.descriptor, stream.doc.uid);
 * assert.deepEqual(stop.num_events, { primary: 1 });
 * ```
 */
export class RunComposer {
  /** The start document. */
  readonly start: RunStart;
  /** Clock in Unix epoch seconds. */
  readonly clock: () => number;
  /** Uid factory. */
  readonly newUid: () => string;
  #counters = new Map<string, number>();
  #assetCounters = new Map<string, number>();
  #stop: RunStop | undefined;
  #streams = new Map<string, DescriptorComposer>();

  /**
   * Compose the start document; {@linkcode composeRun} does the same.
   *
   * @param metadata Start metadata (uid and time are filled in unless given).
   * @param options Clock and uid factory.
   */
  constructor(metadata: Partial<RunStart> = {}, options: ComposeOptions = {}) {
    this.clock = options.clock ?? now;
    this.newUid = options.uid ?? newUid;
    this.start = {
      ...metadata,
      uid: metadata.uid ?? this.newUid(),
      time: metadata.time ?? this.clock(),
    };
  }

  /** The stop document, once composed. */
  get stopDoc(): RunStop | undefined {
    return this.#stop;
  }

  /** The descriptors composed so far, by stream name (the latest one of each name). */
  get streams(): ReadonlyMap<string, DescriptorComposer> {
    return this.#streams;
  }

  /**
   * The next `seq_num` of each stream, to restore after a rewind.
   * @returns A copy of the counters.
   */
  snapshotCounters(): Map<string, number> {
    return new Map(this.#counters);
  }

  /**
   * Reset the counters to a snapshot, as bluesky does when it rewinds to a checkpoint.
   * @param snapshot What {@linkcode RunComposer.snapshotCounters} returned.
   */
  restoreCounters(snapshot: ReadonlyMap<string, number>): void {
    this.#counters = new Map(snapshot);
  }

  /** @internal Refuse documents after the stop. */
  assertOpen(document: string, uid: string | undefined): void {
    if (this.#stop) {
      throw new DocumentError(`run "${this.start.uid}" has already stopped`, { document, uid });
    }
  }

  /** @internal Allocate `count` sequence numbers of a stream. */
  nextSeqNum(stream: string, count: number, given?: number): number {
    const next = given ?? this.#counters.get(stream) ?? 1;
    this.#counters.set(stream, Math.max(next + count, this.#counters.get(stream) ?? 1));
    return next;
  }

  /**
   * Describe a stream.
   *
   * @param init Stream name, data keys, configuration, hints and object keys.
   * @returns A composer for the stream's events.
   */
  descriptor(init: DescriptorInit): DescriptorComposer {
    const { uid, time, ...rest } = init;
    const doc: EventDescriptor = {
      configuration: {},
      hints: {},
      object_keys: {},
      ...rest,
      uid: uid ?? this.newUid(),
      time: time ?? this.clock(),
      run_start: this.start.uid,
    };
    this.assertOpen("descriptor", doc.uid);
    if (!this.#counters.has(init.name)) this.#counters.set(init.name, 1);
    const composer = new DescriptorComposer(this, doc);
    this.#streams.set(init.name, composer);
    return composer;
  }

  /**
   * Compose a resource document that belongs to this run.
   * @param init Spec, root, path and kwargs.
   * @returns The resource.
   */
  resource(init: Omit<Resource, "uid" | "run_start"> & { uid?: string }): Resource {
    const doc: Resource = {
      path_semantics: "posix",
      ...init,
      uid: init.uid ?? this.newUid(),
      run_start: this.start.uid,
    };
    this.assertOpen("resource", doc.uid);
    return doc;
  }

  /**
   * Compose a datum of a resource; its id is `<resource uid>/<counter>` as in event-model.
   * @param resource The resource.
   * @param datumKwargs What the handler needs to read this datum.
   * @returns The datum.
   */
  datum(resource: Resource, datumKwargs: Record<string, unknown>): Datum {
    const n = this.#assetCounters.get(resource.uid) ?? 0;
    this.#assetCounters.set(resource.uid, n + 1);
    return { resource: resource.uid, datum_id: `${resource.uid}/${n}`, datum_kwargs: datumKwargs };
  }

  /**
   * Compose a stream resource.
   * @param init Data key, mimetype, uri and parameters.
   * @returns The stream resource.
   */
  streamResource(
    init: {
      data_key: string;
      mimetype: string;
      uri: string;
      parameters: Record<string, unknown>;
      uid?: string;
    },
  ): StreamResource {
    const doc: StreamResource = {
      ...init,
      uid: init.uid ?? this.newUid(),
      run_start: this.start.uid,
    };
    this.assertOpen("stream_resource", doc.uid);
    return doc;
  }

  /**
   * Compose a stream datum; its uid is `<stream resource uid>/<counter>`.
   * @param streamResource The stream resource.
   * @param init Descriptor uid, indices and seq_nums.
   * @returns The stream datum.
   */
  streamDatum(
    streamResource: StreamResource,
    init: Pick<StreamDatum, "descriptor" | "indices" | "seq_nums">,
  ): StreamDatum {
    const n = this.#assetCounters.get(streamResource.uid) ?? 0;
    this.#assetCounters.set(streamResource.uid, n + 1);
    return { ...init, stream_resource: streamResource.uid, uid: `${streamResource.uid}/${n}` };
  }

  /**
   * Compose the stop document with `num_events` per stream (the highest `seq_num`).
   *
   * @param init Exit status and reason.
   * @returns The stop document.
   * @throws {DocumentError} When the run already has a stop document.
   */
  stop(
    init: { exit_status: ExitStatus; reason?: string; time?: number; uid?: string } = {
      exit_status: "success",
    },
  ): RunStop {
    const uid = init.uid ?? this.newUid();
    if (this.#stop) {
      throw new DocumentError(
        `run "${this.start.uid}" already has a stop document ("${this.#stop.uid}")`,
        { document: "stop", uid },
      );
    }
    this.#stop = {
      uid,
      time: init.time ?? this.clock(),
      run_start: this.start.uid,
      exit_status: init.exit_status,
      reason: init.reason ?? "",
      // As bluesky: the count is the highest seq_num, so events repeated by a rewind count once.
      num_events: Object.fromEntries([...this.#counters].map(([name, next]) => [name, next - 1])),
    };
    return this.#stop;
  }
}

/**
 * Start composing a run.
 *
 * @example A reproducible run, with a fixed clock and uids
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "./compose.ts";
 * let n = 0;
 * const run = composeRun({ scan_id: 1 }, { clock: () => 1700000000, uid: () => `uid${n++}` });
 * assert.deepEqual(run.start, { scan_id: 1, uid: "uid0", time: 1700000000 });
 * assert.equal(run.stop().run_start, "uid0");
 * ```
 *
 * @param metadata Start metadata; `uid` and `time` are filled in unless given.
 * @param options Clock and uid factory.
 * @returns The run composer, whose `start` is the start document.
 */
export function composeRun(
  metadata: Partial<RunStart> = {},
  options: ComposeOptions = {},
): RunComposer {
  return new RunComposer(metadata, options);
}
