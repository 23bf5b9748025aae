/**
 * Checkpoints of a SQLite catalog in WAL mode, off the writing thread. SQLite's automatic
 * checkpoint copies the log into the database and syncs the file inside the commit that passes
 * its threshold: a scan stalls there for as long as the disk takes (about 200 ms for 40 MB of
 * log). Here a second connection, on a thread of its own, does that copy while the writer goes
 * on; the writer checkpoints itself only when the log has grown past {@linkcode LOG_LIMIT}
 * pages all the same (readers holding old snapshots, a failing thread), which keeps the log
 * bounded.
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import { BUSY, CHECKPOINTED, CLOSED, FAILED, LOG, SLOTS } from "./_checkpointer_state.ts";

/** Bytes of documents committed after which a checkpoint is asked of the thread. */
export const CHECKPOINT_BYTES = 4_000_000;

/** Pages of log beyond which the writer checkpoints in its own thread (400 MB of 4 KB). */
export const LOG_LIMIT = 100_000;

/** How long closing waits for a checkpoint under way to end, in milliseconds. */
const CLOSE_WAIT = 60_000;

/** A catalog file's checkpoints, run by a thread of their own. */
export class Checkpointer {
  readonly #state = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  readonly #worker: Worker | undefined;
  #bytes = 0;

  /**
   * Start the thread (it does not keep the process alive).
   * @param path The catalog's database file, in WAL mode.
   * @param busyTimeout How long the thread's statements wait for a lock, in milliseconds.
   */
  constructor(path: string, busyTimeout: number) {
    try {
      const worker = new Worker(new URL("./_checkpointer_worker.ts", import.meta.url), {
        workerData: { path, state: this.#state.buffer, busyTimeout },
      });
      worker.unref();
      // A thread that fails leaves the checkpoints to the writer.
      worker.on("error", () => Atomics.store(this.#state, FAILED, 1));
      this.#worker = worker;
    } catch {
      Atomics.store(this.#state, FAILED, 1);
    }
  }

  /**
   * After a commit of `bytes` of documents: ask for a checkpoint when enough was written and
   * none is under way.
   * @param bytes The bytes of documents the commit stored.
   * @returns `true` when the writer must checkpoint itself now: the thread failed, or the log
   *   grew past {@linkcode LOG_LIMIT} pages.
   */
  committed(bytes: number): boolean {
    this.#bytes += bytes;
    if (this.#bytes < CHECKPOINT_BYTES) return false;
    const state = this.#state;
    if (this.#worker === undefined || Atomics.load(state, FAILED) === 1) {
      this.#bytes = 0;
      return true;
    }
    const log = Atomics.load(state, LOG);
    if (log < 0 || log > LOG_LIMIT) {
      Atomics.store(state, LOG, 0);
      Atomics.store(state, CHECKPOINTED, 0);
      this.#bytes = 0;
      return true;
    }
    if (Atomics.compareExchange(state, BUSY, 0, 1) !== 0) return false;
    this.#bytes = 0;
    this.#worker.postMessage("checkpoint");
    return false;
  }

  /** Close the thread's connection (after a checkpoint under way), then end the thread. */
  close(): void {
    const worker = this.#worker;
    if (worker === undefined) return;
    if (Atomics.load(this.#state, FAILED) !== 1) {
      worker.postMessage("close");
      Atomics.wait(this.#state, CLOSED, 0, CLOSE_WAIT);
    }
    void worker.terminate();
  }
}
