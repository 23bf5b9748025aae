/**
 * bluesky's `scan` and `rel_scan`: move motors together from a start to a stop in evenly
 * spaced points, absolute or relative to where the motors are.
 *
 * @module
 */

import type { Plan } from "../engine/messages.ts";
import { type Readable, reprOf } from "../engine/protocols.ts";
import { checkDetectors, hintsOf, PATTERN_MODULE, reprHook } from "./_plan_args.ts";
import { innerProduct, type ScanAxis } from "./plan_patterns.ts";
import { relativeSetWrapper, resetPositionsWrapper } from "./preprocessors/relative.ts";
import { type ScanNdOptions, stepScan } from "./scan_nd.ts";
import { hintedFields } from "./stubs/mod.ts";

/** Options of {@linkcode scan} and {@linkcode relScan}. */
export interface ScanOptions extends ScanNdOptions {
  /** Number of points, a positive whole number. */
  num: number;
}

/** Defaults of {@linkcode ScanOptions} (`num` has none). */
export const scanDefaults = { md: {} } as const satisfies Partial<ScanOptions>;

/**
 * Move motors together from their start to their stop in `num` evenly spaced points, reading
 * detectors and motors at each (bluesky's `scan`).
 *
 * @example The seed's scan
 * ```ts
 * import assert from "node:assert/strict";
 * import { scan } from "./scan.ts";
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
export function scan(
  detectors: readonly Readable[],
  axes: readonly ScanAxis[],
  options: ScanOptions,
): Plan<string> {
  // Checked and built when the plan starts, as in a generator's body.
  return stepScan(() => {
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
    return {
      detectors,
      trajectory: innerProduct(num, axes),
      options: { perStep: options.perStep, md: plan },
    };
  });
}

/**
 * {@linkcode scan} with start and stop relative to where each motor is; the motors return there
 * at the end (bluesky's `rel_scan`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relScan } from "./scan.ts";
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
  const motors = axes.map(([motor]) => motor);
  const plan = relativeSetWrapper(scan(detectors, axes, { ...options, md }), motors);
  return yield* resetPositionsWrapper(plan, motors);
}
