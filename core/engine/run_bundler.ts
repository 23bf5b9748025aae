/**
 * The part of the RunEngine that turns readings into documents for one open run: bundles
 * (`create` ... `save`), descriptors per stream, events, and asset documents.
 *
 * @module
 */

import type { ComposeOptions, RunComposer } from "../documents/compose.ts";
import type { DescriptorComposer } from "../documents/descriptor_composer.ts";
import { composeRun } from "../documents/compose.ts";
import type {
  Configuration,
  DataKeys,
  DocumentMap,
  DocumentName,
  ExitStatus,
  PerObjectHint,
  RunStart,
  RunStop,
} from "../documents/types.ts";
import { PlanError } from "../errors.ts";
import type { MaybePromise, Readable, Readings } from "./protocols.ts";
import { writesExternalAssets } from "./protocols.ts";

/** Where the bundler sends the documents it makes. */
export type Emit = <K extends DocumentName>(name: K, doc: DocumentMap[K]) => void;

interface Bundle {
  readonly name: string;
  readonly objs: Readable[];
  readonly readings: Readings[];
}

interface Stream {
  readonly composer: DescriptorComposer;
  /** The devices in read order; every bundle of the stream must read the same ones. */
  readonly objs: readonly Readable[];
}

/** Whether two bundles read devices of the same names in the same order (checked at every point). */
function sameDevices(a: readonly Readable[], b: readonly Readable[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name) return false;
  return true;
}

function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** Turns the reads of one open run into descriptors and events. */
export class RunBundler {
  readonly composer: RunComposer;
  readonly #emit: Emit;
  #bundle: Bundle | undefined;
  readonly #streams = new Map<string, Stream>();
  readonly #describeCache = new Map<Readable, DataKeys>();
  readonly #configCache = new Map<Readable, Configuration>();

  /**
   * Compose and emit the start document.
   * @param metadata Start metadata.
   * @param emit Receives every document.
   * @param options Clock and uid factory.
   */
  constructor(metadata: Partial<RunStart>, emit: Emit, options: ComposeOptions = {}) {
    this.composer = composeRun(metadata, options);
    this.#emit = emit;
    emit("start", this.composer.start);
  }

  /** The run's uid. */
  get uid(): string {
    return this.composer.start.uid;
  }

  /** Whether a bundle is open (between `create` and `save`/`drop`). */
  get bundleOpen(): boolean {
    return this.#bundle !== undefined;
  }

  /**
   * Open a bundle for stream `name`.
   * @param name Stream name.
   */
  create(name: string): void {
    if (this.#bundle) {
      throw new PlanError(
        `Cannot create stream "${name}": the bundle of stream "${this.#bundle.name}" is still open`,
      );
    }
    this.#bundle = { name, objs: [], readings: [] };
  }

  /**
   * Read `obj` into the open bundle (or just read it when no bundle is open).
   * @param obj A readable device.
   * @returns Its readings.
   */
  read(obj: Readable): MaybePromise<Readings> {
    const bundle = this.#bundle;
    if (bundle?.objs.includes(obj)) {
      throw new PlanError(`Cannot read "${obj.name}" twice in one bundle of "${bundle.name}"`);
    }
    const readings = obj.read();
    if (!bundle) return readings;
    if (isPromise(readings)) {
      return readings.then((r) => {
        bundle.objs.push(obj);
        bundle.readings.push(r);
        return r;
      });
    }
    bundle.objs.push(obj);
    bundle.readings.push(readings);
    return readings;
  }

  /** Discard the open bundle. */
  drop(): void {
    if (!this.#bundle) throw new PlanError("Cannot drop: no bundle is open");
    this.#bundle = undefined;
  }

  /** Close the bundle; for a rewind, forget it without emitting. */
  forgetBundle(): void {
    this.#bundle = undefined;
  }

  /**
   * Emit the descriptor of a stream ahead of its first event.
   * @param name Stream name.
   * @param objs The devices the stream reads.
   */
  async declareStream(name: string, objs: Readable[]): Promise<void> {
    if (this.#streams.has(name)) {
      throw new PlanError(`Stream "${name}" is already declared`);
    }
    await this.#describeStream(name, objs);
  }

  /**
   * Emit the bundle as an event, describing its stream first if needed.
   * @returns Nothing, or a promise when a device describes itself asynchronously.
   */
  save(): MaybePromise<void> {
    const bundle = this.#bundle;
    if (!bundle) throw new PlanError("Cannot save: no bundle is open (use 'create' first)");
    this.#bundle = undefined;
    if (bundle.objs.length === 0) return;
    const stream = this.#streams.get(bundle.name);
    if (stream) return this.#emitEvent(stream, bundle);
    return this.#describeStream(bundle.name, bundle.objs).then((s) => this.#emitEvent(s, bundle));
  }

  /**
   * Compose and emit the stop document.
   * @param exitStatus How the run ended.
   * @param reason Why, for abort and fail.
   * @returns The stop document.
   */
  close(exitStatus: ExitStatus, reason = ""): RunStop {
    this.#bundle = undefined;
    const stop = this.composer.stop({ exit_status: exitStatus, reason });
    this.#emit("stop", stop);
    return stop;
  }

  #emitEvent(stream: Stream, bundle: Bundle): void {
    if (!sameDevices(bundle.objs, stream.objs)) {
      const names = (objs: readonly Readable[]) => objs.map((o) => `"${o.name}"`).join(", ");
      throw new PlanError(
        `Stream "${bundle.name}" read ${names(bundle.objs)}, but its descriptor was made from ${
          names(stream.objs)
        }: a stream must read the same devices at every point`,
      );
    }
    for (const obj of bundle.objs) {
      if (writesExternalAssets(obj)) {
        for (const [name, doc] of obj.collectAssetDocs()) {
          // A device does not know the descriptor its stream datums belong to.
          if (name === "stream_datum" && !doc.descriptor) {
            this.#emitAsset(name, { ...doc, descriptor: stream.composer.doc.uid });
          } else {
            this.#emitAsset(name, doc);
          }
        }
      }
    }
    const data: Record<string, unknown> = {};
    const timestamps: Record<string, number> = {};
    for (const readings of bundle.readings) {
      for (const key in readings) {
        const reading = readings[key]!;
        data[key] = reading.value;
        timestamps[key] = reading.timestamp;
      }
    }
    this.#emit("event", stream.composer.event({ data, timestamps }));
  }

  #emitAsset(name: string, doc: Record<string, unknown>): void {
    switch (name) {
      case "resource":
      case "stream_resource":
        this.#emit(name, { ...doc, run_start: this.uid } as DocumentMap[typeof name]);
        return;
      case "datum":
      case "datum_page":
      case "stream_datum":
        this.#emit(name, doc as unknown as DocumentMap[typeof name]);
        return;
      default:
        throw new PlanError(`Device emitted a "${name}" document, which is not an asset document`);
    }
  }

  async #describeStream(name: string, objs: Readable[]): Promise<Stream> {
    const data_keys: DataKeys = {};
    const object_keys: Record<string, string[]> = {};
    const configuration: Record<string, Configuration> = {};
    const hints: Record<string, PerObjectHint> = {};
    for (const obj of objs) {
      let keys = this.#describeCache.get(obj);
      if (!keys) {
        keys = await obj.describe();
        this.#describeCache.set(obj, keys);
      }
      for (const key in keys) {
        if (key in data_keys) {
          throw new PlanError(
            `Data key "${key}" of "${obj.name}" is also read from another device in stream "${name}"`,
          );
        }
        data_keys[key] = { object_name: obj.name, ...keys[key]! };
      }
      object_keys[obj.name] = Object.keys(keys);
      configuration[obj.name] = await this.#configuration(obj);
      if (obj.hints) hints[obj.name] = { ...obj.hints };
    }
    const composer = this.composer.descriptor({
      name,
      data_keys,
      configuration,
      hints,
      object_keys,
    });
    this.#emit("descriptor", composer.doc);
    const stream = { composer, objs: [...objs] };
    this.#streams.set(name, stream);
    return stream;
  }

  async #configuration(obj: Readable): Promise<Configuration> {
    let config = this.#configCache.get(obj);
    if (config) return config;
    const readings = obj.readConfiguration ? await obj.readConfiguration() : {};
    const data_keys = obj.describeConfiguration ? await obj.describeConfiguration() : {};
    const data: Record<string, unknown> = {};
    const timestamps: Record<string, number> = {};
    for (const key in readings) {
      data[key] = readings[key]!.value;
      timestamps[key] = readings[key]!.timestamp;
    }
    config = { data, timestamps, data_keys };
    this.#configCache.set(obj, config);
    return config;
  }
}
