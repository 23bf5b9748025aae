/**
 * Status objects: the promise-like handle that a device returns from `set()` or `trigger()`.
 *
 * @module
 */

/**
 * A status did not finish within its timeout.
 *
 * @example A status that never finishes
 * ```ts
 * import assert from "node:assert/strict";
 * import { Status, StatusTimeoutError } from "./status.ts";
 * const status = new Status({ timeout: 0.01, label: "move" });
 * await assert.rejects(status.wait(), StatusTimeoutError);
 * ```
 */
export class StatusTimeoutError extends Error {
  /** Always `"StatusTimeoutError"`. */
  override name = "StatusTimeoutError";
}

/**
 * A status finished with a failure that was not an `Error` itself.
 *
 * @example A failure given as a string
 * ```ts
 * import assert from "node:assert/strict";
 * import { FailedStatusError, Status } from "./status.ts";
 * const status = new Status({ label: "move" });
 * status.setException("limit switch");
 * assert.ok(status.error instanceof FailedStatusError);
 * assert.equal(status.error.message, "move failed: limit switch");
 * ```
 */
export class FailedStatusError extends Error {
  /** Always `"FailedStatusError"`. */
  override name = "FailedStatusError";
}

/**
 * Options of {@linkcode Status}.
 *
 * @example A status that times out
 * ```ts
 * import assert from "node:assert/strict";
 * import { Status, type StatusOptions } from "./status.ts";
 * const options: StatusOptions = { label: "move of m1", timeout: 0.01 };
 * const status = new Status(options);
 * await assert.rejects(status.wait(), /move of m1/);
 * ```
 */
export interface StatusOptions {
  /** Fail the status when it has not finished after this many seconds. */
  timeout?: number;
  /**
   * What the status is for, used in error messages; or a function that makes it when it is
   * first needed (a device that makes a status at every point of a scan rarely needs one).
   */
  label?: string | (() => string);
}

/**
 * The completion of an action that takes time, as ophyd's `Status`: finishes once, with
 * success or with an error; a timeout turns into a {@linkcode StatusTimeoutError}.
 *
 * @example Finish a status later
 * ```ts
 * import assert from "node:assert/strict";
 * import { Status } from "./status.ts";
 * const status = new Status({ timeout: 1, label: "move" });
 * setTimeout(() => status.setFinished(), 10);
 * await status.wait();
 * assert.ok(status.success);
 * ```
 */
export class Status {
  #done = false;
  #error: Error | undefined;
  // Made when the first waiter comes: most statuses of a scan are done when they are made.
  #waiters: (() => void)[] | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #promise: Promise<void> | undefined;
  #label: string | (() => string);

  /**
   * Make an unfinished status; its timeout, if any, starts now.
   *
   * @param options Timeout and label.
   */
  constructor(options: StatusOptions = {}) {
    this.#label = options.label ?? "status";
    if (options.timeout !== undefined && Number.isFinite(options.timeout)) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.setException(
          new StatusTimeoutError(`${this.label} did not finish within ${options.timeout} s`),
        );
      }, options.timeout * 1000);
    }
  }

  /**
   * A status that is already finished with success, for devices that act at once.
   *
   * @param label What the status is for.
   * @returns A finished status.
   */
  static done(label?: string): Status {
    const status = new Status(label === undefined ? {} : { label });
    status.setFinished();
    return status;
  }

  /** What the status is for. */
  get label(): string {
    if (typeof this.#label === "function") this.#label = this.#label();
    return this.#label;
  }

  /** Whether the status has finished, with success or failure. */
  get done(): boolean {
    return this.#done;
  }

  /** Whether the status finished with success. */
  get success(): boolean {
    return this.#done && this.#error === undefined;
  }

  /** The error of a failed status. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Mark the status as finished with success. Later calls are ignored. */
  setFinished(): void {
    this.#finish(undefined);
  }

  /**
   * Mark the status as failed. Later calls are ignored.
   * @param error Why it failed.
   */
  setException(error: unknown): void {
    this.#finish(
      error instanceof Error ? error : new FailedStatusError(`${this.label} failed: ${error}`),
    );
  }

  /**
   * Run `callback` once the status has finished (at once if it has).
   * @param callback Called with the status.
   */
  addCallback(callback: (status: Status) => void): void {
    if (this.#done) callback(this);
    else (this.#waiters ??= []).push(() => callback(this));
  }

  /**
   * Wait for the status; rejects with its error if it failed.
   * @param timeout Seconds to wait at most, on top of the status's own timeout.
   * @returns A promise that resolves when the status succeeds.
   */
  wait(timeout?: number): Promise<void> {
    if (this.#done) return this.#error ? Promise.reject(this.#error) : Promise.resolve();
    this.#promise ??= new Promise<void>((resolve, reject) => {
      (this.#waiters ??= []).push(() => this.#error ? reject(this.#error) : resolve());
    });
    if (timeout === undefined) return this.#promise;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StatusTimeoutError(`${this.label} did not finish within ${timeout} s`)),
        timeout * 1000,
      );
    });
    return Promise.race([this.#promise, expired]).finally(() => clearTimeout(timer));
  }

  #finish(error: Error | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters) { for (const waiter of waiters) waiter(); }
  }
}
