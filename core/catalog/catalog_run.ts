/**
 * A run read back from the catalog: its summary, start and stop documents, and all its
 * documents on demand.
 *
 * @module
 */

import { parseJson } from "../readers/_parse_json.ts";
import type { NamedDocument, RunStart, RunStop } from "../documents/types.ts";
import type { CatalogStorage, StoredRun } from "./storage.ts";
import { CatalogCorruptError } from "./storage_errors.ts";

/**
 * One line of the catalog's list of runs.
 *
 * @example The listing of a run
 * ```ts
 * import assert from "node:assert/strict";
 * import { temp } from "./catalog.ts";
 * import { composeRun } from "../documents/compose.ts";
 * const catalog = temp();
 * const run = composeRun({ plan_name: "count", scan_id: 2 });
 * catalog.insert("start", run.start);
 * catalog.insert("stop", run.stop());
 * const [summary] = catalog.runs();
 * assert.equal(summary?.exitStatus, "success");
 * catalog.close();
 * ```
 */
export interface RunSummary {
  /** Uid of the start document. */
  uid: string;
  /** The start document's `scan_id`, if it has one. */
  scanId: number | undefined;
  /** The start document's `plan_name`, if it has one. */
  planName: string | undefined;
  /** Start time, in epoch seconds. */
  time: number;
  /** Stop time, in epoch seconds; `undefined` without a stop document. */
  stopTime: number | undefined;
  /** The stop document's exit status, or `"incomplete"` when the run has no stop document. */
  exitStatus: "success" | "abort" | "fail" | "incomplete";
  /**
   * Number of events: the total of the stop document's `num_events` when it has them, else
   * the events stored (each row of an event page counts).
   */
  numEvents: number;
  /** Names of the run's streams, in the order their descriptors came. */
  streams: string[];
}

/**
 * A stored run.
 *
 * @example A stored run's documents
 * ```ts
 * import assert from "node:assert/strict";
 * import { temp } from "./catalog.ts";
 * import { composeRun } from "../documents/compose.ts";
 * const catalog = temp();
 * const run = composeRun({ scan_id: 5 });
 * catalog.insert("start", run.start);
 * const stored = catalog.byScanId(5);
 * assert.equal(stored.stop, undefined);
 * assert.deepEqual([...stored.documents()].map(([name]) => name), ["start"]);
 * catalog.close();
 * ```
 */
export interface CatalogRun {
  /** Its line in the list of runs. */
  readonly summary: RunSummary;
  /** Its start document. */
  readonly start: RunStart;
  /** Its stop document; `undefined` when the run is incomplete. */
  readonly stop: RunStop | undefined;
  /**
   * Its documents, start first, in the order they were inserted; read from the storage as they
   * are iterated, so a long run costs little memory. Each call starts a new reading.
   */
  documents(): Iterable<NamedDocument>;
}

/**
 * The summary of a stored run.
 *
 * @example A run without a stop document is incomplete
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarize } from "./catalog_run.ts";
 * const summary = summarize({
 *   uid: "r1",
 *   start: '{"uid":"r1","time":5,"scan_id":2}',
 *   stop: undefined,
 *   streams: ["primary"],
 *   events: 3,
 * });
 * assert.equal(summary.exitStatus, "incomplete");
 * assert.equal(summary.numEvents, 3);
 * assert.equal(summary.scanId, 2);
 * ```
 *
 * @param stored The run as the storage keeps it.
 * @returns The summary.
 */
export function summarize(stored: StoredRun): RunSummary {
  return summaryOf(stored, JSON.parse(stored.start), parseStop(stored));
}

function parseStop(stored: StoredRun): RunStop | undefined {
  return stored.stop === undefined ? undefined : JSON.parse(stored.stop);
}

function summaryOf(stored: StoredRun, start: RunStart, stop: RunStop | undefined): RunSummary {
  const counts = stop?.num_events;
  let numEvents = stored.events;
  if (counts !== null && typeof counts === "object" && Object.keys(counts).length > 0) {
    numEvents = 0;
    for (const n of Object.values(counts)) if (typeof n === "number") numEvents += n;
  }
  return {
    uid: stored.uid,
    scanId: typeof start.scan_id === "number" ? start.scan_id : undefined,
    planName: typeof start.plan_name === "string" ? start.plan_name : undefined,
    time: start.time,
    stopTime: typeof stop?.time === "number" ? stop.time : undefined,
    exitStatus: stop === undefined ? "incomplete" : stop.exit_status,
    numEvents,
    streams: stored.streams,
  };
}

/**
 * A stored run, reading its documents from a storage.
 *
 * @example Read a run back
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogRun } from "./catalog_run.ts";
 * import { SqliteStorage } from "./sqlite_storage.ts";
 * const storage = new SqliteStorage(":memory:");
 * const json = '{"uid":"r1","time":5}';
 * storage.append({ run: "r1", name: "start", doc: JSON.parse(json), uid: "r1", events: 0, json });
 * const run = catalogRun(storage, storage.run("r1")!);
 * assert.deepEqual([...run.documents()], [["start", { uid: "r1", time: 5 }]]);
 * storage.close();
 * ```
 *
 * @param storage Where its documents are.
 * @param stored The run as the storage keeps it.
 * @returns The run.
 */
export function catalogRun(storage: CatalogStorage, stored: StoredRun): CatalogRun {
  const start: RunStart = JSON.parse(stored.start);
  const stop = parseStop(stored);
  return {
    summary: summaryOf(stored, start, stop),
    start,
    stop,
    *documents(): Generator<NamedDocument> {
      // The storage throws on a damaged page it reads; the count of events is a second check,
      // for rows a damaged index no longer leads to.
      let events = 0;
      for (const { name, json } of storage.documents(stored.uid)) {
        const doc = parseJson(json) as { uid?: unknown };
        if (name === "event") events++;
        else if (name === "event_page" && Array.isArray(doc.uid)) events += doc.uid.length;
        yield [name, doc] as NamedDocument;
      }
      if (events < stored.events) {
        throw new CatalogCorruptError(
          storage.location,
          `run "${stored.uid}" has ${stored.events} events stored, ${events} could be read`,
        );
      }
    },
  };
}
