/**
 * The frame of every plan: bluesky's `run_wrapper` (open and close a run, with the exit
 * status the plan's end calls for) and `stage_wrapper` (stage devices before, unstage after).
 *
 * @module
 */

import type { Plan } from "../../engine/messages.ts";
import { RunInterrupted } from "../../errors.ts";
import {
  closeRun,
  openRun,
  rootAncestor,
  separateDevices,
  stageAll,
  unstageAll,
} from "../stubs/mod.ts";

/**
 * Close the run a plan ended with `error` in: exit status `"abort"` for an abort, `"success"`
 * for a stop, else `"fail"`, with the error's message as the reason. Only the failure path
 * goes through it, so a run's messages do not.
 * @param error What the plan threw.
 */
export function* closeRunAfter(error: unknown): Plan<void> {
  if (error instanceof RunInterrupted) {
    const exitStatus = error.kind === "stop" ? "success" : "abort";
    yield* closeRun({ exitStatus, reason: error.message });
  } else {
    const reason = error instanceof Error ? error.message : String(error);
    yield* closeRun({ exitStatus: "fail", reason });
  }
}

/** Options of {@linkcode runWrapper}. */
export interface RunWrapperOptions {
  /** Metadata of the run's start document. */
  md?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Enclose a plan in `open_run` and `close_run` (bluesky's `run_wrapper`). When the plan fails
 * the run is closed with `exit_status: "fail"` and the error's message as the reason; when the
 * RunEngine aborts or stops it, with `"abort"` or `"success"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runWrapper } from "./run_wrappers.ts";
 * import { nullPlan } from "../stubs/mod.ts";
 * const commands = [...runWrapper(nullPlan(), { md: { sample: "Si" } })].map((m) => m.command);
 * assert.deepEqual(commands, ["open_run", "null", "close_run"]);
 * ```
 *
 * @param plan The plan.
 * @param options `md`.
 * @returns The run's uid.
 */
export function* runWrapper(plan: Plan<unknown>, options: RunWrapperOptions = {}): Plan<string> {
  const uid = yield* openRun(options.md ?? {});
  // contingencyWrapper(plan, { exceptPlan, elsePlan }) written out in this one generator: every
  // message of the plan passes through each generator it is delegated by, and a run wraps
  // every message of a scan.
  try {
    yield* plan;
  } catch (error) {
    yield* closeRunAfter(error);
    throw error;
  }
  yield* closeRun();
  return uid;
}

/**
 * Stage devices (their root ancestors, once each) before a plan and unstage them in reverse
 * order after it, even when it fails (bluesky's `stage_wrapper`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stageWrapper } from "./run_wrappers.ts";
 * import { nullPlan } from "../stubs/mod.ts";
 * const a = { name: "a", stage() {}, unstage() {} }, b = { name: "b", stage() {}, unstage() {} };
 * const messages = [...stageWrapper(nullPlan(), [a, b])];
 * assert.deepEqual(messages.map((m) => m.command), ["stage", "stage", "null", "unstage", "unstage"]);
 * assert.deepEqual(messages.map((m) => m.obj), [a, b, undefined, b, a]);
 * ```
 *
 * @param plan The plan.
 * @param devices The devices.
 * @returns What `plan` returns.
 */
export function* stageWrapper<R>(plan: Plan<R>, devices: readonly unknown[]): Plan<R> {
  const roots = separateDevices(devices.map((device) => rootAncestor(device)));
  // finalizeWrapper(stage then plan, unstage) written out in this one generator, for the
  // reason runWrapper gives. As there, no cleanup when the wrapper is closed with return().
  const cleanup = unstageAll([...roots].reverse());
  let ended = false;
  try {
    yield* stageAll(roots);
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
 * `stageWrapper(runWrapper(plan, options), devices)`, as one generator: stage the devices, open
 * the run, run the plan, close the run with the exit status its end calls for, and unstage the
 * devices in reverse order even when it fails. The messages, and what happens when the plan
 * fails or is interrupted, are those of the two wrappers; each message goes through one
 * generator instead of two, which counts at every point of a scan.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stagedRunWrapper } from "./run_wrappers.ts";
 * import { nullPlan } from "../stubs/mod.ts";
 * const det = { name: "det", stage() {}, unstage() {} };
 * const commands = [...stagedRunWrapper(nullPlan(), [det])].map((m) => m.command);
 * assert.deepEqual(commands, ["stage", "open_run", "null", "close_run", "unstage"]);
 * ```
 *
 * @param plan The plan.
 * @param devices The devices to stage (their root ancestors, once each).
 * @param options `md` of the run.
 * @returns The run's uid.
 */
export function* stagedRunWrapper(
  plan: Plan<unknown>,
  devices: readonly unknown[],
  options: RunWrapperOptions = {},
): Plan<string> {
  const roots = separateDevices(devices.map((device) => rootAncestor(device)));
  const cleanup = unstageAll([...roots].reverse());
  let ended = false;
  try {
    yield* stageAll(roots);
    const uid = yield* openRun(options.md ?? {});
    try {
      yield* plan;
    } catch (error) {
      yield* closeRunAfter(error);
      throw error;
    }
    yield* closeRun();
    ended = true;
    return uid;
  } catch (error) {
    ended = true;
    throw error;
  } finally {
    if (ended) yield* cleanup;
  }
}
