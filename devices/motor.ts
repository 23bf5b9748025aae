/**
 * A simulated stepping motor with the shape of ophyd's `EpicsMotor`.
 *
 * @module
 */

import { FailedStatusError, Status } from "../core/engine/status.ts";
import { Device } from "./device.ts";
import { type Clock, Signal, type SignalOptions, SignalRO, wallClock } from "./signal.ts";

/**
 * Options of {@linkcode SimMotor}.
 *
 * @example A fast motor in millimetres
 * ```ts
 * import assert from "node:assert/strict";
 * import { SimMotor, type SimMotorOptions } from "./motor.ts";
 * const options: SimMotorOptions = { name: "x", units: "mm", velocity: 5, lowLimit: -10 };
 * assert.equal(new SimMotor(options).describe().x?.units, "mm");
 * ```
 */
export interface SimMotorOptions {
  /** Name of the motor and of its readback (default `"motor"`). */
  name?: string;
  /** Address prefix shown by `repr()` (default `"sim:<name>"`). */
  prefix?: string;
  /** Initial position. */
  position?: number;
  /** Speed in units per second. */
  velocity?: number;
  /** Seconds to reach full speed (EPICS `ACCL`). */
  acceleration?: number;
  /** Engineering units. */
  units?: string;
  /** Decimal places to show. */
  precision?: number;
  /** Low soft limit; equal limits mean no limits, as EPICS. */
  lowLimit?: number;
  /** High soft limit. */
  highLimit?: number;
  /** Finish moves at once, for benchmarks and fast tests. */
  instant?: boolean;
  /** Source of timestamps. */
  clock?: Clock;
}

/**
 * Defaults of {@linkcode SimMotorOptions}, close to a synApps simulated motor.
 */
export const simMotorDefaults = {
  name: "motor",
  position: 0,
  velocity: 1,
  acceleration: 0.2,
  units: "degrees",
  precision: 5,
  lowLimit: -32000,
  highLimit: 32000,
  instant: false,
} satisfies SimMotorOptions;

/** A move under way. */
interface Move {
  from: number;
  to: number;
  /** `performance.now()` at the start, in ms. */
  started: number;
  /** Seconds. */
  duration: number;
  /** Seconds spent speeding up, and again slowing down. */
  ramp: number;
  timer: ReturnType<typeof setTimeout>;
  /** The statuses this move finishes: a retargeted move inherits its predecessor's. */
  statuses: Status[];
}

/**
 * A simulated motor shaped like ophyd's `EpicsMotor`: readback `<name>` (hinted), setpoint
 * `<name>_user_setpoint` (normal), and configuration `user_offset`, `user_offset_dir`,
 * `velocity`, `acceleration` and `motor_egu`. A move of distance `d` takes
 * `d / velocity + acceleration` seconds of real time with a trapezoidal speed profile, and the
 * readback follows it. `set()` during a move retargets it; both statuses finish at the end.
 *
 * @example Move a motor
 * ```ts
 * import assert from "node:assert/strict";
 * import { SimMotor } from "./motor.ts";
 * const motor = new SimMotor({ name: "m1", velocity: 100, acceleration: 0 });
 * await motor.set(0.5).wait();
 * assert.equal(motor.position, 0.5);
 * assert.deepEqual(Object.keys(motor.read()), ["m1", "m1_user_setpoint"]);
 * assert.deepEqual(motor.hints, { fields: ["m1"] });
 * ```
 */
export class SimMotor extends Device {
  /** The readback, named after the motor. */
  readonly userReadback: SignalRO<number>;
  /** The setpoint; setting it moves the motor. */
  readonly userSetpoint: Signal<number>;
  /** User offset (recorded only). */
  readonly userOffset: SignalRO<number>;
  /** User direction, 0 for positive (recorded only). */
  readonly userOffsetDir: SignalRO<number>;
  /** Speed in units per second, read at the start of each move. */
  readonly velocity: Signal<number>;
  /** Seconds to reach full speed, read at the start of each move. */
  readonly acceleration: Signal<number>;
  /** Engineering units. */
  readonly motorEgu: SignalRO<string>;
  /** Low soft limit. */
  readonly lowLimit: number;
  /** High soft limit. */
  readonly highLimit: number;
  /** Whether moves finish at once. */
  readonly instant: boolean;
  #readback: Readback;
  #setpoint: Setpoint;
  #move: Move | undefined;

  /**
   * Create a motor at rest.
   * @param options Name, position, speed, units, limits and clock.
   */
  constructor(options: SimMotorOptions = {}) {
    const o = { ...simMotorDefaults, ...options };
    super(o.name, { prefix: o.prefix ?? `sim:${o.name}` });
    if (typeof o.position !== "number" || !Number.isFinite(o.position)) {
      throw new TypeError(
        `Cannot create motor "${o.name}": position "${o.position}" is not finite`,
      );
    }
    positive(o.name, "velocity", o.velocity);
    if (!(o.acceleration >= 0 && Number.isFinite(o.acceleration))) {
      throw new RangeError(
        `Cannot create motor "${o.name}": acceleration "${o.acceleration}" must be finite and >= 0`,
      );
    }
    if (!(o.lowLimit <= o.highLimit)) {
      throw new RangeError(
        `Cannot create motor "${o.name}": ` +
          `low limit "${o.lowLimit}" is above high limit "${o.highLimit}"`,
      );
    }
    this.lowLimit = o.lowLimit;
    this.highLimit = o.highLimit;
    this.instant = o.instant;
    // One timestamp for every component, as one connection would give.
    const clock = { clock: o.clock ?? wallClock, timestamp: (o.clock ?? wallClock)() };
    const common = { units: o.units, precision: o.precision, ...clock };
    const limits = { low: o.lowLimit, high: o.highLimit };
    const pv = (field: string) => `SIM:${o.name}.${field}`;
    this.#readback = this.add("user_readback", () =>
      new Readback({
        name: o.name,
        value: o.position,
        kind: "hinted",
        source: pv("RBV"),
        limits,
        ...common,
      }, () => this.#interpolated()));
    this.#setpoint = this.add("user_setpoint", (name) =>
      new Setpoint({
        name,
        value: o.position,
        kind: "normal",
        source: pv("VAL"),
        limits,
        ...common,
      }, (target) => this.set(target)));
    this.userReadback = this.#readback;
    this.userSetpoint = this.#setpoint;
    this.userOffset = this.add(
      "user_offset",
      (name) => new SignalRO({ name, value: 0, kind: "config", source: pv("OFF"), ...common }),
    );
    this.userOffsetDir = this.add("user_offset_dir", (name) =>
      new SignalRO({
        name,
        value: 0,
        kind: "config",
        source: pv("DIR"),
        dtype: "integer",
        ...clock,
      }));
    this.velocity = this.add("velocity", (name) =>
      new Signal({
        name,
        value: o.velocity,
        kind: "config",
        source: pv("VELO"),
        ...common,
        units: `${o.units}/s`,
      }));
    this.acceleration = this.add("acceleration", (name) =>
      new Signal({
        name,
        value: o.acceleration,
        kind: "config",
        source: pv("ACCL"),
        ...common,
        units: "s",
      }));
    this.motorEgu = this.add(
      "motor_egu",
      (name) => new SignalRO({ name, value: o.units, kind: "config", source: pv("EGU"), ...clock }),
    );
  }

  /** The current position, interpolated during a move. */
  get position(): number {
    return this.#readback.get();
  }

  /** Whether a move is under way. */
  get moving(): boolean {
    return this.#move !== undefined;
  }

  /** The soft limits, `[low, high]`. */
  get limits(): [number, number] {
    return [this.lowLimit, this.highLimit];
  }

  /** Engineering units. */
  get egu(): string {
    return this.motorEgu.get();
  }

  /**
   * Move to `target`. A non-finite target is a `TypeError`; one outside the soft limits is a
   * `RangeError`; either way nothing moves.
   * @param target The position to reach.
   * @returns A status that finishes when the move is done (already, for an instant motor).
   */
  set(target: number): Status {
    this.#check(target);
    const velocity = this.velocity.get();
    const acceleration = this.acceleration.get();
    positive(this.name, "velocity", velocity);
    if (!(acceleration >= 0)) {
      throw new RangeError(
        `Cannot move "${this.name}": acceleration "${acceleration}" is negative`,
      );
    }
    const status = new Status({ label: () => `Move of "${this.name}" to "${target}"` });
    const from = this.position;
    const statuses = this.#move ? [...this.#halt(), status] : [status];
    const distance = Math.abs(target - from);
    if (this.instant || distance === 0) {
      // Setpoint and readback change at the same moment: one time for both.
      const timestamp = this.#setpoint.now();
      this.#setpoint.record(target, timestamp);
      this.#readback.record(target, timestamp);
      for (const s of statuses) s.setFinished();
      return status;
    }
    this.#setpoint.record(target);
    const duration = distance / velocity + acceleration;
    this.#move = {
      from,
      to: target,
      started: performance.now(),
      duration,
      ramp: Math.min(acceleration, duration / 2),
      timer: setTimeout(() => this.#arrive(), duration * 1000),
      statuses,
    };
    return status;
  }

  /**
   * Halt a move where the motor is now and finish its status, as a failure unless `success`.
   * @param options `success` (default `false`, as ophyd).
   */
  stop(options: { success?: boolean } = {}): void {
    const move = this.#move;
    if (!move) return;
    this.#halt();
    const position = this.position;
    this.#setpoint.record(position);
    for (const status of move.statuses) {
      if (options.success) status.setFinished();
      else {
        status.setException(
          new FailedStatusError(`${status.label} did not finish: stopped at "${position}"`),
        );
      }
    }
  }

  /**
   * The keyword arguments of `repr()`, as ophyd's `EpicsMotor` shows them.
   * @returns `[keyword, value]` pairs.
   */
  protected override reprArgs(): [string, unknown][] {
    const [prefix, name, ...attrs] = super.reprArgs();
    return [prefix!, name!, ["settle_time", 0], ["timeout", null], ...attrs];
  }

  #check(target: number): void {
    if (typeof target !== "number" || !Number.isFinite(target)) {
      throw new TypeError(
        `Cannot move "${this.name}" to "${String(target)}": the target must be a finite number`,
      );
    }
    const { lowLimit: low, highLimit: high } = this;
    if (low < high && (target < low || target > high)) {
      throw new RangeError(
        `Cannot move "${this.name}" to "${target}": outside its soft limits [${low}, ${high}]`,
      );
    }
  }

  /** Where the move under way has got to, or `undefined` at rest. */
  #interpolated(): number | undefined {
    const move = this.#move;
    if (!move) return undefined;
    const elapsed = (performance.now() - move.started) / 1000;
    const distance = Math.abs(move.to - move.from);
    const done = travelled(elapsed, distance, move.duration, move.ramp);
    return move.to > move.from ? move.from + done : move.from - done;
  }

  /** End the move under way where it is now; returns its unfinished statuses. */
  #halt(): Status[] {
    const move = this.#move;
    if (!move) return [];
    const position = this.position;
    clearTimeout(move.timer);
    this.#move = undefined;
    this.#readback.record(position);
    return move.statuses;
  }

  #arrive(): void {
    const move = this.#move;
    if (!move) return;
    this.#move = undefined;
    this.#readback.record(move.to);
    for (const status of move.statuses) status.setFinished();
  }
}

/** Distance covered after `t` seconds of a trapezoidal move that lasts `duration` seconds. */
function travelled(t: number, distance: number, duration: number, ramp: number): number {
  if (t >= duration) return distance;
  if (t <= 0) return 0;
  if (ramp === 0) return (distance * t) / duration;
  const peak = distance / (duration - ramp);
  if (t < ramp) return (0.5 * peak * t * t) / ramp;
  if (t > duration - ramp) return distance - (0.5 * peak * (duration - t) ** 2) / ramp;
  return peak * (t - ramp / 2);
}

function positive(name: string, what: string, value: number): void {
  if (!(value > 0 && Number.isFinite(value))) {
    throw new RangeError(`Cannot use motor "${name}": ${what} "${value}" must be finite and > 0`);
  }
}

/** The readback: the stored position at rest, the interpolated one during a move. */
class Readback extends SignalRO<number> {
  #moving: () => number | undefined;

  constructor(options: SignalOptions<number>, moving: () => number | undefined) {
    super(options);
    this.#moving = moving;
  }

  protected override current(): { value: number; timestamp: number } {
    const position = this.#moving();
    return position === undefined ? super.current() : { value: position, timestamp: this.clock() };
  }

  record(value: number, timestamp?: number): void {
    this.store(value, timestamp);
  }
}

/** The setpoint: writing it moves the motor, as writing an EPICS motor's `.VAL`. */
class Setpoint extends Signal<number> {
  #move: (target: number) => Status;

  constructor(options: SignalOptions<number>, move: (target: number) => Status) {
    super(options);
    this.#move = move;
  }

  override set(value: number): Status {
    return this.#move(value);
  }

  override put(value: number): void {
    this.#move(value);
  }

  now(): number {
    return this.clock();
  }

  record(value: number, timestamp?: number): void {
    this.store(value, timestamp);
  }
}
