/**
 * Trajectories of step scans, as bluesky's `plan_patterns`: where every motor goes at every
 * point, built from start/stop/num ranges or from lists of positions, with optional snaking.
 *
 * A {@linkcode Trajectory} plays the part of bluesky's `Cycler`: an ordered list of motors
 * and, for each point, a map from motor to position.
 *
 * @module
 */

import type { Movable, Readable } from "../engine/protocols.ts";

/** A motor of a step scan: it is moved (`set`) and read at every point. */
export type ScanMotor = Movable & Readable;

/**
 * One point of a trajectory: the position of each motor, in motor order.
 *
 * @example Where each motor goes at one point
 * ```ts
 * import assert from "node:assert/strict";
 * import { innerProduct, type Step } from "./plan_patterns.ts";
 * import { Status } from "../engine/status.ts";
 * const motor = {
 *   name: "m", position: 0,
 *   set(value: unknown) { this.position = Number(value); return Status.done("set"); },
 *   read: () => ({ m: { value: 0, timestamp: 0 } }),
 *   describe: () => ({ m: { dtype: "number" as const, shape: [], source: "SIM:m" } }),
 * };
 * const steps: readonly Step[] = [...innerProduct(3, [[motor, 0, 1]])];
 * assert.deepEqual(steps.map((s) => s.get(motor)), [0, 0.5, 1]);
 * ```
 */
export type Step = ReadonlyMap<ScanMotor, unknown>;

/**
 * The points of a step scan (bluesky's `Cycler`). A point is computed when it is asked for, so a
 * scan of 10⁹ points starts at once and takes no memory for its positions.
 *
 * @example The motors and their points
 * ```ts
 * import assert from "node:assert/strict";
 * import { innerProduct, type Trajectory } from "./plan_patterns.ts";
 * import { Status } from "../engine/status.ts";
 * const motor = {
 *   name: "m", position: 0,
 *   set(value: unknown) { this.position = Number(value); return Status.done("set"); },
 *   read: () => ({ m: { value: 0, timestamp: 0 } }),
 *   describe: () => ({ m: { dtype: "number" as const, shape: [], source: "SIM:m" } }),
 * };
 * const trajectory: Trajectory = innerProduct(2, [[motor, 0, 1]]);
 * assert.equal(trajectory.length, 2);
 * assert.equal(trajectory.at(1).get(motor), 1);
 * assert.deepEqual([...trajectory].map((p) => p.get(motor)), [0, 1]);
 * ```
 */
export interface Trajectory extends Iterable<Step> {
  /** The motors, slowest first. */
  readonly motors: readonly ScanMotor[];
  /** The number of points. */
  readonly length: number;
  /**
   * The point at `index`, computed now.
   * @param index From 0 to `length - 1`, in scan order.
   * @returns Where each motor goes.
   * @throws {RangeError} When there is no point at `index`.
   */
  at(index: number): Step;
}

/** One axis whose positions are computed when asked for. */
interface LazyAxis {
  readonly motor: ScanMotor;
  readonly length: number;
  position(index: number): unknown;
}

/** A trajectory of `length` points, each made by `point` when it is asked for. */
function lazyTrajectory(
  motors: readonly ScanMotor[],
  length: number,
  point: (index: number) => Step,
): Trajectory {
  return {
    motors,
    length,
    at(index: number): Step {
      if (!Number.isInteger(index) || index < 0 || index >= length) {
        throw new RangeError(
          `Cannot take point ${index} of a trajectory of ${length} points: ` +
            `expected a whole number from 0 to ${length - 1}`,
        );
      }
      return point(index);
    },
    *[Symbol.iterator](): Iterator<Step> {
      for (let i = 0; i < length; i++) yield point(i);
    },
  };
}

/** Points from `axes` moving together: point `i` is the `i`-th position of every axis. */
function zipAxes(axes: readonly LazyAxis[]): Trajectory {
  const lengths = new Set(axes.map((axis) => axis.length));
  if (lengths.size > 1) {
    const detail = axes.map((a) => `"${a.motor.name}": ${a.length}`).join(", ");
    throw new RangeError(`Cannot zip position lists of different lengths: ${detail}`);
  }
  return lazyTrajectory(
    axes.map((axis) => axis.motor),
    axes[0]?.length ?? 0,
    (i) => {
      const step = new Map<ScanMotor, unknown>();
      for (const axis of axes) step.set(axis.motor, axis.position(i));
      return step;
    },
  );
}

/** Checks `num` as `linspace` does. */
function checkNum(num: number): void {
  if (!Number.isInteger(num) || num < 0) {
    throw new RangeError(`Cannot make a range of ${num} points: expected a whole number >= 0`);
  }
}

/** The `i`-th of `num` values of `linspace(start, stop, num)`, computed alone, bit for bit. */
function linspaceAt(start: number, stop: number, num: number, i: number): number {
  if (num === 1) return start;
  if (i === num - 1) return stop;
  return i * ((stop - start) / (num - 1)) + start;
}

/** An evenly spaced axis, its positions computed when asked for. */
function rangeAxis(motor: ScanMotor, start: number, stop: number, num: number): LazyAxis {
  checkNum(num);
  return { motor, length: num, position: (i) => linspaceAt(start, stop, num, i) };
}

/** A list of positions as an axis. */
function listAxis([motor, positions]: ListAxis): LazyAxis {
  return { motor, length: positions.length, position: (i) => positions[i] };
}

/** One axis of an inner product: `[motor, start, stop]`. */
export type ScanAxis = readonly [motor: ScanMotor, start: number, stop: number];

/** One axis of a list scan: `[motor, positions]`. */
export type ListAxis = readonly [motor: ScanMotor, positions: readonly unknown[]];

/**
 * One axis of a grid: `[motor, start, stop, num]`, and for every axis but the first an optional
 * snake flag.
 */
export type GridAxis =
  | readonly [motor: ScanMotor, start: number, stop: number, num: number]
  | readonly [motor: ScanMotor, start: number, stop: number, num: number, snake: boolean];

/**
 * Evenly spaced numbers from `start` to `stop` inclusive, computed as numpy's `linspace` does
 * (so the positions match bluesky's bit for bit).
 *
 * @example Five points from -0.5 to 0.5
 * ```ts
 * import assert from "node:assert/strict";
 * import { linspace } from "./plan_patterns.ts";
 * assert.deepEqual(linspace(-0.5, 0.5, 5), [-0.5, -0.25, 0, 0.25, 0.5]);
 * ```
 *
 * @param start First value.
 * @param stop Last value.
 * @param num How many values; a non-negative integer.
 * @returns The values.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  checkNum(num);
  return Array.from({ length: num }, (_, i) => linspaceAt(start, stop, num, i));
}

/**
 * Motors moving together (bluesky's `inner_list_product`): point `i` puts every motor at the
 * `i`-th entry of its list.
 *
 * @example Two motors along one line
 * ```ts
 * import assert from "node:assert/strict";
 * import { innerListProduct } from "./plan_patterns.ts";
 * const m = (name: string) => ({
 *   name,
 *   set: () => { throw new Error("not moved here"); },
 *   read: () => ({}),
 *   describe: () => ({}),
 * });
 * const [x, y] = [m("x"), m("y")];
 * const t = innerListProduct([[x, [1, 2]], [y, [10, 20]]]);
 * assert.deepEqual([...t].map((p) => [p.get(x), p.get(y)]), [[1, 10], [2, 20]]);
 * ```
 *
 * @param axes `[motor, positions]` pairs; every list must have the same length.
 * @returns The trajectory.
 */
export function innerListProduct(axes: readonly ListAxis[]): Trajectory {
  return zipAxes(axes.map(listAxis));
}

/**
 * Motors moving together along evenly spaced positions (bluesky's `inner_product`).
 *
 * @example One motor, three points
 * ```ts
 * import assert from "node:assert/strict";
 * import { innerProduct } from "./plan_patterns.ts";
 * const motor = { name: "motor", set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const t = innerProduct(3, [[motor, 0, 1]]);
 * assert.deepEqual([...t].map((p) => p.get(motor)), [0, 0.5, 1]);
 * ```
 *
 * @param num Number of points.
 * @param axes `[motor, start, stop]` triples.
 * @returns The trajectory.
 */
export function innerProduct(num: number, axes: readonly ScanAxis[]): Trajectory {
  checkNum(num);
  return zipAxes(axes.map(([motor, start, stop]) => rangeAxis(motor, start, stop, num)));
}

/**
 * The product of several position lists, the first slowest, where a snaked axis runs back and
 * forth instead of starting over (bluesky's `snake_cyclers`).
 *
 * @example A 2 x 3 grid with the fast axis snaked
 * ```ts
 * import assert from "node:assert/strict";
 * import { snakeProduct } from "./plan_patterns.ts";
 * const m = (name: string) => ({ name, set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) });
 * const [y, x] = [m("y"), m("x")];
 * const t = snakeProduct([[y, [0, 1]], [x, [1, 2, 3]]], [false, true]);
 * assert.deepEqual([...t].map((p) => p.get(x)), [1, 2, 3, 3, 2, 1]);
 * ```
 *
 * @param axes `[motor, positions]` pairs, slowest first.
 * @param snaking One flag per axis; the first one makes no difference.
 * @returns The trajectory.
 */
export function snakeProduct(axes: readonly ListAxis[], snaking: readonly boolean[]): Trajectory {
  return snakeAxes(axes.map(listAxis), snaking);
}

/**
 * The product of `axes`, the first slowest: point `p` puts axis `i` at entry
 * `floor(p / repeats) mod period` of its positions (run backwards in the second half of the
 * period when it snakes), where `repeats` is the product of the faster axes' lengths.
 */
function snakeAxes(axes: readonly LazyAxis[], snaking: readonly boolean[]): Trajectory {
  if (axes.length !== snaking.length) {
    throw new RangeError(
      `Cannot snake ${axes.length} axes with ${snaking.length} flags: expected one flag per axis`,
    );
  }
  const lengths = axes.map((axis) => axis.length);
  const product = (list: number[]) => list.reduce((a, b) => a * b, 1);
  const total = axes.length === 0 ? 0 : product(lengths);
  const repeats = axes.map((_, i) => product(lengths.slice(i + 1)));
  const position = (axis: LazyAxis, i: number, p: number): unknown => {
    const length = axis.length;
    const k = Math.floor(p / repeats[i]!) % (snaking[i] ? 2 * length : length);
    return axis.position(k < length ? k : 2 * length - 1 - k);
  };
  return lazyTrajectory(
    axes.map((axis) => axis.motor),
    total,
    (p) => new Map(axes.map((axis, i) => [axis.motor, position(axis, i, p)])),
  );
}

/**
 * A grid of evenly spaced positions, the first axis slowest (bluesky's `outer_product`). The
 * snake flag of each axis after the first says whether it runs back and forth.
 *
 * @example A 2 x 2 grid with the second axis snaked
 * ```ts
 * import assert from "node:assert/strict";
 * import { outerProduct } from "./plan_patterns.ts";
 * const m = (name: string) => ({ name, set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) });
 * const [y, x] = [m("y"), m("x")];
 * const t = outerProduct([[y, 0, 1, 2], [x, 0, 1, 2, true]]);
 * assert.deepEqual([...t].map((p) => [p.get(y), p.get(x)]), [[0, 0], [0, 1], [1, 1], [1, 0]]);
 * ```
 *
 * @param axes `[motor, start, stop, num, snake?]` tuples, slowest first.
 * @returns The trajectory.
 */
export function outerProduct(axes: readonly GridAxis[]): Trajectory {
  return snakeAxes(
    axes.map(([motor, start, stop, num]) => rangeAxis(motor, start, stop, num)),
    axes.map((axis, i) => i > 0 && axis[4] === true),
  );
}
