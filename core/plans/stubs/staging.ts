/**
 * Stubs that stage and unstage devices, one at a time or all in one group.
 *
 * @module
 */

import { msg, type Plan } from "../../engine/messages.ts";
import type { Stageable } from "../../engine/protocols.ts";
import { Status } from "../../engine/status.ts";
import { defined } from "./_defined.ts";
import type { GroupOptions } from "./control.ts";

/**
 * Stage a device; waits only when asked and the device answers with a status.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stage } from "./mod.ts";
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
 * import { unstage } from "./mod.ts";
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
 * import { stageAll } from "./mod.ts";
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
 * import { unstageAll } from "./mod.ts";
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
