/**
 * Every plan run through the RunEngine with the simulated devices: the documents validate
 * against the event-model schemas and carry bluesky's start metadata.
 */
import assert from "node:assert/strict";
import {
  count,
  gridScan,
  listScan,
  type Plan,
  relGridScan,
  relScan,
  RunEngine,
  scan,
  SupplementalData,
} from "../mod.ts";
import { mv, mvr } from "../core/plans/stubs/mod.ts";
import { GaussianDetector, RandomSensor, SimMotor } from "../devices/mod.ts";
import { record, schemaFailures, validatedCount } from "./_recorder.ts";
import { ignoreWithoutSchemas } from "./_schemas.ts";

function setup() {
  const m1 = new SimMotor({ name: "m1", instant: true });
  const m2 = new SimMotor({ name: "m2", instant: true });
  const det = new GaussianDetector({ name: "det", motor: m1, center: 0, sigma: 1, seed: 1 });
  const sensor = new RandomSensor({ name: "sensor", seed: 2 });
  const RE = new RunEngine();
  const rec = record(RE);
  return { m1, m2, det, sensor, RE, rec };
}

const PLAN_KEYS = [
  "plan_name",
  "plan_type",
  "plan_args",
  "detectors",
  "num_points",
  "num_intervals",
  "hints",
];

Deno.test("count() runs through the engine with bluesky's metadata", async () => {
  const { det, RE, rec } = setup();
  await RE.run(count([det], { num: 3 }));
  const [start] = rec.of("start");
  for (const key of PLAN_KEYS) assert.ok(key in start!, `start has ${key}`);
  assert.equal(start!.plan_name, "count");
  assert.deepEqual(start!.detectors, ["det"]);
  assert.equal(start!.num_points, 3);
  assert.equal(start!.num_intervals, 2);
  assert.deepEqual(start!.hints, { dimensions: [[["time"], "primary"]] });
  assert.equal(rec.of("event").length, 3);
});

Deno.test("scan() runs the seed's plan with the seed's metadata", async () => {
  const { m1, sensor, RE, rec } = setup();
  await RE.run(scan([sensor], [[m1, -0.5, 0.5]], { num: 5 }));
  const [start] = rec.of("start");
  assert.deepEqual(
    Object.keys(start!).filter((k) => !["uid", "time", "versions", "scan_id"].includes(k)).sort(),
    [
      "detectors",
      "hints",
      "motors",
      "num_intervals",
      "num_points",
      "plan_args",
      "plan_name",
      "plan_pattern",
      "plan_pattern_args",
      "plan_pattern_module",
      "plan_type",
    ],
    "the same keys as the seed's start document",
  );
  assert.equal(start!.plan_pattern, "inner_product");
  assert.equal(start!.plan_pattern_module, "bluesky.plan_patterns");
  assert.deepEqual(start!.motors, ["m1"]);
  assert.deepEqual(start!.hints, { dimensions: [[["m1"], "primary"]] });
  const planArgs = start!.plan_args as Record<string, unknown>;
  assert.equal(planArgs.num, 5);
  assert.equal(planArgs.per_step, "None");
  assert.match(String((planArgs.args as unknown[])[0]), /^SimMotor\(prefix='sim:m1', name='m1'/);
  assert.deepEqual(rec.of("event").map((e) => e.data.m1), [-0.5, -0.25, 0, 0.25, 0.5]);
  const [descriptor] = rec.of("descriptor");
  assert.deepEqual(Object.keys(descriptor!.data_keys).sort(), ["m1", "m1_user_setpoint", "sensor"]);
  assert.deepEqual(Object.keys(descriptor!.configuration!.m1!.data).sort(), [
    "m1_acceleration",
    "m1_motor_egu",
    "m1_user_offset",
    "m1_user_offset_dir",
    "m1_velocity",
  ]);
});

Deno.test("relScan() and relGridScan() scan around the start and return there", async () => {
  const { m1, m2, det, RE, rec } = setup();
  m1.set(1);
  m2.set(-1);
  await RE.run(relScan([det], [[m1, -0.5, 0.5]], { num: 3 }));
  assert.deepEqual(rec.of("event").map((e) => e.data.m1), [0.5, 1, 1.5]);
  assert.equal(m1.position, 1);
  await RE.run(relGridScan([det], [[m1, -1, 1, 2], [m2, 0, 1, 2, true]]));
  const grid = rec.of("event").slice(3);
  assert.deepEqual(grid.map((e) => [e.data.m1, e.data.m2]), [[0, -1], [0, 0], [2, 0], [2, -1]]);
  assert.deepEqual([m1.position, m2.position], [1, -1]);
  const starts = rec.of("start");
  assert.deepEqual(starts.map((s) => s.plan_name), ["rel_scan", "rel_grid_scan"]);
});

Deno.test("listScan() and gridScan() record their patterns and the grid's shape", async () => {
  const { m1, m2, det, RE, rec } = setup();
  await RE.run(listScan([det], [[m1, [3, 1, 2]]]));
  await RE.run(gridScan([det], [[m1, 0, 1, 2], [m2, 0, 2, 3, true]]));
  const [list, grid] = rec.of("start");
  assert.equal(list!.plan_pattern, "inner_list_product");
  assert.equal(list!.num_points, 3);
  assert.equal(grid!.plan_pattern, "outer_product");
  assert.deepEqual(grid!.shape, [2, 3]);
  assert.deepEqual(grid!.extents, [[0, 1], [0, 2]]);
  assert.deepEqual(grid!.snaking, [false, true]);
  assert.equal((grid!.hints as Record<string, unknown>).gridding, "rectilinear");
  assert.deepEqual(rec.of("stop").map((s) => s.num_events), [{ primary: 3 }, { primary: 6 }]);
});

Deno.test("mv() and mvr() move motors without opening a run", async () => {
  const { m1, m2, RE, rec } = setup();
  function* plan(): Plan {
    yield* mv([[m1, 2], [m2, 3]]);
    yield* mvr(m1, -0.5);
  }
  await RE.run(plan());
  assert.deepEqual([m1.position, m2.position], [1.5, 3]);
  assert.equal(rec.docs.length, 0);
});

Deno.test("A baseline stream is read at the start and the end of the run", async () => {
  const { m1, m2, det, RE, rec } = setup();
  const sd = new SupplementalData({ baseline: [m2] });
  RE.preprocessors.push(sd.wrap);
  await RE.run(scan([det], [[m1, 0, 1]], { num: 2 }));
  const descriptors = rec.of("descriptor");
  assert.deepEqual(descriptors.map((d) => d.name).sort(), ["baseline", "primary"]);
  const baseline = descriptors.find((d) => d.name === "baseline")!;
  const events = rec.of("event").filter((e) => e.descriptor === baseline.uid);
  assert.equal(events.length, 2);
  assert.deepEqual(rec.of("stop")[0]!.num_events, { baseline: 2, primary: 2 });
  // The first baseline reading comes before the first primary event, the second after the last.
  const order = rec.of("event").map((e) => e.descriptor === baseline.uid ? "b" : "p");
  assert.deepEqual(order, ["b", "p", "p", "b"]);
});

Deno.test("A scan with a real motor can be paused and resumed", async () => {
  const m1 = new SimMotor({ name: "m1", velocity: 50, acceleration: 0.01 });
  const det = new GaussianDetector({ name: "det", motor: m1, seed: 1 });
  const RE = new RunEngine();
  const rec = record(RE);
  const running = RE.run(scan([det], [[m1, 0, 1]], { num: 4 }));
  await new Promise<void>((resolve) => {
    const off = RE.subscribe("event", () => {
      off();
      resolve();
    });
  });
  await RE.pause();
  assert.equal(RE.state, "paused");
  assert.equal(m1.moving, false, "the motor was stopped at the pause");
  RE.resume();
  const result = await running;
  assert.equal(result.exitStatus, "success");
  const positions = rec.of("event").map((e) => e.data.m1 as number);
  assert.deepEqual(positions.slice(-3).map((p) => Math.round(p * 3) / 3), [1 / 3, 2 / 3, 1]);
  const seq = rec.of("event").map((e) => e.seq_num);
  assert.deepEqual(seq.at(-1), 4);
});

Deno.test("An aborted scan with a real motor stops it and closes the run as aborted", async () => {
  const m1 = new SimMotor({ name: "m1", velocity: 0.5, acceleration: 0.01 });
  const det = new GaussianDetector({ name: "det", motor: m1, seed: 1 });
  const RE = new RunEngine();
  const rec = record(RE);
  const running = RE.run(scan([det], [[m1, 0, 10]], { num: 3 }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(m1.moving, true);
  RE.abort("beam lost");
  const result = await running;
  assert.equal(result.exitStatus, "abort");
  assert.equal(m1.moving, false);
  assert.ok(m1.position < 10);
  const [stop] = rec.of("stop");
  assert.equal(stop!.exit_status, "abort");
  assert.equal(stop!.reason, "beam lost");
});

Deno.test({
  name: "Every document of these plans validates against the event-model schemas",
  ignore: ignoreWithoutSchemas(),
  fn() {
    assert.ok(validatedCount() > 60, `only ${validatedCount()} documents were validated`);
    assert.deepEqual(schemaFailures(), []);
  },
});
