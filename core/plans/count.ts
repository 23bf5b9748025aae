/**
 * bluesky's `count`: read detectors a number of times, with a delay between readings.
 *
 * @module
 */

import type { Plan } from "../engine/messages.ts";
import { type Readable, reprOf } from "../engine/protocols.ts";
import { checkDetectors, hintsOf } from "./_plan_args.ts";
import type { Metadata } from "./metadata.ts";
import { stagedRunWrapper } from "./preprocessors/run_wrappers.ts";
import { oneShot, repeat } from "./stubs/mod.ts";

/**
 * The plan run at every shot of a count (bluesky's `per_shot`); default `oneShot`.
 *
 * @example Read twice per shot
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PerShot } from "./count.ts";
 * import { triggerAndRead } from "./stubs/mod.ts";
 * const twice: PerShot = function* (detectors) {
 *   yield* triggerAndRead(detectors);
 *   yield* triggerAndRead(detectors);
 * };
 * const saves = [...twice([])].filter((m) => m.command === "save");
 * assert.equal(saves.length, 2);
 * ```
 */
export type PerShot = (detectors: readonly Readable[]) => Plan<unknown>;

/** Options of {@linkcode count}. */
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

/** Defaults of {@linkcode CountOptions}. */
export const countDefaults = { num: 1, delay: 0, md: {} } as const satisfies CountOptions;

/**
 * Read detectors `num` times (bluesky's `count`).
 *
 * @example A count of one detector
 * ```ts
 * import assert from "node:assert/strict";
 * import { count } from "./count.ts";
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
  return yield* stagedRunWrapper(inner, detectors, { md: plan });
}
