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
 * const steps: readonly Step[] = innerProduct(3, [[motor, 0, 1]]).points;
 * assert.deepEqual(steps.map((s) => s.get(motor)), [0, 0.5, 1]);
 * ```
 */
export type Step = ReadonlyMap<ScanMotor, unknown>;

/**
 * The points of a step scan (bluesky's `Cycler`).
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
 * assert.equal(trajectory.points.length, 2);
 * ```
 */
export interface Trajectory {
  /** The motors, slowest first. */
  readonly motors: readonly ScanMotor[];
  /** Every point, in scan order. */
  readonly points: readonly Step[];
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
  if (!Number.isInteger(num) || num < 0) {
    throw new RangeError(`Cannot make a range of ${num} points: expected a whole number >= 0`);
  }
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const values = Array.from({ length: num }, (_, i) => i * step + start);
  if (num > 1) values[num - 1] = stop;
  return values;
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
 * assert.deepEqual(t.points.map((p) => [p.get(x), p.get(y)]), [[1, 10], [2, 20]]);
 * ```
 *
 * @param axes `[motor, positions]` pairs; every list must have the same length.
 * @returns The trajectory.
 */
export function innerListProduct(axes: readonly ListAxis[]): Trajectory {
  const lengths = new Set(axes.map(([, positions]) => positions.length));
  if (lengths.size > 1) {
    const detail = axes.map(([m, p]) => `"${m.name}": ${p.length}`).join(", ");
    throw new RangeError(`Cannot zip position lists of different lengths: ${detail}`);
  }
  const motors = axes.map(([motor]) => motor);
  const num = axes[0]?.[1].length ?? 0;
  const points = Array.from(
    { length: num },
    (_, i) => new Map(axes.map(([motor, positions]) => [motor, positions[i]])),
  );
  return { motors, points };
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
 * assert.deepEqual(t.points.map((p) => p.get(motor)), [0, 0.5, 1]);
 * ```
 *
 * @param num Number of points.
 * @param axes `[motor, start, stop]` triples.
 * @returns The trajectory.
 */
export function innerProduct(num: number, axes: readonly ScanAxis[]): Trajectory {
  return innerListProduct(axes.map(([motor, start, stop]) => [motor, linspace(start, stop, num)]));
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
 * assert.deepEqual(t.points.map((p) => p.get(x)), [1, 2, 3, 3, 2, 1]);
 * ```
 *
 * @param axes `[motor, positions]` pairs, slowest first.
 * @param snaking One flag per axis; the first one makes no difference.
 * @returns The trajectory.
 */
export function snakeProduct(axes: readonly ListAxis[], snaking: readonly boolean[]): Trajectory {
  if (axes.length !== snaking.length) {
    throw new RangeError(
      `Cannot snake ${axes.length} axes with ${snaking.length} flags: expected one flag per axis`,
    );
  }
  const lengths = axes.map(([, positions]) => positions.length);
  const product = (list: number[]) => list.reduce((a, b) => a * b, 1);
  const total = axes.length === 0 ? 0 : product(lengths);
  const columns = axes.map(([, positions], i) => {
    const values = snaking[i] ? [...positions, ...[...positions].reverse()] : [...positions];
    const repeats = product(lengths.slice(i + 1));
    const column: unknown[] = [];
    while (column.length < total) {
      for (const value of values) {
        for (let r = 0; r < repeats; r++) column.push(value);
      }
    }
    return column;
  });
  const motors = axes.map(([motor]) => motor);
  const points = Array.from(
    { length: total },
    (_, p) => new Map(motors.map((motor, i) => [motor, columns[i]![p]])),
  );
  return { motors, points };
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
 * assert.deepEqual(t.points.map((p) => [p.get(y), p.get(x)]), [[0, 0], [0, 1], [1, 1], [1, 0]]);
 * ```
 *
 * @param axes `[motor, start, stop, num, snake?]` tuples, slowest first.
 * @returns The trajectory.
 */
export function outerProduct(axes: readonly GridAxis[]): Trajectory {
  return snakeProduct(
    axes.map(([motor, start, stop, num]) => [motor, linspace(start, stop, num)]),
    axes.map((axis, i) => i > 0 && axis[4] === true),
  );
}
