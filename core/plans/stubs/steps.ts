/**
 * The per-point plans of counts and step scans (bluesky's `one_shot`, `one_1d_step`,
 * `move_per_step` and `one_nd_step`): a checkpoint, the moves of the point, then a reading.
 *
 * @module
 */

import { msg, type Plan } from "../../engine/messages.ts";
import type { Step } from "../plan_patterns.ts";
import type { Movable, Readable, Readings } from "../../engine/protocols.ts";
import { checkpoint } from "./control.ts";
import { triggerAndRead } from "./readings.ts";
import { shortUid } from "./short_uid.ts";

/** A plan that takes one reading of some devices into a stream (default: `triggerAndRead`). */
export type TakeReading = (
  devices: readonly Readable[],
  options?: { name?: string },
) => Plan<Readings>;

/** Where each motor of a scan was last sent, so that a motor that stays put is not moved. */
export type PositionCache = Map<Movable, unknown>;

/** Options of the per-point stubs: how a reading is taken. */
export interface TakeReadingOptions {
  /** The reading plan (default {@linkcode triggerAndRead}). */
  takeReading?: TakeReading | undefined;
}

/**
 * One shot of a count: a checkpoint and one reading of the detectors (bluesky's `one_shot`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneShot } from "./mod.ts";
 * const det = { name: "det", read: () => ({}), describe: () => ({}) };
 * const commands = [...oneShot([det])].map((m) => m.command);
 * assert.deepEqual(commands, ["checkpoint", "create", "read", "save"]);
 * ```
 *
 * @param detectors Devices to read.
 * @param options `takeReading`.
 * @returns The readings.
 */
export function* oneShot(
  detectors: readonly Readable[],
  options: TakeReadingOptions = {},
): Plan<Readings> {
  const takeReading = options.takeReading ?? triggerAndRead;
  yield* checkpoint();
  return yield* takeReading([...detectors]);
}

/**
 * One point of a 1-D step scan: checkpoint, move the motor and wait, then read the detectors and
 * the motor (bluesky's `one_1d_step`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { one1dStep } from "./mod.ts";
 * const motor = { name: "m", set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const commands = [...one1dStep([], [motor, 1])].map((m) => m.command);
 * assert.deepEqual(commands, ["checkpoint", "set", "wait", "create", "read", "save"]);
 * ```
 *
 * @param detectors Devices to read.
 * @param move `[motor, position]`.
 * @param options `takeReading`.
 * @returns The readings.
 */
export function* one1dStep(
  detectors: readonly Readable[],
  move: readonly [Movable & Readable, unknown],
  options: TakeReadingOptions = {},
): Plan<Readings> {
  const [motor, position] = move;
  const takeReading = options.takeReading ?? triggerAndRead;
  const group = shortUid("set");
  yield* checkpoint();
  yield msg("set", motor, [position], { group });
  yield msg("wait", undefined, [], { group });
  return yield* takeReading([...detectors, motor]);
}

/**
 * Move the motors of one point, skipping those already there according to `posCache`, and wait
 * (bluesky's `move_per_step`). Starts with a checkpoint.
 *
 * @example The second point moves only the motor that changes
 * ```ts
 * import assert from "node:assert/strict";
 * import { movePerStep, type PositionCache } from "./mod.ts";
 * const m = (name: string) => ({ name, set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) });
 * const [x, y] = [m("x"), m("y")];
 * const cache: PositionCache = new Map();
 * const sets = (step: Map<typeof x, number>) =>
 *   [...movePerStep(step, cache)].filter((m) => m.command === "set").length;
 * assert.equal(sets(new Map([[x, 0], [y, 0]])), 2);
 * assert.equal(sets(new Map([[x, 0], [y, 1]])), 1);
 * ```
 *
 * @param step Motor to position.
 * @param posCache Last positions sent; updated.
 * @returns Nothing.
 */
export function* movePerStep(step: Step, posCache: PositionCache = new Map()): Plan<void> {
  // The messages of the stubs are yielded here rather than through them: each generator a
  // message passes through costs time at every point of a scan.
  yield msg("checkpoint");
  const group = shortUid("set");
  for (const [motor, position] of step) {
    if (posCache.has(motor) && posCache.get(motor) === position) continue;
    yield msg("set", motor, [position], { group });
    posCache.set(motor, position);
  }
  yield msg("wait", undefined, [], { group });
}

/** Options of {@linkcode oneNdStep}. */
export interface OneNdStepOptions extends TakeReadingOptions {
  /** Last positions sent to the motors (a scan passes the same map at every point). */
  posCache?: PositionCache | undefined;
}

/**
 * One point of an N-D step scan: {@linkcode movePerStep}, then read the detectors and the
 * motors (bluesky's `one_nd_step`, the default `perStep` of scans).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneNdStep } from "./mod.ts";
 * const motor = { name: "m", set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const commands = [...oneNdStep([], new Map([[motor, 1]]))].map((m) => m.command);
 * assert.deepEqual(commands, ["checkpoint", "set", "wait", "create", "read", "save"]);
 * ```
 *
 * @param detectors Devices to read.
 * @param step Motor to position.
 * @param options `posCache` and `takeReading`.
 * @returns The readings.
 */
export function* oneNdStep(
  detectors: readonly Readable[],
  step: Step,
  options: OneNdStepOptions = {},
): Plan<Readings> {
  const takeReading = options.takeReading ?? triggerAndRead;
  yield* movePerStep(step, options.posCache ?? new Map());
  return yield* takeReading([...detectors, ...step.keys()]);
}
