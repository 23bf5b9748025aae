/**
 * How a running plan is interrupted: pause, resume, abort, stop and halt reach the engine as
 * signals it checks between messages (and races against waits and sleeps), and after a resume
 * the run goes back to its last checkpoint, as bluesky's RunEngine rewinds.
 *
 * @module
 */

import { PlanError, RunInterrupted } from "../errors.ts";
import type { Msg } from "./messages.ts";
import type { RunBundler } from "./run_bundler.ts";
import type { EngineState } from "./run_engine.ts";

/** A request to interrupt the plan. */
export interface Interrupt {
  /** What was asked for. */
  kind: "pause" | "abort" | "stop" | "halt";
  /** Recorded in the stop document. */
  reason: string;
}

/** Thrown inside the engine to unwind a pending await when an interrupt arrives. */
export class Interrupted extends Error {
  /**
   * Carry an interrupt out of the await it cut short.
   * @param interrupt The interrupt.
   */
  constructor(readonly interrupt: Interrupt) {
    super(interrupt.reason);
  }
}

/**
 * The error thrown into the plan for an interrupt, so that its cleanup can run.
 * @param interrupt The interrupt.
 * @returns A {@linkcode RunInterrupted}; a pause that never resumed counts as an abort.
 */
export function toRunInterrupted(interrupt: Interrupt): RunInterrupted {
  return new RunInterrupted(
    interrupt.kind === "pause" ? "abort" : interrupt.kind,
    interrupt.reason,
  );
}

/**
 * The engine's state and the interrupts waiting for it. Requests may come at any time from
 * outside the plan (a Ctrl-C handler, a button); the engine takes them between messages.
 */
export class Interrupts {
  readonly #onStateChange: ((state: EngineState, previous: EngineState) => void) | undefined;
  #state: EngineState = "idle";
  #pending: Interrupt | undefined;
  #deferredPause = false;
  /** Set while the engine awaits an interruptible command: rejects that await. */
  #wake: ((interrupt: Interrupt) => void) | undefined;
  #resumeSignal: PromiseWithResolvers<"resume" | Interrupt> | undefined;
  #pausedSignal: PromiseWithResolvers<void> | undefined;
  #cutShort = new AbortController();

  /**
   * Start idle.
   * @param onStateChange Receives every change of state.
   */
  constructor(onStateChange?: (state: EngineState, previous: EngineState) => void) {
    this.#onStateChange = onStateChange;
  }

  /** The engine's state. */
  get state(): EngineState {
    return this.#state;
  }

  /**
   * Change the state, telling the listener.
   * @param state The new state.
   */
  setState(state: EngineState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#onStateChange?.(state, previous);
  }

  /** Forget requests left over from the previous plan. */
  reset(): void {
    this.#pending = undefined;
    this.#deferredPause = false;
  }

  /**
   * Ask for a pause, now or at the next checkpoint.
   * @param defer Wait for the next checkpoint.
   * @param reason Why (recorded if the pause ends in an abort).
   * @returns A promise that resolves once the engine is paused.
   */
  pause(defer: boolean, reason: string): Promise<void> {
    if (this.#state === "paused") return Promise.resolve();
    if (this.#state === "idle") {
      return Promise.reject(new PlanError("Cannot pause: the engine is idle"));
    }
    this.#pausedSignal ??= Promise.withResolvers<void>();
    if (defer) this.#deferredPause = true;
    else this.#request({ kind: "pause", reason });
    this.setState("pausing");
    return this.#pausedSignal.promise;
  }

  /** Let a paused engine go on. */
  resume(): void {
    if (this.#state !== "paused") {
      throw new PlanError(`Cannot resume: the engine is ${this.#state}`);
    }
    this.#resumeSignal?.resolve("resume");
  }

  /**
   * Ask for the plan to end (abort, stop or halt); a paused engine ends at once.
   * @param interrupt What to do and why.
   */
  end(interrupt: Interrupt): void {
    if (this.#state === "idle") return;
    if (this.#state === "paused") {
      this.#resumeSignal?.resolve(interrupt);
      return;
    }
    this.#request(interrupt);
  }

  /** A checkpoint was reached: a deferred pause happens now. */
  checkpoint(): void {
    if (this.#deferredPause) this.#request({ kind: "pause", reason: "paused" });
  }

  /**
   * Take the pending interrupt, if any.
   * @returns The interrupt the engine must act on before its next message.
   */
  take(): Interrupt | undefined {
    const interrupt = this.#pending;
    this.#pending = undefined;
    // Pausing now satisfies a deferred pause too.
    if (interrupt?.kind === "pause") this.#deferredPause = false;
    return interrupt;
  }

  /**
   * Aborted when an interrupt cuts short the command being awaited, so that the command can
   * release what it holds (a sleep, its timer). Read it when the command starts.
   */
  get signal(): AbortSignal {
    return this.#cutShort.signal;
  }

  /**
   * Race a pending promise against interrupts.
   * @param promise What a command returned.
   * @returns Its value, or a rejection with {@linkcode Interrupted} when an interrupt comes first.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    const cut = (interrupt: Interrupt): Interrupted => {
      this.#cutShort.abort();
      this.#cutShort = new AbortController();
      return new Interrupted(interrupt);
    };
    if (this.#pending) return Promise.reject(cut(this.#pending));
    return new Promise<T>((resolve, reject) => {
      this.#wake = (interrupt) => reject(cut(interrupt));
      promise.then(resolve, reject);
    }).finally(() => {
      this.#wake = undefined;
    });
  }

  /**
   * Be paused until `resume()` or an end request.
   * @returns `"resume"`, or the interrupt that ends the plan.
   */
  async paused(): Promise<"resume" | Interrupt> {
    this.#resumeSignal = Promise.withResolvers();
    this.setState("paused");
    this.#pausedSignal?.resolve();
    this.#pausedSignal = undefined;
    const outcome = await this.#resumeSignal.promise;
    this.#resumeSignal = undefined;
    this.setState("running");
    return outcome;
  }

  #request(interrupt: Interrupt): void {
    // An abort or stop overrides a pending pause, never the other way round.
    if (this.#pending && this.#pending.kind !== "pause") return;
    this.#pending = interrupt;
    this.#wake?.(interrupt);
  }
}

/**
 * The messages since the last checkpoint of the open run, kept so that a resume can run them
 * again. bluesky rewinds the same way: the events saved since the checkpoint are emitted again
 * with the same `seq_num`s.
 */
export class Checkpoints {
  readonly #rewindable: boolean;
  #messages: Msg[] | undefined;
  #counters: ReadonlyMap<string, number> | undefined;
  #interrupted: Msg | undefined;

  /**
   * Keep nothing yet.
   * @param rewindable Whether a resume goes back to the last checkpoint.
   */
  constructor(rewindable: boolean) {
    this.#rewindable = rewindable;
  }

  /** Forget everything kept for the previous plan. */
  reset(): void {
    this.#messages = undefined;
    this.#counters = undefined;
    this.#interrupted = undefined;
  }

  /**
   * Start keeping messages here (the `checkpoint` command).
   * @param run The open run, if any: its sequence numbers are saved too.
   */
  mark(run: RunBundler | undefined): void {
    if (run?.bundleOpen) {
      throw new PlanError("Cannot checkpoint while a bundle is open (between 'create' and 'save')");
    }
    this.#messages = run ? [] : undefined;
    this.#counters = run?.composer.snapshotCounters();
  }

  /** Keep nothing until the next checkpoint (`clear_checkpoint`, or the run closed). */
  clear(): void {
    this.#messages = undefined;
  }

  /**
   * Keep a message the plan yielded.
   * @param message The message.
   */
  record(message: Msg): void {
    // A replayed pause would pause again at once; bluesky's rewind skips it the same way.
    if (message.command !== "pause") this.#messages?.push(message);
  }

  /**
   * Remember the message a pause cut short.
   * @param message The message.
   */
  interrupted(message: Msg): void {
    this.#interrupted = message;
  }

  /**
   * The messages to run after a resume.
   * @param run The open run: its open bundle is dropped and its sequence numbers go back.
   * @returns The messages since the last checkpoint, and whether the run went back to it (then
   * the status groups must be forgotten too); without a checkpoint, the message that the pause
   * cut short.
   */
  rewind(run: RunBundler | undefined): { replay: Msg[]; toCheckpoint: boolean } {
    const interrupted = this.#interrupted;
    this.#interrupted = undefined;
    if (!this.#rewindable || this.#messages === undefined) {
      return { replay: interrupted ? [interrupted] : [], toCheckpoint: false };
    }
    run?.forgetBundle();
    if (this.#counters && run) run.composer.restoreCounters(this.#counters);
    return { replay: [...this.#messages], toCheckpoint: true };
  }
}
