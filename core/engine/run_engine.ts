/**
 * The RunEngine: runs plans (generators of messages) against devices and emits the run's
 * documents on a {@linkcode DocumentBus}.
 *
 * @module
 */

import { DocumentBus } from "../bus/bus.ts";
import type { BusOptions, DocumentCallback, NamedCallback, Unsubscribe } from "../bus/bus.ts";
import type { ComposeOptions } from "../documents/compose.ts";
import type { DocumentMap, DocumentName, ExitStatus, RunStart } from "../documents/types.ts";
import { PlanError, RunInterrupted } from "../errors.ts";
import type { Msg, Plan } from "./messages.ts";
import { InMemoryMetadataStore } from "./metadata_store.ts";
import type { MetadataStore } from "./metadata_store.ts";
import type { Movable, Readable } from "./protocols.ts";
import {
  isMovable,
  isPausable,
  isReadable,
  isStageable,
  isStoppable,
  isTriggerable,
} from "./protocols.ts";
import { RunBundler } from "./run_bundler.ts";
import type { Status } from "./status.ts";
import { VERSION } from "../version.ts";

/**
 * State of the engine.
 *
 * @example The engine's state
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EngineState, RunEngine } from "./run_engine.ts";
 * const state: EngineState = new RunEngine().state;
 * assert.equal(state, "idle");
 * ```
 */
export type EngineState = "idle" | "running" | "pausing" | "paused";

/**
 * A command handler registered with {@linkcode RunEngine.registerCommand}.
 *
 * @example A new message
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CommandHandler, RunEngine } from "./run_engine.ts";
 * const seen: string[] = [];
 * const log: CommandHandler = (msg) => void seen.push(String(msg.obj));
 * const RE = new RunEngine();
 * RE.registerCommand("log", log);
 * assert.equal(seen.length, 0);
 * ```
 */
export type CommandHandler = (msg: Msg, engine: RunEngine) => unknown;

/**
 * A function that wraps every plan before it runs (for example a baseline).
 *
 * @example Add a message to every plan
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Preprocessor } from "./run_engine.ts";
 * import { msg } from "./messages.ts";
 * const withCheckpoint: Preprocessor = function* (plan) {
 *   yield msg("checkpoint");
 *   return yield* plan;
 * };
 * assert.deepEqual([...withCheckpoint([msg("null")][Symbol.iterator]() as never)].map((m) => m.command), ["checkpoint", "null"]);
 * ```
 */
export type Preprocessor = (plan: Plan<unknown>) => Plan<unknown>;

/**
 * Options of {@linkcode RunEngine}.
 *
 * @example Fixed versions in the start documents
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunEngine, type RunEngineOptions } from "./run_engine.ts";
 * const options: RunEngineOptions = { versions: { beamline: "1.0" } };
 * assert.equal(new RunEngine(options).state, "idle");
 * ```
 */
export interface RunEngineOptions extends ComposeOptions {
  /** Persistent metadata (bluesky's `RE.md`); `scan_id` is kept here. Defaults to memory. */
  metadataStore?: MetadataStore;
  /** The bus to emit on; a new one is made from `bus` options otherwise. */
  bus?: DocumentBus | BusOptions;
  /** Wrappers applied to every plan, first one innermost. */
  preprocessors?: Preprocessor[];
  /** Whether a resume rewinds to the last checkpoint (bluesky's default). */
  rewindable?: boolean;
  /** Extra entries for the start document's `versions`. */
  versions?: Record<string, string>;
  /** Receives state changes (for a command line to show). */
  onStateChange?: (state: EngineState, previous: EngineState) => void;
}

/**
 * What {@linkcode RunEngine.run} resolves to.
 *
 * @example How a plan ended
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunEngine, type RunResult } from "./run_engine.ts";
 * import { msg } from "./messages.ts";
 * const result: RunResult = await new RunEngine().run([msg("open_run"), msg("close_run")][Symbol.iterator]() as never);
 * assert.equal(result.exitStatus, "success");
 * assert.equal(result.uids.length, 1);
 * ```
 */
export interface RunResult {
  /** Uids of the runs the plan opened, in order. */
  uids: string[];
  /** Exit status of the last run (undefined when the plan opened none). */
  exitStatus: ExitStatus | undefined;
  /** Reason of the last run's stop document. */
  reason: string;
  /** The plan's return value (undefined when interrupted). */
  value: unknown;
}

interface Interrupt {
  kind: "pause" | "abort" | "stop" | "halt";
  reason: string;
}

/** Thrown inside the engine to unwind a pending await when an interrupt arrives. */
class Interrupted extends Error {
  constructor(readonly interrupt: Interrupt) {
    super(interrupt.reason);
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise;
}

/**
 * Runs plans and emits documents, as bluesky's `RunEngine`.
 *
 * Metadata of a run merges, lowest priority first: the engine's `md`, the plan's metadata,
 * the `md` given to `run()`. `scan_id` is the stored value plus one.
 *
 * @example Count a signal twice
 * ```ts
 * import { RunEngine } from "./run_engine.ts";
 * import { msg } from "./messages.ts";
 * const det = {
 *   name: "det",
 *   read: () => ({ det: { value: 1, timestamp: 0 } }),
 *   describe: () => ({ det: { dtype: "number" as const, shape: [], source: "SIM:det" } }),
 * };
 * function* plan() {
 *   yield msg("open_run", undefined, [], { plan_name: "demo" });
 *   for (let i = 0; i < 2; i++) {
 *     yield msg("create", undefined, [], { name: "primary" });
 *     yield msg("read", det);
 *     yield msg("save");
 *   }
 *   yield msg("close_run");
 * }
 * const RE = new RunEngine();
 * const names: string[] = [];
 * RE.subscribe("all", (name) => { names.push(name); });
 * const result = await RE.run(plan());
 * console.assert(result.exitStatus === "success");
 * console.assert(names.join() === "start,descriptor,event,event,stop");
 * ```
 */
export class RunEngine {
  /** The bus the engine emits on. */
  readonly bus: DocumentBus;
  /** Plan wrappers applied to every plan. */
  readonly preprocessors: Preprocessor[];
  readonly #store: MetadataStore;
  readonly #compose: ComposeOptions;
  readonly #rewindable: boolean;
  readonly #versions: Record<string, string>;
  readonly #onStateChange: ((state: EngineState, previous: EngineState) => void) | undefined;
  readonly #commands = new Map<string, CommandHandler>();
  readonly #interruptibleCommands = new Set(["wait", "sleep"]);

  #state: EngineState = "idle";
  #run: RunBundler | undefined;
  #uids: string[] = [];
  #lastStop: { exitStatus: ExitStatus; reason: string } | undefined;
  #groups = new Map<string, Status[]>();
  #movers = new Set<Movable>();
  #staged: unknown[] = [];
  #runSubscriptions = new Map<number, Unsubscribe>();
  #nextToken = 1;
  #msgCache: Msg[] | undefined;
  #counterSnapshot: ReadonlyMap<string, number> | undefined;
  #interrupt: Interrupt | undefined;
  #deferredPause = false;
  #wake: ((i: Interrupt) => void) | undefined;
  #resumeSignal: PromiseWithResolvers<"resume" | Interrupt> | undefined;
  #pausedSignal: PromiseWithResolvers<void> | undefined;

  /**
   * Make an engine.
   * @param options Metadata store, bus, preprocessors and more.
   */
  constructor(options: RunEngineOptions = {}) {
    this.bus = options.bus instanceof DocumentBus ? options.bus : new DocumentBus(options.bus);
    this.#store = options.metadataStore ?? new InMemoryMetadataStore();
    this.preprocessors = [...(options.preprocessors ?? [])];
    this.#rewindable = options.rewindable ?? true;
    this.#versions = { nxdaq: VERSION, deno: Deno.version.deno, ...options.versions };
    this.#onStateChange = options.onStateChange;
    this.#compose = {};
    if (options.clock) this.#compose.clock = options.clock;
    if (options.uid) this.#compose.uid = options.uid;
    this.#registerBuiltins();
  }

  /** Engine-level metadata (bluesky's `RE.md`); changes are saved to the store. */
  get md(): Record<string, unknown> {
    return this.#store.load();
  }

  /**
   * Replace engine-level metadata.
   * @param md The new metadata.
   */
  set md(md: Record<string, unknown>) {
    this.#store.save({ ...md });
  }

  /** The engine's state. */
  get state(): EngineState {
    return this.#state;
  }

  /**
   * Subscribe a callback to the engine's documents.
   * @param name Document name or `"all"`.
   * @param callback Called with `(name, doc)`.
   * @returns A function that unsubscribes.
   */
  subscribe<K extends DocumentName>(name: K, callback: NamedCallback<K>): Unsubscribe;
  /**
   * Subscribe a callback to every document the engine emits.
   * @param name `"all"`.
   * @param callback Called with `(name, doc)`.
   * @returns A function that unsubscribes.
   */
  subscribe(name: "all", callback: DocumentCallback): Unsubscribe;
  subscribe(name: DocumentName | "all", callback: never): Unsubscribe {
    return this.bus.subscribe(name as "all", callback);
  }

  /**
   * Register a command that plans can yield.
   * @param command Name of the command.
   * @param handler Receives the message and the engine; its return value goes to the plan.
   * @param options `interruptible: true` lets a pause or abort cut short the promise the
   * handler returns (as for `wait` and `sleep`); otherwise the engine waits for it first.
   */
  registerCommand(
    command: string,
    handler: CommandHandler,
    options: { interruptible?: boolean } = {},
  ): void {
    if (typeof handler !== "function") {
      throw new TypeError(`Cannot register command "${command}": handler is not a function`);
    }
    this.#commands.set(command, handler);
    if (options.interruptible) this.#interruptibleCommands.add(command);
    else if (command !== "wait" && command !== "sleep") this.#interruptibleCommands.delete(command);
  }

  /** Names of the commands the engine understands. */
  get commands(): string[] {
    return [...this.#commands.keys()];
  }

  /**
   * Run a plan to its end.
   *
   * Resolves when the plan has finished, been aborted or stopped (a pause waits for
   * `resume()`). Rejects with the plan's error after closing its run with
   * `exit_status: "fail"`, stopping moved devices and unstaging staged ones.
   *
   * @param plan The plan.
   * @param md Metadata for the runs it opens; overrides the plan's and the engine's.
   * @returns The run uids, exit status, reason and the plan's return value.
   */
  async run(plan: Plan<unknown>, md: Record<string, unknown> = {}): Promise<RunResult> {
    if (this.#state !== "idle") {
      throw new PlanError(`Cannot run a plan: the engine is ${this.#state}`);
    }
    let wrapped = plan;
    for (const preprocess of this.preprocessors) wrapped = preprocess(wrapped);
    this.#reset();
    this.#setState("running");
    let value: unknown;
    let failure: unknown;
    try {
      value = await this.#loop(wrapped, md);
    } catch (error) {
      failure = error;
    }
    try {
      await this.#cleanup(failure);
    } finally {
      this.#setState("idle");
    }
    await this.bus.drain();
    if (failure !== undefined && !(failure instanceof RunInterrupted)) throw failure;
    return {
      uids: [...this.#uids],
      exitStatus: this.#lastStop?.exitStatus,
      reason: this.#lastStop?.reason ?? "",
      value: failure === undefined ? value : undefined,
    };
  }

  /**
   * Ask the engine to pause.
   * @param options `defer: true` pauses at the next checkpoint instead of at once.
   * @returns A promise that resolves once the engine is paused.
   */
  pause(options: { defer?: boolean } = {}): Promise<void> {
    if (this.#state === "paused") return Promise.resolve();
    if (this.#state === "idle") {
      return Promise.reject(new PlanError("Cannot pause: the engine is idle"));
    }
    this.#pausedSignal ??= Promise.withResolvers<void>();
    if (options.defer) {
      this.#deferredPause = true;
    } else {
      this.#request({ kind: "pause", reason: "paused" });
    }
    this.#setState("pausing");
    return this.#pausedSignal.promise;
  }

  /** Resume a paused engine (rewinding to the last checkpoint when rewindable). */
  resume(): void {
    if (this.#state !== "paused") {
      throw new PlanError(`Cannot resume: the engine is ${this.#state}`);
    }
    this.#resumeSignal?.resolve("resume");
  }

  /**
   * End the run with `exit_status: "abort"`; the plan's cleanup runs.
   * @param reason Recorded in the stop document.
   */
  abort(reason = "aborted"): void {
    this.#interruptWith({ kind: "abort", reason });
  }

  /** End the run with `exit_status: "success"`; the plan's cleanup runs. */
  stop(): void {
    this.#interruptWith({ kind: "stop", reason: "" });
  }

  /**
   * End the run at once with `exit_status: "abort"`, without running the plan's cleanup.
   * @param reason Recorded in the stop document.
   */
  halt(reason = "halted"): void {
    this.#interruptWith({ kind: "halt", reason });
  }

  // ---------------------------------------------------------------- internals

  #interruptWith(interrupt: Interrupt): void {
    if (this.#state === "idle") return;
    if (this.#state === "paused") {
      this.#resumeSignal?.resolve(interrupt);
      return;
    }
    this.#request(interrupt);
  }

  #request(interrupt: Interrupt): void {
    // An abort or stop overrides a pending pause, never the other way round.
    if (this.#interrupt && this.#interrupt.kind !== "pause") return;
    this.#interrupt = interrupt;
    this.#wake?.(interrupt);
  }

  #setState(state: EngineState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#onStateChange?.(state, previous);
  }

  #reset(): void {
    this.#uids = [];
    this.#lastStop = undefined;
    this.#groups.clear();
    this.#movers.clear();
    this.#staged = [];
    this.#msgCache = undefined;
    this.#counterSnapshot = undefined;
    this.#interrupt = undefined;
    this.#deferredPause = false;
  }

  /** Race a pending promise against interrupts. */
  #interruptible<T>(promise: Promise<T>): Promise<T> {
    if (this.#interrupt) return Promise.reject(new Interrupted(this.#interrupt));
    return new Promise<T>((resolve, reject) => {
      this.#wake = (interrupt) => reject(new Interrupted(interrupt));
      promise.then(resolve, reject);
    }).finally(() => {
      this.#wake = undefined;
    });
  }

  async #loop(plan: Plan<unknown>, callMd: Record<string, unknown>): Promise<unknown> {
    this.#callMd = callMd;
    let response: unknown = undefined;
    let toThrow: unknown = undefined;
    let replay: Msg[] = [];
    for (;;) {
      const interrupt = this.#interrupt;
      if (interrupt && toThrow === undefined) {
        this.#interrupt = undefined;
        if (interrupt.kind === "pause") {
          const outcome = await this.#pauseHere();
          if (outcome === "resume") {
            replay = this.#rewind();
            continue;
          }
          toThrow = this.#interruption(outcome);
        } else {
          toThrow = this.#interruption(interrupt);
        }
        if (toThrow instanceof RunInterrupted && toThrow.kind === "halt") throw toThrow;
      }
      let message: Msg;
      let replaying = false;
      if (replay.length > 0) {
        message = replay.shift()!;
        replaying = true;
      } else {
        let step: IteratorResult<Msg, unknown>;
        if (toThrow !== undefined) {
          const error = toThrow;
          toThrow = undefined;
          step = plan.throw(error);
        } else {
          step = plan.next(response);
        }
        if (step.done) return step.value;
        message = step.value;
        // A replayed pause would pause again at once; bluesky's rewind skips it the same way.
        if (message.command !== "pause") this.#msgCache?.push(message);
      }
      try {
        let result = this.#dispatch(message);
        if (isPromise(result)) {
          // Waiting and sleeping give way to a pause or abort; other commands finish first.
          result = await (this.#interruptibleCommands.has(message.command)
            ? this.#interruptible(result)
            : result);
        }
        response = result;
      } catch (error) {
        if (error instanceof Interrupted) {
          this.#interruptedMessage = message;
          continue;
        }
        if (replaying) replay = [];
        toThrow = error;
        response = undefined;
      }
    }
  }

  #callMd: Record<string, unknown> = {};
  #interruptedMessage: Msg | undefined;

  #interruption(interrupt: Interrupt): RunInterrupted {
    return new RunInterrupted(
      interrupt.kind === "pause" ? "abort" : interrupt.kind,
      interrupt.reason,
    );
  }

  async #pauseHere(): Promise<"resume" | Interrupt> {
    this.#deferredPause = false;
    for (const mover of this.#movers) {
      if (isStoppable(mover)) await mover.stop({ success: true });
    }
    for (const obj of this.#staged) {
      if (isPausable(obj)) await obj.pause();
    }
    this.#resumeSignal = Promise.withResolvers();
    this.#setState("paused");
    this.#pausedSignal?.resolve();
    this.#pausedSignal = undefined;
    const outcome = await this.#resumeSignal.promise;
    this.#resumeSignal = undefined;
    this.#setState("running");
    if (outcome === "resume") {
      for (const obj of this.#staged) {
        if (isPausable(obj)) await obj.resume();
      }
    }
    return outcome;
  }

  /** Messages to run again after a resume: those since the last checkpoint. */
  #rewind(): Msg[] {
    const interrupted = this.#interruptedMessage;
    this.#interruptedMessage = undefined;
    if (!this.#rewindable || this.#msgCache === undefined) {
      // Nothing to rewind to: run the message that the pause interrupted again.
      return interrupted ? [interrupted] : [];
    }
    this.#run?.forgetBundle();
    this.#groups.clear();
    if (this.#counterSnapshot && this.#run) {
      this.#run.composer.restoreCounters(this.#counterSnapshot);
    }
    return [...this.#msgCache];
  }

  #dispatch(message: Msg): unknown {
    const handler = this.#commands.get(message.command);
    if (!handler) {
      throw new PlanError(
        `Unknown command "${message.command}": register it with RunEngine.registerCommand()`,
      );
    }
    return handler(message, this);
  }

  async #cleanup(failure: unknown): Promise<void> {
    const success = failure === undefined ||
      (failure instanceof RunInterrupted && failure.kind === "stop");
    for (const token of [...this.#runSubscriptions.keys()]) this.#unsubscribeToken(token);
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
      this.#closeRun(exitStatus, reason);
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
        if (isStageable(obj)) await obj.unstage();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#staged = [];
    if (errors.length > 0 && failure === undefined) {
      throw new AggregateError(errors, "Cleanup after the plan failed");
    }
  }

  #closeRun(exitStatus: ExitStatus, reason: string): string {
    const run = this.#run;
    if (!run) throw new PlanError("Cannot close_run: no run is open");
    this.#run = undefined;
    this.#msgCache = undefined;
    run.close(exitStatus, reason);
    this.#lastStop = { exitStatus, reason };
    return run.uid;
  }

  #openRun(planMd: Record<string, unknown>): string {
    if (this.#run) {
      throw new PlanError(`Cannot open_run: run "${this.#run.uid}" is still open`);
    }
    const engineMd = this.#store.load();
    // bluesky's RunEngine records the plan's type itself; a plan or the caller may override it.
    const merged: Record<string, unknown> = {
      plan_type: "generator",
      ...engineMd,
      ...planMd,
      ...this.#callMd,
    };
    const previous = typeof merged.scan_id === "number" ? merged.scan_id : 0;
    const scanId = previous + 1;
    this.#store.save({ ...engineMd, scan_id: scanId });
    const versions = {
      ...this.#versions,
      ...(merged.versions as Record<string, string> | undefined),
    };
    const { uid: _uid, time: _time, ...rest } = merged;
    const metadata: Partial<RunStart> = { ...rest, scan_id: scanId, versions };
    this.#run = new RunBundler(metadata, (name, doc) => this.bus.emit(name, doc), this.#compose);
    this.#uids.push(this.#run.uid);
    return this.#run.uid;
  }

  #requireRun(command: string): RunBundler {
    if (!this.#run) throw new PlanError(`Cannot ${command}: no run is open (use 'open_run' first)`);
    return this.#run;
  }

  #unsubscribeToken(token: number): void {
    this.#runSubscriptions.get(token)?.();
    this.#runSubscriptions.delete(token);
  }

  #addToGroup(group: unknown, status: Status): void {
    if (group === undefined || group === null) return;
    const key = String(group);
    const list = this.#groups.get(key);
    if (list) list.push(status);
    else this.#groups.set(key, [status]);
  }

  #wait(group: unknown, timeout: number | undefined): void | Promise<void> {
    const key = group === undefined || group === null ? undefined : String(group);
    const statuses = key === undefined
      ? [...this.#groups.values()].flat()
      : this.#groups.get(key) ?? [];
    if (key === undefined) this.#groups.clear();
    else this.#groups.delete(key);
    let pending: Status[] | undefined;
    for (const status of statuses) {
      if (!status.done) (pending ??= []).push(status);
      else if (!status.success) throw status.error;
    }
    if (!pending) return;
    return Promise.all(pending.map((s) => s.wait(timeout))).then(() => undefined);
  }

  #registerBuiltins(): void {
    const kw = (m: Msg) => m.kwargs ?? {};
    const readable = (m: Msg): Readable => {
      if (!isReadable(m.obj)) {
        throw new PlanError(`Cannot ${m.command}: ${describeObj(m.obj)} is not readable`);
      }
      return m.obj;
    };
    this.registerCommand("open_run", (m) => this.#openRun({ ...kw(m) }));
    this.registerCommand("close_run", (m) => {
      const { exit_status, reason } = kw(m);
      return this.#closeRun(
        (exit_status as ExitStatus | undefined) ?? "success",
        String(reason ?? ""),
      );
    });
    this.registerCommand("create", (m) => {
      this.#requireRun("create").create(String(kw(m).name ?? m.args?.[0] ?? "primary"));
    });
    this.registerCommand("read", (m) => {
      const obj = readable(m);
      return this.#run ? this.#run.read(obj) : obj.read();
    });
    this.registerCommand("save", () => this.#requireRun("save").save());
    this.registerCommand("drop", () => this.#requireRun("drop").drop());
    this.registerCommand("declare_stream", (m) => {
      const objs = (m.args ?? []).map((obj) => {
        if (!isReadable(obj)) {
          throw new PlanError(`Cannot declare_stream: ${describeObj(obj)} is not readable`);
        }
        return obj;
      });
      return this.#requireRun("declare_stream").declareStream(
        String(kw(m).name ?? "primary"),
        objs,
      );
    });
    this.registerCommand("set", (m) => {
      if (!isMovable(m.obj)) {
        throw new PlanError(`Cannot set: ${describeObj(m.obj)} is not movable`);
      }
      const status = m.obj.set(m.args?.[0]);
      this.#movers.add(m.obj);
      this.#addToGroup(kw(m).group, status);
      return status;
    });
    this.registerCommand("trigger", (m) => {
      if (!isTriggerable(m.obj)) {
        throw new PlanError(`Cannot trigger: ${describeObj(m.obj)} is not triggerable`);
      }
      const status = m.obj.trigger();
      this.#addToGroup(kw(m).group, status);
      return status;
    });
    this.registerCommand("wait", (m) => {
      const { group, timeout } = kw(m);
      return this.#wait(group, typeof timeout === "number" ? timeout : undefined);
    });
    this.registerCommand("sleep", (m) => {
      const seconds = Number(m.args?.[0] ?? 0);
      if (!(seconds > 0)) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      return new Promise<void>((resolve) => {
        timer = setTimeout(resolve, seconds * 1000);
      }).finally(() => clearTimeout(timer));
    });
    this.registerCommand("checkpoint", () => {
      if (this.#run?.bundleOpen) {
        throw new PlanError(
          "Cannot checkpoint while a bundle is open (between 'create' and 'save')",
        );
      }
      this.#msgCache = this.#run ? [] : undefined;
      this.#counterSnapshot = this.#run?.composer.snapshotCounters();
      if (this.#deferredPause) this.#request({ kind: "pause", reason: "paused" });
    });
    this.registerCommand("clear_checkpoint", () => {
      this.#msgCache = undefined;
    });
    this.registerCommand("pause", (m) => {
      this.#pausedSignal ??= Promise.withResolvers<void>();
      if (kw(m).defer) this.#deferredPause = true;
      else this.#request({ kind: "pause", reason: "paused by plan" });
      this.#setState("pausing");
    });
    // As bluesky: staging a device that has no stage()/unstage() is nothing to do.
    this.registerCommand("stage", (m) => {
      if (!isStageable(m.obj) || this.#staged.includes(m.obj)) return;
      const obj = m.obj;
      const result = obj.stage();
      if (isPromise(result)) return result.then(() => void this.#staged.push(obj));
      this.#staged.push(obj);
    });
    this.registerCommand("unstage", (m) => {
      if (!isStageable(m.obj)) return;
      const index = this.#staged.indexOf(m.obj);
      if (index >= 0) this.#staged.splice(index, 1);
      const result = m.obj.unstage();
      if (isPromise(result)) return result.then(() => undefined);
    });
    this.registerCommand("subscribe", (m) => {
      const [name, callback] = m.args ?? [];
      const token = this.#nextToken++;
      this.#runSubscriptions.set(
        token,
        this.bus.subscribe(name as "all", callback as DocumentCallback),
      );
      return token;
    });
    this.registerCommand("unsubscribe", (m) => {
      this.#unsubscribeToken(Number(m.args?.[0] ?? kw(m).token));
    });
    this.registerCommand("null", () => undefined);
    this.registerCommand("locate", (m) => {
      const obj = m.obj as { position?: unknown; name?: string };
      if (obj && obj.position !== undefined) return obj.position;
      const readings = readable(m).read();
      const first = (r: Record<string, { value: unknown }>) => Object.values(r)[0]?.value;
      return isPromise(readings) ? readings.then(first) : first(readings);
    });
    this.registerCommand("emit", (m) => {
      const [name, doc] = m.args ?? [];
      this.bus.emit(name as DocumentName, doc as DocumentMap[DocumentName]);
    });
  }
}

function describeObj(obj: unknown): string {
  const name = (obj as { name?: unknown } | null)?.name;
  return typeof name === "string" ? `"${name}"` : String(obj);
}
