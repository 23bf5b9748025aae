/**
 * Signals and the devices built from them, in the shape of ophyd's `Signal`, `SignalRO` and
 * `Device`: a signal is one named value with a timestamp; a device groups signals and reads
 * them according to their kind.
 *
 * @module
 */

import type { DataKey, DataKeys, Dtype } from "../core/documents.ts";
import type { Readings } from "../core/protocols.ts";
import { Status } from "../core/status.ts";

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
  return (performance.timeOrigin + performance.now()) / 1000;
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

const parents = new WeakMap<SignalRO<unknown>, Device>();

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
    return { [this.name]: { value, timestamp } };
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

/**
 * Options of {@linkcode Device}.
 *
 * @example A prefix
 * ```ts
 * import assert from "node:assert/strict";
 * import { Device, type DeviceOptions } from "./signal.ts";
 * const options: DeviceOptions = { prefix: "sim:slit:" };
 * assert.equal(new Device("slit", options).prefix, "sim:slit:");
 * ```
 */
export interface DeviceOptions {
  /** Address prefix shown by `repr()` (default `""`). */
  prefix?: string;
}

/**
 * A device made of signals, as ophyd's `Device`. Components are named `<device>_<attr>`;
 * `read()`/`describe()` cover the hinted and normal ones, `readConfiguration()` and
 * `describeConfiguration()` the config ones, and `hints.fields` the hinted ones.
 *
 * @example A device with two components
 * ```ts
 * import assert from "node:assert/strict";
 * import { Device, Signal } from "./signal.ts";
 * const slit = new Device("slit");
 * slit.add("gap", (name) => new Signal({ name, value: 1.5, kind: "hinted" }));
 * slit.add("speed", (name) => new Signal({ name, value: 2, kind: "config" }));
 * assert.deepEqual(Object.keys(slit.read()), ["slit_gap"]);
 * assert.deepEqual(Object.keys(slit.readConfiguration()), ["slit_speed"]);
 * assert.deepEqual(slit.hints, { fields: ["slit_gap"] });
 * ```
 */
export class Device {
  /** Name of the device; it prefixes the names of its components. */
  readonly name: string;
  /** Address prefix shown by `repr()`. */
  readonly prefix: string;
  #components = new Map<string, SignalRO<unknown>>();
  #staged = false;

  /**
   * Create a device without components; `add()` adds them.
   * @param name Name of the device.
   * @param options Prefix.
   */
  constructor(name: string, options: DeviceOptions = {}) {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`Cannot create device: name must be a non-empty string, got "${name}"`);
    }
    this.name = name;
    this.prefix = options.prefix ?? "";
  }

  /**
   * Add a component.
   * @param attr Attribute name of the component, as ophyd's (for example `"user_setpoint"`).
   * @param create Makes the signal from its default name `<device>_<attr>`.
   * @returns The signal.
   */
  add<S extends SignalRO<unknown>>(attr: string, create: (name: string) => S): S {
    if (this.#components.has(attr)) {
      throw new TypeError(`Cannot add "${attr}" to device "${this.name}": it already has one`);
    }
    const signal = create(`${this.name}_${attr}`);
    this.#components.set(attr, signal as unknown as SignalRO<unknown>);
    parents.set(signal as unknown as SignalRO<unknown>, this);
    return signal;
  }

  /**
   * A component by attribute name.
   * @param attr Attribute name.
   * @returns The signal, or `undefined`.
   */
  component(attr: string): SignalRO<unknown> | undefined {
    return this.#components.get(attr);
  }

  /** Attribute names of the hinted and normal components, as ophyd's `read_attrs`. */
  get readAttrs(): string[] {
    return this.#attrs("hinted", "normal");
  }

  /** Attribute names of the config components, as ophyd's `configuration_attrs`. */
  get configurationAttrs(): string[] {
    return this.#attrs("config");
  }

  /** Hints: the names of the hinted components. */
  get hints(): { fields: string[] } {
    return { fields: this.#attrs("hinted").map((attr) => this.#components.get(attr)!.name) };
  }

  /** Whether the device is staged. */
  get staged(): boolean {
    return this.#staged;
  }

  /**
   * Read the hinted and normal components.
   * @returns Their readings.
   */
  read(): Readings {
    return this.#gather(this.readAttrs, (s) => s.read());
  }

  /**
   * Describe the hinted and normal components.
   * @returns Their data keys.
   */
  describe(): DataKeys {
    return this.#gather(this.readAttrs, (s) => s.describe());
  }

  /**
   * Read the config components.
   * @returns Their readings.
   */
  readConfiguration(): Readings {
    return this.#gather(this.configurationAttrs, (s) => s.read());
  }

  /**
   * Describe the config components.
   * @returns Their data keys.
   */
  describeConfiguration(): DataKeys {
    return this.#gather(this.configurationAttrs, (s) => s.describe());
  }

  /**
   * Prepare the device for a run (nothing to do for a simulation).
   * @returns The staged devices: this one.
   */
  stage(): Device[] {
    this.#staged = true;
    return [this];
  }

  /**
   * Restore the device after a run.
   * @returns The unstaged devices: this one.
   */
  unstage(): Device[] {
    this.#staged = false;
    return [this];
  }

  /**
   * A Python-style representation, as ophyd prints a device.
   * @returns For example
   * `Device(prefix='', name='slit', read_attrs=['gap'], configuration_attrs=[])`.
   */
  repr(): string {
    return pyCall(this.constructor.name, this.reprArgs());
  }

  /**
   * The keyword arguments of `repr()`; subclasses change them.
   * @returns `[keyword, value]` pairs.
   */
  protected reprArgs(): [string, unknown][] {
    return [
      ["prefix", this.prefix],
      ["name", this.name],
      ["read_attrs", this.readAttrs],
      ["configuration_attrs", this.configurationAttrs],
    ];
  }

  #attrs(...kinds: Kind[]): string[] {
    return [...this.#components].filter(([, s]) => kinds.includes(s.kind)).map(([attr]) => attr);
  }

  #gather<V>(attrs: string[], get: (signal: SignalRO<unknown>) => Record<string, V>) {
    const out: Record<string, V> = {};
    for (const attr of attrs) Object.assign(out, get(this.#components.get(attr)!));
    return out;
  }
}

/**
 * Format a value as Python's `repr()` would: `None`, `True`, floats such as `1.0` or `1e-05`,
 * single-quoted strings, lists and dicts. Numbers print as floats, bigints as ints.
 *
 * @example Python literals
 * ```ts
 * import assert from "node:assert/strict";
 * import { pyRepr } from "./signal.ts";
 * assert.equal(pyRepr([0, 0.00001, "a", null, true]), "[0.0, 1e-05, 'a', None, True]");
 * ```
 *
 * @param value Any value.
 * @returns Its Python representation.
 */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyFloat(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return pyString(value);
  if (isList(value)) return `[${Array.from(value, pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value).map(([k, v]) => `${pyString(k)}: ${pyRepr(v)}`);
    return `{${items.join(", ")}}`;
  }
  return pyString(String(value));
}

/** `Name(key=value, ...)`. */
function pyCall(name: string, kwargs: [string, unknown][]): string {
  return `${name}(${kwargs.map(([k, v]) => `${k}=${pyRepr(v)}`).join(", ")})`;
}

/** Python's float repr: the shortest round-trip digits, exponent outside [1e-4, 1e16). */
function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa = "", exponent = "0"] = x.toExponential().split("e");
  const e = Number(exponent);
  if (e < -4 || e >= 16) {
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  const whole = digits.slice(0, e + 1).padEnd(e + 1, "0");
  return `${sign}${whole}.${digits.slice(e + 1) || "0"}`;
}

function pyString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\" || ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

function isList(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

const TYPED_NUMPY: Record<string, string> = {
  Float64Array: "<f8",
  Float32Array: "<f4",
  Int8Array: "|i1",
  Uint8Array: "|u1",
  Uint8ClampedArray: "|u1",
  Int16Array: "<i2",
  Uint16Array: "<u2",
  Int32Array: "<i4",
  Uint32Array: "<u4",
  BigInt64Array: "<i8",
  BigUint64Array: "<u8",
};

/** `dtype`, `shape` and `dtype_numpy` of a value, as ophyd infers them. */
function dtypeOf(
  value: unknown,
  numeric: "number" | "integer" | undefined,
): { dtype: Dtype; shape: (number | null)[]; dtype_numpy: string } {
  if (isList(value)) {
    const typed = TYPED_NUMPY[value.constructor.name];
    return {
      dtype: "array",
      shape: shapeOf(value),
      dtype_numpy: typed ?? listNumpy(value, numeric),
    };
  }
  return { ...scalarDtype(value, numeric), shape: [] };
}

function scalarDtype(value: unknown, numeric: "number" | "integer" | undefined) {
  switch (typeof value) {
    case "number":
      return numeric === "integer"
        ? { dtype: "integer" as const, dtype_numpy: "<i8" }
        : { dtype: "number" as const, dtype_numpy: "<f8" };
    case "bigint":
      return { dtype: "integer" as const, dtype_numpy: "<i8" };
    case "boolean":
      return { dtype: "boolean" as const, dtype_numpy: "|b1" };
    case "string":
      return { dtype: "string" as const, dtype_numpy: "<U0" };
    default:
      throw new TypeError(
        `Cannot describe "${String(value)}": not a number, string, boolean or array`,
      );
  }
}

/** numpy's dtype of a nested list: from its first element, strings as wide as the widest. */
function listNumpy(list: ArrayLike<unknown>, numeric: "number" | "integer" | undefined): string {
  const leaves: unknown[] = [];
  const walk = (item: unknown) => isList(item) ? Array.from(item).forEach(walk) : leaves.push(item);
  walk(list);
  if (leaves.length === 0) return "<f8";
  if (typeof leaves[0] === "string") {
    return `<U${Math.max(...leaves.map((leaf) => String(leaf).length))}`;
  }
  return scalarDtype(leaves[0], numeric).dtype_numpy;
}

/** Shape of a nested list; a dimension whose length varies is `null`. */
function shapeOf(list: ArrayLike<unknown>): (number | null)[] {
  const inner = Array.from(list, (item) => isList(item) ? shapeOf(item) : []);
  const first = inner[0] ?? [];
  const rest = first.map((n, i) =>
    inner.every((shape) => shape.length === first.length && shape[i] === n) ? n : null
  );
  return [list.length, ...rest];
}
