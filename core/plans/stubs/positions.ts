/**
 * Stubs that ask where a device is, without making an event: {@linkcode locate},
 * {@linkcode currentPosition} for relative moves and {@linkcode rd} for a single value.
 *
 * @module
 */

import { msg, type Plan } from "../../engine/messages.ts";
import type { Readable, Readings } from "../../engine/protocols.ts";
import { hintedFields } from "./devices.ts";

/**
 * Ask where a device is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { locate } from "./mod.ts";
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
 * Where a movable device is now, for relative moves: its `locate()` setpoint when it is
 * locatable (a `locate` message), else its `position`, else the hinted (or only) value of a
 * `read` message. This is how bluesky's relative wrappers stash start positions.
 *
 * @example A motor with a position yields no message
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentPosition } from "./mod.ts";
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
 * Read the single value of a device without triggering it and without making an event
 * (bluesky's `rd`): the `readback` of a locatable device, else its one hinted field, else its
 * only field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Msg } from "../../engine/messages.ts";
 * import { rd } from "./mod.ts";
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
