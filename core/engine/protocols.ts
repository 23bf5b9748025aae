/**
 * What the RunEngine needs of a device. Devices implement these structurally (no base class
 * needed); methods may return values directly or as promises.
 *
 * @module
 */

import type { DataKeys } from "../documents/types.ts";
import type { Status } from "./status.ts";

/**
 * A value that may come at once or later.
 *
 * @example Either
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MaybePromise } from "./protocols.ts";
 * const now: MaybePromise<number> = 1;
 * const later: MaybePromise<number> = Promise.resolve(2);
 * assert.equal(now + await later, 3);
 * ```
 */
export type MaybePromise<T> = T | Promise<T>;

/** One reading of one data key. */
export interface Reading {
  /** The value read; it becomes the data key's entry in an event's `data`. */
  value: unknown;
  /** When the value was read, in Unix epoch seconds. */
  timestamp: number;
  /** EPICS alarm severity: 0 no alarm, 1 minor, 2 major, 3 invalid. */
  alarm_severity?: number;
}

/** Readings keyed by data key name. */
export type Readings = Record<string, Reading>;

/** Hints of a readable device: which of its keys are interesting to plot. */
export interface Hints {
  /** The device's data keys worth plotting or tabulating, for example its readback. */
  fields?: string[];
  /** Further hints, passed into the descriptor unchanged. */
  [key: string]: unknown;
}

/** Anything with a name. */
export interface Named {
  /** Name of the device; it prefixes its data keys. */
  readonly name: string;
  /** Python-style representation recorded in `plan_args` (falls back to `name`). */
  repr?(): string;
}

/**
 * A device that can be read (ophyd's `Readable`).
 *
 * @example A readable constant
 * ```ts
 * import assert from "node:assert/strict";
 * import { isReadable, type Readable } from "./protocols.ts";
 * const constant: Readable = {
 *   name: "k",
 *   read: () => ({ k: { value: 42, timestamp: 0 } }),
 *   describe: () => ({ k: { dtype: "number", shape: [], source: "SIM:k" } }),
 * };
 * assert.ok(isReadable(constant));
 * ```
 */
export interface Readable extends Named {
  /**
   * Read the device.
   * @returns One reading per data key; the keys must match {@linkcode Readable.describe}.
   */
  read(): MaybePromise<Readings>;
  /**
   * Describe what {@linkcode Readable.read} returns; it goes into the descriptor's `data_keys`.
   * @returns One data key per reading.
   */
  describe(): MaybePromise<DataKeys>;
  /**
   * Read the settings needed to interpret the data; recorded once per stream, in the
   * descriptor's `configuration`.
   * @returns One reading per configuration key.
   */
  readConfiguration?(): MaybePromise<Readings>;
  /**
   * Describe what {@linkcode Readable.readConfiguration} returns.
   * @returns One data key per configuration reading.
   */
  describeConfiguration?(): MaybePromise<DataKeys>;
  /** Which keys are interesting; recorded in the descriptor's `hints`. */
  readonly hints?: Hints;
}

/**
 * A device that can be moved to a target (ophyd's `Movable`).
 *
 * @example A motor that arrives at once
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Movable } from "./protocols.ts";
 * import { Status } from "./status.ts";
 * let at = 0;
 * const motor: Movable = { name: "m", set: (v) => { at = Number(v); return Status.done("set"); } };
 * await motor.set(3).wait();
 * assert.equal(at, 3);
 * ```
 */
export interface Movable extends Named {
  /**
   * Start moving to `value`.
   * @param value The target, in the device's units.
   * @returns A status that finishes when the device has arrived, or fails.
   */
  set(value: unknown): Status;
  /**
   * Stop moving.
   * @param options `success: false` when the run failed or was aborted.
   */
  stop?(options?: { success?: boolean }): MaybePromise<void>;
  /** Current position, used by relative plans. */
  readonly position?: unknown;
}

/**
 * A device whose acquisition is started by `trigger()`.
 *
 * @example Done at once
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Triggerable } from "./protocols.ts";
 * import { Status } from "./status.ts";
 * let shots = 0;
 * const det: Triggerable = {
 *   name: "det",
 *   trigger: () => {
 *     shots++;
 *     return Status.done("trigger");
 *   },
 * };
 * await det.trigger().wait();
 * assert.equal(shots, 1);
 * ```
 */
export interface Triggerable extends Named {
  /**
   * Start an acquisition.
   * @returns A status that finishes when the acquisition is complete and can be read.
   */
  trigger(): Status;
}

/**
 * A device that is prepared for a run and restored after it.
 *
 * @example Counted stages
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Stageable } from "./protocols.ts";
 * let staged = 0;
 * const device: Stageable = { name: "d", stage: () => void staged++, unstage: () => void staged-- };
 * device.stage();
 * assert.equal(staged, 1);
 * ```
 */
export interface Stageable extends Named {
  /**
   * Prepare for the run, remembering any setting it changes. The RunEngine stages a device at
   * most once per run.
   * @returns Anything; the RunEngine ignores it.
   */
  stage(): MaybePromise<unknown>;
  /**
   * Restore what {@linkcode Stageable.stage} changed. Called by the plan or, at the latest,
   * when the run ends, also after a failure.
   * @returns Anything; the RunEngine ignores it.
   */
  unstage(): MaybePromise<unknown>;
}

/**
 * A device that must act when the RunEngine pauses and resumes.
 *
 * @example Pausing a device
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Pausable } from "./protocols.ts";
 * let paused = false;
 * const device: Pausable = { name: "d", pause: () => void (paused = true), resume: () => void (paused = false) };
 * await device.pause();
 * assert.equal(paused, true);
 * ```
 */
export interface Pausable extends Named {
  /** Get ready to wait while the run is paused, for example stop an ongoing acquisition. */
  pause(): MaybePromise<void>;
  /** Get ready to continue after a pause. */
  resume(): MaybePromise<void>;
}

/**
 * A device that can be stopped.
 *
 * @example Stopping a device
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Stoppable } from "./protocols.ts";
 * const stops: boolean[] = [];
 * const device: Stoppable = { name: "d", stop: (o) => void stops.push(o?.success ?? true) };
 * await device.stop({ success: false });
 * assert.deepEqual(stops, [false]);
 * ```
 */
export interface Stoppable extends Named {
  /**
   * Stop whatever the device is doing.
   * @param options `success: false` when the run failed or was aborted.
   */
  stop(options?: { success?: boolean }): MaybePromise<void>;
}

/**
 * A device that can emit asset documents (`resource`/`datum`, `stream_resource`/`stream_datum`).
 *
 * @example A device with no assets yet
 * ```ts
 * import assert from "node:assert/strict";
 * import { type WritesExternalAssets, writesExternalAssets } from "./protocols.ts";
 * const camera: WritesExternalAssets = { name: "camera", collectAssetDocs: () => [] };
 * assert.ok(writesExternalAssets(camera));
 * ```
 */
export interface WritesExternalAssets extends Named {
  /**
   * Hand over the asset documents made since the last call; the RunEngine emits them before
   * the event that refers to them.
   * @returns `[name, doc]` pairs, for example `["resource", {...}]`.
   */
  collectAssetDocs(): Iterable<[string, Record<string, unknown>]>;
}

/**
 * Whether `obj` can be read.
 *
 * @example A sensor is readable, a name alone is not
 * ```ts
 * import assert from "node:assert/strict";
 * import { isReadable } from "./protocols.ts";
 * const sensor = {
 *   name: "det",
 *   read: () => ({ det: { value: 1, timestamp: 0 } }),
 *   describe: () => ({ det: { dtype: "number" as const, shape: [], source: "SIM:det" } }),
 * };
 * assert.ok(isReadable(sensor));
 * assert.ok(!isReadable({ name: "det" }));
 * ```
 *
 * @param obj Anything, typically a device.
 * @returns `true` when `obj` has `read()` and `describe()`.
 */
export function isReadable(obj: unknown): obj is Readable {
  return typeof (obj as Readable | null)?.read === "function" &&
    typeof (obj as Readable).describe === "function";
}

/**
 * Whether `obj` can be moved.
 *
 * @example A motor is movable
 * ```ts
 * import assert from "node:assert/strict";
 * import { isMovable } from "./protocols.ts";
 * import { Status } from "./status.ts";
 * assert.ok(isMovable({ name: "motor", set: () => Status.done() }));
 * assert.ok(!isMovable(null));
 * ```
 *
 * @param obj Anything, typically a device.
 * @returns `true` when `obj` has `set()`.
 */
export function isMovable(obj: unknown): obj is Movable {
  return typeof (obj as Movable | null)?.set === "function";
}

/**
 * Whether `obj` can be triggered.
 *
 * @example A detector is triggerable
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTriggerable } from "./protocols.ts";
 * import { Status } from "./status.ts";
 * assert.ok(isTriggerable({ name: "det", trigger: () => Status.done() }));
 * assert.ok(!isTriggerable({ name: "det" }));
 * ```
 *
 * @param obj Anything, typically a device.
 * @returns `true` when `obj` has `trigger()`.
 */
export function isTriggerable(obj: unknown): obj is Triggerable {
  return typeof (obj as Triggerable | null)?.trigger === "function";
}

/**
 * Whether `obj` can be staged.
 *
 * @example Staging needs both halves
 * ```ts
 * import assert from "node:assert/strict";
 * import { isStageable } from "./protocols.ts";
 * assert.ok(isStageable({ name: "det", stage: () => {}, unstage: () => {} }));
 * assert.ok(!isStageable({ name: "det", stage: () => {} }));
 * ```
 *
 * @param obj Anything, typically a device.
 * @returns `true` when `obj` has `stage()` and `unstage()`.
 */
export function isStageable(obj: unknown): obj is Stageable {
  return typeof (obj as Stageable | null)?.stage === "function" &&
    typeof (obj as Stageable).unstage === "function";
}

/**
 * Whether `obj` can be paused.
 *
 * @example Pausing needs both halves
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPausable } from "./protocols.ts";
 * assert.ok(isPausable({ name: "det", pause: () => {}, resume: () => {} }));
 * assert.ok(!isPausable({ name: "det", pause: () => {} }));
 * ```
 *
 * @param obj Anything, typically a device.
 * @returns `true` when `obj` has `pause()` and `resume()`.
 */
export function isPausable(obj: unknown): obj is Pausable {
  return typeof (obj as Pausable | null)?.pause === "function" &&
    typeof (obj as Pausable).resume === "function";
}

/**
 * Whether `obj` can be stopped.
 *
 * @example A motor with stop()
 * ```ts
 * import assert from "node:assert/strict";
 * import { isStoppable } from "./protocols.ts";
 * assert.ok(isStoppable({ name: "motor", stop: () => {} }));
 * assert.ok(!isStoppable({ name: "motor" }));
 * ```
 *
 * @param obj Anything, typically a device.
 * @returns `true` when `obj` has `stop()`.
 */
export function isStoppable(obj: unknown): obj is Stoppable {
  return typeof (obj as Stoppable | null)?.stop === "function";
}

/**
 * Whether `obj` emits asset documents.
 *
 * @example A detector that writes files
 * ```ts
 * import assert from "node:assert/strict";
 * import { writesExternalAssets } from "./protocols.ts";
 * assert.ok(writesExternalAssets({ name: "camera", collectAssetDocs: () => [] }));
 * assert.ok(!writesExternalAssets({ name: "camera" }));
 * ```
 *
 * @param obj Anything, typically a device.
 * @returns `true` when `obj` has `collectAssetDocs()`.
 */
export function writesExternalAssets(obj: unknown): obj is WritesExternalAssets {
  return typeof (obj as WritesExternalAssets | null)?.collectAssetDocs === "function";
}

/**
 * The representation recorded in `plan_args`: `repr()` when the device has one, else its name.
 *
 * @example With and without repr()
 * ```ts
 * import assert from "node:assert/strict";
 * import { reprOf } from "./protocols.ts";
 * assert.equal(reprOf({ name: "motor", repr: () => "SimMotor(name='motor')" }), "SimMotor(name='motor')");
 * assert.equal(reprOf({ name: "motor" }), "motor");
 * assert.equal(reprOf(3), "3");
 * ```
 *
 * @param obj Anything, typically a device.
 * @returns `repr()`, else `name`, else `String(obj)`.
 */
export function reprOf(obj: unknown): string {
  const named = obj as Named | null;
  if (named && typeof named.repr === "function") return named.repr();
  if (named && typeof named.name === "string") return named.name;
  return String(obj);
}
