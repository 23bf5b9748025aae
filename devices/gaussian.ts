/**
 * A detector whose counts follow a Gaussian of a motor's position, as ophyd's `SynGauss`.
 *
 * @module
 */

import type { Readings } from "../core/engine/protocols.ts";
import { isReadable } from "../core/engine/protocols.ts";
import { Status } from "../core/engine/status.ts";
import { Device } from "./device.ts";
import { randomAt } from "./sensor.ts";
import { type Clock, Signal, SignalRO, wallClock } from "./signal.ts";

/**
 * Noise added to each value: none, Poisson counting noise, or uniform in ±`noiseMultiplier`.
 *
 * @example Counting noise gives whole numbers
 * ```ts
 * import assert from "node:assert/strict";
 * import { GaussianDetector, type Noise } from "./gaussian.ts";
 * const noise: Noise = "poisson";
 * const motor = { name: "m", position: 0 };
 * const det = new GaussianDetector({ motor, imax: 50, noise, seed: 1 });
 * det.trigger();
 * assert.ok(Number.isInteger(det.val.get()));
 * ```
 */
export type Noise = "none" | "poisson" | "uniform";

/**
 * What a detector can follow: an object with a numeric `position`, or a readable device.
 *
 * @example A plain object
 * ```ts
 * import assert from "node:assert/strict";
 * import { GaussianDetector, type PositionSource } from "./gaussian.ts";
 * const motor: PositionSource = { name: "m", position: 0 };
 * const det = new GaussianDetector({ motor });
 * det.trigger();
 * assert.equal(det.val.get(), 1);
 * ```
 */
export interface PositionSource {
  /** Name of the device; its reading of that key is the position. */
  readonly name: string;
  /** Current position, used when it is a number. */
  readonly position?: unknown;
  /** Readings, used when there is no numeric `position`. */
  read?(): Readings | Promise<Readings>;
}

/**
 * Options of {@linkcode GaussianDetector}.
 *
 * @example A narrow peak
 * ```ts
 * import assert from "node:assert/strict";
 * import { GaussianDetector, type GaussianDetectorOptions } from "./gaussian.ts";
 * const options: GaussianDetectorOptions = { motor: { name: "m", position: 0.1 }, sigma: 0.1 };
 * const det = new GaussianDetector(options);
 * det.trigger();
 * assert.ok(Math.abs(det.val.get() - Math.exp(-0.5)) < 1e-12);
 * ```
 */
export interface GaussianDetectorOptions {
  /** What the detector follows. */
  motor: PositionSource;
  /** Name of the detector and its value (default `"det"`). */
  name?: string;
  /** Data key of the motor's reading to use (default: the motor's name). */
  field?: string;
  /** Position of the peak. */
  center?: number;
  /** Height of the peak. */
  imax?: number;
  /** Width of the peak (standard deviation). */
  sigma?: number;
  /** Kind of noise. */
  noise?: Noise;
  /** Scale of uniform noise. */
  noiseMultiplier?: number;
  /** Integer seed of the noise (default: random). */
  seed?: number;
  /** Source of timestamps. */
  clock?: Clock;
}

/**
 * Defaults of {@linkcode GaussianDetectorOptions}.
 *
 * @example The defaults
 * ```ts
 * import assert from "node:assert/strict";
 * import { GaussianDetector, gaussianDetectorDefaults } from "./gaussian.ts";
 * const det = new GaussianDetector({ motor: { name: "m", position: 0 } });
 * assert.equal(det.sigma.get(), gaussianDetectorDefaults.sigma);
 * assert.equal(det.noise.get(), "none");
 * ```
 */
export const gaussianDetectorDefaults = {
  name: "det",
  center: 0,
  imax: 1,
  sigma: 1,
  noise: "none",
  noiseMultiplier: 1,
} satisfies Partial<GaussianDetectorOptions>;

/**
 * A simulated detector, as ophyd's `SynGauss`: `trigger()` computes
 * `imax * exp(-(x - center)² / (2 sigma²))` at the motor's position `x`, adds noise, and
 * finishes at once; `read()` returns that value under the detector's name (hinted).
 * Configuration: `<name>_Imax`, `<name>_center`, `<name>_sigma`, `<name>_noise`,
 * `<name>_noise_multiplier`, all writable and read at each trigger.
 *
 * @example The peak
 * ```ts
 * import assert from "node:assert/strict";
 * import { GaussianDetector } from "./gaussian.ts";
 * const motor = { name: "motor", position: 2 };
 * const det = new GaussianDetector({ motor, center: 2, imax: 100 });
 * det.trigger();
 * assert.equal(det.read().det?.value, 100);
 * ```
 */
export class GaussianDetector extends Device {
  /** The value, named after the detector. */
  readonly val: SignalRO<number>;
  /** Height of the peak. */
  readonly imax: Signal<number>;
  /** Position of the peak. */
  readonly center: Signal<number>;
  /** Width of the peak. */
  readonly sigma: Signal<number>;
  /** Kind of noise. */
  readonly noise: Signal<Noise>;
  /** Scale of uniform noise. */
  readonly noiseMultiplier: Signal<number>;
  /** Seed of the noise. */
  readonly seed: number;
  #value: Value;
  #motor: PositionSource;
  #field: string;
  #draws = 0;

  /**
   * Create a detector that follows `options.motor`.
   * @param options Motor, peak shape, noise, seed and clock.
   */
  constructor(options: GaussianDetectorOptions) {
    const o = { ...gaussianDetectorDefaults, ...options };
    super(o.name);
    if (!(o.sigma > 0 && Number.isFinite(o.sigma))) {
      throw new RangeError(`Cannot create detector "${o.name}": sigma "${o.sigma}" must be > 0`);
    }
    this.seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isSafeInteger(this.seed)) {
      throw new RangeError(
        `Cannot create detector "${o.name}": seed "${this.seed}" is not an integer`,
      );
    }
    this.#motor = o.motor;
    this.#field = o.field ?? o.motor.name;
    const clock = { clock: o.clock ?? wallClock, timestamp: (o.clock ?? wallClock)() };
    this.#value = this.add(
      "val",
      () => new Value({ name: o.name, value: 0, kind: "hinted", ...clock }),
    );
    this.val = this.#value;
    const config = <T>(attr: string, value: T, extra: { choices?: readonly string[] } = {}) =>
      this.add(attr, (name) => new Signal<T>({ name, value, kind: "config", ...clock, ...extra }));
    this.imax = config("Imax", o.imax);
    this.center = config("center", o.center);
    this.sigma = config("sigma", o.sigma);
    this.noise = config<Noise>("noise", o.noise, { choices: ["none", "poisson", "uniform"] });
    this.noiseMultiplier = config("noise_multiplier", o.noiseMultiplier);
  }

  /**
   * Compute a new value from the motor's current position.
   * @returns A status, finished at once unless the motor reads asynchronously.
   */
  trigger(): Status {
    const label = `Trigger of "${this.name}"`;
    const position = this.#position();
    if (!(position instanceof Promise)) {
      this.#value.record(this.#compute(position));
      return Status.done(label);
    }
    const status = new Status({ label });
    position.then((x) => {
      this.#value.record(this.#compute(x));
      status.setFinished();
    }, (error) => status.setException(error));
    return status;
  }

  #compute(x: number): number {
    const sigma = this.sigma.get();
    let value = this.imax.get() * Math.exp(-((x - this.center.get()) ** 2) / (2 * sigma ** 2));
    const noise = this.noise.get();
    if (noise === "poisson") value = poisson(Math.round(value), () => this.#random());
    else if (noise === "uniform") value += (2 * this.#random() - 1) * this.noiseMultiplier.get();
    return value;
  }

  #random(): number {
    return randomAt(this.seed, this.#draws++);
  }

  #position(): number | Promise<number> {
    const motor = this.#motor;
    if (typeof motor.position === "number") return motor.position;
    if (!isReadable(motor)) {
      throw new TypeError(
        `Cannot trigger "${this.name}": "${motor.name}" has neither a numeric position nor read()`,
      );
    }
    const readings = motor.read();
    return readings instanceof Promise ? readings.then((r) => this.#pick(r)) : this.#pick(readings);
  }

  #pick(readings: Readings): number {
    const value = readings[this.#field]?.value;
    if (typeof value !== "number") {
      throw new TypeError(
        `Cannot trigger "${this.name}": ` +
          `reading "${this.#field}" of "${this.#motor.name}" is not a number`,
      );
    }
    return value;
  }
}

/**
 * A Poisson-distributed count of mean `mean`: Knuth's product of uniforms for small means, the
 * normal approximation (rounded, at least 0) above 30 where the product would take too long.
 */
function poisson(mean: number, random: () => number): number {
  if (!(mean > 0)) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let count = 0;
    for (let p = random(); p > limit; p *= random()) count++;
    return count;
  }
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
}

/** The detector's value: stored by `trigger()`. */
class Value extends SignalRO<number> {
  record(value: number): void {
    this.store(value);
  }
}
