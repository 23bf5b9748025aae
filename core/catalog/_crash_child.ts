/**
 * The process that the crash test kills: it stores documents in a catalog, prints `ready` and
 * then blocks without ever closing the catalog. For tests only.
 *
 * Run as `deno run --allow-read --allow-write _crash_child.ts DIR`.
 *
 * @module
 */

import { composeRun } from "../documents/compose.ts";
import type { NamedDocument } from "../documents/types.ts";
import { Catalog } from "./catalog.ts";

/** What the child stores, in three parts. */
export interface CrashDocuments {
  /** A whole run, start to stop. */
  complete: NamedDocument[];
  /** The start, descriptor and 1,250 events of a second run; stored, then 200 ms pass. */
  incomplete: NamedDocument[];
  /** Ten more events of the second run, stored just before the kill. */
  tail: NamedDocument[];
}

/**
 * The child's documents, the same at every call (fixed uids and clock).
 * @returns The documents.
 */
export function crashDocuments(): CrashDocuments {
  let n = 0;
  let time = 1_700_000_000;
  const options = {
    uid: () => `crash-${String(n++).padStart(6, "0")}`,
    clock: () => (time += 0.001),
  };
  const stream = (run: ReturnType<typeof composeRun>) =>
    run.descriptor({
      name: "primary",
      data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
    });
  const first = composeRun({ scan_id: 1, plan_name: "count" }, options);
  const a = stream(first);
  const complete: NamedDocument[] = [["start", first.start], ["descriptor", a.doc]];
  for (let i = 0; i < 300; i++) {
    complete.push(["event", a.event({ data: { x: i }, timestamps: { x: time } })]);
  }
  complete.push(["stop", first.stop()]);
  const second = composeRun({ scan_id: 2, plan_name: "count" }, options);
  const b = stream(second);
  const incomplete: NamedDocument[] = [["start", second.start], ["descriptor", b.doc]];
  for (let i = 0; i < 1250; i++) {
    incomplete.push(["event", b.event({ data: { x: i }, timestamps: { x: time } })]);
  }
  const tail: NamedDocument[] = [];
  for (let i = 0; i < 10; i++) {
    tail.push(["event", b.event({ data: { x: -i }, timestamps: { x: time } })]);
  }
  return { complete, incomplete, tail };
}

if (import.meta.main) {
  const catalog = Catalog.open(Deno.args[0]!);
  const { complete, incomplete, tail } = crashDocuments();
  for (const [name, doc] of [...complete, ...incomplete]) catalog.insert(name, doc);
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const [name, doc] of tail) catalog.insert(name, doc);
  console.log("ready");
  // Block the thread: the commit timer cannot fire, so the tail stays uncommitted.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}
