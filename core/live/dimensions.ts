/**
 * What a run is plotted and tabulated against: the fields its devices hint at, and the
 * independent axes of the plan, as bluesky's `BestEffortCallback` works them out.
 *
 * @module
 */

import type { EventDescriptor, RunStart } from "../documents/types.ts";

/**
 * The fields a descriptor's devices hint at, device by device (bluesky's `hinted_fields`):
 * a device's `hints.fields` when it has them, all its `object_keys` otherwise. A descriptor
 * without `object_keys` hints at all its data keys.
 *
 * @param descriptor The descriptor.
 * @returns Field names in device order.
 *
 * @example Hinted fields of a motor and a detector
 * ```ts
 * import assert from "node:assert/strict";
 * import { hintedFields } from "./dimensions.ts";
 * const fields = hintedFields({
 *   uid: "d", run_start: "r", time: 0, data_keys: {},
 *   object_keys: { motor: ["motor", "motor_user_setpoint"], sensor: ["sensor"] },
 *   hints: { motor: { fields: ["motor"] } },
 * });
 * assert.equal(fields.join(), "motor,sensor");
 * ```
 */
export function hintedFields(descriptor: EventDescriptor): string[] {
  const objects = Object.entries(descriptor.object_keys ?? {});
  if (objects.length === 0) return Object.keys(descriptor.data_keys);
  return objects.flatMap(([obj, keys]) => descriptor.hints?.[obj]?.fields ?? keys);
}

/**
 * The independent axes of a run, as bluesky's `BestEffortCallback` works them out.
 *
 * @example The axes of a scan
 * ```ts
 * import assert from "node:assert/strict";
 * import { planDimensions, type PlanDimensions } from "./dimensions.ts";
 * const dims: PlanDimensions = planDimensions({ hints: { dimensions: [[["m"], "primary"]] } });
 * assert.equal(dims.axes[0], "m");
 * ```
 */
export interface PlanDimensions {
  /** The stream all dimensions belong to. */
  stream: string;
  /** First field of each dimension, slow to fast: what plots use as x. */
  axes: string[];
  /** Every field of every dimension. */
  fields: string[];
  /** True when the start document has no usable `hints.dimensions` and they were guessed. */
  guessed: boolean;
}

/**
 * Work out a run's dimensions from its start document's `hints.dimensions`. Without them
 * (or when they span several streams) they are guessed as bluesky does, one per entry of
 * `motors`, whose device names are turned into fields with the primary `descriptor`'s
 * hints; a run with neither is plotted against `seq_num`.
 *
 * @param start The start document.
 * @param descriptor The primary descriptor, to resolve guessed motor names into fields.
 * @returns The dimensions.
 *
 * @example Guess from the motors when hints are missing
 * ```ts
 * import assert from "node:assert/strict";
 * import { planDimensions } from "./dimensions.ts";
 * const dims = planDimensions({ motors: ["m1"] }, {
 *   uid: "d", run_start: "r", time: 0, data_keys: {},
 *   object_keys: { m1: ["m1_readback", "m1_setpoint"] },
 *   hints: { m1: { fields: ["m1_readback"] } },
 * });
 * assert.ok(dims.guessed);
 * assert.equal(dims.axes[0], "m1_readback");
 * ```
 */
export function planDimensions(
  start: Partial<RunStart>,
  descriptor?: EventDescriptor,
): PlanDimensions {
  const hinted = start.hints?.dimensions;
  if (
    Array.isArray(hinted) && hinted.length > 0 && new Set(hinted.map((d) => d[1])).size === 1
  ) {
    const fields = hinted.flatMap(([f]) => f);
    return {
      stream: hinted[0]![1],
      axes: hinted.map(([f]) => f[0] ?? "time"),
      fields,
      guessed: false,
    };
  }
  const motors = Array.isArray(start.motors) ? start.motors : [];
  const resolve = (obj: string): string[] =>
    descriptor?.hints?.[obj]?.fields ?? descriptor?.object_keys?.[obj] ?? [obj];
  const dims = motors.map((m) => descriptor ? resolve(m) : [m]);
  if (dims.length === 0) dims.push(["seq_num"]);
  const axes = dims.map((f) => f[0] ?? "time");
  return { stream: "primary", axes, fields: dims.flat(), guessed: true };
}
