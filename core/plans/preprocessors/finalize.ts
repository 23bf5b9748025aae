/**
 * Cleanup that always runs: bluesky's `finalize_wrapper` (try/finally) and
 * `contingency_wrapper` (try/except/else/finally) for plans. The cleanup plans run from
 * `finally` blocks, so they also run when the RunEngine throws an interrupt into the plan.
 *
 * @module
 */

import type { Plan } from "../../engine/messages.ts";

/**
 * Run `finalPlan` after `plan` whether it ends or fails (try/finally; bluesky's
 * `finalize_wrapper`). The error, if any, goes on after the cleanup.
 *
 * @example Cleanup after an error
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Msg } from "../../engine/messages.ts";
 * import { finalizeWrapper } from "./finalize.ts";
 * import { nullPlan, sleep } from "../stubs/mod.ts";
 * const plan = finalizeWrapper(nullPlan(), () => sleep(0));
 * plan.next();
 * assert.equal((plan.throw(new Error("boom")).value as Msg).command, "sleep");
 * assert.throws(() => plan.next(), /boom/);
 * ```
 *
 * @param plan The plan.
 * @param finalPlan The cleanup, or a function making it.
 * @returns What `plan` returns.
 */
export function* finalizeWrapper<R>(
  plan: Plan<R>,
  finalPlan: Plan<unknown> | (() => Plan<unknown>),
): Plan<R> {
  const cleanup = typeof finalPlan === "function" ? finalPlan() : finalPlan;
  // No cleanup when the wrapper itself is closed with return(), as Python skips it on close().
  let ended = false;
  try {
    const value = yield* plan;
    ended = true;
    return value;
  } catch (error) {
    ended = true;
    throw error;
  } finally {
    if (ended) yield* cleanup;
  }
}

/**
 * Options of {@linkcode contingencyWrapper}.
 *
 * @example Clean up whatever happens
 * ```ts
 * import assert from "node:assert/strict";
 * import { contingencyWrapper, type ContingencyOptions } from "./finalize.ts";
 * import { save, sleep } from "../stubs/mod.ts";
 * const options: ContingencyOptions<void> = { finalPlan: () => sleep(0) };
 * assert.deepEqual([...contingencyWrapper(save(), options)].map((m) => m.command), ["save", "sleep"]);
 * ```
 */
export interface ContingencyOptions<R> {
  /** Runs with the error when `plan` fails; the error goes on afterwards if `autoRaise`. */
  exceptPlan?: ((error: unknown) => Plan<R>) | undefined;
  /** Runs when `plan` ends without error. */
  elsePlan?: (() => Plan<unknown>) | undefined;
  /** Runs in every case, last. */
  finalPlan?: (() => Plan<unknown>) | undefined;
  /** Re-throw the error after `exceptPlan` (default true, as bluesky). */
  autoRaise?: boolean | undefined;
}

/**
 * try/except/else/finally for plans (bluesky's `contingency_wrapper`).
 *
 * @example Close with a failure
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Msg } from "../../engine/messages.ts";
 * import { contingencyWrapper } from "./finalize.ts";
 * import { closeRun, nullPlan } from "../stubs/mod.ts";
 * const plan = contingencyWrapper(nullPlan(), {
 *   exceptPlan: function* (e) { yield* closeRun({ exitStatus: "fail", reason: String(e) }); },
 * });
 * plan.next();
 * assert.equal((plan.throw(new Error("x")).value as Msg).command, "close_run");
 * ```
 *
 * @param plan The plan.
 * @param options `exceptPlan`, `elsePlan`, `finalPlan` and `autoRaise`.
 * @returns What `plan` returns, or what `exceptPlan` returns when the error is swallowed.
 */
export function* contingencyWrapper<R>(
  plan: Plan<R>,
  options: ContingencyOptions<R> = {},
): Plan<R> {
  const { exceptPlan, elsePlan, finalPlan, autoRaise = true } = options;
  let ended = false;
  try {
    let value: R;
    try {
      value = yield* plan;
    } catch (error) {
      ended = true;
      if (!exceptPlan) throw error;
      const handled = yield* exceptPlan(error);
      if (autoRaise) throw error;
      return handled;
    }
    ended = true;
    if (elsePlan) yield* elsePlan();
    return value;
  } finally {
    if (ended && finalPlan) yield* finalPlan();
  }
}
