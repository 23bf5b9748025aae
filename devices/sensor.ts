/**
 * The seed's "sensor": a random number between 0 and 1 that a synApps userCalc renews at
 * 10 Hz, read through an `EpicsSignalRO`.
 *
 * @module
 */

import { type Clock, SignalRO, type TimedValue } from "./signal.ts";

/**
 * Options of {@linkcode RandomSensor}.
 *
 * @example A seeded 5 Hz sensor
 * ```ts
 * import assert from "node:assert/strict";
 * import { RandomSensor, type RandomSensorOptions } from "./sensor.ts";
 * const options: RandomSensorOptions = { name: "noise", rate: 5, seed: 3 };
 * assert.equal(new RandomSensor(options).rate, 5);
 * ```
 */
export interface RandomSensorOptions {
  /** Name of the signal (default `"sensor"`). */
  name?: string;
  /** PV shown by `repr()` (default `"sim:<name>"`). */
  readPv?: string;
  /** New values per second. */
  rate?: number;
  /** Integer seed of the values (default: random). */
  seed?: number;
  /** Source of timestamps, which also decides the value. */
  clock?: Clock;
}

/**
 * Defaults of {@linkcode RandomSensorOptions}.
 */
export const randomSensorDefaults = {
  name: "sensor",
  rate: 10,
} satisfies RandomSensorOptions;

/**
 * A read-only, hinted signal whose value is a uniform random number in `[0, 1)` that changes
 * `rate` times a second. No timer runs: the value is a function of the seed and of the period
 * the clock is in, and its timestamp is the start of that period.
 *
 * @example Two reads in one period agree
 * ```ts
 * import assert from "node:assert/strict";
 * import { RandomSensor } from "./sensor.ts";
 * let now = 100.01;
 * const sensor = new RandomSensor({ seed: 1, clock: () => now });
 * const first = sensor.read().sensor;
 * now = 100.09;
 * assert.deepEqual(sensor.read().sensor, first);
 * assert.equal(first?.timestamp, 100);
 * now = 100.1;
 * assert.notEqual(sensor.get(), first?.value);
 * ```
 */
export class RandomSensor extends SignalRO<number> {
  /** New values per second. */
  readonly rate: number;
  /** Seed of the values. */
  readonly seed: number;
  /** PV shown by `repr()`. */
  readonly readPv: string;

  /**
   * Create a sensor.
   * @param options Name, rate, seed and clock.
   */
  constructor(options: RandomSensorOptions = {}) {
    const o = { ...randomSensorDefaults, ...options };
    if (!(o.rate > 0 && Number.isFinite(o.rate))) {
      throw new RangeError(
        `Cannot create sensor "${o.name}": rate "${o.rate}" must be finite and > 0`,
      );
    }
    const seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`Cannot create sensor "${o.name}": seed "${seed}" is not an integer`);
    }
    super({
      name: o.name,
      value: 0,
      kind: "hinted",
      units: "",
      precision: 5,
      limits: { low: 0, high: 0 },
      ...(o.clock ? { clock: o.clock } : {}),
    });
    this.rate = o.rate;
    this.seed = seed;
    this.readPv = o.readPv ?? `sim:${o.name}`;
  }

  /**
   * The value of the period the clock is in.
   * @returns The value, stamped with the start of the period.
   */
  protected override current(): TimedValue<number> {
    const now = this.clock();
    let period = Math.floor(now * this.rate);
    // Keep `period / rate <= now < (period + 1) / rate` despite rounding.
    if ((period + 1) / this.rate <= now) period += 1;
    else if (period / this.rate > now) period -= 1;
    return { value: randomAt(this.seed, period), timestamp: period / this.rate };
  }

  /**
   * The keyword arguments of `repr()`, as ophyd's `EpicsSignalRO` shows them.
   * @returns `[keyword, value]` pairs.
   */
  protected override reprArgs(): [string, unknown][] {
    return [
      ["read_pv", this.readPv],
      ["name", this.name],
      ["timestamp", this.current().timestamp],
      ["auto_monitor", false],
      ["string", false],
    ];
  }
}

/**
 * The `index`-th number of the random stream `seed`, uniform in `[0, 1)`. Stateless, so any
 * element can be drawn directly (a counter-based generator built on murmur3's finalizer).
 *
 * @example The same seed and index give the same number
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomAt } from "./sensor.ts";
 * assert.equal(randomAt(7, 123), randomAt(7, 123));
 * assert.notEqual(randomAt(7, 123), randomAt(7, 124));
 * assert.ok(randomAt(7, 123) >= 0 && randomAt(7, 123) < 1);
 * ```
 *
 * @param seed An integer (taken modulo 2³²).
 * @param index An integer, for example a period number.
 * @returns A number in `[0, 1)`.
 */
export function randomAt(seed: number, index: number): number {
  const low = ((index % 2 ** 32) + 2 ** 32) % 2 ** 32;
  const high = Math.floor(index / 2 ** 32) >>> 0;
  let h = mix((seed >>> 0) ^ 0x9e3779b9);
  h = mix(h ^ low);
  h = mix(h ^ high);
  // 27 + 26 bits from two words make a double with 53 random bits.
  const a = h >>> 5;
  const b = mix(h ^ 0x68e31da4) >>> 6;
  return (a * 2 ** 26 + b) / 2 ** 53;
}

/** murmur3's 32-bit finalizer: a bijection that spreads every input bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
