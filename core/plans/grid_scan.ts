/**
 * bluesky's `grid_scan` and `rel_grid_scan`: a grid, each motor on its own evenly spaced
 * axis, the first slowest; the axes after the first may snake.
 *
 * @module
 */

import type { Plan } from "../engine/messages.ts";
import { type Movable, type Readable, reprOf } from "../engine/protocols.ts";
import { checkDetectors, hintsOf, PATTERN_MODULE, reprHook } from "./_plan_args.ts";
import { type GridAxis, outerProduct, type ScanMotor } from "./plan_patterns.ts";
import { relativeSetWrapper, resetPositionsWrapper } from "./preprocessors/relative.ts";
import { type ScanNdOptions, stepScan } from "./scan_nd.ts";

/** Options of {@linkcode gridScan} and {@linkcode relGridScan}. */
export interface GridScanOptions extends ScanNdOptions {
  /**
   * Which axes run back and forth: `true` for all but the first, `false` for none, or the
   * motors to snake. Cannot be combined with snake flags in the axes.
   */
  snakeAxes?: boolean | readonly Movable[] | undefined;
}

/** Defaults of {@linkcode GridScanOptions}. */
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
 * import { gridScan } from "./grid_scan.ts";
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
export function gridScan(
  detectors: readonly Readable[],
  axes: readonly GridAxis[],
  options: GridScanOptions = {},
): Plan<string> {
  // Checked and built when the plan starts, as in a generator's body.
  return stepScan(() => {
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
    return { detectors, trajectory: trajectory, options: { perStep: options.perStep, md: plan } };
  });
}

/**
 * {@linkcode gridScan} relative to where each motor is; the motors return there at the end
 * (bluesky's `rel_grid_scan`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relGridScan } from "./grid_scan.ts";
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
  const motors = axes.map(([motor]) => motor);
  const plan = relativeSetWrapper(gridScan(detectors, axes, { ...options, md }), motors);
  return yield* resetPositionsWrapper(plan, motors);
}
