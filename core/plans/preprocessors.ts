/**
 * Plan preprocessors, as bluesky's `preprocessors`: functions that take a plan and return a
 * plan with messages inserted, changed or guaranteed to run (open and close a run, stage and
 * unstage, take baseline readings, make moves relative, put motors back).
 *
 * Generators stand in for Python's: an error that the RunEngine throws into a plan arrives
 * through `gen.throw()`, and cleanup plans run from `finally` blocks.
 *
 * @module
 */

import { RunInterrupted } from "../errors.ts";
import { type Msg, msg, type Plan } from "../engine/messages.ts";
import {
  closeRun,
  currentPosition,
  declareStream,
  openRun,
  rootAncestor,
  separateDevices,
  stageAll,
  triggerAndRead,
  unstageAll,
} from "./stubs/mod.ts";
import type { Movable, Readable } from "../engine/protocols.ts";

/**
 * What a {@linkcode planMutator} callback returns for one message.
 *
 * @example Add a message after another
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Mutation, planMutator } from "./preprocessors.ts";
 * import { save, sleep } from "./stubs/mod.ts";
 * const afterSave = (command: string): Mutation | undefined => command === "save" ? { tail: sleep(1) } : undefined;
 * assert.deepEqual([...planMutator(save(), (m) => afterSave(m.command))].map((m) => m.command), ["save", "sleep"]);
 * ```
 */
export interface Mutation {
  /**
   * Plan to run instead of the message; the answer to its last message goes back to the
   * wrapped plan. Defaults to the message itself.
   */
  head?: Plan<unknown> | undefined;
  /** Plan to run after `head`; the answers to its messages are swallowed. */
  tail?: Plan<unknown> | undefined;
}

/** Drive `gen`, handing each message to `handle`; returns its value and its last answer. */
function* drive<T>(
  gen: Plan<T>,
  handle: (m: Msg) => Plan<unknown>,
): Generator<Msg, { value: T; last: unknown }, unknown> {
  let finished = false;
  let last: unknown = undefined;
  try {
    let step = gen.next();
    for (;;) {
      if (step.done) {
        finished = true;
        return { value: step.value, last };
      }
      let answer: unknown;
      try {
        answer = yield* handle(step.value);
      } catch (error) {
        last = undefined;
        step = gen.throw(error);
        continue;
      }
      last = answer;
      step = gen.next(answer);
    }
  } catch (error) {
    finished = true;
    throw error;
  } finally {
    // Someone called return() on us: close the driven plan too, as Python's close() does.
    if (!finished) gen.return(undefined as T);
  }
}

/**
 * Insert or replace messages of a plan on the fly (bluesky's `plan_mutator`).
 *
 * `msgProc` sees every message once, including those of plans it inserted, and returns
 * `undefined` to let it through or a {@linkcode Mutation}: `head` runs in its place (yield the
 * message again from `head` to keep it) and `tail` runs after it.
 *
 * @example Sleep after every save
 * ```ts
 * import assert from "node:assert/strict";
 * import { planMutator } from "./preprocessors.ts";
 * import { save, sleep } from "./stubs/mod.ts";
 * const plan = planMutator(save(), (m) => m.command === "save" ? { tail: sleep(1) } : undefined);
 * assert.deepEqual([...plan].map((m) => m.command), ["save", "sleep"]);
 * ```
 *
 * @param plan The plan.
 * @param msgProc Decides what happens to each message.
 * @returns The mutated plan, returning what `plan` returns.
 */
export function* planMutator<R>(
  plan: Plan<R>,
  msgProc: (m: Msg) => Mutation | undefined,
): Plan<R> {
  const seen = new WeakSet<Msg>();
  function* handle(m: Msg): Plan<unknown> {
    if (seen.has(m)) return yield m;
    seen.add(m);
    const mutation = msgProc(m);
    if (!mutation || (!mutation.head && !mutation.tail)) return yield m;
    const { last } = yield* drive(mutation.head ?? single(m), handle);
    if (mutation.tail) yield* drive(mutation.tail, handle);
    return last;
  }
  return (yield* drive(plan, handle)).value;
}

function* single(m: Msg): Plan<unknown> {
  return yield m;
}

/**
 * Change or drop single messages of a plan (bluesky's `msg_mutator`). When `msgProc` returns
 * `undefined` the message is dropped and the plan gets `undefined` as its answer.
 *
 * @example Make every sleep longer
 * ```ts
 * import assert from "node:assert/strict";
 * import { msgMutator } from "./preprocessors.ts";
 * import { msg } from "../engine/messages.ts";
 * import { sleep } from "./stubs/mod.ts";
 * const [m] = msgMutator(sleep(1), (m) => msg(m.command, m.obj, [2]));
 * assert.deepEqual(m?.args, [2]);
 * ```
 *
 * @param plan The plan.
 * @param msgProc Returns the message to yield instead, or `undefined` to drop it.
 * @returns The mutated plan.
 */
export function* msgMutator<R>(plan: Plan<R>, msgProc: (m: Msg) => Msg | undefined): Plan<R> {
  let finished = false;
  try {
    let step = plan.next();
    while (!step.done) {
      let answer: unknown;
      try {
        const changed = msgProc(step.value);
        answer = changed === undefined ? undefined : yield changed;
      } catch (error) {
        step = plan.throw(error);
        continue;
      }
      step = plan.next(answer);
    }
    finished = true;
    return step.value;
  } catch (error) {
    finished = true;
    throw error;
  } finally {
    if (!finished) plan.return(undefined as R);
  }
}

/**
 * Run `finalPlan` after `plan` whether it ends or fails (try/finally; bluesky's
 * `finalize_wrapper`). The error, if any, goes on after the cleanup.
 *
 * @example Cleanup after an error
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Msg } from "../engine/messages.ts";
 * import { finalizeWrapper } from "./preprocessors.ts";
 * import { nullPlan, sleep } from "./stubs/mod.ts";
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
 * import { contingencyWrapper, type ContingencyOptions } from "./preprocessors.ts";
 * import { save, sleep } from "./stubs/mod.ts";
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
 * import type { Msg } from "../engine/messages.ts";
 * import { contingencyWrapper } from "./preprocessors.ts";
 * import { closeRun, nullPlan } from "./stubs/mod.ts";
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

/**
 * Options of {@linkcode runWrapper}.
 *
 * @example Extra metadata
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RunWrapperOptions } from "./preprocessors.ts";
 * const options: RunWrapperOptions = { md: { sample: "Si" } };
 * assert.equal(options.md?.sample, "Si");
 * ```
 */
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
 * import { runWrapper } from "./preprocessors.ts";
 * import { nullPlan } from "./stubs/mod.ts";
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
 * import { stageWrapper } from "./preprocessors.ts";
 * import { nullPlan } from "./stubs/mod.ts";
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

/**
 * Options of {@linkcode baselineWrapper}.
 *
 * @example Another stream name
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BaselineOptions } from "./preprocessors.ts";
 * const options: BaselineOptions = { name: "snapshot" };
 * assert.equal(options.name, "snapshot");
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
 * import { baselineWrapper, runWrapper } from "./preprocessors.ts";
 * import { nullPlan } from "./stubs/mod.ts";
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
 * import { SupplementalData, runWrapper } from "./preprocessors.ts";
 * import { nullPlan } from "./stubs/mod.ts";
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

/** Stash where `obj` is now, before its first move. */
function* stash(obj: unknown, positions: Map<unknown, unknown>): Plan<void> {
  positions.set(obj, yield* currentPosition(obj));
}

/** Insert a stash of the device of every first `set` of an eligible device. */
function stashBeforeFirstSet(
  positions: Map<unknown, unknown>,
  devices: readonly Movable[] | undefined,
): (m: Msg) => Mutation | undefined {
  const eligible = devices ? new Set<unknown>(devices) : undefined;
  return (m) => {
    if (m.command !== "set" || positions.has(m.obj)) return undefined;
    if (eligible && !eligible.has(m.obj)) return undefined;
    return {
      head: (function* () {
        yield* stash(m.obj, positions);
        return yield m;
      })(),
    };
  };
}

/**
 * Treat the targets of `set` messages as offsets from where each device was before its first
 * move in the plan (bluesky's `relative_set_wrapper`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relativeSetWrapper } from "./preprocessors.ts";
 * import { absSet } from "./stubs/mod.ts";
 * const motor = { name: "motor", position: 10, set: () => { throw new Error(); } };
 * const [m] = relativeSetWrapper(absSet(motor, 1));
 * assert.deepEqual(m?.args, [11]);
 * ```
 *
 * @param plan The plan.
 * @param devices Devices concerned (default: every device the plan sets).
 * @returns What `plan` returns.
 */
export function* relativeSetWrapper<R>(plan: Plan<R>, devices?: readonly Movable[]): Plan<R> {
  const initial = new Map<unknown, unknown>();
  const rewrite = (m: Msg): Msg => {
    if (m.command !== "set" || !initial.has(m.obj)) return m;
    const start = initial.get(m.obj);
    const delta = m.args?.[0];
    if (typeof start !== "number" || typeof delta !== "number") {
      throw new TypeError(
        `Cannot move "${(m.obj as { name?: unknown }).name}" by ${delta} from ${start}: ` +
          "relative moves need numbers",
      );
    }
    return { ...m, args: [start + delta, ...(m.args ?? []).slice(1)] };
  };
  return yield* msgMutator(planMutator(plan, stashBeforeFirstSet(initial, devices)), rewrite);
}

/**
 * Put every device the plan moves back where it was before its first move, at the end of the
 * plan, even when it fails (bluesky's `reset_positions_wrapper`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resetPositionsWrapper } from "./preprocessors.ts";
 * import { absSet } from "./stubs/mod.ts";
 * const motor = { name: "motor", position: 10, set: () => { throw new Error(); } };
 * const sets = [...resetPositionsWrapper(absSet(motor, 1))].filter((m) => m.command === "set");
 * assert.deepEqual(sets.map((m) => m.args), [[1], [10]]);
 * ```
 *
 * @param plan The plan.
 * @param devices Devices concerned (default: every device the plan sets).
 * @returns What `plan` returns.
 */
export function* resetPositionsWrapper<R>(plan: Plan<R>, devices?: readonly Movable[]): Plan<R> {
  const initial = new Map<unknown, unknown>();
  function* reset(): Plan<void> {
    const group = `reset-${crypto.randomUUID().slice(0, 6)}`;
    for (const [obj, position] of initial) yield msg("set", obj, [position], { group });
    yield msg("wait", undefined, [], { group });
  }
  return yield* finalizeWrapper(planMutator(plan, stashBeforeFirstSet(initial, devices)), reset);
}
