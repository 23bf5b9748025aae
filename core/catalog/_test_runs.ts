/**
 * Runs for the catalog's tests, made with {@linkcode composeRun} on a fixed clock. For tests
 * only.
 *
 * @module
 */

import { composeRun, type RunComposer } from "../documents/compose.ts";
import type { DataKeys, NamedDocument, RunStart } from "../documents/types.ts";

/** What a test run is made of. */
export interface TestRunOptions {
  /** Start metadata (`time` sets the clock; each document advances it by 0.01 s). */
  start?: Partial<RunStart>;
  /** Number of events in the primary stream. */
  events?: number;
  /** Write a stop document (default true). */
  stop?: boolean;
}

/** The data keys of the test runs' primary stream. */
export const DATA_KEYS: DataKeys = {
  motor: { dtype: "number", shape: [], source: "SIM:motor", units: "mm" },
  det: { dtype: "number", shape: [], source: "SIM:det" },
};

/**
 * A run's documents in emission order: start, a primary descriptor, its events, a baseline
 * descriptor with one event, and the stop.
 * @param options What the run holds.
 * @returns The run's composer and its documents.
 */
export function testRun(
  options: TestRunOptions = {},
): { run: RunComposer; documents: NamedDocument[] } {
  let time = options.start?.time ?? 1_700_000_000;
  const run = composeRun(options.start ?? {}, { clock: () => (time += 0.01) });
  const documents: NamedDocument[] = [["start", run.start]];
  const primary = run.descriptor({ name: "primary", data_keys: { ...DATA_KEYS } });
  documents.push(["descriptor", primary.doc]);
  for (let i = 0; i < (options.events ?? 3); i++) {
    const data = { motor: i, det: Math.sin(i) };
    documents.push(["event", primary.event({ data, timestamps: { motor: time, det: time } })]);
  }
  const baseline = run.descriptor({
    name: "baseline",
    data_keys: { motor: DATA_KEYS.motor! },
  });
  documents.push(["descriptor", baseline.doc]);
  documents.push(["event", baseline.event({ data: { motor: 0 }, timestamps: { motor: time } })]);
  if (options.stop ?? true) documents.push(["stop", run.stop({ exit_status: "success" })]);
  return { run, documents };
}
