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
} from "./documents.ts";
import { DocumentError } from "./errors.ts";

/** A new random uid (RFC 4122 version 4), as bluesky makes them. */
export function newUid(): string {
  return crypto.randomUUID();
}

/** The current time as Unix epoch seconds with sub-millisecond resolution. */
export function now(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/** Options shared by the composers. */
export interface ComposeOptions {
  /** Clock returning Unix epoch seconds; defaults to {@linkcode now}. */
  clock?: () => number;
  /** Uid factory; defaults to {@linkcode newUid}. */
  uid?: () => string;
}

/** What a caller gives to describe a stream. */
export interface DescriptorInit {
  name: string;
  data_keys: DataKeys;
  configuration?: Record<string, Configuration>;
  hints?: Record<string, PerObjectHint>;
  object_keys?: Record<string, string[]>;
  time?: number;
  uid?: string;
  [key: string]: unknown;
}

/** What a caller gives for one event. */
export interface EventInit {
  data: Record<string, unknown>;
  timestamps: Record<string, number>;
  time?: number;
  uid?: string;
  seq_num?: number;
  filled?: Record<string, boolean | string>;
}

/** What a caller gives for a page of events. */
export interface EventPageInit {
  data: Record<string, unknown[]>;
  timestamps: Record<string, number[]>;
  time?: number[];
  uid?: string[];
  seq_num?: number[];
  filled?: Record<string, (boolean | string)[]>;
}

function sameKeys(
  expected: DataKeys,
  count: number,
  actual: Record<string, unknown>,
  where: { document: string; uid: string; field: string },
): void {
  let n = 0;
  for (const key in actual) {
    if (!(key in expected)) {
      throw new DocumentError(`key "${key}" is not in the descriptor's data_keys`, {
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
 */
export class DescriptorComposer {
  /** The descriptor document. */
  readonly doc: EventDescriptor;
  readonly #run: RunComposer;
  readonly #keyCount: number;

  /**
   * @param run The run this stream belongs to.
   * @param doc Its descriptor.
   */
  constructor(run: RunComposer, doc: EventDescriptor) {
    this.#run = run;
    this.doc = doc;
    this.#keyCount = Object.keys(doc.data_keys).length;
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
    sameKeys(this.doc.data_keys, this.#keyCount, init.data, where);
    sameKeys(this.doc.data_keys, this.#keyCount, init.timestamps, {
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
    sameKeys(this.doc.data_keys, this.#keyCount, init.data, where);
    sameKeys(this.doc.data_keys, this.#keyCount, init.timestamps, {
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
    return page;
  }
}

/**
 * Composes the documents of one run.
 *
 * @example A run with one stream of one event
 * ```ts
 * import { composeRun } from "./compose.ts";
 * const run = composeRun({ plan_name: "count" });
 * const stream = run.descriptor({
 *   name: "primary",
 *   data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
 * });
 * const event = stream.event({ data: { x: 1 }, timestamps: { x: 0 } });
 * const stop = run.stop({ exit_status: "success" });
 * console.assert(event.seq_num === 1 && stop.num_events?.primary === 1);
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
