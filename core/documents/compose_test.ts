import assert from "node:assert/strict";
import { composeRun } from "./compose.ts";
import { DocumentError } from "../errors.ts";

function setup() {
  let t = 100;
  let n = 0;
  const run = composeRun({ plan_name: "count", scan_id: 3 }, {
    clock: () => t++,
    uid: () => `uid-${n++}`,
  });
  const primary = run.descriptor({
    name: "primary",
    data_keys: {
      x: { dtype: "number", shape: [], source: "SIM:x" },
      y: { dtype: "number", shape: [], source: "SIM:y" },
    },
  });
  return { run, primary };
}

Deno.test("composeRun() fills in uid and time and keeps the metadata", () => {
  const { run } = setup();
  assert.equal(run.start.uid, "uid-0");
  assert.equal(run.start.time, 100);
  assert.equal(run.start.plan_name, "count");
  assert.equal(run.start.scan_id, 3);
});

Deno.test("Events get 1-based seq_num per stream and the stop counts them", () => {
  const { run, primary } = setup();
  const baseline = run.descriptor({
    name: "baseline",
    data_keys: { z: { dtype: "number", shape: [], source: "SIM:z" } },
  });
  const e1 = primary.event({ data: { x: 1, y: 2 }, timestamps: { x: 0, y: 0 } });
  const b1 = baseline.event({ data: { z: 1 }, timestamps: { z: 0 } });
  const e2 = primary.event({ data: { x: 1, y: 2 }, timestamps: { x: 0, y: 0 } });
  const page = primary.eventPage({
    data: { x: [1, 2], y: [3, 4] },
    timestamps: { x: [0, 0], y: [0, 0] },
  });
  assert.deepEqual([e1.seq_num, e2.seq_num, b1.seq_num], [1, 2, 1]);
  assert.deepEqual(page.seq_num, [3, 4]);
  assert.equal(e1.descriptor, primary.doc.uid);
  assert.equal(primary.doc.run_start, run.start.uid);
  const stop = run.stop({ exit_status: "success" });
  assert.deepEqual(stop.num_events, { primary: 4, baseline: 1 });
  assert.equal(stop.run_start, run.start.uid);
});

Deno.test("An event whose keys differ from the descriptor's is refused with the field named", () => {
  const { primary } = setup();
  assert.throws(
    () => primary.event({ data: { x: 1, y: 2, w: 3 }, timestamps: { x: 0, y: 0 } }),
    (error: unknown) =>
      error instanceof DocumentError && error.document === "event" && error.field === "data.w",
  );
  assert.throws(
    () => primary.event({ data: { x: 1, y: 2 }, timestamps: { x: 0 } }),
    /field "timestamps": missing key\(s\) "y"/,
  );
});

Deno.test("An event page with columns of different lengths is refused", () => {
  const { primary } = setup();
  assert.throws(
    () => primary.eventPage({ data: { x: [1, 2], y: [3] }, timestamps: { x: [0, 0], y: [0, 0] } }),
    /field "data.y": column has 1 rows, expected 2/,
  );
});

Deno.test("A second stop is refused, and so are events after the stop", () => {
  const { run, primary } = setup();
  run.stop({ exit_status: "abort", reason: "test" });
  assert.throws(() => run.stop({ exit_status: "success" }), /already has a stop document/);
  assert.throws(
    () => primary.event({ data: { x: 1, y: 2 }, timestamps: { x: 0, y: 0 } }),
    /has already stopped/,
  );
});

Deno.test("Datum ids are the resource uid and a counter", () => {
  const { run } = setup();
  const resource = run.resource({
    spec: "AD_HDF5",
    root: "/",
    resource_path: "data/file.h5",
    resource_kwargs: { frame_per_point: 1 },
  });
  const d0 = run.datum(resource, { point_number: 0 });
  const d1 = run.datum(resource, { point_number: 1 });
  assert.equal(resource.run_start, run.start.uid);
  assert.deepEqual([d0.datum_id, d1.datum_id], [`${resource.uid}/0`, `${resource.uid}/1`]);
});

Deno.test("restoreCounters() rewinds seq_num", () => {
  const { run, primary } = setup();
  primary.event({ data: { x: 1, y: 2 }, timestamps: { x: 0, y: 0 } });
  const snapshot = run.snapshotCounters();
  primary.event({ data: { x: 1, y: 2 }, timestamps: { x: 0, y: 0 } });
  run.restoreCounters(snapshot);
  const again = primary.event({ data: { x: 1, y: 2 }, timestamps: { x: 0, y: 0 } });
  assert.equal(again.seq_num, 2);
});

Deno.test("event() leaves STREAM: keys out and marks datum keys as not filled, as bluesky", () => {
  const stream = composeRun().descriptor({
    name: "primary",
    data_keys: {
      total: { dtype: "number", shape: [], source: "SIM:total" },
      frame: { dtype: "array", shape: [4, 4], source: "SIM:frame", external: "STREAM:" },
      image: { dtype: "array", shape: [4, 4], source: "SIM:image", external: "FILESTORE:" },
    },
  });
  const event = stream.event({
    data: { total: 1, image: "res/0" },
    timestamps: { total: 0, image: 0 },
  });
  assert.deepEqual(event.filled, { image: false });
  assert.throws(
    () =>
      stream.event({
        data: { total: 1, image: "res/1", frame: 0 },
        timestamps: { total: 0, image: 0, frame: 0 },
      }),
    /key "frame" is a STREAM: key: its data come by stream_datum/,
  );
  const page = stream.eventPage({
    data: { total: [1, 2], image: ["res/1", "res/2"] },
    timestamps: { total: [0, 0], image: [0, 0] },
  });
  assert.deepEqual(page.filled, { image: [false, false] });
});
