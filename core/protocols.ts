/**
 * What the RunEngine needs of a device. Devices implement these structurally (no base class
 * needed); methods may return values directly or as promises.
 *
 * @module
 */

import type { DataKeys } from "./documents.ts";
import type { Status } from "./status.ts";

/** A value that may come at once or later. */
export type MaybePromise<T> = T | Promise<T>;

/** One reading of one data key. */
export interface Reading {
  value: unknown;
  /** Unix epoch seconds. */
  timestamp: number;
  alarm_severity?: number;
}

/** Readings keyed by data key name. */
export type Readings = Record<string, Reading>;

/** Hints of a readable device: which of its keys are interesting to plot. */
export interface Hints {
  fields?: string[];
  [key: string]: unknown;
}

/** Anything with a name. */
export interface Named {
  /** Name of the device; it prefixes its data keys. */
  readonly name: string;
  /** Python-style representation recorded in `plan_args` (falls back to `name`). */
  repr?(): string;
}

/** A device that can be read (ophyd's `Readable`). */
export interface Readable extends Named {
  read(): MaybePromise<Readings>;
  describe(): MaybePromise<DataKeys>;
  readConfiguration?(): MaybePromise<Readings>;
  describeConfiguration?(): MaybePromise<DataKeys>;
  readonly hints?: Hints;
}

/** A device that can be moved to a target (ophyd's `Movable`). */
export interface Movable extends Named {
  set(value: unknown): Status;
  stop?(options?: { success?: boolean }): MaybePromise<void>;
  /** Current position, used by relative plans. */
  readonly position?: unknown;
}

/** A device whose acquisition is started by `trigger()`. */
export interface Triggerable extends Named {
  trigger(): Status;
}

/** A device that is prepared for a run and restored after it. */
export interface Stageable extends Named {
  stage(): MaybePromise<unknown>;
  unstage(): MaybePromise<unknown>;
}

/** A device that must act when the RunEngine pauses and resumes. */
export interface Pausable extends Named {
  pause(): MaybePromise<void>;
  resume(): MaybePromise<void>;
}

/** A device that can be stopped. */
export interface Stoppable extends Named {
  stop(options?: { success?: boolean }): MaybePromise<void>;
}

/** A device that can emit asset documents (`resource`/`datum`, `stream_resource`/`stream_datum`). */
export interface WritesExternalAssets extends Named {
  collectAssetDocs(): Iterable<[string, Record<string, unknown>]>;
}

/** Whether `obj` can be read. */
export function isReadable(obj: unknown): obj is Readable {
  return typeof (obj as Readable | null)?.read === "function" &&
    typeof (obj as Readable).describe === "function";
}

/** Whether `obj` can be moved. */
export function isMovable(obj: unknown): obj is Movable {
  return typeof (obj as Movable | null)?.set === "function";
}

/** Whether `obj` can be triggered. */
export function isTriggerable(obj: unknown): obj is Triggerable {
  return typeof (obj as Triggerable | null)?.trigger === "function";
}

/** Whether `obj` can be staged. */
export function isStageable(obj: unknown): obj is Stageable {
  return typeof (obj as Stageable | null)?.stage === "function" &&
    typeof (obj as Stageable).unstage === "function";
}

/** Whether `obj` can be paused. */
export function isPausable(obj: unknown): obj is Pausable {
  return typeof (obj as Pausable | null)?.pause === "function" &&
    typeof (obj as Pausable).resume === "function";
}

/** Whether `obj` can be stopped. */
export function isStoppable(obj: unknown): obj is Stoppable {
  return typeof (obj as Stoppable | null)?.stop === "function";
}

/** Whether `obj` emits asset documents. */
export function writesExternalAssets(obj: unknown): obj is WritesExternalAssets {
  return typeof (obj as WritesExternalAssets | null)?.collectAssetDocs === "function";
}

/** The representation recorded in `plan_args`: `repr()` when the device has one, else its name. */
export function reprOf(obj: unknown): string {
  const named = obj as Named | null;
  if (named && typeof named.repr === "function") return named.repr();
  if (named && typeof named.name === "string") return named.name;
  return String(obj);
}
