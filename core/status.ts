/**
 * Status objects: the promise-like handle that a device returns from `set()` or `trigger()`.
 *
 * @module
 */

/** A status did not finish within its timeout. */
export class StatusTimeoutError extends Error {
  override name = "StatusTimeoutError";
}

/** A status finished with a failure. */
export class FailedStatusError extends Error {
  override name = "FailedStatusError";
}

/** Options of {@linkcode Status}. */
export interface StatusOptions {
  /** Fail the status when it has not finished after this many seconds. */
  timeout?: number;
  /** What the status is for, used in error messages. */
  label?: string;
}

/**
 * The completion of an action that takes time, as ophyd's `Status`: finishes once, with
 * success or with an error; a timeout turns into a {@linkcode StatusTimeoutError}.
 *
 * @example Finish a status later
 * ```ts
 * import { Status } from "./status.ts";
 * const status = new Status({ timeout: 1, label: "move" });
 * setTimeout(() => status.setFinished(), 10);
 * await status.wait();
 * console.assert(status.success);
 * ```
 */
export class Status {
  #done = false;
  #error: Error | undefined;
  #waiters: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #promise: Promise<void> | undefined;
  /** What the status is for. */
  readonly label: string;

  /** @param options Timeout and label. */
  constructor(options: StatusOptions = {}) {
    this.label = options.label ?? "status";
    if (options.timeout !== undefined && Number.isFinite(options.timeout)) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.setException(
          new StatusTimeoutError(`${this.label} did not finish within ${options.timeout} s`),
        );
      }, options.timeout * 1000);
    }
  }

  /** A status that is already finished with success. */
  static done(label?: string): Status {
    const status = new Status(label === undefined ? {} : { label });
    status.setFinished();
    return status;
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
    else this.#waiters.push(() => callback(this));
  }

  /**
   * Wait for the status; rejects with its error if it failed.
   * @param timeout Seconds to wait at most, on top of the status's own timeout.
   * @returns A promise that resolves when the status succeeds.
   */
  wait(timeout?: number): Promise<void> {
    if (this.#done) return this.#error ? Promise.reject(this.#error) : Promise.resolve();
    this.#promise ??= new Promise<void>((resolve, reject) => {
      this.#waiters.push(() => this.#error ? reject(this.#error) : resolve());
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
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }
}
