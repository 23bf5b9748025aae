/**
 * Baseline readings: bluesky's `baseline_wrapper` and the `SupplementalData` that applies it
 * to every plan the RunEngine runs.
 *
 * @module
 */

import type { Msg, Plan } from "../../engine/messages.ts";
import type { Readable } from "../../engine/protocols.ts";
import { declareStream, triggerAndRead } from "../stubs/mod.ts";
import { planMutator } from "./mutators.ts";

/**
 * Options of {@linkcode baselineWrapper}.
 *
 * @example Another stream name
 * ```ts
 * import assert from "node:assert/strict";
 * import { baselineWrapper, type BaselineOptions } from "./baseline.ts";
 * import { runWrapper } from "./run_wrappers.ts";
 * import { nullPlan } from "../stubs/mod.ts";
 * const temp = { name: "temp", read: () => ({}), describe: () => ({}) };
 * const options: BaselineOptions = { name: "snapshot" };
 * const declared = [...baselineWrapper(runWrapper(nullPlan()), [temp], options)]
 *   .filter((m) => m.command === "declare_stream");
 * assert.equal(declared[0]?.kwargs?.name, "snapshot");
 * ```
 */
export interface BaselineOptions {
  /** Stream name (default `"baseline"`). */
  name?: string | undefined;
}

/**
 * Read `devices` into a stream right after every `open_run` and right before every
 * `close_run` (bluesky's `baseline_wrapper`). The stream is declared first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { baselineWrapper } from "./baseline.ts";
 * import { runWrapper } from "./run_wrappers.ts";
 * import { nullPlan } from "../stubs/mod.ts";
 * const temp = { name: "temp", read: () => ({}), describe: () => ({}) };
 * const commands = [...baselineWrapper(runWrapper(nullPlan()), [temp])].map((m) => m.command);
 * assert.deepEqual(commands, [
 *   "open_run", "declare_stream", "create", "read", "save",
 *   "null", "create", "read", "save", "close_run",
 * ]);
 * ```
 *
 * @param plan The plan.
 * @param devices Devices to read; with none, the plan is unchanged.
 * @param options `name` of the stream.
 * @returns What `plan` returns.
 */
export function* baselineWrapper<R>(
  plan: Plan<R>,
  devices: readonly Readable[],
  options: BaselineOptions = {},
): Plan<R> {
  const name = options.name ?? "baseline";
  if (devices.length === 0) return yield* plan;
  const snapshot = [...devices];
  function* head(): Plan<void> {
    yield* declareStream(snapshot, { name });
    yield* triggerAndRead(snapshot, { name });
  }
  function* beforeClose(close: Msg): Plan<unknown> {
    yield* triggerAndRead(snapshot, { name });
    return yield close;
  }
  return yield* planMutator(plan, (m) => {
    if (m.command === "open_run") return { tail: head() };
    if (m.command === "close_run") return { head: beforeClose(m) };
    return undefined;
  });
}

/**
 * Devices read at the start and end of every run (bluesky's `SupplementalData` with
 * `baseline`). Give its {@linkcode SupplementalData.wrap} to the RunEngine as a preprocessor;
 * the list can change between runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SupplementalData } from "./baseline.ts";
 * import { runWrapper } from "./run_wrappers.ts";
 * import { nullPlan } from "../stubs/mod.ts";
 * const sd = new SupplementalData({ baseline: [] });
 * sd.baseline.push({ name: "temp", read: () => ({}), describe: () => ({}) });
 * const commands = [...sd.wrap(runWrapper(nullPlan()))].map((m) => m.command);
 * assert.ok(commands.includes("declare_stream"));
 * ```
 */
export class SupplementalData {
  /** Devices read into the `baseline` stream after `open_run` and before `close_run`. */
  baseline: Readable[];

  /**
   * Hold the baseline devices.
   * @param options The initial `baseline` devices.
   */
  constructor(options: { baseline?: readonly Readable[] } = {}) {
    this.baseline = [...(options.baseline ?? [])];
  }

  /**
   * Add the baseline readings to a plan; bound, so it can be passed around as a function.
   * @param plan The plan.
   * @returns The plan with the readings.
   */
  readonly wrap = <R>(plan: Plan<R>): Plan<R> => baselineWrapper(plan, this.baseline);
}
