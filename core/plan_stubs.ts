/**
 * Plan stubs, as bluesky's `plan_stubs`: small plans that yield one or a few messages and
 * compose into full plans with `yield*`. Each returns what the RunEngine answers (a status, a
 * reading, a run uid).
 *
 * Names are camelCase (`triggerAndRead` for `trigger_and_read`); keyword arguments of the
 * Python stubs become an options object.
 *
 * @module
 */

import { msg, type Plan } from "./messages.ts";
import type { Step } from "./plan_patterns.ts";
import type { Movable, Readable, Readings, Stageable, Triggerable } from "./protocols.ts";
import { isTriggerable } from "./protocols.ts";
import { Status } from "./status.ts";

/** A plan that takes one reading of some devices into a stream (default: `triggerAndRead`). */
export type TakeReading = (
  devices: readonly Readable[],
  options?: { name?: string },
) => Plan<Readings>;

/** Where each motor of a scan was last sent, so that a motor that stays put is not moved. */
export type PositionCache = Map<Movable, unknown>;

/** Only the keys whose value is not `undefined`, so that messages carry no empty keywords. */
function defined(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).filter(([, v]) => v !== undefined));
}

/**
 * A readable but unique id such as `"set-1f0c2a"` (bluesky's `short_uid`), used for groups.
 *
 * @example A group name
 * ```ts
 * import assert from "node:assert/strict";
 * import { shortUid } from "./plan_stubs.ts";
 * assert.match(shortUid("set"), /^set-[0-9a-f]{6}$/);
 * ```
 *
 * @param label Prefix of the id.
 * @returns The id.
 */
export function shortUid(label?: string): string {
  const uid = crypto.randomUUID().slice(0, 6);
  return label ? `${label}-${uid}` : uid;
}

/** Self, parent, grandparent... for devices that have a `parent`. */
function ancestry(obj: unknown): unknown[] {
  const chain: unknown[] = [];
  for (
    let o: unknown = obj;
    o !== undefined && o !== null;
    o = (o as { parent?: unknown }).parent
  ) {
    if (chain.includes(o)) break;
    chain.push(o);
  }
  return chain;
}

/**
 * The topmost ancestor of a device (itself when it has no `parent`).
 *
 * @example A device without a parent
 * ```ts
 * import assert from "node:assert/strict";
 * import { rootAncestor } from "./plan_stubs.ts";
 * const parent = { name: "stage" };
 * assert.equal(rootAncestor({ name: "stage_x", parent }), parent);
 * ```
 *
 * @param obj A device.
 * @returns Its root ancestor.
 */
export function rootAncestor<T>(obj: T): T {
  return ancestry(obj).at(-1) as T;
}

/**
 * Drop repeated devices and devices whose ancestor is also listed, keeping order (bluesky's
 * `separate_devices`).
 *
 * @example Duplicates go
 * ```ts
 * import assert from "node:assert/strict";
 * import { separateDevices } from "./plan_stubs.ts";
 * const a = { name: "a" }, b = { name: "b" };
 * assert.deepEqual(separateDevices([a, b, a]), [a, b]);
 * ```
 *
 * @param devices Devices, possibly repeated.
 * @returns The devices without redundant entries.
 */
export function separateDevices<T>(devices: Iterable<T>): T[] {
  const result: T[] = [];
  for (const device of devices) {
    const chain = ancestry(device);
    if (result.some((kept) => chain.includes(kept))) continue;
    for (let i = result.length - 1; i >= 0; i--) {
      if (ancestry(result[i]).includes(device)) result.splice(i, 1);
    }
    result.push(device);
  }
  return result;
}

/**
 * The hinted fields of a device (`hints.fields`), or none (bluesky's `get_hinted_fields`).
 *
 * @example A motor's readback
 * ```ts
 * import assert from "node:assert/strict";
 * import { hintedFields } from "./plan_stubs.ts";
 * assert.deepEqual(hintedFields({ name: "motor", hints: { fields: ["motor"] } }), ["motor"]);
 * ```
 *
 * @param obj A device.
 * @returns Its hinted data keys.
 */
export function hintedFields(obj: unknown): string[] {
  const fields = (obj as { hints?: { fields?: unknown } } | null)?.hints?.fields;
  return Array.isArray(fields) ? [...fields] : [];
}

/**
 * Describe a stream before its first event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { declareStream } from "./plan_stubs.ts";
 * const det = { name: "det", read: () => ({}), describe: () => ({}) };
 * const [m] = declareStream([det], { name: "baseline" });
 * assert.equal(m?.command, "declare_stream");
 * assert.deepEqual(m.args, [det]);
 * ```
 *
 * @param devices The devices the stream will read.
 * @param options `name` of the stream (default `"primary"`), `collect` as bluesky.
 * @returns What the RunEngine answers.
 */
export function* declareStream(
  devices: readonly Readable[],
  options: { name?: string; collect?: boolean } = {},
): Plan<unknown> {
  const { name = "primary", collect = false } = options;
  return yield msg("declare_stream", undefined, separateDevices(devices), { name, collect });
}

/**
 * Open a bundle of readings that `save` turns into one event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "./plan_stubs.ts";
 * const [m] = create();
 * assert.deepEqual(m?.kwargs, { name: "primary" });
 * ```
 *
 * @param name Stream name.
 * @returns What the RunEngine answers.
 */
export function* create(name = "primary"): Plan<unknown> {
  return yield msg("create", undefined, [], { name });
}

/**
 * Emit the open bundle as an event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { save } from "./plan_stubs.ts";
 * const [m] = save();
 * assert.equal(m?.command, "save");
 * ```
 *
 * @returns What the RunEngine answers.
 */
export function* save(): Plan<unknown> {
  return yield msg("save");
}

/**
 * Discard the open bundle without emitting an event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drop } from "./plan_stubs.ts";
 * const [m] = drop();
 * assert.equal(m?.command, "drop");
 * ```
 *
 * @returns What the RunEngine answers.
 */
export function* drop(): Plan<unknown> {
  return yield msg("drop");
}

/**
 * Read a device (into the open bundle, if there is one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { read } from "./plan_stubs.ts";
 * const det = { name: "det", read: () => ({}), describe: () => ({}) };
 * const [m] = read(det);
 * assert.equal(m?.obj, det);
 * ```
 *
 * @param obj The device.
 * @returns Its readings.
 */
export function* read(obj: Readable): Plan<Readings> {
  return (yield msg("read", obj)) as Readings;
}

/**
 * Ask where a device is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { locate } from "./plan_stubs.ts";
 * const [m] = locate({ name: "motor" });
 * assert.equal(m?.command, "locate");
 * ```
 *
 * @param obj The device.
 * @returns Its location as the RunEngine reports it.
 */
export function* locate(obj: unknown): Plan<unknown> {
  return yield msg("locate", obj);
}

/**
 * A message that does nothing (bluesky's `null`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nullPlan } from "./plan_stubs.ts";
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
 * Set a device to a value, optionally waiting for it (bluesky's `abs_set`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { absSet } from "./plan_stubs.ts";
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
 * Where a movable device is now, for relative moves: its `locate()` setpoint when it is
 * locatable (a `locate` message), else its `position`, else the hinted (or only) value of a
 * `read` message. This is how bluesky's relative wrappers stash start positions.
 *
 * @example A motor with a position yields no message
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentPosition } from "./plan_stubs.ts";
 * const step = currentPosition({ name: "motor", position: 2 }).next();
 * assert.deepEqual(step, { done: true, value: 2 });
 * ```
 *
 * @param obj The device.
 * @returns Its position (0 when the RunEngine answers nothing, as when a plan is listed).
 */
export function* currentPosition(obj: unknown): Plan<unknown> {
  const device = obj as { locate?: unknown; position?: unknown } | null;
  if (typeof device?.locate === "function") {
    const location = yield msg("locate", obj);
    if (location === undefined || location === null) return 0;
    if (typeof location === "object" && "setpoint" in location) {
      return (location as { setpoint: unknown }).setpoint;
    }
    return location;
  }
  if (device && "position" in device && device.position !== undefined) return device.position;
  const reading = (yield msg("read", obj)) as Readings | undefined | null;
  if (reading === undefined || reading === null) return 0;
  const fields = hintedFields(obj);
  if (fields.length > 1) {
    throw new RangeError(
      `Cannot tell the position of "${(obj as { name?: unknown }).name}": ` +
        `it hints ${fields.length} fields (${fields.join(", ")})`,
    );
  }
  const key = fields[0] ?? Object.keys(reading)[0];
  return key === undefined ? undefined : reading[key]?.value;
}

/**
 * Set a device relative to where it is, optionally waiting (bluesky's `rel_set`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { relSet } from "./plan_stubs.ts";
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

function toMoves(target: Movable | Moves, value: unknown): Moves {
  const moves: Moves = Array.isArray(target) ? target : [[target as Movable, value]];
  const seen = new Set<Movable>();
  for (const [obj] of moves) {
    if (seen.has(obj)) {
      throw new RangeError(`Cannot move "${obj.name}" twice at once: it is listed twice`);
    }
    seen.add(obj);
  }
  return moves;
}

/**
 * Move one device and wait for it (bluesky's `mv(motor, value)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mv } from "./plan_stubs.ts";
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
 * import { mv } from "./plan_stubs.ts";
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
  const single = !Array.isArray(target);
  const moves = toMoves(target, value);
  const opts = (single ? options : value as MoveOptions | undefined) ?? {};
  const group = opts.group ?? crypto.randomUUID();
  const statuses: Status[] = [];
  for (const [obj, to] of moves) statuses.push((yield msg("set", obj, [to], { group })) as Status);
  yield msg("wait", undefined, [], defined({ group, timeout: opts.timeout }));
  return statuses;
}

/**
 * Move one device by an offset from where it is, and wait (bluesky's `mvr(motor, delta)`).
 * The start position comes from {@linkcode currentPosition}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mvr } from "./plan_stubs.ts";
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
 * import { mvr } from "./plan_stubs.ts";
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
  const single = !Array.isArray(target);
  const moves = toMoves(target, value);
  const opts = (single ? options : value as MoveOptions | undefined) ?? {};
  const group = opts.group ?? crypto.randomUUID();
  const statuses: Status[] = [];
  for (const [obj, delta] of moves) {
    const position = yield* currentPosition(obj);
    statuses.push((yield msg("set", obj, [offset(position, delta, obj)], { group })) as Status);
  }
  yield msg("wait", undefined, [], defined({ group, timeout: opts.timeout }));
  return statuses;
}

/**
 * Read the single value of a device without triggering it and without making an event
 * (bluesky's `rd`): the `readback` of a locatable device, else its one hinted field, else its
 * only field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Msg } from "./messages.ts";
 * import { rd } from "./plan_stubs.ts";
 * const det = { name: "det", read: () => ({}), describe: () => ({}) };
 * const plan = rd(det);
 * assert.equal((plan.next().value as Msg).command, "read");
 * assert.deepEqual(plan.next({ det: { value: 3, timestamp: 0 } }), { done: true, value: 3 });
 * ```
 *
 * @param obj The device.
 * @param options `defaultValue`: the answer when the RunEngine returns nothing (default 0).
 * @returns The value.
 */
export function* rd(obj: Readable, options: { defaultValue?: unknown } = {}): Plan<unknown> {
  const { defaultValue = 0 } = options;
  if (typeof (obj as { locate?: unknown }).locate === "function") {
    const location = yield msg("locate", obj);
    if (location === undefined || location === null) return defaultValue;
    if (typeof location === "object" && "readback" in location) {
      return (location as { readback: unknown }).readback;
    }
    return location;
  }
  const fields = hintedFields(obj);
  if (fields.length > 1) {
    throw new RangeError(
      `Cannot pick one value of "${obj.name}": it hints ${fields.length} fields ` +
        `(${fields.join(", ")}); read one of its components instead`,
    );
  }
  const readings = (yield msg("read", obj)) as Readings | undefined | null;
  if (readings === undefined || readings === null) return defaultValue;
  if (fields[0] !== undefined) return readings[fields[0]]?.value;
  const values = Object.values(readings);
  if (values.length !== 1) {
    throw new RangeError(
      `Cannot pick one value of "${obj.name}": it read ${values.length} values; ` +
        "hint one field or read one of its components instead",
    );
  }
  return values[0]!.value;
}

/**
 * Trigger a device, optionally waiting for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Status } from "./status.ts";
 * import { trigger } from "./plan_stubs.ts";
 * const det = { name: "det", trigger: () => Status.done() };
 * const [m] = trigger(det, { group: "A" });
 * assert.deepEqual(m?.kwargs, { group: "A" });
 * ```
 *
 * @param obj The device.
 * @param options `group` and `wait`.
 * @returns The device's status.
 */
export function* trigger(obj: Triggerable, options: GroupOptions = {}): Plan<Status> {
  const status = yield msg("trigger", obj, [], defined({ group: options.group }));
  if (options.wait) yield msg("wait", undefined, [], defined({ group: options.group }));
  return status as Status;
}

/**
 * Sleep without blocking the RunEngine (it can still be paused meanwhile).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sleep } from "./plan_stubs.ts";
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
 * Wait for the statuses of a group (or of every group when none is given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wait } from "./plan_stubs.ts";
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
 * Mark a point that a resumed plan rewinds to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkpoint } from "./plan_stubs.ts";
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
 * import { clearCheckpoint } from "./plan_stubs.ts";
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
 * import { pause } from "./plan_stubs.ts";
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
 * import { deferredPause } from "./plan_stubs.ts";
 * const [m] = deferredPause();
 * assert.deepEqual(m?.kwargs, { defer: true });
 * ```
 *
 * @returns What the RunEngine answers.
 */
export function* deferredPause(): Plan<unknown> {
  return yield* pause({ defer: true });
}

/**
 * Stage a device; waits only when asked and the device answers with a status.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stage } from "./plan_stubs.ts";
 * const det = { name: "det", stage: () => {}, unstage: () => {} };
 * const [m] = stage(det);
 * assert.equal(m?.command, "stage");
 * ```
 *
 * @param obj The device.
 * @param options `group` and `wait`.
 * @returns What the device's `stage()` returned.
 */
export function* stage(obj: Stageable, options: GroupOptions = {}): Plan<unknown> {
  const result = yield msg("stage", obj, [], defined({ group: options.group }));
  if (result instanceof Status && options.wait) {
    yield msg("wait", undefined, [], defined({ group: options.group }));
  }
  return result;
}

/**
 * Unstage a device; waits only when asked and the device answers with a status.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unstage } from "./plan_stubs.ts";
 * const det = { name: "det", stage: () => {}, unstage: () => {} };
 * const [m] = unstage(det);
 * assert.equal(m?.command, "unstage");
 * ```
 *
 * @param obj The device.
 * @param options `group` and `wait`.
 * @returns What the device's `unstage()` returned.
 */
export function* unstage(obj: Stageable, options: GroupOptions = {}): Plan<unknown> {
  const result = yield msg("unstage", obj, [], defined({ group: options.group }));
  if (result instanceof Status && options.wait) {
    yield msg("wait", undefined, [], defined({ group: options.group }));
  }
  return result;
}

function* broadcastInGroup(
  command: string,
  devices: readonly unknown[],
  group?: string,
): Plan<void> {
  const grp = group ?? crypto.randomUUID();
  let statuses = 0;
  for (const obj of devices) {
    if ((yield msg(command, obj, [], { group: grp })) instanceof Status) statuses++;
  }
  if (statuses > 0) yield msg("wait", undefined, [], { group: grp });
}

/**
 * Stage devices in the order given, in one group; wait if any answered with a status.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stageAll } from "./plan_stubs.ts";
 * const det = { name: "det", stage: () => {}, unstage: () => {} };
 * const [m] = stageAll([det]);
 * assert.equal(m?.obj, det);
 * ```
 *
 * @param devices The devices.
 * @param options `group` (default: a new uuid).
 * @returns Nothing.
 */
export function stageAll(
  devices: readonly unknown[],
  options: { group?: string } = {},
): Plan<void> {
  return broadcastInGroup("stage", devices, options.group);
}

/**
 * Unstage devices in the order given (pass them reversed to undo {@linkcode stageAll}, as
 * `stageWrapper` does), in one group; wait if any answered with a status.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unstageAll } from "./plan_stubs.ts";
 * const det = { name: "det", stage: () => {}, unstage: () => {} };
 * const [m] = unstageAll([det]);
 * assert.equal(m?.command, "unstage");
 * ```
 *
 * @param devices The devices.
 * @param options `group` (default: a new uuid).
 * @returns Nothing.
 */
export function unstageAll(
  devices: readonly unknown[],
  options: { group?: string } = {},
): Plan<void> {
  return broadcastInGroup("unstage", devices, options.group);
}

/**
 * Subscribe a callback to the documents of the runs of this plan.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subscribe } from "./plan_stubs.ts";
 * const [m] = subscribe("all", () => {});
 * assert.equal(m?.args?.[0], "all");
 * ```
 *
 * @param name Document name or `"all"`.
 * @param callback Called with `(name, doc)`.
 * @returns A token for {@linkcode unsubscribe}.
 */
export function* subscribe(
  name: string,
  callback: (name: string, doc: unknown) => void,
): Plan<number> {
  return (yield msg("subscribe", undefined, [name, callback])) as number;
}

/**
 * Remove a subscription made with {@linkcode subscribe}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unsubscribe } from "./plan_stubs.ts";
 * const [m] = unsubscribe(3);
 * assert.deepEqual(m?.kwargs, { token: 3 });
 * ```
 *
 * @param token The token.
 * @returns What the RunEngine answers.
 */
export function* unsubscribe(token: number): Plan<unknown> {
  return yield msg("unsubscribe", undefined, [], { token });
}

/**
 * Open a run; the metadata goes into its start document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openRun } from "./plan_stubs.ts";
 * const [m] = openRun({ sample: "Si" });
 * assert.deepEqual(m?.kwargs, { sample: "Si" });
 * ```
 *
 * @param md Metadata.
 * @returns The run's uid.
 */
export function* openRun(md: Readonly<Record<string, unknown>> = {}): Plan<string> {
  return (yield msg("open_run", undefined, [], { ...md })) as string;
}

/**
 * Close the open run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeRun } from "./plan_stubs.ts";
 * const [m] = closeRun({ exitStatus: "fail", reason: "boom" });
 * assert.deepEqual(m?.kwargs, { exit_status: "fail", reason: "boom" });
 * ```
 *
 * @param options `exitStatus` (`"success"`, `"abort"` or `"fail"`) and `reason`.
 * @returns The run's uid.
 */
export function* closeRun(
  options: { exitStatus?: string | undefined; reason?: string | undefined } = {},
): Plan<string> {
  const kwargs = defined({ exit_status: options.exitStatus, reason: options.reason });
  return (yield msg("close_run", undefined, [], kwargs)) as string;
}

/**
 * Trigger the devices that can be triggered (in one group), wait, then read every device into
 * one event of stream `name`. When a read fails the bundle is dropped and the error goes on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Msg } from "./messages.ts";
 * import { triggerAndRead } from "./plan_stubs.ts";
 * const det = { name: "det", read: () => ({}), describe: () => ({}) };
 * const plan = triggerAndRead([det]);
 * assert.equal((plan.next().value as Msg).command, "create");
 * assert.equal((plan.next().value as Msg).command, "read");
 * assert.equal((plan.next({ det: { value: 1, timestamp: 0 } }).value as Msg).command, "save");
 * assert.deepEqual(plan.next(), { done: true, value: { det: { value: 1, timestamp: 0 } } });
 * ```
 *
 * @param devices Devices to trigger and read.
 * @param options `name` of the stream (default `"primary"`).
 * @returns The readings of all devices, merged.
 */
export function* triggerAndRead(
  devices: readonly Readable[],
  options: { name?: string } = {},
): Plan<Readings> {
  const { name = "primary" } = options;
  if (devices.length === 0) yield* nullPlan();
  const unique = separateDevices(devices);
  const group = shortUid("trigger");
  let triggered = false;
  for (const obj of unique) {
    if (isTriggerable(obj)) {
      triggered = true;
      yield* trigger(obj, { group });
    }
  }
  if (triggered) yield* wait(group);
  yield* create(name);
  const readings: Readings = {};
  try {
    for (const obj of unique) {
      const reading = yield* read(obj);
      if (reading !== undefined && reading !== null) Object.assign(readings, reading);
    }
  } catch (error) {
    yield* drop();
    throw error;
  }
  yield* save();
  return readings;
}

/**
 * Chain `n` runs of a plan made by `planFactory` (forever when `n` is null).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { repeater, nullPlan } from "./plan_stubs.ts";
 * assert.equal([...repeater(3, nullPlan)].length, 3);
 * ```
 *
 * @param n How many times.
 * @param planFactory Makes the plan.
 * @returns Nothing.
 */
export function* repeater(n: number | null, planFactory: () => Plan<unknown>): Plan<void> {
  for (let i = 0; n === null || i < n; i++) yield* planFactory();
}

/** Options of {@linkcode repeat}. */
export interface RepeatOptions {
  /** How many times; `null` repeats until the plan is stopped. */
  num?: number | null | undefined;
  /** Seconds between starts: one number, or one entry per gap (`null` for none). */
  delay?: number | readonly (number | null)[] | undefined;
}

/** Defaults of {@linkcode RepeatOptions}. */
export const repeatDefaults = { num: 1, delay: 0 } as const satisfies RepeatOptions;

/**
 * Run a plan `num` times with a checkpoint before each, and sleep so that successive starts are
 * `delay` seconds apart (the time the plan took counts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { repeat, nullPlan } from "./plan_stubs.ts";
 * const commands = [...repeat(nullPlan, { num: 2 })].map((m) => m.command);
 * assert.deepEqual(commands, ["checkpoint", "null", "checkpoint", "null"]);
 * ```
 *
 * @param planFactory Makes the plan to repeat.
 * @param options `num` and `delay`.
 * @returns Nothing.
 */
export function* repeat(planFactory: () => Plan<unknown>, options: RepeatOptions = {}): Plan<void> {
  const num = options.num === undefined ? repeatDefaults.num : options.num;
  const delay = options.delay ?? repeatDefaults.delay;
  const delays = typeof delay === "number" ? undefined : delay;
  if (delays && num !== null && num - 1 > delays.length) {
    throw new RangeError(`Cannot repeat ${num} times with ${delays.length} delays: too few delays`);
  }
  for (let i = 0; num === null || i < num; i++) {
    const started = performance.now();
    yield* checkpoint();
    yield* planFactory();
    let d: number | null;
    if (delays === undefined) {
      d = delay as number;
    } else if (i < delays.length) {
      d = delays[i]!;
    } else {
      if (num === null || i + 1 === num) break;
      throw new RangeError(`Cannot repeat ${num} times with ${i} delays: too few delays`);
    }
    if (d !== null) {
      const left = d - (performance.now() - started) / 1000;
      if (left > 0) yield* sleep(left);
    }
  }
}

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
 * import { oneShot } from "./plan_stubs.ts";
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
 * import { one1dStep } from "./plan_stubs.ts";
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
 * import { movePerStep, type PositionCache } from "./plan_stubs.ts";
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
  yield* checkpoint();
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
 * import { oneNdStep } from "./plan_stubs.ts";
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
