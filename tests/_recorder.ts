/**
 * Test helper: records what a RunEngine emits and checks every document against the
 * event-model JSON Schemas as it goes. A test file ends with a test that asserts
 * `schemaFailures()` is empty, so every document emitted in the suite is validated.
 *
 * @module
 */

import type { DocumentMap, DocumentName } from "../core/documents/types.ts";
import type { RunEngine } from "../core/engine/run_engine.ts";
import { schemasAvailable, validateAgainstSchema } from "./_schemas.ts";

/** A recorded `[name, doc]` pair. */
export type Recorded = [DocumentName, DocumentMap[DocumentName]];

const failures: string[] = [];
let validated = 0;

/** The documents a recorder has seen. */
export interface Recording {
  readonly docs: Recorded[];
  /** The documents of one kind, in order. */
  of<K extends DocumentName>(name: K): DocumentMap[K][];
  /** The document names, in order. */
  names(): DocumentName[];
}

/**
 * Subscribe a recorder to `engine` that also validates each document against the schemas.
 * @param engine The engine to record.
 * @returns The recording.
 */
export function record(engine: Pick<RunEngine, "subscribe">): Recording {
  const docs: Recorded[] = [];
  const check = schemasAvailable();
  engine.subscribe("all", (name, doc) => {
    docs.push([name, doc]);
    if (!check) return;
    validated++;
    for (const message of validateAgainstSchema(name, doc)) {
      failures.push(`${name} ${(doc as { uid?: string }).uid ?? ""}: ${message}`);
    }
  });
  return {
    docs,
    of: <K extends DocumentName>(name: K) =>
      docs.filter(([n]) => n === name).map(([, d]) => d as DocumentMap[K]),
    names: () => docs.map(([n]) => n),
  };
}

/** Schema failures of every document recorded so far in this test file. */
export function schemaFailures(): string[] {
  return [...failures];
}

/** How many documents have been validated so far in this test file. */
export function validatedCount(): number {
  return validated;
}
