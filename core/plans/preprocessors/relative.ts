/**
 * Relative plans: bluesky's `relative_set_wrapper` (moves become offsets from where each
 * device started) and `reset_positions_wrapper` (devices go back there at the end).
 *
 * @module
 */

import { type Msg, msg, type Plan } from "../../engine/messages.ts";
import type { Movable } from "../../engine/protocols.ts";
import { currentPosition } from "../stubs/mod.ts";
import { finalizeWrapper } from "./finalize.ts";
import { msgMutator, type Mutation, planMutator } from "./mutators.ts";

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
 * import { relativeSetWrapper } from "./relative.ts";
 * import { absSet } from "../stubs/mod.ts";
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
 * import { resetPositionsWrapper } from "./relative.ts";
 * import { absSet } from "../stubs/mod.ts";
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
