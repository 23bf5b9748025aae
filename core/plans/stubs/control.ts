/**
 * Stubs that steer the RunEngine rather than a device: do nothing, wait for a group of
 * statuses, sleep, mark checkpoints and pause. {@linkcode GroupOptions} is how the device stubs
 * put their statuses into a group for {@linkcode wait}.
 *
 * @module
 */

import { msg, type Plan } from "../../engine/messages.ts";
import { defined } from "./_defined.ts";

/**
 * A message that does nothing (bluesky's `null`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nullPlan } from "./mod.ts";
 * const [m] = nullPlan();
 * assert.equal(m?.command, "null");
 * ```
 *
 * @returns What the RunEngine answers.
 */
export function* nullPlan(): Plan<unknown> {
  return yield msg("null");
}

/** Options of {@linkcode absSet}, {@linkcode relSet}, {@linkcode trigger} and {@linkcode stage}. */
export interface GroupOptions {
  /** Group to add the status to, for a later `wait`. */
  group?: string | undefined;
  /** Wait for completion before going on. */
  wait?: boolean | undefined;
}

/**
 * Wait for the statuses of a group (or of every group when none is given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wait } from "./mod.ts";
 * const [m] = wait("A", { timeout: 2 });
 * assert.deepEqual(m?.kwargs, { group: "A", timeout: 2 });
 * ```
 *
 * @param group The group.
 * @param options `timeout` in seconds.
 * @returns What the RunEngine answers.
 */
export function* wait(group?: string, options: { timeout?: number } = {}): Plan<unknown> {
  return yield msg("wait", undefined, [], defined({ group, timeout: options.timeout }));
}

/**
 * Sleep without blocking the RunEngine (it can still be paused meanwhile).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleep } from "./mod.ts";
 * const [m] = sleep(0.5);
 * assert.deepEqual(m?.args, [0.5]);
 * ```
 *
 * @param seconds How long.
 * @returns What the RunEngine answers.
 */
export function* sleep(seconds: number): Plan<unknown> {
  return yield msg("sleep", undefined, [seconds]);
}

/**
 * Mark a point that a resumed plan rewinds to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpoint } from "./mod.ts";
 * const [m] = checkpoint();
 * assert.equal(m?.command, "checkpoint");
 * ```
 *
 * @returns What the RunEngine answers.
 */
export function* checkpoint(): Plan<unknown> {
  return yield msg("checkpoint");
}

/**
 * Mark that the plan cannot be rewound from here on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearCheckpoint } from "./mod.ts";
 * const [m] = clearCheckpoint();
 * assert.equal(m?.command, "clear_checkpoint");
 * ```
 *
 * @returns What the RunEngine answers.
 */
export function* clearCheckpoint(): Plan<unknown> {
  return yield msg("clear_checkpoint");
}

/**
 * Pause the RunEngine until it is resumed; `defer: true` pauses at the next checkpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pause } from "./mod.ts";
 * const [m] = pause();
 * assert.deepEqual(m?.kwargs, { defer: false });
 * ```
 *
 * @param options `defer` (default false).
 * @returns What the RunEngine answers.
 */
export function* pause(options: { defer?: boolean } = {}): Plan<unknown> {
  return yield msg("pause", undefined, [], { defer: options.defer ?? false });
}

/**
 * Pause at the next checkpoint (bluesky's `deferred_pause`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deferredPause } from "./mod.ts";
 * const [m] = deferredPause();
 * assert.deepEqual(m?.kwargs, { defer: true });
 * ```
 *
 * @returns What the RunEngine answers.
 */
export function* deferredPause(): Plan<unknown> {
  return yield* pause({ defer: true });
}
