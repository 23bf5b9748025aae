/**
 * Plans, as bluesky's `plans`: complete runs that stage the devices, open a run with the same
 * start metadata bluesky writes (key for key), step through points and close the run.
 *
 * Signatures take at most two positional arguments and an options object; the motor arguments
 * that bluesky takes as a flat list become one tuple per motor:
 *
 * | bluesky | here |
 * | --- | --- |
 * | `count([det], num=3)` | `count([det], { num: 3 })` |
 * | `scan([det], m, -1, 1, 5)` | `scan([det], [[m, -1, 1]], { num: 5 })` |
 * | `list_scan([det], m, [1, 2])` | `listScan([det], [[m, [1, 2]]])` |
 * | `grid_scan([det], m1, 0, 1, 3, m2, 0, 1, 5, True)` | `gridScan([det], [[m1, 0, 1, 3], [m2, 0, 1, 5, true]])` |
 *
 * Every plan returns the uid of the run it opened. The start metadata also carries
 * `plan_type: "generator"`, which bluesky's RunEngine adds from the type of the plan object
 * (with less precedence than the plan's metadata, so a user's `md` still overrides it).
 *
 * @module
 */

import type { Plan } from "../engine/messages.ts";
import {
  type GridAxis,
  innerListProduct,
  innerProduct,
  type ListAxis,
  outerProduct,
  type ScanAxis,
  type ScanMotor,
  type Step,
  type Trajectory,
} from "./plan_patterns.ts";
import { hintedFields, oneNdStep, oneShot, type PositionCache, repeat } from "./stubs/mod.ts";
import {
  relativeSetWrapper,
  resetPositionsWrapper,
  runWrapper,
  stageWrapper,
} from "./preprocessors.ts";
import { type Movable, type Readable, reprOf } from "../engine/protocols.ts";

/**
 * Start metadata given by the user; it overrides what a plan writes.
 *
 * @example Run metadata
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Metadata } from "./plans.ts";
 * const md: Metadata = { sample: "Si", operator: "jane" };
 * assert.equal(md.sample, "Si");
 * ```
 */
export type Metadata = Readonly<Record<string, unknown>>;

/**
 * What a scan passes to its `perStep` plan besides the detectors and the point.
 *
 * @example A fresh context
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StepContext } from "./plans.ts";
 * const context: StepContext = { posCache: new Map() };
 * assert.equal(context.posCache.size, 0);
 * ```
 */
export interface StepContext {
  /** Where each motor was last sent during this scan. */
  posCache: PositionCache;
}

/**
 * The plan run at every point of a scan (bluesky's N-D `per_step`); default `oneNdStep`.
 *
 * @example Move, then read
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PerStep } from "./plans.ts";
 * import { oneNdStep } from "./stubs/mod.ts";
 * const perStep: PerStep = (detectors, step, context) => oneNdStep(detectors, step, context);
 * assert.equal(typeof perStep, "function");
 * ```
 */
export type PerStep = (
  detectors: readonly Readable[],
  step: Step,
  context: StepContext,
) => Plan<unknown>;

/**
 * The plan run at every shot of a count (bluesky's `per_shot`); default `oneShot`.
 *
 * @example Read twice per shot
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PerShot } from "./plans.ts";
 * import { triggerAndRead } from "./stubs/mod.ts";
 * const twice: PerShot = function* (detectors) {
 *   yield* triggerAndRead(detectors);
 *   yield* triggerAndRead(detectors);
 * };
 * assert.equal([...twice([])].length > 0, true);
 * ```
 */
export type PerShot = (detectors: readonly Readable[]) => Plan<unknown>;

/** The module that bluesky names as `plan_pattern_module`. */
const PATTERN_MODULE = "bluesky.plan_patterns";

/** Python-like repr of a plan hook, as recorded in `plan_args.per_step`. */
function reprHook(hook: ((...args: never[]) => unknown) | undefined): string {
  return hook === undefined ? "None" : `<function ${hook.name || "<lambda>"}>`;
}

function checkDetectors(detectors: unknown): void {
  if (!Array.isArray(detectors)) {
    throw new TypeError("Cannot run the plan: detectors must be an array of readable devices");
  }
}

/** A copy of `md.hints` (or of nothing) that defaults can be added to. */
function hintsOf(md: Metadata): Record<string, unknown> {
  const hints = md.hints;
  return typeof hints === "object" && hints !== null ? { ...hints } : {};
}

/**
 * Options of {@linkcode count}.
 *
 * @example Five readings, 0.1 s apart
 * ```ts
 * import assert from "node:assert/strict";
 * import { count, type CountOptions } from "./plans.ts";
 * const options: CountOptions = { num: 5, delay: 0.1, md: { sample: "Si" } };
 * assert.equal(typeof count([], options).next, "function");
 * ```
 */
export interface CountOptions {
  /** Number of readings; `null` reads until the plan is stopped. */
  num?: number | null | undefined;
  /** Seconds between readings: one number, or one entry per gap. */
  delay?: number | readonly (number | null)[] | undefined;
  /** Plan run at every shot (default {@linkcode oneShot}). */
  perShot?: PerShot | undefined;
  /** Metadata for the start document. */
  md?: Metadata | undefined;
}

/**
 * Defaults of {@linkcode CountOptions}.
 *
 * @example One reading by default
 * ```ts
 * import assert from "node:assert/strict";
 * import { countDefaults } from "./plans.ts";
 * assert.equal(countDefaults.num, 1);
 * ```
 */
export const countDefaults = { num: 1, delay: 0, md: {} } as const satisfies CountOptions;

/**
 * Read detectors `num` times (bluesky's `count`).
 *
 * @example A count of one detector
 * ```ts
 * import assert from "node:assert/strict";
 * import { count } from "./plans.ts";
 * const det = { name: "det", read: () => ({}), describe: () => ({}) };
 * const [stage, open] = count([det], { num: 3 });
 * assert.equal(stage?.command, "stage");
 * assert.equal(open?.kwargs?.plan_name, "count");
 * assert.equal(open?.kwargs?.num_points, 3);
 * ```
 *
 * @param detectors Devices to read.
 * @param options `num`, `delay`, `perShot` and `md`.
 * @returns The run's uid.
 */
export function* count(detectors: readonly Readable[], options: CountOptions = {}): Plan<string> {
  checkDetectors(detectors);
  const num = options.num === undefined ? countDefaults.num : options.num;
  const delay = options.delay ?? countDefaults.delay;
  const md = options.md ?? countDefaults.md;
  const plan: Record<string, unknown> = {
    detectors: detectors.map((d) => d.name),
    num_points: num,
    num_intervals: num === null ? null : num - 1,
    plan_args: {
      detectors: detectors.map(reprOf),
      num,
      delay: typeof delay === "number" ? delay : [...delay],
    },
    plan_name: "count",
    plan_type: "generator",
    hints: {},
    ...md,
  };
  const hints = hintsOf(plan);
  if (!("dimensions" in hints)) hints.dimensions = [[["time"], "primary"]];
  plan.hints = hints;
  const perShot = options.perShot ?? ((dets: readonly Readable[]) => oneShot(dets));
  const inner = repeat(() => perShot(detectors), { num, delay });
  return yield* stageWrapper(runWrapper(inner, { md: plan }), detectors);
}

/**
 * Options of {@linkcode scanNd}.
 *
 * @example Metadata for a scan
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ScanNdOptions } from "./plans.ts";
 * const options: ScanNdOptions = { md: { purpose: "test" } };
 * assert.equal(options.md?.purpose, "test");
 * ```
 */
export interface ScanNdOptions {
  /** Plan run at every point (default {@linkcode oneNdStep}). */
  perStep?: PerStep | undefined;
  /** Metadata for the start document. */
  md?: Metadata | undefined;
}

/** A Python-like repr of a trajectory, for `plan_args.cycler`. */
function reprTrajectory(trajectory: Trajectory): string {
  const parts = trajectory.motors.map((motor) => {
    const values = trajectory.points.map((p) => JSON.stringify(p.get(motor)) ?? "None");
    return `cycler(${reprOf(motor)}, [${values.join(", ")}])`;
  });
  return parts.length === 1 ? parts[0]! : `(${parts.join(" + ")})`;
}

/**
 * Step through any trajectory, reading the detectors and the motors at every point (bluesky's
 * `scan_nd`). The other step scans are built on it.
 *
 * @example Points from a list
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanNd } from "./plans.ts";
 * import { innerListProduct } from "./plan_patterns.ts";
 * const motor = { name: "m", set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const [, open] = scanNd([], innerListProduct([[motor, [1, 2]]]));
 * assert.equal(open?.kwargs?.num_points, 2);
 * ```
 *
 * @param detectors Devices to read.
 * @param trajectory Motors and points.
 * @param options `perStep` and `md`.
 * @returns The run's uid.
 */
export function* scanNd(
  detectors: readonly Readable[],
  trajectory: Trajectory,
  options: ScanNdOptions = {},
): Plan<string> {
  checkDetectors(detectors);
  const { motors, points } = trajectory;
  const plan: Record<string, unknown> = {
    detectors: detectors.map((d) => d.name),
    motors: motors.map((m) => m.name),
    num_points: points.length,
    num_intervals: points.length - 1,
    plan_args: {
      detectors: detectors.map(reprOf),
      cycler: reprTrajectory(trajectory),
      per_step: reprHook(options.perStep),
    },
    plan_name: "scan_nd",
    plan_type: "generator",
    hints: {},
    ...options.md,
  };
  const hints = hintsOf(plan);
  // Only when every motor hints its fields, as bluesky.
  if (motors.every((m) => m.hints !== undefined && "fields" in m.hints)) {
    if (!("dimensions" in hints)) {
      hints.dimensions = motors.map((m) => [m.hints!.fields, "primary"]);
    }
  }
  plan.hints = hints;
  const perStep: PerStep = options.perStep ??
    ((dets, step, context) => oneNdStep(dets, step, context));
  const posCache: PositionCache = new Map();
  function* inner(): Plan<void> {
    for (const step of points) yield* perStep(detectors, step, { posCache });
  }
  return yield* stageWrapper(runWrapper(inner(), { md: plan }), [...detectors, ...motors]);
}

/**
 * Options of {@linkcode scan} and {@linkcode relScan}.
 *
 * @example Eleven points
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ScanOptions } from "./plans.ts";
 * const options: ScanOptions = { num: 11, md: { purpose: "alignment" } };
 * assert.equal(options.num, 11);
 * ```
 */
export interface ScanOptions extends ScanNdOptions {
  /** Number of points, a positive whole number. */
  num: number;
}

/**
 * Defaults of {@linkcode ScanOptions} (`num` has none).
 *
 * @example No extra metadata by default
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanDefaults } from "./plans.ts";
 * assert.deepEqual(scanDefaults.md, {});
 * ```
 */
export const scanDefaults = { md: {} } as const satisfies Partial<ScanOptions>;

/**
 * Move motors together from their start to their stop in `num` evenly spaced points, reading
 * detectors and motors at each (bluesky's `scan`).
 *
 * @example The seed's scan
 * ```ts
 * import assert from "node:assert/strict";
 * import { scan } from "./plans.ts";
 * const sensor = { name: "sensor", read: () => ({}), describe: () => ({}) };
 * const motor = { name: "motor", hints: { fields: ["motor"] }, set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const [, , open] = scan([sensor], [[motor, -0.5, 0.5]], { num: 5 });
 * assert.equal(open?.command, "open_run");
 * assert.equal(open?.kwargs?.plan_pattern, "inner_product");
 * assert.deepEqual(open?.kwargs?.hints, { dimensions: [[["motor"], "primary"]] });
 * ```
 *
 * @param detectors Devices to read.
 * @param axes `[motor, start, stop]` for each motor.
 * @param options `num`, `perStep` and `md`.
 * @returns The run's uid.
 */
export function* scan(
  detectors: readonly Readable[],
  axes: readonly ScanAxis[],
  options: ScanOptions,
): Plan<string> {
  checkDetectors(detectors);
  const { num } = options;
  if (!(Number.isInteger(num) && num > 0)) {
    throw new RangeError(
      `Cannot scan ${num} points: num is the number of points (not a step size), ` +
        "a whole number > 0",
    );
  }
  const md = options.md ?? scanDefaults.md;
  const args = axes.flatMap(([motor, start, stop]) => [reprOf(motor), start, stop]);
  const plan: Record<string, unknown> = {
    plan_args: {
      detectors: detectors.map(reprOf),
      num,
      args,
      per_step: reprHook(options.perStep),
    },
    plan_name: "scan",
    plan_pattern: "inner_product",
    plan_pattern_module: PATTERN_MODULE,
    plan_pattern_args: { num, args },
    motors: axes.map(([motor]) => motor.name),
    ...md,
  };
  const xFields = axes.flatMap(([motor]) => hintedFields(motor));
  plan.hints = {
    ...(xFields.length > 0 ? { dimensions: [[xFields, "primary"]] } : {}),
    ...hintsOf(md),
  };
  return yield* scanNd(detectors, innerProduct(num, axes), { perStep: options.perStep, md: plan });
}

/** The motors of a relative plan come back to where they started, and moves are offsets. */
function relative<R>(plan: Plan<R>, motors: readonly Movable[]): Plan<R> {
  return resetPositionsWrapper(relativeSetWrapper(plan, motors), motors);
}

/**
 * {@linkcode scan} with start and stop relative to where each motor is; the motors return there
 * at the end (bluesky's `rel_scan`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relScan } from "./plans.ts";
 * const motor = { name: "m", position: 1, set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const [, open] = relScan([], [[motor, -1, 1]], { num: 3 });
 * assert.equal(open?.kwargs?.plan_name, "rel_scan");
 * ```
 *
 * @param detectors Devices to read.
 * @param axes `[motor, start, stop]` for each motor, relative.
 * @param options `num`, `perStep` and `md`.
 * @returns The run's uid.
 */
export function* relScan(
  detectors: readonly Readable[],
  axes: readonly ScanAxis[],
  options: ScanOptions,
): Plan<string> {
  checkDetectors(detectors);
  const md = { plan_name: "rel_scan", ...options.md };
  return yield* relative(scan(detectors, axes, { ...options, md }), axes.map(([m]) => m));
}

/**
 * Move motors together through lists of positions (bluesky's `list_scan`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listScan } from "./plans.ts";
 * const motor = { name: "m", set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const [, open] = listScan([], [[motor, [1, 4, 9]]]);
 * assert.equal(open?.kwargs?.plan_pattern, "inner_list_product");
 * ```
 *
 * @param detectors Devices to read.
 * @param axes `[motor, positions]` for each motor; all lists of the same length.
 * @param options `perStep` and `md`.
 * @returns The run's uid.
 */
export function* listScan(
  detectors: readonly Readable[],
  axes: readonly ListAxis[],
  options: ScanNdOptions = {},
): Plan<string> {
  checkDetectors(detectors);
  const md = options.md ?? {};
  const trajectory = innerListProduct(axes);
  const length = axes.length > 0 ? trajectory.points.length : null;
  const args = axes.flatMap(([motor, positions]) => [reprOf(motor), [...positions]]);
  const xFields = axes.flatMap(([motor]) => hintedFields(motor));
  const plan: Record<string, unknown> = {
    detectors: detectors.map((d) => d.name),
    motors: axes.map(([motor]) => motor.name),
    num_points: length,
    num_intervals: (length || 1) - 1,
    plan_args: { detectors: detectors.map(reprOf), args, per_step: reprHook(options.perStep) },
    plan_name: "list_scan",
    plan_pattern: "inner_list_product",
    plan_pattern_module: PATTERN_MODULE,
    plan_pattern_args: { args },
    hints: {},
    ...md,
  };
  plan.hints = {
    ...(xFields.length > 0 ? { dimensions: [[xFields, "primary"]] } : {}),
    ...hintsOf(md),
  };
  return yield* scanNd(detectors, trajectory, { perStep: options.perStep, md: plan });
}

/**
 * Options of {@linkcode gridScan} and {@linkcode relGridScan}.
 *
 * @example Snake every fast axis
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GridScanOptions } from "./plans.ts";
 * const options: GridScanOptions = { snakeAxes: true };
 * assert.equal(options.snakeAxes, true);
 * ```
 */
export interface GridScanOptions extends ScanNdOptions {
  /**
   * Which axes run back and forth: `true` for all but the first, `false` for none, or the
   * motors to snake. Cannot be combined with snake flags in the axes.
   */
  snakeAxes?: boolean | readonly Movable[] | undefined;
}

/**
 * Defaults of {@linkcode GridScanOptions}.
 *
 * @example No extra metadata by default
 * ```ts
 * import assert from "node:assert/strict";
 * import { gridScanDefaults } from "./plans.ts";
 * assert.deepEqual(gridScanDefaults.md, {});
 * ```
 */
export const gridScanDefaults = { md: {} } as const satisfies GridScanOptions;

/** Each axis with its effective snake flag, checked as bluesky checks them. */
function gridAxes(
  axes: readonly GridAxis[],
  snakeAxes: GridScanOptions["snakeAxes"],
): [ScanMotor, number, number, number, boolean][] {
  const motors = axes.map(([motor]) => motor);
  if (new Set(motors).size !== motors.length) {
    throw new RangeError(
      `Cannot scan a grid with a motor listed twice: ${
        motors.map((m) => `"${m.name}"`).join(", ")
      }`,
    );
  }
  if (axes[0]?.[4] === true) {
    throw new RangeError(
      `Cannot snake "${axes[0][0].name}": the first (slowest) axis never snakes`,
    );
  }
  const flagged = axes.slice(1).some((axis) => axis.length === 5);
  if (snakeAxes !== undefined && flagged) {
    throw new RangeError(
      "Cannot combine snakeAxes with snake flags in the axes: use one or the other",
    );
  }
  let snake = (_motor: ScanMotor, i: number, axis: GridAxis): boolean => i > 0 && axis[4] === true;
  if (snakeAxes === true) snake = (_motor, i) => i > 0;
  else if (snakeAxes === false) snake = () => false;
  else if (Array.isArray(snakeAxes)) {
    const chosen: readonly Movable[] = snakeAxes;
    if (new Set(chosen).size !== chosen.length) {
      throw new RangeError("Cannot snake a motor twice: snakeAxes lists one more than once");
    }
    if (motors[0] !== undefined && chosen.includes(motors[0])) {
      throw new RangeError(`Cannot snake "${motors[0].name}": it is the first (slowest) axis`);
    }
    const stray = chosen.find((m) => !motors.includes(m as ScanMotor));
    if (stray) {
      throw new RangeError(`Cannot snake "${stray.name}": it is not one of the grid's motors`);
    }
    snake = (motor) => chosen.includes(motor);
  }
  return axes.map((axis, i) => {
    const [motor, start, stop, num] = axis;
    return [motor, start, stop, num, snake(motor, i, axis)];
  });
}

/**
 * Scan a grid, each motor on its own evenly spaced axis, the first slowest; an axis after the
 * first can snake (run back and forth) (bluesky's `grid_scan`).
 *
 * @example A 3 x 5 grid whose fast axis snakes
 * ```ts
 * import assert from "node:assert/strict";
 * import { gridScan } from "./plans.ts";
 * const m = (name: string) => ({ name, set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) });
 * const [, , open] = gridScan([], [[m("y"), -1, 1, 3], [m("x"), -2, 2, 5, true]]);
 * assert.equal(open?.kwargs?.num_points, 15);
 * assert.deepEqual(open?.kwargs?.snaking, [false, true]);
 * ```
 *
 * @param detectors Devices to read.
 * @param axes `[motor, start, stop, num]`, with a snake flag for axes after the first.
 * @param options `snakeAxes`, `perStep` and `md`.
 * @returns The run's uid.
 */
export function* gridScan(
  detectors: readonly Readable[],
  axes: readonly GridAxis[],
  options: GridScanOptions = {},
): Plan<string> {
  checkDetectors(detectors);
  const chunks = gridAxes(axes, options.snakeAxes);
  const md = options.md ?? gridScanDefaults.md;
  const args = chunks.flatMap(([motor, start, stop, num, snake], i) =>
    i > 0 ? [reprOf(motor), start, stop, num, snake] : [reprOf(motor), start, stop, num]
  );
  const plan: Record<string, unknown> = {
    shape: chunks.map(([, , , num]) => num),
    extents: chunks.map(([, start, stop]) => [start, stop]),
    snaking: chunks.map(([, , , , snake]) => snake),
    plan_args: { detectors: detectors.map(reprOf), args, per_step: reprHook(options.perStep) },
    plan_name: "grid_scan",
    plan_pattern: "outer_product",
    plan_pattern_args: { args },
    plan_pattern_module: PATTERN_MODULE,
    motors: chunks.map(([motor]) => motor.name),
    hints: {},
    ...md,
  };
  const hints = hintsOf(plan);
  if (!("gridding" in hints)) hints.gridding = "rectilinear";
  const motors = chunks.map(([motor]) => motor);
  if (!("dimensions" in hints) && motors.every((m) => m.hints && "fields" in m.hints)) {
    hints.dimensions = motors.map((m) => [m.hints!.fields, "primary"]);
  }
  plan.hints = hints;
  const trajectory = outerProduct(chunks);
  return yield* scanNd(detectors, trajectory, { perStep: options.perStep, md: plan });
}

/**
 * {@linkcode gridScan} relative to where each motor is; the motors return there at the end
 * (bluesky's `rel_grid_scan`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relGridScan } from "./plans.ts";
 * const m = (name: string) => ({ name, position: 0, set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) });
 * const [, , open] = relGridScan([], [[m("y"), -1, 1, 2], [m("x"), -1, 1, 2]]);
 * assert.equal(open?.kwargs?.plan_name, "rel_grid_scan");
 * ```
 *
 * @param detectors Devices to read.
 * @param axes `[motor, start, stop, num]` relative, with a snake flag for axes after the first.
 * @param options `snakeAxes`, `perStep` and `md`.
 * @returns The run's uid.
 */
export function* relGridScan(
  detectors: readonly Readable[],
  axes: readonly GridAxis[],
  options: GridScanOptions = {},
): Plan<string> {
  checkDetectors(detectors);
  const md = { plan_name: "rel_grid_scan", ...options.md };
  return yield* relative(gridScan(detectors, axes, { ...options, md }), axes.map(([m]) => m));
}
