/**
 * What one `RunEngine.run()` call has touched: the run it has open, the devices it moved and
 * staged, the statuses it waits for by group, and the subscriptions it made. When the plan
 * ends, finished, failed or interrupted, all of it is released: the run gets its stop
 * document, moved devices are stopped, staged ones unstaged, subscriptions removed.
 *
 * @module
 */

import type { DocumentBus, DocumentCallback, Unsubscribe } from "../bus/bus.ts";
import type { ComposeOptions } from "../documents/compose.ts";
import type { ExitStatus, RunStart } from "../documents/types.ts";
import { PlanError, RunInterrupted } from "../errors.ts";
import type { Checkpoints } from "./_interrupts.ts";
import type { MetadataStore } from "./metadata_store.ts";
import type { Movable, Stageable, Triggerable } from "./protocols.ts";
import { isPausable, isStoppable } from "./protocols.ts";
import { RunBundler } from "./run_bundler.ts";
import type { Status } from "./status.ts";

/** What the plan state needs from its engine. */
export interface PlanStateOptions {
  /** Where engine metadata and `scan_id` are kept. */
  store: MetadataStore;
  /** Where the run's documents go. */
  bus: DocumentBus;
  /** The start document's `versions`, before the plan's own. */
  versions: Record<string, string>;
  /** Clock and uid factory of the documents. */
  compose: ComposeOptions;
  /** Forgotten when the run closes. */
  checkpoints: Checkpoints;
}

/** The runs and devices of the plan being run. */
export class PlanState {
  readonly #options: PlanStateOptions;
  #callMd: Record<string, unknown> = {};
  #run: RunBundler | undefined;
  #uids: string[] = [];
  #lastStop: { exitStatus: ExitStatus; reason: string } | undefined;
  /**
   * The statuses of each group, in the order the groups were made. Two arrays rather than a
   * Map: a scan makes a new group name at every point, and a Map is slow with a stream of new
   * string keys; a plan rarely has more than two groups open.
   */
  #groupKeys: string[] = [];
  #groupStatuses: Status[][] = [];
  #movers = new Set<Movable>();
  #staged: Stageable[] = [];
  #subscriptions = new Map<number, Unsubscribe>();
  #nextToken = 1;

  /**
   * Hold nothing yet.
   * @param options The engine's store, bus, versions, composer options and checkpoints.
   */
  constructor(options: PlanStateOptions) {
    this.#options = options;
  }

  /**
   * Start a new plan.
   * @param callMd Metadata given to `run()`: it overrides the plan's.
   */
  reset(callMd: Record<string, unknown>): void {
    this.#callMd = callMd;
    this.#uids = [];
    this.#lastStop = undefined;
    this.forgetGroups();
    this.#movers.clear();
    this.#staged = [];
  }

  /** The open run, if any. */
  get run(): RunBundler | undefined {
    return this.#run;
  }

  /** Uids of the runs the plan opened, in order. */
  get uids(): string[] {
    return [...this.#uids];
  }

  /** How the last run closed. */
  get lastStop(): { exitStatus: ExitStatus; reason: string } | undefined {
    return this.#lastStop;
  }

  /**
   * Open a run: merge the metadata, count `scan_id` up and emit the start document.
   * @param planMd The plan's metadata.
   * @returns The run's uid.
   */
  openRun(planMd: Record<string, unknown>): string {
    if (this.#run) {
      throw new PlanError(`Cannot open_run: run "${this.#run.uid}" is still open`);
    }
    const { store, bus, versions, compose } = this.#options;
    const engineMd = store.load();
    // bluesky's RunEngine records the plan's type itself; a plan or the caller may override it.
    const merged: Record<string, unknown> = {
      plan_type: "generator",
      ...engineMd,
      ...planMd,
      ...this.#callMd,
    };
    const previous = typeof merged.scan_id === "number" ? merged.scan_id : 0;
    const scanId = previous + 1;
    store.save({ ...engineMd, scan_id: scanId });
    const allVersions = { ...versions, ...(merged.versions as Record<string, string> | undefined) };
    const { uid: _uid, time: _time, ...rest } = merged;
    const metadata: Partial<RunStart> = { ...rest, scan_id: scanId, versions: allVersions };
    this.#run = new RunBundler(metadata, (name, doc) => bus.emit(name, doc), compose);
    this.#uids.push(this.#run.uid);
    return this.#run.uid;
  }

  /**
   * Close the open run with its stop document.
   * @param exitStatus How it ended.
   * @param reason Why.
   * @returns The run's uid.
   */
  closeRun(exitStatus: ExitStatus, reason: string): string {
    const run = this.#run;
    if (!run) throw new PlanError("Cannot close_run: no run is open");
    this.#run = undefined;
    this.#options.checkpoints.clear();
    run.close(exitStatus, reason);
    this.#lastStop = { exitStatus, reason };
    return run.uid;
  }

  /**
   * The open run, for a command that needs one.
   * @param command The command's name, for the error.
   * @returns The open run.
   */
  requireRun(command: string): RunBundler {
    if (!this.#run) throw new PlanError(`Cannot ${command}: no run is open (use 'open_run' first)`);
    return this.#run;
  }

  /**
   * Start a move; the device is stopped when the plan ends or pauses.
   * @param obj The device.
   * @param value Its target.
   * @param group The group to wait for it by.
   * @returns The move's status.
   */
  set(obj: Movable, value: unknown, group: unknown): Status {
    const status = obj.set(value);
    this.#movers.add(obj);
    this.#addToGroup(group, status);
    return status;
  }

  /**
   * Start an acquisition.
   * @param obj The device.
   * @param group The group to wait for it by.
   * @returns The acquisition's status.
   */
  trigger(obj: Triggerable, group: unknown): Status {
    const status = obj.trigger();
    this.#addToGroup(group, status);
    return status;
  }

  /**
   * Wait for the statuses of a group, or of every group; each is waited for once.
   * @param group The group, or `undefined`/`null` for all.
   * @param timeout Seconds each status may take.
   * @returns Nothing when all are done, else a promise; a failed status throws.
   */
  wait(group: unknown, timeout: number | undefined): void | Promise<void> {
    let statuses: Status[];
    if (group === undefined || group === null) {
      statuses = this.#groupStatuses.flat();
      this.forgetGroups();
    } else {
      const index = this.#groupKeys.indexOf(String(group));
      if (index < 0) return;
      statuses = this.#groupStatuses[index]!;
      this.#groupKeys.splice(index, 1);
      this.#groupStatuses.splice(index, 1);
    }
    let pending: Status[] | undefined;
    for (const status of statuses) {
      if (!status.done) (pending ??= []).push(status);
      else if (!status.success) throw status.error;
    }
    if (!pending) return;
    return Promise.all(pending.map((s) => s.wait(timeout))).then(() => undefined);
  }

  /** Forget every group, as a rewind must: the moves are made again. */
  forgetGroups(): void {
    this.#groupKeys = [];
    this.#groupStatuses = [];
  }

  /**
   * Stage a device once.
   * @param obj The device.
   * @returns Nothing, or a promise when staging takes time.
   */
  stage(obj: Stageable): void | Promise<void> {
    if (this.#staged.includes(obj)) return;
    const result = obj.stage();
    if (result instanceof Promise) return result.then(() => void this.#staged.push(obj));
    this.#staged.push(obj);
  }

  /**
   * Unstage a device; the engine will not unstage it again at the end.
   * @param obj The device.
   * @returns Nothing, or a promise when unstaging takes time.
   */
  unstage(obj: Stageable): void | Promise<void> {
    const index = this.#staged.indexOf(obj);
    if (index >= 0) this.#staged.splice(index, 1);
    const result = obj.unstage();
    if (result instanceof Promise) return result.then(() => undefined);
  }

  /**
   * Subscribe a callback until the plan ends.
   * @param name Document name or `"all"`.
   * @param callback The callback.
   * @returns A token for {@linkcode PlanState.unsubscribe}.
   */
  subscribe(name: unknown, callback: unknown): number {
    const token = this.#nextToken++;
    const unsubscribe = this.#options.bus.subscribe(name as "all", callback as DocumentCallback);
    this.#subscriptions.set(token, unsubscribe);
    return token;
  }

  /**
   * Remove a subscription the plan made.
   * @param token What {@linkcode PlanState.subscribe} returned.
   */
  unsubscribe(token: number): void {
    this.#subscriptions.get(token)?.();
    this.#subscriptions.delete(token);
  }

  /** At a pause: stop what moves (successfully: the plan will go on) and pause staged devices. */
  async pauseDevices(): Promise<void> {
    for (const mover of this.#movers) {
      if (isStoppable(mover)) await mover.stop({ success: true });
    }
    for (const obj of this.#staged) {
      if (isPausable(obj)) await obj.pause();
    }
  }

  /** At a resume: resume the staged devices. */
  async resumeDevices(): Promise<void> {
    for (const obj of this.#staged) {
      if (isPausable(obj)) await obj.resume();
    }
  }

  /**
   * Release everything when the plan ends: close the open run, stop moved devices, unstage
   * staged ones in reverse order and remove subscriptions.
   * @param failure Why the plan ended early, if it did; it decides the exit status.
   * @throws {AggregateError} When a device failed to stop or unstage after a plan that
   * succeeded (after a failure, the plan's error is the one reported).
   */
  async release(failure: unknown): Promise<void> {
    const success = failure === undefined ||
      (failure instanceof RunInterrupted && failure.kind === "stop");
    for (const token of [...this.#subscriptions.keys()]) this.unsubscribe(token);
    if (this.#run) {
      let exitStatus: ExitStatus = "success";
      let reason = "";
      if (failure instanceof RunInterrupted) {
        exitStatus = failure.kind === "stop" ? "success" : "abort";
        reason = failure.message;
      } else if (failure !== undefined) {
        exitStatus = "fail";
        reason = failure instanceof Error ? failure.message : String(failure);
      }
      this.closeRun(exitStatus, reason);
    }
    const errors: unknown[] = [];
    for (const mover of this.#movers) {
      try {
        if (isStoppable(mover)) await mover.stop({ success });
      } catch (error) {
        errors.push(error);
      }
    }
    this.#movers.clear();
    for (const obj of this.#staged.reverse()) {
      try {
        await obj.unstage();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#staged = [];
    if (errors.length > 0 && failure === undefined) {
      throw new AggregateError(errors, "Cleanup after the plan failed");
    }
  }

  #addToGroup(group: unknown, status: Status): void {
    if (group === undefined || group === null) return;
    const key = String(group);
    const index = this.#groupKeys.indexOf(key);
    if (index >= 0) {
      this.#groupStatuses[index]!.push(status);
    } else {
      this.#groupKeys.push(key);
      this.#groupStatuses.push([status]);
    }
  }
}
