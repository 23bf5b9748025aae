import assert from "node:assert/strict";
import { type AssembledRun, RunAssembler } from "./run_assembler.ts";
import type { ReceivedEntry } from "./transport.ts";

function entry(run: string, seq: number, name: "start" | "event" | "stop", id = `${run}-${seq}`) {
  return {
    id,
    partition: run === "b" ? 1 : 0,
    run,
    seq,
    name,
    json: `{"n":${seq}}`,
  } as ReceivedEntry;
}

function setup(isDone: (run: string) => boolean = () => false) {
  const runs: AssembledRun[] = [];
  const acked: string[] = [];
  const warnings: string[] = [];
  const assembler = new RunAssembler({
    onRun: (run) => void runs.push(run),
    onAck: (_partition, ids) => void acked.push(...ids),
    isDone,
    onWarning: (m) => void warnings.push(m),
  });
  return { runs, acked, warnings, assembler };
}

Deno.test("RunAssembler keeps interleaved runs apart and hands each on at its stop", () => {
  const { runs, assembler } = setup();
  assembler.add(entry("a", 0, "start"));
  assembler.add(entry("b", 0, "start"));
  assembler.add(entry("a", 1, "event"));
  assembler.add(entry("b", 1, "stop"));
  assert.deepEqual(runs.map((r) => r.run), ["b"]);
  assert.equal(assembler.open, 1);
  assembler.add(entry("a", 2, "stop"));
  assert.deepEqual(runs.map((r) => r.run), ["b", "a"]);
  assert.deepEqual(runs[1]!.documents, [["start", { n: 0 }], ["event", { n: 1 }], ["stop", {
    n: 2,
  }]]);
  assert.equal(runs[1]!.partition, 0);
});

Deno.test("RunAssembler passes a repeated entry over, and acknowledges it with its run", () => {
  const { runs, acked, assembler } = setup();
  assembler.add(entry("a", 0, "start"));
  assembler.add(entry("a", 0, "start", "again"));
  assembler.add(entry("a", 1, "stop"));
  assert.equal(runs[0]!.documents.length, 2);
  assert.deepEqual(runs[0]!.ids, ["a-0", "again", "a-1"]);
  assert.deepEqual(assembler.settle("a"), ["a-0", "again", "a-1"]);
  // Sent once more after the run was handled: acknowledged at once, no warning.
  assembler.add(entry("a", 1, "stop", "late"));
  assert.deepEqual(acked, ["late"]);
  assert.equal(runs.length, 1);
});

Deno.test("RunAssembler acknowledges nothing of a run handed on before it is settled", () => {
  const { runs, acked, warnings, assembler } = setup();
  assembler.add(entry("a", 0, "start"));
  assembler.add(entry("a", 1, "stop"));
  // Delivered again (claimed back from this consumer) while the run is still being written:
  // acknowledged now, they would be lost with it if the consumer died before writing it.
  assembler.add(entry("a", 0, "start", "claimed-0"));
  assembler.add(entry("a", 1, "stop", "claimed-1"));
  assert.deepEqual(acked, []);
  assert.equal(runs.length, 1);
  assert.deepEqual(warnings, []);
  assert.deepEqual(assembler.settle("a"), ["a-0", "a-1", "claimed-0", "claimed-1"]);
  assert.deepEqual(assembler.settle("a"), []);
});

Deno.test("RunAssembler.forget() leaves a run's entries, repeats too, unacknowledged", () => {
  const { runs, acked, assembler } = setup();
  assembler.add(entry("a", 0, "start"));
  assembler.add(entry("a", 1, "stop"));
  assembler.add(entry("a", 1, "stop", "again"));
  assembler.forget("a");
  assert.deepEqual(acked, []);
  // Taken again from its start, it is handed on again.
  assembler.add(entry("a", 0, "start", "retry-0"));
  assembler.add(entry("a", 1, "stop", "retry-1"));
  assert.deepEqual(runs.map((r) => r.ids), [["a-0", "a-1"], ["retry-0", "retry-1"]]);
  assert.deepEqual(assembler.settle("a"), ["retry-0", "retry-1"]);
});

Deno.test("RunAssembler acknowledges the entries of a run handled already, and warns of none", () => {
  const { runs, acked, warnings, assembler } = setup((run) => run === "a");
  assembler.add(entry("a", 0, "start"));
  assembler.add(entry("a", 1, "stop"));
  assert.deepEqual(acked, ["a-0", "a-1"]);
  assert.equal(runs.length, 0);
  assert.deepEqual(warnings, []);
});

Deno.test("RunAssembler.drop() forgets the open runs of a partition only", () => {
  const { runs, assembler } = setup();
  assembler.add(entry("a", 0, "start"));
  assembler.add(entry("b", 0, "start"));
  assert.equal(assembler.drop(0), 1);
  assert.equal(assembler.open, 1);
  // The next owner delivers run a again from its start.
  assembler.add(entry("a", 0, "start"));
  assembler.add(entry("a", 1, "stop"));
  assert.deepEqual(runs.map((r) => r.ids), [["a-0", "a-1"]]);
});

Deno.test("RunAssembler warns of a document that is not JSON, naming run and entry", () => {
  const { runs, warnings, assembler } = setup();
  assembler.add(entry("a", 0, "start"));
  assembler.add({ ...entry("a", 1, "event"), json: "{oops" });
  assembler.add(entry("a", 2, "stop"));
  assert.equal(runs[0]!.documents.length, 2);
  assert.match(warnings[0]!, /event document 1 of run "a" \(entry a-1\) is not JSON/);
});
