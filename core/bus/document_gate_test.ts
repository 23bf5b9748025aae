import assert from "node:assert/strict";
import { composeRun, type DescriptorComposer, type RunComposer } from "../documents/mod.ts";
import type { DocumentMap, DocumentName, NamedDocument } from "../documents/types.ts";
import { DocumentError } from "../errors.ts";
import { DocumentBus } from "./bus.ts";
import { DocumentGate, type DocumentGateOptions, type ProblemReport } from "./document_gate.ts";

interface Report {
  message: string;
  passed: boolean;
  run: string | undefined;
  repeats: number;
}

/** A gate in front of a list, with its reports in another. */
function gated(options: DocumentGateOptions = {}) {
  const passed: [DocumentName, unknown, string][] = [];
  const reports: Report[] = [];
  const gate = new DocumentGate((name, doc, run) => void passed.push([name, doc, run]), {
    onProblem: (problem: DocumentError, report: ProblemReport) =>
      void reports.push({ message: problem.message, ...report }),
    ...options,
  });
  const feed = (docs: readonly NamedDocument[]) => {
    for (const [name, doc] of docs) gate.receiver(name, doc);
  };
  return { gate, passed, reports, feed };
}

function newRun(): { run: RunComposer; primary: DescriptorComposer } {
  const run = composeRun({ plan_name: "count" });
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  return { run, primary };
}

function event(primary: DescriptorComposer, x: number): DocumentMap["event"] {
  return primary.event({ data: { x }, timestamps: { x: 0 } });
}

Deno.test("A lenient gate passes a document that breaks the event model on, a strict one leaves it out", () => {
  for (const strict of [false, true]) {
    const { gate, passed, reports, feed } = gated({ strict });
    const { run, primary } = newRun();
    const start = { ...run.start, sample: null } as never;
    feed([["start", start], ["descriptor", primary.doc], ["stop", run.stop()]]);
    assert.match(reports[0]!.message, /^start document, uid "[^"]+", field "sample": /);
    assert.equal(reports[0]!.passed, !strict);
    if (strict) {
      // Without its start, the run's other documents fit nothing: left out too.
      assert.deepEqual(passed, []);
      assert.match(reports[1]!.message, /field "run_start": refers to run "[^"]+", whose start/);
      assert.deepEqual(gate.counts, { documents: 3, passed: 0, leftOut: 3, nonconforming: 0 });
    } else {
      assert.deepEqual(passed.map(([name, doc]) => [name, doc]), [
        ["start", start],
        ["descriptor", primary.doc],
        ["stop", passed[2]![1]],
      ]);
      assert.equal(reports.length, 1);
      assert.deepEqual(gate.counts, { documents: 3, passed: 3, leftOut: 0, nonconforming: 1 });
    }
  }
});

Deno.test("Documents that do not fit their run are left out in either mode, the receiver gets the run", () => {
  for (const strict of [false, true]) {
    const { passed, reports, feed } = gated({ strict });
    const { run, primary } = newRun();
    const first = event(primary, 1);
    const stray = { ...event(primary, 2), descriptor: "nowhere" };
    feed([
      ["start", run.start],
      ["descriptor", primary.doc],
      ["event", first],
      ["event", first],
      ["event", stray],
      ["event", "not a document" as never],
      ["stop", run.stop()],
    ]);
    assert.deepEqual(passed.map(([name, , uid]) => [name, uid]), [
      ["start", run.start.uid],
      ["descriptor", run.start.uid],
      ["event", run.start.uid],
      ["stop", run.start.uid],
    ]);
    assert.deepEqual(reports.map((r) => [r.passed, r.run]), [
      [false, run.start.uid],
      [false, undefined],
      [false, undefined],
    ]);
    assert.match(reports[0]!.message, /field "uid": repeats the uid of an earlier document/);
    assert.match(reports[1]!.message, /field "descriptor": refers to descriptor "nowhere"/);
    assert.match(reports[2]!.message, /^event document: /);
  }
});

Deno.test("A problem repeated in a run is reported once, and counted at the run's stop", () => {
  const { passed, reports, feed } = gated();
  const { run, primary } = newRun();
  const docs: NamedDocument[] = [["start", run.start], ["descriptor", primary.doc]];
  for (let i = 0; i < 1000; i++) {
    const e = event(primary, i);
    // Two kinds of problem: 1,000 events with a text time, 10 with a text seq_num.
    docs.push([
      "event",
      { ...e, time: "noon", ...(i % 100 === 0 ? { seq_num: "x" } : {}) } as never,
    ]);
  }
  docs.push(["stop", run.stop()]);
  feed(docs);
  assert.equal(passed.length, 1003);
  const uid = run.start.uid;
  assert.deepEqual(reports.map((r) => [r.passed, r.run, r.repeats]), [
    [true, uid, 0],
    [true, uid, 0],
    [true, uid, 9],
    [true, uid, 989],
  ]);
  assert.match(reports[0]!.message, /field "seq_num"/);
  assert.match(reports[1]!.message, /field "time"/);
  assert.match(
    reports[2]!.message,
    new RegExp(`^event document, field "seq_num": 9 more documents of run "${uid}" had this`),
  );
  assert.match(reports[3]!.message, /field "time": 989 more documents/);
});

Deno.test("Documents of no known run are counted together and summed up at the next stop", () => {
  const { gate, reports, feed } = gated();
  const { run, primary } = newRun();
  const strays: NamedDocument[] = [];
  for (let i = 0; i < 50; i++) strays.push(["event", { ...event(primary, i), descriptor: "gone" }]);
  feed([["start", run.start], ...strays]);
  assert.equal(reports.length, 1);
  gate.summarize();
  assert.deepEqual(reports.map((r) => [r.passed, r.run, r.repeats]), [
    [false, undefined, 0],
    [false, undefined, 49],
  ]);
  assert.match(reports[1]!.message, /49 more documents of no known run had this problem/);
  feed([...strays.slice(0, 3), ["stop", run.stop()]]);
  assert.equal(reports.at(-1)?.repeats, 2);
});

Deno.test("A seq_num that goes back is reported once per run and passed on, also when strict", () => {
  const { passed, reports, feed } = gated({ strict: true });
  const { run, primary } = newRun();
  const [e1, e2, e3] = [event(primary, 1), event(primary, 2), event(primary, 3)];
  // A rewind repeats seq_num 2 and 3; a second descriptor of the stream goes on counting.
  const again = run.descriptor({ name: "primary", data_keys: primary.doc.data_keys });
  const e4 = event(again, 4);
  feed([
    ["start", run.start],
    ["descriptor", primary.doc],
    ["event", e1],
    ["event", e2],
    ["event", e3],
    ["event", { ...e2, uid: "e2-again" }],
    ["event", { ...e3, uid: "e3-again" }],
    ["descriptor", again.doc],
    ["event", e4],
    ["stop", run.stop()],
  ]);
  assert.equal(passed.length, 10);
  assert.deepEqual(reports.map((r) => [r.message, r.passed, r.repeats]), [
    [
      'event document, uid "e2-again", field "seq_num": seq_num 2 does not follow 3 in stream ' +
      '"primary": kept in arrival order (bluesky repeats seq_num after a rewind)',
      true,
      0,
    ],
  ]);
});

Deno.test("An onProblem that throws makes every such document throw, none counted", () => {
  const gate = new DocumentGate(() => {}, {
    onProblem: (problem, report) => {
      if (!report.passed) throw problem;
    },
  });
  const { run, primary } = newRun();
  gate.receiver("start", run.start);
  for (let i = 0; i < 3; i++) {
    assert.throws(
      () => gate.receiver("event", { ...event(primary, i), descriptor: "gone" }),
      (error: unknown) => error instanceof DocumentError && error.field === "descriptor",
    );
  }
  assert.deepEqual(gate.counts, { documents: 4, passed: 1, leftOut: 3, nonconforming: 0 });
  gate.receiver("stop", run.stop());
});

Deno.test("A run whose start the receiver refuses is not opened, and can be sent again", () => {
  const reports: string[] = [];
  let full = true;
  const passed: string[] = [];
  const gate = new DocumentGate((name) => {
    if (full) throw new Error("disk full");
    passed.push(name);
  }, { onProblem: (problem) => void reports.push(problem.message) });
  const { run, primary } = newRun();
  assert.throws(() => gate.receiver("start", run.start), /disk full/);
  full = false;
  gate.receiver("descriptor", primary.doc);
  assert.match(reports[0]!, /field "run_start": refers to run "[^"]+", whose start document/);
  assert.deepEqual(gate.router.stats, { open: 0, closed: 0, uids: 0 });
  gate.receiver("start", run.start);
  gate.receiver("descriptor", primary.doc);
  assert.deepEqual(passed, ["start", "descriptor"]);
  assert.equal(reports.length, 1);
});

Deno.test("A document reported as kept by one gate is not reported again by a second", () => {
  const first = gated();
  const second = gated();
  const strict = gated({ strict: true });
  const { run } = newRun();
  const start = { ...run.start, sample: null } as never;
  for (const gate of [first, second, strict]) gate.feed([["start", start]]);
  assert.equal(first.reports.length, 1);
  assert.deepEqual(second.reports, []);
  assert.equal(second.gate.counts.nonconforming, 1);
  // Left out is another outcome: it is said.
  assert.equal(strict.reports[0]?.passed, false);
});

Deno.test("admit() adds the receiver's own conditions; they leave documents out in either mode", () => {
  const { run } = newRun();
  const { passed, reports, feed } = gated({
    admit: (name, doc) => {
      if (name === "start" && !("scan_id" in doc)) {
        throw new DocumentError("needs a scan_id", {
          document: name,
          uid: run.start.uid,
          field: "scan_id",
        });
      }
    },
  });
  feed([["start", run.start], ["stop", run.stop()]]);
  assert.deepEqual(passed, []);
  assert.match(reports[0]!.message, /field "scan_id": needs a scan_id/);
  assert.match(reports[1]!.message, /field "run_start"/);
});

Deno.test("On a bus, a gate in front of an asynchronous callback keeps the order", async () => {
  const bus = new DocumentBus({ strict: true });
  const seen: string[] = [];
  const gate = new DocumentGate(async (name) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    seen.push(name);
  });
  bus.subscribe("all", gate.receiver);
  const { run, primary } = newRun();
  bus.emit("start", run.start);
  bus.emit("descriptor", primary.doc);
  bus.emit("event", event(primary, 1));
  bus.emit("stop", run.stop());
  await bus.drain();
  assert.deepEqual(seen, ["start", "descriptor", "event", "stop"]);
  assert.deepEqual(gate.problems, []);
});

Deno.test("After 5,000 runs with problems a gate holds what the last 1,000 closed runs need", () => {
  const { gate, reports, feed } = gated();
  for (let r = 0; r < 5000; r++) {
    const { run, primary } = newRun();
    const bad = { ...event(primary, 1), time: "noon" } as never;
    feed([["start", run.start], ["descriptor", primary.doc], ["event", bad], ["event", bad]]);
    feed([["stop", run.stop()]]);
  }
  // Per run: the event's problem, then the repeated uid of the second copy.
  assert.equal(reports.length, 10_000);
  assert.deepEqual(gate.router.stats, { open: 0, closed: 1000, uids: 1000 });
  gate.summarize();
  assert.equal(reports.length, 10_000);
});

/** A word of letters only, different for each `i`: values in messages are numbers and quotes. */
function word(i: number): string {
  let text = "";
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    text = String.fromCharCode(97 + ((n - 1) % 26)) + text;
  }
  return text;
}

Deno.test("DocumentGate counts problems past 100 kinds in a run together, not one report each", () => {
  const { reports, feed } = gated({
    admit: (name, doc) => {
      if (name !== "event") return;
      const kind = word((doc as { seq_num: number }).seq_num);
      throw new DocumentError(`refused for reason ${kind}`, { document: name });
    },
  });
  const { run, primary } = newRun();
  const docs: NamedDocument[] = [["start", run.start], ["descriptor", primary.doc]];
  for (let i = 0; i < 1000; i++) docs.push(["event", event(primary, i)]);
  docs.push(["stop", run.stop()]);
  feed(docs);
  const single = reports.filter((r) => r.repeats === 0);
  assert.equal(single.length, 101, "100 kinds, then the first of the others");
  const summary = reports.filter((r) => r.repeats > 0);
  assert.equal(summary.length, 1);
  assert.equal(summary[0]!.repeats, 899);
  assert.match(
    summary[0]!.message,
    /899 more documents of run "[^"]+" had problems of other kinds/,
  );
});

Deno.test("DocumentGate reports a problem repeated in two streams once per descriptor", () => {
  const { reports, feed } = gated();
  const { run, primary } = newRun();
  const baseline = run.descriptor({
    name: "baseline",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  const docs: NamedDocument[] = [
    ["start", run.start],
    ["descriptor", primary.doc],
    ["descriptor", baseline.doc],
  ];
  for (let i = 0; i < 5; i++) {
    for (const stream of [primary, baseline]) {
      docs.push(["event", { ...event(stream, i), time: "noon" } as never]);
    }
  }
  docs.push(["stop", run.stop()]);
  feed(docs);
  assert.equal(reports.filter((r) => r.repeats === 0).length, 2, JSON.stringify(reports));
  assert.deepEqual(reports.filter((r) => r.repeats > 0).map((r) => r.repeats), [4, 4]);
});
