/**
 * Signals, in the shape of ophyd's `Signal` and `SignalRO`: a signal is one named value with a
 * timestamp. A {@linkcode Device} (in `device.ts`) groups signals and reads them according to
 * their kind.
 *
 * @module
 */

import type { DataKey, DataKeys } from "../core/documents/types.ts";
import type { Readings } from "../core/engine/protocols.ts";
import { Status } from "../core/engine/status.ts";
import { dtypeOf } from "./_dtype.ts";
import { parents } from "./_parents.ts";
import { pyCall, pyRepr } from "./_repr.ts";
import type { Device } from "./device.ts";

/**
 * Where a signal's value ends up, as ophyd's `Kind`: `"hinted"` values are read and plotted,
 * `"normal"` ones are read, `"config"` ones go to the configuration, `"omitted"` ones nowhere.
 *
 * @example A config signal is not hinted
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Kind, Signal } from "./signal.ts";
 * const kind: Kind = "config";
 * assert.deepEqual(new Signal({ name: "gain", value: 1, kind }).hints, { fields: [] });
 * ```
 */
export type Kind = "hinted" | "normal" | "config" | "omitted";

/**
 * A source of Unix epoch seconds, so that tests can control timestamps.
 *
 * @example A frozen clock
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Clock, Signal } from "./signal.ts";
 * const clock: Clock = () => 1000;
 * assert.equal(new Signal({ name: "x", value: 1, clock }).read().x?.timestamp, 1000);
 * ```
 */
export type Clock = () => number;

/** `performance.timeOrigin`, which never changes, read once: a scan takes times at every point. */
const TIME_ORIGIN = performance.timeOrigin;

/**
 * The current time in Unix epoch seconds, with sub-millisecond resolution.
 *
 * @example Close to `Date.now()`
 * ```ts
 * import assert from "node:assert/strict";
 * import { wallClock } from "./signal.ts";
 * assert.ok(Math.abs(wallClock() - Date.now() / 1000) < 1);
 * ```
 *
 * @returns Seconds since 1970-01-01T00:00:00Z.
 */
export function wallClock(): number {
  return (TIME_ORIGIN + performance.now()) / 1000;
}

/**
 * Options of {@linkcode SignalRO} and {@linkcode Signal}.
 *
 * @example A signal with units and limits
 * ```ts
 * import assert from "node:assert/strict";
 * import { Signal, type SignalOptions } from "./signal.ts";
 * const limits = { low: 0, high: 100 };
 * const options: SignalOptions<number> = { name: "temp", value: 20, units: "degC", limits };
 * assert.equal(new Signal(options).describe().temp?.upper_ctrl_limit, 100);
 * ```
 */
export interface SignalOptions<T> {
  /** Name of the signal, which is also its data key. */
  name: string;
  /** Initial value. */
  value: T;
  /** Where the value ends up when a device reads it (default `"hinted"`, as ophyd). */
  kind?: Kind;
  /** Where the value comes from (default `"SIM:<name>"`). */
  source?: string;
  /** Engineering units. */
  units?: string;
  /** Number of decimal places to show. */
  precision?: number;
  /** Control limits; `put()` refuses values outside them unless `low` equals `high`. */
  limits?: { low: number; high: number };
  /** Allowed values of a string signal; `put()` refuses any other. */
  choices?: readonly string[];
  /** Describe numbers as `"integer"` (JavaScript cannot tell `1` from `1.0`). */
  dtype?: "number" | "integer";
  /** Timestamp of the initial value (default: now). */
  timestamp?: number;
  /** Source of timestamps (default {@linkcode wallClock}). */
  clock?: Clock;
}

/**
 * A value and the time it was taken.
 *
 * @example What subscribers receive
 * ```ts
 * import assert from "node:assert/strict";
 * import { Signal, type TimedValue } from "./signal.ts";
 * const seen: TimedValue<number>[] = [];
 * const signal = new Signal({ name: "x", value: 0, clock: () => 2 });
 * signal.subscribe((reading) => seen.push(reading));
 * signal.put(1);
 * assert.deepEqual(seen, [{ value: 1, timestamp: 2 }]);
 * ```
 */
export interface TimedValue<T> {
  /** The value. */
  value: T;
  /** Unix epoch seconds. */
  timestamp: number;
}

/**
 * A read-only signal, as ophyd's `SignalRO`: it can be read and described, and refuses
 * `set()`/`put()` with a `TypeError`. Subclasses change its value with `store()` or compute it
 * by overriding `current()`.
 *
 * @example Read a signal
 * ```ts
 * import assert from "node:assert/strict";
 * import { SignalRO } from "./signal.ts";
 * const temperature = new SignalRO({ name: "temperature", value: 21.5, units: "degC" });
 * assert.equal(temperature.read().temperature?.value, 21.5);
 * assert.equal(temperature.describe().temperature?.units, "degC");
 * assert.throws(() => temperature.put(22), TypeError);
 * ```
 *
 * @typeParam T Type of the value.
 */
export class SignalRO<T> {
  /** Name of the signal and its data key. */
  readonly name: string;
  /** Where the value ends up when a device reads it. */
  readonly kind: Kind;
  /** Where the value comes from. */
  readonly source: string;
  /** Engineering units, when known. */
  readonly units: string | undefined;
  /** Decimal places to show, when known. */
  readonly precision: number | undefined;
  /** Control limits, when set. */
  readonly limits: { readonly low: number; readonly high: number } | undefined;
  /** Allowed values, when restricted. */
  readonly choices: readonly string[] | undefined;
  /** Source of timestamps. */
  protected readonly clock: Clock;
  #dtype: "number" | "integer" | undefined;
  #value: T;
  #timestamp: number;
  // Typed loosely so that a `SignalRO<number>` is also a `SignalRO<unknown>`.
  #subscribers = new Set<(reading: TimedValue<unknown>) => void>();

  /**
   * Create a signal.
   * @param options Name, initial value and metadata of the signal.
   */
  constructor(options: SignalOptions<T>) {
    if (typeof options.name !== "string" || options.name === "") {
      throw new TypeError(
        `Cannot create signal: name must be a non-empty string, got "${options.name}"`,
      );
    }
    this.name = options.name;
    this.kind = options.kind ?? "hinted";
    this.source = options.source ?? `SIM:${options.name}`;
    this.units = options.units;
    this.precision = options.precision;
    this.limits = options.limits && { low: options.limits.low, high: options.limits.high };
    this.choices = options.choices && [...options.choices];
    this.clock = options.clock ?? wallClock;
    this.#dtype = options.dtype;
    this.#value = options.value;
    this.#timestamp = options.timestamp ?? this.clock();
  }

  /** The device this signal is a component of, if any. */
  get parent(): Device | undefined {
    return parents.get(this);
  }

  /** Hints: the signal's own name when it is hinted. */
  get hints(): { fields: string[] } {
    return { fields: this.kind === "hinted" ? [this.name] : [] };
  }

  /**
   * The current value.
   * @returns The value.
   */
  get(): T {
    return this.current().value;
  }

  /**
   * Read the signal.
   * @returns `{[name]: {value, timestamp}}`.
   */
  read(): Readings {
    const { value, timestamp } = this.current();
    // Assigned rather than a computed key in the literal, which is several times slower; but
    // assigning "__proto__" would set the prototype instead of making the key.
    if (this.name === "__proto__") return { [this.name]: { value, timestamp } };
    const readings: Readings = {};
    readings[this.name] = { value, timestamp };
    return readings;
  }

  /**
   * Describe the signal, with the dtype and shape of its current value.
   * @returns `{[name]: DataKey}`.
   */
  describe(): DataKeys {
    const key: DataKey = { source: this.source, ...dtypeOf(this.current().value, this.#dtype) };
    if (this.units !== undefined) key.units = this.units;
    if (this.limits) {
      key.lower_ctrl_limit = this.limits.low;
      key.upper_ctrl_limit = this.limits.high;
    }
    if (this.precision !== undefined) key.precision = this.precision;
    if (this.limits) key.limits = { control: { ...this.limits }, display: { ...this.limits } };
    if (this.choices) key.choices = [...this.choices];
    key.object_name = this.parent?.name ?? this.name;
    return { [this.name]: key };
  }

  /**
   * Read the signal as configuration, which for a lone signal is the same as `read()`.
   * @returns `{[name]: {value, timestamp}}`.
   */
  readConfiguration(): Readings {
    return this.read();
  }

  /**
   * Describe the signal as configuration, the same as `describe()`.
   * @returns `{[name]: DataKey}`.
   */
  describeConfiguration(): DataKeys {
    return this.describe();
  }

  /**
   * Refused: the signal is read-only.
   * @param _value Ignored.
   * @returns Never.
   */
  set(_value: T): Status {
    throw new TypeError(`Cannot set "${this.name}": the signal is read-only`);
  }

  /**
   * Refused: the signal is read-only.
   * @param _value Ignored.
   */
  put(_value: T): void {
    throw new TypeError(`Cannot put to "${this.name}": the signal is read-only`);
  }

  /**
   * Call `callback` whenever a new value is stored.
   * @param callback Receives the new value and its timestamp.
   * @returns A function that unsubscribes.
   */
  subscribe(callback: (reading: TimedValue<T>) => void): () => void {
    const listener = callback as (reading: TimedValue<unknown>) => void;
    this.#subscribers.add(listener);
    return () => void this.#subscribers.delete(listener);
  }

  /**
   * A Python-style representation, as ophyd prints a signal.
   * @returns For example `Signal(name='gain', value=1.0, timestamp=5.0)`.
   */
  repr(): string {
    return pyCall(this.constructor.name, this.reprArgs());
  }

  /**
   * The keyword arguments of `repr()`; subclasses change them.
   * @returns `[keyword, value]` pairs.
   */
  protected reprArgs(): [string, unknown][] {
    const { value, timestamp } = this.current();
    return [["name", this.name], ["value", value], ["timestamp", timestamp]];
  }

  /**
   * The current value and its timestamp; subclasses override this to compute them.
   * @returns The value and its timestamp.
   */
  protected current(): TimedValue<T> {
    return { value: this.#value, timestamp: this.#timestamp };
  }

  /**
   * Store a new value and tell the subscribers.
   * @param value The new value.
   * @param timestamp When it was taken (default: now).
   */
  protected store(value: T, timestamp: number = this.clock()): void {
    this.#value = value;
    this.#timestamp = timestamp;
    if (this.#subscribers.size === 0) return;
    for (const callback of [...this.#subscribers]) callback({ value, timestamp });
  }

  /**
   * Throw if `value` is outside the limits or choices.
   * @param value A candidate value.
   */
  protected check(value: T): void {
    const limits = this.limits;
    // As EPICS: equal limits mean "no limits".
    if (typeof value === "number" && limits && limits.low < limits.high) {
      if (!(value >= limits.low && value <= limits.high)) {
        throw new RangeError(
          `Cannot put "${value}" to "${this.name}": ` +
            `outside the limits [${limits.low}, ${limits.high}]`,
        );
      }
    }
    if (this.choices && !this.choices.includes(value as string)) {
      throw new RangeError(
        `Cannot put "${value}" to "${this.name}": not one of ${pyRepr(this.choices)}`,
      );
    }
  }
}

/**
 * A read-write signal, as ophyd's soft `Signal`: `put()` and `set()` store the value at once.
 *
 * @example Set a signal
 * ```ts
 * import assert from "node:assert/strict";
 * import { Signal } from "./signal.ts";
 * const gain = new Signal({ name: "gain", value: 1, kind: "config", clock: () => 5 });
 * const status = gain.set(2);
 * assert.ok(status.done && status.success);
 * assert.deepEqual(gain.read(), { gain: { value: 2, timestamp: 5 } });
 * ```
 *
 * @typeParam T Type of the value.
 */
export class Signal<T> extends SignalRO<T> {
  /**
   * Store a value.
   * @param value The new value.
   * @returns A finished status.
   */
  override set(value: T): Status {
    this.put(value);
    return Status.done(`Set of "${this.name}"`);
  }

  /**
   * Store a value; throws a `RangeError` if it is outside the limits or choices.
   * @param value The new value.
   */
  override put(value: T): void {
    this.check(value);
    this.store(value);
  }
}
