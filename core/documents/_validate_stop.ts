/**
 * The checks of a run stop document.
 *
 * @module
 */

import { int, keyNames, oneOf, optional, str, time, valuesOf } from "./_validate_checks.ts";
import type { Json, Problem } from "./_validate_checks.ts";

const EXIT_STATUSES: ReadonlySet<unknown> = new Set(["success", "abort", "fail"]);

/** The problem with a run stop document, if any. */
export function checkStop(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.run_start, "run_start") ?? time(doc.time, "time") ??
    oneOf(EXIT_STATUSES, doc.exit_status, "exit_status") ?? optional(str, doc.reason, "reason") ??
    (doc.num_events === undefined ? undefined : valuesOf(int, doc.num_events, "num_events")) ??
    keyNames(doc, false);
}
