/**
 * Sending a stored run's documents to a callback again, as they were first emitted.
 *
 * @module
 */

import type { Document, DocumentName, NamedDocument } from "../documents/types.ts";
import type { CatalogRun } from "./catalog_run.ts";
import { EventLoopTurns } from "../event_loop_turns.ts";

/**
 * A callback that receives replayed documents; a promise it returns is awaited.
 *
 * @example Count the documents
 * ```ts
 * import assert from "node:assert/strict";
 * import { replay, type ReplayCallback } from "./replay.ts";
 * import { composeRun } from "../documents/compose.ts";
 * const run = composeRun();
 * let n = 0;
 * const callback: ReplayCallback = () => void n++;
 * await replay([["start", run.start], ["stop", run.stop()]], callback);
 * assert.equal(n, 2);
 * ```
 */
export type ReplayCallback = (name: DocumentName, doc: Document) => void | Promise<void>;

function isCatalogRun(source: object): source is CatalogRun {
  return "summary" in source && typeof (source as CatalogRun).documents === "function";
}

/**
 * Send a run's documents, in order, to a callback. When the callback returns a promise, the
 * next document waits until it settles, so an asynchronous writer sees one document at a time.
 * A long synchronous source gives the event loop a turn every 100 ms, so timers and signal
 * handlers run meanwhile.
 *
 * @example Replay a stored run into a list
 * ```ts
 * import assert from "node:assert/strict";
 * import { replay, temp } from "./mod.ts";
 * const catalog = temp();
 * catalog.insert("start", { uid: "run-00001", time: 1 });
 * catalog.insert("stop", { uid: "stop-1", run_start: "run-00001", time: 2, exit_status: "success" });
 * const names: string[] = [];
 * const sent = await replay(catalog.get(-1), async (name) => {
 *   await Promise.resolve();
 *   names.push(name);
 * });
 * assert.equal(sent, 2);
 * assert.deepEqual(names, ["start", "stop"]);
 * catalog.close();
 * ```
 *
 * @param source A stored run, or any (async) iterable of `[name, doc]` pairs.
 * @param callback What receives the documents.
 * @returns The number of documents sent.
 */
export async function replay(
  source: CatalogRun | Iterable<NamedDocument> | AsyncIterable<NamedDocument>,
  callback: ReplayCallback,
): Promise<number> {
  const documents = isCatalogRun(source) ? source.documents() : source;
  let sent = 0;
  if (Symbol.asyncIterator in documents) {
    for await (const [name, doc] of documents) {
      await callback(name, doc);
      sent++;
    }
    return sent;
  }
  // A synchronous source is read without a microtask per document unless the callback asks,
  // and with a turn of the event loop every 100 ms, so that a signal's handler (Ctrl-C) or a
  // timer does not wait for the end of a long run.
  const turns = new EventLoopTurns();
  for (const [name, doc] of documents) {
    const result = callback(name, doc);
    if (result !== undefined) await result;
    // The clock is looked at every 256 documents, not at each.
    if ((++sent & 255) === 0) await turns.due();
  }
  return sent;
}
