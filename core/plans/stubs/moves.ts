/**
 * Stubs that move devices: {@linkcode absSet} and {@linkcode relSet} set one device, while
 * {@linkcode mv} and {@linkcode mvr} move one or several and wait for them.
 *
 * @module
 */

import { msg, type Plan } from "../../engine/messages.ts";
import type { Movable } from "../../engine/protocols.ts";
import type { Status } from "../../engine/status.ts";
import { defined } from "./_defined.ts";
import type { GroupOptions } from "./control.ts";
import { currentPosition } from "./positions.ts";

/**
 * Set a device to a value, optionally waiting for it (bluesky's `abs_set`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { absSet } from "./mod.ts";
 * const motor = { name: "motor", set: () => { throw new Error(); } };
 * const [set, wait] = absSet(motor, 1, { group: "A", wait: true });
 * assert.deepEqual([set?.command, set?.args, set?.kwargs], ["set", [1], { group: "A" }]);
 * assert.deepEqual([wait?.command, wait?.kwargs], ["wait", { group: "A" }]);
 * ```
 *
 * @param obj The device.
 * @param value The target.
 * @param options `group` and `wait`.
 * @returns The device's status.
 */
export function* absSet(obj: Movable, value: unknown, options: GroupOptions = {}): Plan<Status> {
  const group = options.wait && options.group === undefined ? crypto.randomUUID() : options.group;
  const status = yield msg("set", obj, [value], defined({ group }));
  if (options.wait) yield msg("wait", undefined, [], defined({ group }));
  return status as Status;
}

/** Add a relative offset to a position. */
function offset(position: unknown, delta: unknown, obj: unknown): number {
  if (typeof position !== "number" || typeof delta !== "number") {
    throw new TypeError(
      `Cannot move "${(obj as { name?: unknown })?.name}" by ${delta} from ${position}: ` +
        "relative moves need numbers",
    );
  }
  return position + delta;
}

/**
 * Set a device relative to where it is, optionally waiting (bluesky's `rel_set`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relSet } from "./mod.ts";
 * const motor = { name: "motor", position: 1, set: () => { throw new Error(); } };
 * const [m] = relSet(motor, 0.5);
 * assert.deepEqual(m?.args, [1.5]);
 * ```
 *
 * @param obj The device.
 * @param delta The offset.
 * @param options `group` and `wait`.
 * @returns The device's status.
 */
export function* relSet(obj: Movable, delta: unknown, options: GroupOptions = {}): Plan<Status> {
  const position = yield* currentPosition(obj);
  return yield* absSet(obj, offset(position, delta, obj), options);
}

/** Pairs of `[device, target]` for {@linkcode mv} and {@linkcode mvr}. */
export type Moves = readonly (readonly [Movable, unknown])[];

/** Options of {@linkcode mv} and {@linkcode mvr}. */
export interface MoveOptions {
  /** Group of the moves (default: a new uuid). */
  group?: string | undefined;
  /** Seconds to wait for the moves at most. */
  timeout?: number | undefined;
}

/** Both call forms of {@linkcode mv} and {@linkcode mvr} as the moves, their group and timeout. */
function normalizeMoves(
  target: Movable | Moves,
  value: unknown,
  options: MoveOptions | undefined,
): { moves: Moves; group: string; timeout: number | undefined } {
  const single = !Array.isArray(target);
  const moves: Moves = Array.isArray(target) ? target : [[target as Movable, value]];
  const seen = new Set<Movable>();
  for (const [obj] of moves) {
    if (seen.has(obj)) {
      throw new RangeError(`Cannot move "${obj.name}" twice at once: it is listed twice`);
    }
    seen.add(obj);
  }
  const opts = (single ? options : value as MoveOptions | undefined) ?? {};
  return { moves, group: opts.group ?? crypto.randomUUID(), timeout: opts.timeout };
}

/**
 * Move one device and wait for it (bluesky's `mv(motor, value)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mv } from "./mod.ts";
 * const motor = { name: "motor", set: () => { throw new Error(); } };
 * const [set, wait] = mv(motor, 1, { group: "A" });
 * assert.deepEqual([set?.args, set?.kwargs, wait?.kwargs], [[1], { group: "A" }, { group: "A" }]);
 * ```
 *
 * @param target The device.
 * @param value Its target.
 * @param options `group` (default: a new uuid) and `timeout` of the wait.
 * @returns The status of the move.
 */
export function mv(target: Movable, value: unknown, options?: MoveOptions): Plan<Status[]>;
/**
 * Move several devices in parallel, in one group, and wait for all of them (bluesky's
 * `mv(m1, v1, m2, v2, ...)`).
 *
 * @example Two motors at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { mv } from "./mod.ts";
 * const m = (name: string) => ({ name, set: () => { throw new Error(); } });
 * const commands = [...mv([[m("x"), 1], [m("y"), 2]])].map((m) => m.command);
 * assert.deepEqual(commands, ["set", "set", "wait"]);
 * ```
 *
 * @param moves `[device, target]` pairs.
 * @param options `group` (default: a new uuid) and `timeout` of the wait.
 * @returns The statuses of the moves.
 */
export function mv(moves: Moves, options?: MoveOptions): Plan<Status[]>;
export function* mv(
  target: Movable | Moves,
  value?: unknown,
  options?: MoveOptions,
): Plan<Status[]> {
  const { moves, group, timeout } = normalizeMoves(target, value, options);
  const statuses: Status[] = [];
  for (const [obj, to] of moves) statuses.push((yield msg("set", obj, [to], { group })) as Status);
  yield msg("wait", undefined, [], defined({ group, timeout }));
  return statuses;
}

/**
 * Move one device by an offset from where it is, and wait (bluesky's `mvr(motor, delta)`).
 * The start position comes from {@linkcode currentPosition}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mvr } from "./mod.ts";
 * const motor = { name: "motor", position: 1, set: () => { throw new Error(); } };
 * const [m] = mvr(motor, -1);
 * assert.deepEqual(m?.args, [0]);
 * ```
 *
 * @param target The device.
 * @param value The offset.
 * @param options `group` (default: a new uuid) and `timeout` of the wait.
 * @returns The status of the move.
 */
export function mvr(target: Movable, value: unknown, options?: MoveOptions): Plan<Status[]>;
/**
 * Move several devices by offsets, in parallel, and wait for all of them. Each start position
 * comes from {@linkcode currentPosition} just before the device's move.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mvr } from "./mod.ts";
 * const m = (name: string, position: number) => ({ name, position, set: () => { throw new Error(); } });
 * const moves = [...mvr([[m("x", 1), 1], [m("y", 5), -1]])];
 * assert.deepEqual(moves.map((m) => m.args), [[2], [4], []]);
 * ```
 *
 * @param moves `[device, offset]` pairs.
 * @param options `group` (default: a new uuid) and `timeout` of the wait.
 * @returns The statuses of the moves.
 */
export function mvr(moves: Moves, options?: MoveOptions): Plan<Status[]>;
export function* mvr(
  target: Movable | Moves,
  value?: unknown,
  options?: MoveOptions,
): Plan<Status[]> {
  const { moves, group, timeout } = normalizeMoves(target, value, options);
  const statuses: Status[] = [];
  for (const [obj, delta] of moves) {
    const position = yield* currentPosition(obj);
    statuses.push((yield msg("set", obj, [offset(position, delta, obj)], { group })) as Status);
  }
  yield msg("wait", undefined, [], defined({ group, timeout }));
  return statuses;
}
