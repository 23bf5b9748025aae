/**
 * bluesky's `list_scan`: move motors together through lists of positions.
 *
 * @module
 */

import type { Plan } from "../engine/messages.ts";
import { type Readable, reprOf } from "../engine/protocols.ts";
import { checkDetectors, hintsOf, PATTERN_MODULE, reprHook } from "./_plan_args.ts";
import { innerListProduct, type ListAxis } from "./plan_patterns.ts";
import { type ScanNdOptions, stepScan } from "./scan_nd.ts";
import { hintedFields } from "./stubs/mod.ts";

/**
 * Move motors together through lists of positions (bluesky's `list_scan`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listScan } from "./list_scan.ts";
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
export function listScan(
  detectors: readonly Readable[],
  axes: readonly ListAxis[],
  options: ScanNdOptions = {},
): Plan<string> {
  // Checked and built when the plan starts, as in a generator's body.
  return stepScan(() => {
    checkDetectors(detectors);
    const md = options.md ?? {};
    const trajectory = innerListProduct(axes);
    const length = axes.length > 0 ? trajectory.length : null;
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
    return { detectors, trajectory: trajectory, options: { perStep: options.perStep, md: plan } };
  });
}
