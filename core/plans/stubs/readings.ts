/**
 * Stubs that take readings: describe a stream, trigger devices, open a bundle, read into it,
 * and save or drop it as one event; {@linkcode triggerAndRead} does all of it for one point.
 *
 * @module
 */

import { msg, type Plan } from "../../engine/messages.ts";
import type { Readable, Readings, Triggerable } from "../../engine/protocols.ts";
import { isTriggerable } from "../../engine/protocols.ts";
import type { Status } from "../../engine/status.ts";
import { defined } from "./_defined.ts";
import type { GroupOptions } from "./control.ts";
import { separateDevices } from "./devices.ts";
import { shortUid } from "./short_uid.ts";

/**
 * Describe a stream before its first event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { declareStream } from "./mod.ts";
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
 * Trigger a device, optionally waiting for it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Status } from "../../engine/status.ts";
 * import { trigger } from "./mod.ts";
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
 * Open a bundle of readings that `save` turns into one event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { create } from "./mod.ts";
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
 * Read a device (into the open bundle, if there is one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { read } from "./mod.ts";
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
 * Emit the open bundle as an event.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { save } from "./mod.ts";
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
 * import { drop } from "./mod.ts";
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
 * Trigger the devices that can be triggered (in one group), wait, then read every device into
 * one event of stream `name`. When a read fails the bundle is dropped and the error goes on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Msg } from "../../engine/messages.ts";
 * import { triggerAndRead } from "./mod.ts";
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
  // The messages of trigger(), wait(), create(), read(), drop() and save(), yielded here rather
  // than through those stubs: each generator a message passes through costs time at every
  // point of a scan.
  if (devices.length === 0) yield msg("null");
  const unique = separateDevices(devices);
  let group: string | undefined;
  for (const obj of unique) {
    if (isTriggerable(obj)) {
      group ??= shortUid("trigger");
      yield msg("trigger", obj, [], { group });
    }
  }
  if (group !== undefined) yield msg("wait", undefined, [], { group });
  yield msg("create", undefined, [], { name });
  const readings: Readings = {};
  try {
    for (const obj of unique) {
      const reading = (yield msg("read", obj)) as Readings | undefined | null;
      if (reading !== undefined && reading !== null) Object.assign(readings, reading);
    }
  } catch (error) {
    yield msg("drop");
    throw error;
  }
  yield msg("save");
  return readings;
}
