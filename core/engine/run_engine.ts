/**
 * The RunEngine: runs plans (generators of messages) against devices and emits the run's
 * documents on a {@linkcode DocumentBus}.
 *
 * The engine is three parts besides this loop: the command table (`_commands.ts`, what each
 * message does), the plan's state (`_plan_state.ts`, its runs and devices, released at the
 * end), and the interrupts (`_interrupts.ts`, pause, resume, abort, stop, halt and the rewind
 * to the last checkpoint).
 *
 * @module
 */

import { DocumentBus } from "../bus/bus.ts";
import type { BusOptions, DocumentCallback, NamedCallback, Unsubscribe } from "../bus/bus.ts";
import type { ComposeOptions } from "../documents/compose.ts";
import type { DocumentName, ExitStatus } from "../documents/types.ts";
import { PlanError, RunInterrupted } from "../errors.ts";
import { VERSION } from "../version.ts";
import { builtinCommands } from "./_commands.ts";
import {
  Checkpoints,
  type Interrupt,
  Interrupted,
  Interrupts,
  toRunInterrupted,
} from "./_interrupts.ts";
import { PlanState } from "./_plan_state.ts";
import type { Msg, Plan } from "./messages.ts";
import { InMemoryMetadataStore } from "./metadata_store.ts";
import type { MetadataStore } from "./metadata_store.ts";

/**
 * State of the engine: `"pausing"` between a pause request and the moment the engine has
 * stopped its devices and waits for `resume()`.
 *
 * @example The states of a run, as a command line would show them
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EngineState, RunEngine } from "./run_engine.ts";
 * import { msg } from "./messages.ts";
 * const states: EngineState[] = [];
 * const RE = new RunEngine({ onStateChange: (state) => void states.push(state) });
 * await RE.run((function* () {
 *   yield msg("null");
 * })());
 * assert.deepEqual(states, ["running", "idle"]);
 * ```
 */
export type EngineState = "idle" | "running" | "pausing" | "paused";

/**
 * A command handler registered with {@linkcode RunEngine.registerCommand}.
 *
 * @example A new message whose answer goes back to the plan
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CommandHandler, RunEngine } from "./run_engine.ts";
 * import { msg, type Plan } from "./messages.ts";
 * const double: CommandHandler = (m) => 2 * Number(m.args?.[0]);
 * const RE = new RunEngine();
 * RE.registerCommand("double", double);
 * function* plan(): Plan<unknown> {
 *   return yield msg("double", undefined, [21]);
 * }
 * assert.equal((await RE.run(plan())).value, 42);
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
 * import { msg, type Plan } from "./messages.ts";
 * const withCheckpoint: Preprocessor = function* (plan) {
 *   yield msg("checkpoint");
 *   return yield* plan;
 * };
 * function* plan(): Plan {
 *   yield msg("null");
 * }
 * assert.deepEqual([...withCheckpoint(plan())].map((m) => m.command), ["checkpoint", "null"]);
 * ```
 */
export type Preprocessor = (plan: Plan<unknown>) => Plan<unknown>;

/**
 * Options of {@linkcode RunEngine}.
 *
 * @example scan_id kept in a store, and extra versions in the start document
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunEngine, type RunEngineOptions } from "./run_engine.ts";
 * import { InMemoryMetadataStore } from "./metadata_store.ts";
 * import { msg } from "./messages.ts";
 * const options: RunEngineOptions = {
 *   metadataStore: new InMemoryMetadataStore({ scan_id: 41 }),
 *   versions: { beamline: "1.0" },
 * };
 * const RE = new RunEngine(options);
 * const starts: { scan_id?: number; versions?: Record<string, string> }[] = [];
 * RE.subscribe("start", (_name, start) => void starts.push(start));
 * await RE.run((function* () {
 *   yield msg("open_run");
 *   yield msg("close_run");
 * })());
 * assert.equal(starts[0]?.scan_id, 42);
 * assert.equal(starts[0]?.versions?.beamline, "1.0");
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
 * @example How a plan ended: an abort is a result, not an error
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunEngine, type RunResult } from "./run_engine.ts";
 * import { msg, type Plan } from "./messages.ts";
 * const RE = new RunEngine();
 * function* plan(): Plan {
 *   yield msg("open_run");
 *   yield msg("sleep", undefined, [60]);
 * }
 * const running = RE.run(plan());
 * RE.abort("beam lost");
 * const result: RunResult = await running;
 * assert.equal(result.exitStatus, "abort");
 * assert.equal(result.reason, "beam lost");
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

/**
 * Runs plans and emits documents, as bluesky's `RunEngine`.
 *
 * Metadata of a run merges, lowest priority first: the engine's `md`, the plan's metadata,
 * the `md` given to `run()`. `scan_id` is the stored value plus one.
 *
 * @example Count a signal twice
 * ```ts
 * import assert from "node:assert/strict";
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
 * assert.equal(result.exitStatus, "success");
 * assert.deepEqual(names, ["start", "descriptor", "event", "event", "stop"]);
 * ```
 */
export class RunEngine {
  /** The bus the engine emits on. */
  readonly bus: DocumentBus;
  /** Plan wrappers applied to every plan. */
  readonly preprocessors: Preprocessor[];
  readonly #store: MetadataStore;
  readonly #commands = new Map<string, CommandHandler>();
  readonly #interruptibleCommands = new Set(["wait", "sleep"]);
  readonly #interrupts: Interrupts;
  readonly #checkpoints: Checkpoints;
  readonly #plan: PlanState;

  /**
   * Make an engine.
   * @param options Metadata store, bus, preprocessors and more.
   */
  constructor(options: RunEngineOptions = {}) {
    this.bus = options.bus instanceof DocumentBus ? options.bus : new DocumentBus(options.bus);
    this.#store = options.metadataStore ?? new InMemoryMetadataStore();
    this.preprocessors = [...(options.preprocessors ?? [])];
    this.#interrupts = new Interrupts(options.onStateChange);
    this.#checkpoints = new Checkpoints(options.rewindable ?? true);
    const compose: ComposeOptions = {};
    if (options.clock) compose.clock = options.clock;
    if (options.uid) compose.uid = options.uid;
    this.#plan = new PlanState({
      store: this.#store,
      bus: this.bus,
      versions: { nxdaq: VERSION, deno: Deno.version.deno, ...options.versions },
      compose,
      checkpoints: this.#checkpoints,
    });
    const builtins = builtinCommands({
      bus: this.bus,
      plan: this.#plan,
      interrupts: this.#interrupts,
      checkpoints: this.#checkpoints,
    });
    for (const [command, handler] of Object.entries(builtins)) {
      this.registerCommand(command, handler);
    }
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
    return this.#interrupts.state;
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
    if (this.state !== "idle") {
      throw new PlanError(`Cannot run a plan: the engine is ${this.state}`);
    }
    let wrapped = plan;
    for (const preprocess of this.preprocessors) wrapped = preprocess(wrapped);
    this.#plan.reset(md);
    this.#checkpoints.reset();
    this.#interrupts.reset();
    this.#interrupts.setState("running");
    let value: unknown;
    let failure: unknown;
    try {
      value = await this.#loop(wrapped);
    } catch (error) {
      failure = error;
    }
    try {
      await this.#plan.release(failure);
    } finally {
      this.#interrupts.setState("idle");
    }
    await this.bus.drain();
    if (failure !== undefined && !(failure instanceof RunInterrupted)) throw failure;
    const lastStop = this.#plan.lastStop;
    return {
      uids: this.#plan.uids,
      exitStatus: lastStop?.exitStatus,
      reason: lastStop?.reason ?? "",
      value: failure === undefined ? value : undefined,
    };
  }

  /**
   * Ask the engine to pause.
   * @param options `defer: true` pauses at the next checkpoint instead of at once.
   * @returns A promise that resolves once the engine is paused.
   */
  pause(options: { defer?: boolean } = {}): Promise<void> {
    return this.#interrupts.pause(options.defer ?? false, "paused");
  }

  /** Resume a paused engine (rewinding to the last checkpoint when rewindable). */
  resume(): void {
    this.#interrupts.resume();
  }

  /**
   * End the run with `exit_status: "abort"`; the plan's cleanup runs.
   * @param reason Recorded in the stop document.
   */
  abort(reason = "aborted"): void {
    this.#interrupts.end({ kind: "abort", reason });
  }

  /** End the run with `exit_status: "success"`; the plan's cleanup runs. */
  stop(): void {
    this.#interrupts.end({ kind: "stop", reason: "" });
  }

  /**
   * End the run at once with `exit_status: "abort"`, without running the plan's cleanup.
   * @param reason Recorded in the stop document.
   */
  halt(reason = "halted"): void {
    this.#interrupts.end({ kind: "halt", reason });
  }

  /**
   * Feed the plan its answers until it returns. Between messages the engine takes pending
   * interrupts: a pause waits here and then rewinds; an abort, stop or halt is thrown into
   * the plan (a halt also ends the loop, without the plan's cleanup).
   */
  async #loop(plan: Plan<unknown>): Promise<unknown> {
    let response: unknown = undefined;
    let toThrow: unknown = undefined;
    let replay: Msg[] = [];
    for (;;) {
      const interrupt = toThrow === undefined ? this.#interrupts.take() : undefined;
      if (interrupt) {
        const outcome = interrupt.kind === "pause" ? await this.#pauseHere() : interrupt;
        if (outcome === "resume") {
          replay = this.#rewind();
          continue;
        }
        toThrow = toRunInterrupted(outcome);
        if (outcome.kind === "halt") throw toThrow;
      }
      let message: Msg;
      const replaying = replay.length > 0;
      if (replaying) {
        message = replay.shift()!;
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
        this.#checkpoints.record(message);
      }
      try {
        let result = this.#dispatch(message);
        if (result instanceof Promise) {
          // Waiting and sleeping give way to a pause or abort; other commands finish first.
          result = await (this.#interruptibleCommands.has(message.command)
            ? this.#interrupts.race(result)
            : result);
        }
        response = result;
      } catch (error) {
        if (error instanceof Interrupted) {
          this.#checkpoints.interrupted(message);
          continue;
        }
        if (replaying) replay = [];
        toThrow = error;
        response = undefined;
      }
    }
  }

  async #pauseHere(): Promise<"resume" | Interrupt> {
    await this.#plan.pauseDevices();
    const outcome = await this.#interrupts.paused();
    if (outcome === "resume") await this.#plan.resumeDevices();
    return outcome;
  }

  #rewind(): Msg[] {
    const { replay, toCheckpoint } = this.#checkpoints.rewind(this.#plan.run);
    if (toCheckpoint) this.#plan.forgetGroups();
    return replay;
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
}
