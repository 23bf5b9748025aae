/**
 * Which data keys of a stream the run's detectors and positioners stand for, decided as
 * apstools decides it. Exported for every plugin, built-in or not, from the plugin author's entry point.
 *
 * @module
 */

import type { RunData, StreamData } from "./run_data.ts";

/** Data keys of one stream by role. */
export interface SignalRoles {
  /** Keys of the start document's `detectors`, in that order. */
  readonly detectors: string[];
  /** Keys of the start document's `motors` (or `positioners`), in that order. */
  readonly positioners: string[];
}

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/**
 * The fields of each dimension of `start.hints.dimensions` read in `stream`, slowest first.
 * @param run The run.
 * @param stream Name of the stream.
 * @returns One list of field names per dimension (empty when the start has no dimensions).
 *
 * @example The scan's motor is its one dimension
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/mod.ts";
 * import { dimensions, RunAccumulator } from "./mod.ts";
 * const start = composeRun({ hints: { dimensions: [[["motor"], "primary"]] } }).start;
 * assert.deepEqual(dimensions(new RunAccumulator(start), "primary"), [["motor"]]);
 * ```
 */
export function dimensions(run: RunData, stream: string): string[][] {
  const dims = run.start.hints?.dimensions;
  if (!Array.isArray(dims)) return [];
  const out: string[][] = [];
  for (const dim of dims) {
    if (!Array.isArray(dim) || dim[1] !== stream) continue;
    out.push(names(dim[0]));
  }
  return out;
}

/**
 * The keys of `stream` that stand for the start document's detectors and motors.
 *
 * A device named in the start document stands for its hinted fields (`hints[device].fields`
 * of the descriptor), else for all its keys (`object_keys`), else for the key of its own name;
 * each key gets one role, detectors first. So the seed's `motor` is a positioner and its
 * `motor_user_setpoint` (not hinted) is neither. A run whose start names no motors takes its
 * positioners from `hints.dimensions` (`"time"` is no key).
 *
 * @param run The run.
 * @param stream The stream.
 * @returns The keys by role.
 *
 * @example The seed's detector and motor
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/mod.ts";
 * import { RunAccumulator, signalRoles } from "./mod.ts";
 * const run = composeRun({ detectors: ["sensor"], motors: ["motor"] });
 * const primary = run.descriptor({
 *   name: "primary",
 *   data_keys: {
 *     sensor: { dtype: "number", shape: [], source: "SIM:sensor" },
 *     motor: { dtype: "number", shape: [], source: "SIM:motor" },
 *     motor_user_setpoint: { dtype: "number", shape: [], source: "SIM:motor.VAL" },
 *   },
 *   hints: { motor: { fields: ["motor"] } },
 * });
 * const acc = new RunAccumulator(run.start);
 * acc.receive("descriptor", primary.doc);
 * const roles = signalRoles(acc, acc.streams.get("primary")!);
 * assert.deepEqual(roles, { detectors: ["sensor"], positioners: ["motor"] });
 * ```
 */
export function signalRoles(run: RunData, stream: StreamData): SignalRoles {
  const unassigned = new Set(stream.keys());
  const pick = (devices: string[]): string[] => {
    const picked: string[] = [];
    for (const device of devices) {
      const hinted = names(stream.hints[device]?.fields);
      const candidates = hinted.length > 0
        ? hinted
        : stream.objectKeys[device] ?? (device in stream.dataKeys ? [device] : []);
      for (const key of candidates) {
        if (unassigned.delete(key)) picked.push(key);
      }
    }
    return picked;
  };
  const detectors = pick(names(run.start.detectors));
  const positionerNames = names(run.start.positioners);
  let positioners = pick(positionerNames.length > 0 ? positionerNames : names(run.start.motors));
  if (positioners.length === 0) positioners = pick(dimensions(run, stream.name).flat());
  return { detectors, positioners };
}
