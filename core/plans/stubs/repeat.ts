/**
 * Stubs that run a plan several times: {@linkcode repeater} back to back, {@linkcode repeat}
 * with checkpoints and a delay between starts.
 *
 * @module
 */

import type { Plan } from "../../engine/messages.ts";
import { checkpoint, sleep } from "./control.ts";

/**
 * Chain `n` runs of a plan made by `planFactory` (forever when `n` is null).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { repeater, nullPlan } from "./mod.ts";
 * assert.equal([...repeater(3, nullPlan)].length, 3);
 * ```
 *
 * @param n How many times.
 * @param planFactory Makes the plan.
 * @returns Nothing.
 */
export function* repeater(n: number | null, planFactory: () => Plan<unknown>): Plan<void> {
  for (let i = 0; n === null || i < n; i++) yield* planFactory();
}

/** Options of {@linkcode repeat}. */
export interface RepeatOptions {
  /** How many times; `null` repeats until the plan is stopped. */
  num?: number | null | undefined;
  /** Seconds between starts: one number, or one entry per gap (`null` for none). */
  delay?: number | readonly (number | null)[] | undefined;
}

/** Defaults of {@linkcode RepeatOptions}. */
export const repeatDefaults = { num: 1, delay: 0 } as const satisfies RepeatOptions;

/**
 * Run a plan `num` times with a checkpoint before each, and sleep so that successive starts are
 * `delay` seconds apart (the time the plan took counts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { repeat, nullPlan } from "./mod.ts";
 * const commands = [...repeat(nullPlan, { num: 2 })].map((m) => m.command);
 * assert.deepEqual(commands, ["checkpoint", "null", "checkpoint", "null"]);
 * ```
 *
 * @param planFactory Makes the plan to repeat.
 * @param options `num` and `delay`.
 * @returns Nothing.
 */
export function* repeat(planFactory: () => Plan<unknown>, options: RepeatOptions = {}): Plan<void> {
  const num = options.num === undefined ? repeatDefaults.num : options.num;
  const delay = options.delay ?? repeatDefaults.delay;
  const delays = typeof delay === "number" ? undefined : delay;
  if (delays && num !== null && num - 1 > delays.length) {
    throw new RangeError(`Cannot repeat ${num} times with ${delays.length} delays: too few delays`);
  }
  for (let i = 0; num === null || i < num; i++) {
    const started = performance.now();
    yield* checkpoint();
    yield* planFactory();
    let d: number | null;
    if (delays === undefined) {
      d = delay as number;
    } else if (i < delays.length) {
      d = delays[i]!;
    } else {
      if (num === null || i + 1 === num) break;
      throw new RangeError(`Cannot repeat ${num} times with ${i} delays: too few delays`);
    }
    if (d !== null) {
      const left = d - (performance.now() - started) / 1000;
      if (left > 0) yield* sleep(left);
    }
  }
}
