/**
 * bluesky's `plan_mutator` and `msg_mutator`: change a plan's messages on the fly, the tools
 * the other preprocessors are made of.
 *
 * Generators stand in for Python's: an error that the RunEngine throws into a plan arrives
 * through `gen.throw()`, and closing a plan with `return()` closes the plans it drives.
 *
 * @module
 */

import type { Msg, Plan } from "../../engine/messages.ts";

/**
 * What a {@linkcode planMutator} callback returns for one message.
 *
 * @example Add a message after another
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Mutation, planMutator } from "./mutators.ts";
 * import { save, sleep } from "../stubs/mod.ts";
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
 * import { planMutator } from "./mutators.ts";
 * import { save, sleep } from "../stubs/mod.ts";
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
 * import { msgMutator } from "./mutators.ts";
 * import { msg } from "../../engine/messages.ts";
 * import { sleep } from "../stubs/mod.ts";
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
