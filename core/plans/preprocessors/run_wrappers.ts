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
import { contingencyWrapper, finalizeWrapper } from "./finalize.ts";

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
  yield* contingencyWrapper(plan, {
    exceptPlan: function* (error) {
      if (error instanceof RunInterrupted) {
        const exitStatus = error.kind === "stop" ? "success" : "abort";
        yield* closeRun({ exitStatus, reason: error.message });
      } else {
        const reason = error instanceof Error ? error.message : String(error);
        yield* closeRun({ exitStatus: "fail", reason });
      }
    },
    elsePlan: () => closeRun(),
  });
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
  function* inner(): Plan<R> {
    yield* stageAll(roots);
    return yield* plan;
  }
  return yield* finalizeWrapper(inner(), () => unstageAll([...roots].reverse()));
}
