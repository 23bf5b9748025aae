/**
 * The thread of a {@linkcode Checkpointer}: its own connection to the catalog's file, which
 * copies the write-ahead log into the database (and syncs it) when asked, while the writing
 * thread goes on writing. It tells how it went in the shared state, which the writer reads
 * without waiting for a turn of its event loop.
 *
 * @module
 */

import { parentPort, workerData } from "node:worker_threads";
import { DatabaseSync } from "node:sqlite";
import { BUSY, CHECKPOINTED, CLOSED, FAILED, LOG } from "./_checkpointer_state.ts";

const { path, state: buffer, busyTimeout } = workerData as {
  path: string;
  state: SharedArrayBuffer;
  busyTimeout: number;
};
const state = new Int32Array(buffer);
let db: DatabaseSync | undefined;

function done(slot: number): void {
  Atomics.store(state, slot, 1);
  Atomics.notify(state, slot);
}

try {
  db = new DatabaseSync(path);
  db.exec(`PRAGMA busy_timeout = ${busyTimeout}`);
} catch {
  db = undefined;
  done(FAILED);
}

parentPort!.on("message", (message: "checkpoint" | "close") => {
  if (message === "close") {
    try {
      db?.close();
    } finally {
      db = undefined;
      done(CLOSED);
    }
    return;
  }
  try {
    // PASSIVE: copies what no reader still needs, never waits for readers nor the writer.
    const row = db?.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as
      | { log: number; checkpointed: number }
      | undefined;
    if (row !== undefined) {
      Atomics.store(state, LOG, row.log);
      Atomics.store(state, CHECKPOINTED, row.checkpointed);
    }
  } catch {
    // The log is kept whole; the writer checkpoints in its own thread once it grows too long.
    Atomics.store(state, LOG, -1);
  } finally {
    Atomics.store(state, BUSY, 0);
  }
});
