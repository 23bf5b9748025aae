import assert from "node:assert/strict";
import { composeRun } from "../documents/compose.ts";
import type { DocumentError } from "../errors.ts";
import { RunAccumulator } from "./run_data.ts";

function setup(onWarning: (problem: DocumentError) => void = () => {}) {
  const run = composeRun({ plan_name: "test" });
  const acc = new RunAccumulator(run.start, { onWarning });
  const primary = run.descriptor({
    name: "primary",
    data_keys: {
      x: { dtype: "number", shape: [], source: "SIM:x" },
      n: { dtype: "integer", shape: [], source: "SIM:n" },
      ok: { dtype: "boolean", shape: [], source: "SIM:ok" },
      label: { dtype: "string", shape: [], source: "SIM:label" },
      image: { dtype: "array", shape: [2, 3], source: "SIM:image" },
    },
  });
  acc.receive("descriptor", primary.doc);
  return { run, acc, primary };
}

const image = (v: number) => [[v, v, v], [v + 1, v + 1, v + 1]];

Deno.test("RunAccumulator keeps each data key as a column of typed values", () => {
  const { acc, primary } = setup();
  for (let i = 0; i < 3; i++) {
    acc.receive(
      "event",
      primary.event({
        data: { x: i / 2, n: i, ok: i % 2 === 0, label: `p${i}`, image: image(i) },
        timestamps: { x: 10 + i, n: 10, ok: 10, label: 10, image: 10 },
      }),
    );
  }
  const stream = acc.streams.get("primary")!;
  assert.equal(stream.length, 3);
  assert.ok(stream.column("x")!.values() instanceof Float64Array);
  assert.deepEqual([...stream.column("x")!.values() as Float64Array], [0, 0.5, 1]);
  assert.deepEqual([...stream.column("x")!.timestamps()], [10, 11, 12]);
  assert.equal(stream.column("n")!.kind, "integer");
  assert.deepEqual([...stream.column("ok")!.values() as Float64Array], [1, 0, 1]);
  assert.deepEqual(stream.column("label")!.values(), ["p0", "p1", "p2"]);
  const img = stream.column("image")!;
  assert.deepEqual(img.shape, [2, 3]);
  assert.equal(img.values().length, 18);
  assert.deepEqual([...img.values().slice(6, 12) as Float64Array], [1, 1, 1, 2, 2, 2]);
  assert.deepEqual([...stream.seqNum()], [1, 2, 3]);
});

Deno.test("RunAccumulator unpacks event pages into the same columns", () => {
  const { acc, primary } = setup();
  acc.receive(
    "event_page",
    primary.eventPage({
      data: {
        x: [1, 2],
        n: [3, 4],
        ok: [true, false],
        label: ["a", "b"],
        image: [image(0), image(1)],
      },
      timestamps: { x: [5, 6], n: [0, 0], ok: [0, 0], label: [0, 0], image: [0, 0] },
    }),
  );
  const stream = acc.streams.get("primary")!;
  assert.equal(stream.length, 2);
  assert.deepEqual([...stream.column("x")!.timestamps()], [5, 6]);
  assert.deepEqual(stream.column("label")!.values(), ["a", "b"]);
});

Deno.test("A bad value is written as missing and the event's other keys are kept", () => {
  const warnings: DocumentError[] = [];
  const { acc, primary } = setup((problem) => warnings.push(problem));
  const bad = primary.event({
    data: { x: 1, n: 2, ok: true, label: "a", image: [[1, 2], [3, 4]] },
    timestamps: { x: 0, n: 0, ok: 0, label: 0, image: 0 },
  });
  acc.receive("event", bad);
  const stream = acc.streams.get("primary")!;
  assert.equal(stream.length, 1);
  assert.deepEqual([...(stream.column("x")!.values() as Float64Array)], [1]);
  assert.deepEqual([...(stream.column("image")!.values() as Float64Array)], Array(6).fill(NaN));
  assert.equal(stream.column("image")!.invalid, 1);
  assert.equal(warnings.length, 1);
  assert.ok(
    warnings[0]!.uid === bad.uid && warnings[0]!.field === "data.image" &&
      /shape \[2, 3\]/.test(warnings[0]!.message),
    warnings[0]!.message,
  );
});

Deno.test("An event of an unknown descriptor is refused with its uid", () => {
  const { acc } = setup();
  assert.throws(
    () =>
      acc.receive("event", {
        uid: "e1",
        descriptor: "nope",
        seq_num: 1,
        time: 0,
        data: {},
        timestamps: {},
      }),
    /event document, uid "e1", field "descriptor": refers to descriptor "nope"/,
  );
});

Deno.test("A stream with two descriptors gets the union of their keys, padded where missing", () => {
  const run = composeRun();
  const acc = new RunAccumulator(run.start);
  const a = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  acc.receive("descriptor", a.doc);
  acc.receive("event", a.event({ data: { x: 1 }, timestamps: { x: 1 } }));
  const b = run.descriptor({
    name: "primary",
    data_keys: {
      x: { dtype: "number", shape: [], source: "SIM:x" },
      y: { dtype: "string", shape: [], source: "SIM:y" },
    },
  });
  acc.receive("descriptor", b.doc);
  acc.receive("event", b.event({ data: { x: 2, y: "two" }, timestamps: { x: 2, y: 2 } }));
  const stream = acc.streams.get("primary")!;
  assert.equal(stream.descriptors.length, 2);
  assert.deepEqual(stream.keys(), ["x", "y"]);
  assert.deepEqual([...stream.column("x")!.values() as Float64Array], [1, 2]);
  assert.deepEqual(stream.column("y")!.values(), ["", "two"]);
  assert.ok(Number.isNaN(stream.column("y")!.timestamps()[0]));
});

Deno.test("Columns grow past their first capacity without losing values", () => {
  const run = composeRun();
  const acc = new RunAccumulator(run.start);
  const d = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  acc.receive("descriptor", d.doc);
  for (let i = 0; i < 1000; i++) {
    acc.receive("event", d.event({ data: { x: i }, timestamps: { x: i } }));
  }
  const values = acc.streams.get("primary")!.column("x")!.values() as Float64Array;
  assert.equal(values.length, 1000);
  assert.equal(values[999], 999);
  assert.equal(values.reduce((a, b) => a + b, 0), 499500);
});

Deno.test("Asset documents are kept by uid and datum pages are unpacked", () => {
  const { run, acc } = setup();
  const resource = run.resource({
    spec: "AD_HDF5",
    root: "/",
    resource_path: "f.h5",
    resource_kwargs: {},
  });
  acc.receive("resource", resource);
  acc.receive("datum_page", {
    resource: resource.uid,
    datum_id: [`${resource.uid}/0`, `${resource.uid}/1`],
    datum_kwargs: { point_number: [0, 1] },
  });
  assert.equal(acc.resources.get(resource.uid), resource);
  assert.deepEqual(acc.datums.get(`${resource.uid}/1`)?.datum_kwargs, { point_number: 1 });
});
