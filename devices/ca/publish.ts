/**
 * The project's simulated devices as Channel Access PVs: a signal becomes a PV with its units,
 * precision, limits and choices; a device becomes one PV per component, named after the EPICS
 * field its source names (`SIM:m1.RBV` gives `.RBV`); a {@linkcode SimMotor} also gets the
 * motor record's `.DMOV`, `.MOVN`, `.STOP`, `.HLM`, `.LLM` and `.PREC`, and its bare name serves
 * `.VAL`, as a motor record does.
 *
 * @module
 */

import type { Device } from "../device.ts";
import { SimMotor } from "../motor.ts";
import { Signal, type SignalRO } from "../signal.ts";
import type { Elements, NativeType } from "./protocol.ts";
import type { MapDatabase } from "./served_pv.ts";
import { PublishedPv, type PvSource, type SourceReading, type ValueKind } from "./_published_pv.ts";

/**
 * Options of {@linkcode publishSignal}.
 *
 * @example
 * ```ts
 * import type { PublishSignalOptions } from "./publish.ts";
 * const options: PublishSignalOptions = { name: "sim:gain", pollPeriod: 0 };
 * if (options.pollPeriod !== 0) throw new Error("no polling");
 * ```
 */
export interface PublishSignalOptions {
  /** PV name (default the signal's name). */
  name?: string;
  /**
   * Seconds between looks at the value while a client subscribes, for values computed on read
   * (default 0.05; 0 relies on the signal's `subscribe()` alone).
   */
  pollPeriod?: number;
  /** Largest element count of an array signal (default its current length). */
  maxCount?: number;
}

/**
 * Options of {@linkcode publishDevice}.
 *
 * @example
 * ```ts
 * import type { PublishDeviceOptions } from "./publish.ts";
 * const options: PublishDeviceOptions = { prefix: "sim:m1" };
 * if (options.prefix !== "sim:m1") throw new Error("the record name");
 * ```
 */
export interface PublishDeviceOptions {
  /** Record name the fields follow (default the device's prefix, else its name). */
  prefix?: string;
  /** Seconds between looks at computed values while subscribed (default 0.05). */
  pollPeriod?: number;
}

/**
 * Defaults of the publishing options.
 *
 * @example
 * ```ts
 * import { publishDefaults } from "./publish.ts";
 * if (publishDefaults.pollPeriod !== 0.05) throw new Error("20 Hz, as a motor's readback");
 * ```
 */
export const publishDefaults = {
  pollPeriod: 0.05,
} satisfies PublishSignalOptions & PublishDeviceOptions;

/**
 * Serve a signal as a PV. A number is a DBR_DOUBLE (DBR_LONG when described as an integer), a
 * string a DBR_STRING (a DBR_ENUM of its choices when it has some), a boolean a DBR_ENUM of
 * `False`/`True`, a numeric array a waveform. Writes to a writable {@linkcode Signal} call its
 * `set()` and complete (a put with callback answers) when the returned status finishes; a
 * read-only signal refuses them. Monitors follow the signal's `subscribe()`.
 *
 * @example A gain served and read back
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishSignal } from "./publish.ts";
 * import { MapDatabase } from "./served_pv.ts";
 * import { Signal } from "../signal.ts";
 * const database = new MapDatabase();
 * const gain = new Signal({ name: "gain", value: 2, units: "V/V", precision: 1 });
 * assert.equal(publishSignal(database, gain, { name: "sim:gain" }), "sim:gain");
 * const pv = database.lookup("sim:gain")!;
 * await pv.write([3]);
 * assert.equal(gain.get(), 3);
 * assert.equal(pv.state().units, "V/V");
 * ```
 *
 * @param database Where the PV is added: a {@linkcode MapDatabase} or anything with its `add()`.
 * @param signal The signal.
 * @param options PV name, polling and array size.
 * @returns The PV name.
 * @throws {TypeError} When the signal's value is of no type a PV can carry, or the name is
 * taken.
 */
export function publishSignal(
  database: Pick<MapDatabase, "add">,
  signal: SignalRO<unknown>,
  options: PublishSignalOptions = {},
): string {
  const name = options.name ?? signal.name;
  database.add(name, signalPv(signal, name, options));
  return name;
}

/**
 * Serve every component of a device (hinted, normal and config) as `<prefix>.<FIELD>`, where
 * `FIELD` is the EPICS field at the end of the component's source, else its attribute name.
 * A {@linkcode SimMotor} is served as a motor record: `.VAL` (a put with callback completes
 * when the move is done), `.RBV` (posted during moves), `.DMOV`, `.MOVN`, `.STOP`, `.VELO`,
 * `.ACCL`, `.EGU`, `.OFF`, `.DIR`, `.HLM`, `.LLM`, `.PREC`, and the bare prefix as `.VAL`.
 *
 * @example A motor served under its fields
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishDevice } from "./publish.ts";
 * import { MapDatabase } from "./served_pv.ts";
 * import { SimMotor } from "../motor.ts";
 * const database = new MapDatabase();
 * const names = publishDevice(database, new SimMotor({ name: "m1", instant: true }));
 * assert.ok(names.includes("sim:m1.RBV") && names.includes("sim:m1.DMOV"));
 * await database.lookup("sim:m1.VAL")!.write([1.5]);
 * assert.equal(database.lookup("sim:m1.RBV")!.state().elements[0], 1.5);
 * ```
 *
 * @param database Where the PVs are added: a {@linkcode MapDatabase} or anything with its
 * `add()`.
 * @param device The device.
 * @param options Prefix and polling.
 * @returns The PV names added.
 * @throws {TypeError} When a component's value is of no type a PV can carry, or a name is
 * taken.
 */
export function publishDevice(
  database: Pick<MapDatabase, "add">,
  device: Device,
  options: PublishDeviceOptions = {},
): string[] {
  const prefix = options.prefix ?? (device.prefix || device.name);
  const pollPeriod = options.pollPeriod ?? publishDefaults.pollPeriod;
  const pvs = new Map<string, PublishedPv>();
  for (const attr of [...device.readAttrs, ...device.configurationAttrs]) {
    const signal = device.component(attr)!;
    const field = /\.([A-Z][A-Z0-9]*)$/.exec(signal.source)?.[1] ?? attr;
    const name = `${prefix}.${field}`;
    pvs.set(name, signalPv(signal, name, { pollPeriod }));
  }
  if (device instanceof SimMotor) {
    for (const [field, pv] of Object.entries(motorFields(device))) {
      pvs.set(`${prefix}.${field}`, pv);
    }
    const val = pvs.get(`${prefix}.VAL`);
    if (val) pvs.set(prefix, val);
  }
  for (const [name, pv] of pvs) database.add(name, pv);
  return [...pvs.keys()];
}

function readingOf(signal: SignalRO<unknown>): SourceReading {
  const reading = signal.read()[signal.name]!;
  return { value: reading.value, timestamp: reading.timestamp };
}

function signalPv(
  signal: SignalRO<unknown>,
  name: string,
  options: PublishSignalOptions,
): PublishedPv {
  const value = signal.get();
  const shape = shapeOf(signal, value, name);
  const source: PvSource = {
    read: () => readingOf(signal),
    watch: (changed) => signal.subscribe((reading) => changed({ ...reading })),
  };
  if (signal instanceof Signal) source.put = (next) => signal.set(next);
  const limits = signal.limits;
  return new PublishedPv(source, {
    ...shape,
    maxCount: shape.kind === "array"
      ? options.maxCount ?? Math.max(1, (value as ArrayLike<unknown>).length)
      : 1,
    units: signal.units,
    precision: signal.precision,
    limits: limits && {
      lowerCtrl: limits.low,
      upperCtrl: limits.high,
      lowerDisp: limits.low,
      upperDisp: limits.high,
    },
    pollPeriod: options.pollPeriod ?? publishDefaults.pollPeriod,
  });
}

/** Native type, kind and enum strings of a signal, from its current value. */
function shapeOf(
  signal: SignalRO<unknown>,
  value: unknown,
  name: string,
): {
  nativeType: NativeType;
  kind: ValueKind;
  enumStrings?: readonly string[] | undefined;
  makeArray?: ((elements: Elements) => unknown) | undefined;
} {
  if (typeof value === "number") {
    const integer = signal.describe()[signal.name]?.dtype === "integer";
    return { nativeType: integer ? "long" : "double", kind: "number" };
  }
  if (typeof value === "boolean") {
    return { nativeType: "enum", kind: "boolean", enumStrings: ["False", "True"] };
  }
  if (typeof value === "string") {
    return signal.choices
      ? { nativeType: "enum", kind: "choice", enumStrings: signal.choices }
      : { nativeType: "string", kind: "string" };
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const typed = TYPED[value.constructor.name];
    if (typed) return { nativeType: typed.native, kind: "array", makeArray: typed.make };
  }
  if (Array.isArray(value) && value.every((x) => typeof x === "number")) {
    return { nativeType: "double", kind: "array" };
  }
  throw new TypeError(
    `Cannot publish signal "${signal.name}" as PV "${name}": its value "${String(value)}" ` +
      "is not a number, string, boolean or numeric array",
  );
}

const TYPED: Record<string, { native: NativeType; make: (elements: Elements) => unknown }> = {
  Float64Array: { native: "double", make: (e) => Float64Array.from(e as ArrayLike<number>) },
  Float32Array: { native: "float", make: (e) => Float32Array.from(e as ArrayLike<number>) },
  Int32Array: { native: "long", make: (e) => Int32Array.from(e as ArrayLike<number>) },
  Int16Array: { native: "short", make: (e) => Int16Array.from(e as ArrayLike<number>) },
  Uint16Array: { native: "enum", make: (e) => Uint16Array.from(e as ArrayLike<number>) },
  Uint8Array: { native: "char", make: (e) => Uint8Array.from(e as ArrayLike<number>) },
};

/** The motor record's fields that are the motor's state rather than one of its signals. */
function motorFields(motor: SimMotor): Record<string, PublishedPv> {
  const readback = () => readingOf(motor.userReadback);
  // A move's state is settled once `set()` returns, so it is read again after the job.
  const moves = (changed: () => void) => {
    const a = motor.userReadback.subscribe(() => changed());
    const b = motor.userSetpoint.subscribe(() => changed());
    return () => {
      a();
      b();
    };
  };
  const flag = (value: () => boolean) =>
    new PublishedPv({
      read: () => ({ value: value() ? 1 : 0, timestamp: readback().timestamp }),
      watch: moves,
    }, { nativeType: "short", kind: "number", pollPeriod: 0 });
  const constant = (value: number, nativeType: NativeType, withUnits: boolean) =>
    new PublishedPv({ read: () => ({ value, timestamp: readback().timestamp }) }, {
      nativeType,
      kind: "number",
      pollPeriod: 0,
      ...(withUnits ? { units: motor.egu, precision: motor.userReadback.precision } : {}),
    });
  return {
    DMOV: flag(() => !motor.moving),
    MOVN: flag(() => motor.moving),
    STOP: new PublishedPv({
      read: () => ({ value: 0, timestamp: readback().timestamp }),
      // As the motor record, a stop ends the move normally: its put callback completes.
      put: (value) => {
        if (value !== 0) motor.stop({ success: true });
      },
    }, { nativeType: "short", kind: "number", pollPeriod: 0 }),
    HLM: constant(motor.highLimit, "double", true),
    LLM: constant(motor.lowLimit, "double", true),
    PREC: constant(motor.userReadback.precision ?? 0, "short", false),
  };
}
