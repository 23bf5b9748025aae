/**
 * A served PV whose value lives elsewhere (a simulated signal, a motor's state): read on
 * demand, posted when the source says it changed, and polled while someone subscribes, for
 * values computed on read (a readback during a move, a random sensor).
 *
 * @module
 */

import { DBE, type Elements, type Limits, type NativeType } from "./protocol.ts";
import type { PvState, ServedPv } from "./served_pv.ts";

/** A value and its time. */
export interface SourceReading {
  /** The value, in the source's own terms (number, string, boolean, array). */
  value: unknown;
  /** POSIX seconds. */
  timestamp: number;
}

/** Where a {@linkcode PublishedPv} gets its value. */
export interface PvSource {
  /**
   * The current value.
   * @returns Value and timestamp.
   */
  read(): SourceReading;
  /**
   * Be told of changes: with the new reading when the source has it, without when the value
   * should be read again (after the current job, so that a change in progress is complete).
   * @param changed The callback.
   * @returns A function that stops telling.
   */
  watch?(changed: (reading?: SourceReading) => void): () => void;
  /**
   * Write a value; absent for a read-only PV. A status-like result (`wait()`) or a promise
   * finishes the write.
   * @param value In the source's terms.
   * @returns When complete.
   */
  put?(value: unknown): unknown;
}

/** How values of the source map to elements. */
export type ValueKind = "number" | "boolean" | "string" | "choice" | "array";

/** The PV's shape and metadata. */
export interface PublishedPvOptions {
  /** Native type. */
  nativeType: NativeType;
  /** How the source's values map to elements. */
  kind: ValueKind;
  /** Largest element count (arrays). */
  maxCount?: number;
  /** Engineering units. */
  units?: string | undefined;
  /** Decimal places. */
  precision?: number | undefined;
  /** Limits. */
  limits?: Partial<Limits> | undefined;
  /** Enum strings (choices, booleans). */
  enumStrings?: readonly string[] | undefined;
  /** Makes an array of the source's own kind from written elements. */
  makeArray?: ((elements: Elements) => unknown) | undefined;
  /** Seconds between polls while subscribed; 0 for none. */
  pollPeriod: number;
}

type Listener = (state: PvState, mask: number) => void;

/** A {@linkcode ServedPv} over a {@linkcode PvSource}. */
export class PublishedPv implements ServedPv {
  readonly nativeType: NativeType;
  readonly maxCount: number;
  readonly writable: boolean;
  #source: PvSource;
  #options: PublishedPvOptions;
  #listeners = new Set<Listener>();
  #unwatch: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #last: unknown;
  #recheckQueued = false;

  /**
   * @param source Where the value comes from and goes to.
   * @param options Type and metadata.
   */
  constructor(source: PvSource, options: PublishedPvOptions) {
    this.#source = source;
    this.#options = options;
    this.nativeType = options.nativeType;
    this.maxCount = options.maxCount ?? 1;
    this.writable = source.put !== undefined;
  }

  state(): PvState {
    return this.#stateOf(this.#source.read());
  }

  write(elements: Elements): Promise<void> | void {
    const result = this.#source.put!(this.#fromElements(elements));
    if (isWaitable(result)) return result.wait();
    if (result instanceof Promise) return result.then(() => {});
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#startWatching();
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.#stopWatching();
    };
  }

  #startWatching(): void {
    this.#last = this.#source.read().value;
    this.#unwatch = this.#source.watch?.((reading) => {
      if (reading) this.#post(reading);
      else this.#queueRecheck();
    });
    const period = this.#options.pollPeriod;
    if (period > 0) this.#timer = setInterval(() => this.#recheck(), period * 1000);
  }

  #stopWatching(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #queueRecheck(): void {
    if (this.#recheckQueued) return;
    this.#recheckQueued = true;
    queueMicrotask(() => {
      this.#recheckQueued = false;
      this.#recheck();
    });
  }

  /** Post the value if it changed since the last one posted. */
  #recheck(): void {
    if (this.#listeners.size === 0) return;
    const reading = this.#source.read();
    if (!Object.is(reading.value, this.#last)) this.#post(reading);
  }

  #post(reading: SourceReading): void {
    this.#last = reading.value;
    const state = this.#stateOf(reading);
    for (const listener of [...this.#listeners]) listener(state, DBE.VALUE | DBE.LOG);
  }

  #stateOf({ value, timestamp }: SourceReading): PvState {
    const { units, precision, limits, enumStrings } = this.#options;
    return {
      elements: this.#toElements(value),
      timestamp,
      status: 0,
      severity: 0,
      ...(units === undefined ? {} : { units }),
      ...(precision === undefined ? {} : { precision }),
      ...(limits === undefined ? {} : { limits }),
      ...(enumStrings === undefined ? {} : { enumStrings }),
    };
  }

  #toElements(value: unknown): Elements {
    switch (this.#options.kind) {
      case "string":
        return [String(value)];
      case "choice":
        return [Math.max(0, this.#options.enumStrings?.indexOf(String(value)) ?? 0)];
      case "boolean":
        return [value ? 1 : 0];
      case "array":
        if (ArrayBuffer.isView(value) || Array.isArray(value)) return value as Elements;
        return [Number(value)];
      case "number":
        return [Number(value)];
    }
  }

  #fromElements(elements: Elements): unknown {
    const first = elements[0];
    switch (this.#options.kind) {
      case "string":
        return String(first ?? "");
      case "choice": {
        const choices = this.#options.enumStrings ?? [];
        const index = Number(first);
        if (!(index >= 0 && index < choices.length)) {
          throw new RangeError(`State "${first}" is not one of 0 to ${choices.length - 1}`);
        }
        return choices[index];
      }
      case "boolean":
        return Number(first) !== 0;
      case "array":
        return this.#options.makeArray
          ? this.#options.makeArray(elements)
          : Array.from(elements as ArrayLike<number>);
      case "number":
        return Number(first);
    }
  }
}

function isWaitable(value: unknown): value is { wait(): Promise<void> } {
  return typeof value === "object" && value !== null &&
    typeof (value as { wait?: unknown }).wait === "function";
}
