/**
 * The run accumulator: collects one run's documents per stream and per data key in columnar
 * form (typed arrays for numbers, grown in place, never one object per event), and offers
 * them read-only to NeXus plugins.
 *
 * @module
 */

import type {
  Configuration,
  DataKey,
  DataKeys,
  Datum,
  DatumPage,
  Event,
  EventDescriptor,
  EventPage,
  PerObjectHint,
  Resource,
  RunStart,
  RunStop,
  StreamDatum,
  StreamResource,
} from "../documents/types.ts";
import { DocumentError } from "../errors.ts";
import { StreamBuilder } from "./_stream_builder.ts";
import { safeName } from "./layout.ts";

/**
 * How a column stores its values.
 *
 * @example Numbers are stored as floats
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunAccumulator, type ColumnKind } from "./run_data.ts";
 * import { composeRun } from "../documents/compose.ts";
 * const run = composeRun();
 * const primary = run.descriptor({ name: "primary", data_keys: { x: { dtype: "number", shape: [], source: "s" } } });
 * const acc = new RunAccumulator(run.start);
 * acc.receive("descriptor", primary.doc);
 * const kind: ColumnKind | undefined = acc.streams.get("primary")?.column("x")?.kind;
 * assert.equal(kind, "number");
 * ```
 */
export type ColumnKind = "number" | "integer" | "boolean" | "string" | "array" | "other";

/**
 * One data key of a stream, all events.
 *
 * @example A column's values and timestamps
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunAccumulator } from "./run_data.ts";
 * import { composeRun } from "../documents/compose.ts";
 * const run = composeRun();
 * const primary = run.descriptor({ name: "primary", data_keys: { x: { dtype: "number", shape: [], source: "s" } } });
 * const acc = new RunAccumulator(run.start);
 * acc.receive("descriptor", primary.doc);
 * acc.receive("event", primary.event({ data: { x: 2 }, timestamps: { x: 7 } }));
 * const column = acc.streams.get("primary")!.column("x")!;
 * assert.deepEqual([...(column.values() as Float64Array)], [2]);
 * assert.deepEqual([...column.timestamps()], [7]);
 * ```
 */
export interface Column {
  /** The data key's name. */
  readonly key: string;
  /** Its description (from the descriptor that first declared it). */
  readonly dataKey: DataKey;
  /** How the values are stored. */
  readonly kind: ColumnKind;
  /** Shape of one value (`[]` for scalars). */
  readonly shape: number[];
  /** Number of events. */
  readonly length: number;
  /**
   * The values: `Float64Array` for numbers, integers, booleans (0/1) and numeric arrays
   * (row-major, `length * product(shape)` values); `string[]` for strings; `unknown[]` for
   * anything else. Missing readings are `NaN`, `""` or `null`.
   */
  values(): Float64Array | string[] | unknown[];
  /** The reading's timestamps, Unix epoch seconds (`NaN` where missing). */
  timestamps(): Float64Array;
  /**
   * The values as 64-bit integers, when some readings are integers beyond 2^53 (which
   * {@linkcode Column.values} rounds); undefined when the floats are exact or a value is not
   * an integer (a missing reading, a fraction).
   */
  exactValues(): BigInt64Array | BigUint64Array | undefined;
  /**
   * The numpy type of the values as recorded: the data key's `dtype_numpy`, else the type
   * msgpack-numpy gave the first array; undefined when nothing recorded one.
   */
  readonly numpyType: string | undefined;
  /** How many readings were refused (a string in a number key...) and stored as missing. */
  readonly invalid: number;
}

/**
 * One stream of a run (all descriptors of one name).
 *
 * @example A stream's keys and length
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunAccumulator, type StreamData } from "./run_data.ts";
 * import { composeRun } from "../documents/compose.ts";
 * const run = composeRun();
 * const primary = run.descriptor({ name: "primary", data_keys: { x: { dtype: "number", shape: [], source: "s" } } });
 * const acc = new RunAccumulator(run.start);
 * acc.receive("descriptor", primary.doc);
 * const stream: StreamData = acc.streams.get("primary")!;
 * assert.deepEqual(stream.keys(), ["x"]);
 * assert.equal(stream.length, 0);
 * ```
 */
export interface StreamData {
  /** Stream name, for example `"primary"`. */
  readonly name: string;
  /** The name of its group in the file: the name made legal for HDF5, unique in the run. */
  readonly groupName: string;
  /**
   * The name of a key's group in the file: the key made legal for HDF5 and unique in the
   * stream (see `uniqueNames` of layout.ts): `a/b` beside `a_b` is `a_b_2`.
   */
  keyName(key: string): string;
  /** Its descriptors, in arrival order (usually one). */
  readonly descriptors: readonly EventDescriptor[];
  /** The data keys of all its descriptors. */
  readonly dataKeys: DataKeys;
  /** Number of events. */
  readonly length: number;
  /** Names of the data keys, in descriptor order. */
  keys(): string[];
  /** A column, or undefined for an unknown key. */
  column(key: string): Column | undefined;
  /** Event times, Unix epoch seconds. */
  time(): Float64Array;
  /** Event sequence numbers. */
  seqNum(): Float64Array;
  /** Configuration per device, from the descriptors (later ones override). */
  readonly configuration: Record<string, Configuration>;
  /** Hints per device, from the descriptors. */
  readonly hints: Record<string, PerObjectHint>;
  /** Data keys per device, from the descriptors. */
  readonly objectKeys: Record<string, string[]>;
}

/** A run as NeXus plugins see it. */
export interface RunData {
  /** The start document. */
  readonly start: RunStart;
  /** The stop document, or undefined for a run that never stopped. */
  readonly stop: RunStop | undefined;
  /** Streams by name, in order of their first descriptor. */
  readonly streams: ReadonlyMap<string, StreamData>;
  /** Resources by uid. */
  readonly resources: ReadonlyMap<string, Resource>;
  /** Datums by id. */
  readonly datums: ReadonlyMap<string, Datum>;
  /** Stream resources by uid. */
  readonly streamResources: ReadonlyMap<string, StreamResource>;
  /** Stream datums in arrival order. */
  readonly streamDatums: readonly StreamDatum[];
}

/**
 * Collects one run's documents. Feed it with {@linkcode RunAccumulator.receive}; read it
 * through the {@linkcode RunData} interface.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/compose.ts";
 * import { RunAccumulator } from "./run_data.ts";
 * const run = composeRun();
 * const stream = run.descriptor({
 *   name: "primary",
 *   data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
 * });
 * const acc = new RunAccumulator(run.start);
 * acc.receive("descriptor", stream.doc);
 * acc.receive("event", stream.event({ data: { x: 2.5 }, timestamps: { x: 1 } }));
 * acc.receive("stop", run.stop());
 * assert.deepEqual([...acc.streams.get("primary")!.column("x")!.values()], [2.5]);
 * ```
 */
export class RunAccumulator implements RunData {
  readonly start: RunStart;
  stop: RunStop | undefined;
  readonly streams: Map<string, StreamData> = new Map();
  readonly resources: Map<string, Resource> = new Map();
  readonly datums: Map<string, Datum> = new Map();
  readonly streamResources: Map<string, StreamResource> = new Map();
  readonly streamDatums: StreamDatum[] = [];
  readonly #builders = new Map<string, StreamBuilder>();
  readonly #byDescriptor = new Map<string, StreamBuilder>();
  /** The descriptor of the last event and its stream: the next event's, nearly always. */
  #lastDescriptor: string | undefined;
  #lastStream: StreamBuilder | undefined;
  readonly #onWarning: (problem: DocumentError) => void;

  /**
   * Start collecting a run.
   * @param start The run's start document.
   * @param options `onWarning` receives the problems of documents that were still recorded
   *   (an event with missing keys, a seq_num that does not increase); ignored by default.
   */
  constructor(start: RunStart, options: { onWarning?: (problem: DocumentError) => void } = {}) {
    this.start = start;
    this.#onWarning = options.onWarning ?? (() => {});
  }

  /**
   * Take one document of this run.
   * @param name Document name.
   * @param doc The document.
   * @throws {DocumentError} For an event of an unknown descriptor, a key not in the
   * descriptor, or a value of the wrong type.
   */
  receive(name: string, doc: unknown): void {
    switch (name) {
      case "descriptor":
        return this.#descriptor(doc as EventDescriptor);
      case "event": {
        const event = doc as Event;
        const stream = this.#streamOf(event.descriptor, "event", event.uid);
        stream.addEvent(
          event.data,
          event.timestamps,
          event.time,
          event.seq_num,
          event.uid,
          "event",
        );
        return;
      }
      case "event_page":
        return this.#eventPage(doc as EventPage);
      case "stop":
        this.stop = doc as RunStop;
        return;
      case "resource": {
        const resource = doc as Resource;
        this.resources.set(resource.uid, resource);
        return;
      }
      case "datum": {
        const datum = doc as Datum;
        this.datums.set(datum.datum_id, datum);
        return;
      }
      case "datum_page": {
        const page = doc as DatumPage;
        page.datum_id.forEach((id, i) => {
          const kwargs: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(page.datum_kwargs)) kwargs[k] = v[i];
          this.datums.set(id, { datum_id: id, resource: page.resource, datum_kwargs: kwargs });
        });
        return;
      }
      case "stream_resource": {
        const resource = doc as StreamResource;
        this.streamResources.set(resource.uid, resource);
        return;
      }
      case "stream_datum":
        this.streamDatums.push(doc as StreamDatum);
        return;
    }
  }

  #descriptor(descriptor: EventDescriptor): void {
    const name = descriptor.name ?? "primary";
    let stream = this.#builders.get(name);
    if (!stream) {
      // Streams keep their group names in arrival order: the first takes the plain name.
      const taken = new Set([...this.#builders.values()].map((s) => s.groupName));
      let groupName = safeName(name);
      for (let n = 2; taken.has(groupName); n++) groupName = `${safeName(name)}_${n}`;
      stream = new StreamBuilder(name, groupName, this.#onWarning);
      this.#builders.set(name, stream);
      this.streams.set(name, stream);
    }
    stream.addDescriptor(descriptor);
    this.#byDescriptor.set(descriptor.uid, stream);
    this.#lastDescriptor = undefined;
  }

  #streamOf(descriptor: string, document: string, uid: string): StreamBuilder {
    if (descriptor === this.#lastDescriptor) return this.#lastStream!;
    const stream = this.#byDescriptor.get(descriptor);
    if (!stream) {
      throw new DocumentError(
        `refers to descriptor "${descriptor}", which this run does not have`,
        {
          document,
          uid,
          field: "descriptor",
        },
      );
    }
    this.#lastDescriptor = descriptor;
    this.#lastStream = stream;
    return stream;
  }

  #eventPage(page: EventPage): void {
    const stream = this.#streamOf(page.descriptor, "event_page", page.uid[0] ?? "");
    const keys = Object.keys(page.data);
    const data: Record<string, unknown> = {};
    const timestamps: Record<string, unknown> = {};
    for (let i = 0; i < page.uid.length; i++) {
      for (const key of keys) {
        data[key] = page.data[key]![i];
        timestamps[key] = page.timestamps[key]?.[i];
      }
      stream.addEvent(
        data,
        timestamps,
        page.time[i]!,
        page.seq_num[i]!,
        page.uid[i]!,
        "event_page",
      );
    }
  }
}
