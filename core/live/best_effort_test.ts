import assert from "node:assert/strict";
import { createBestEffortCallback } from "./best_effort.ts";
import type { BestEffortOptions } from "./best_effort.ts";
import { DocumentBus } from "../bus/bus.ts";
import { composeRun } from "../documents/compose.ts";
import type { DataKey, RunStart } from "../documents/types.ts";
import type { PlotSeries } from "./plot.ts";
import { SEED_SENSOR, SEED_START, SEED_TABLE, SEED_TIMES } from "../documents/_seed_documents.ts";

const number = (precision = 5): DataKey => ({
  dtype: "number",
  shape: [],
  source: "SIM:x",
  precision,
});

/** The seed's scan, optionally with a baseline stream read before and after it. */
function seedDocuments(withBaseline = false) {
  const run = composeRun(SEED_START);
  const docs: [string, unknown][] = [["start", run.start]];
  const baseline = run.descriptor({
    name: "baseline",
    data_keys: { temperature: number(), count: { dtype: "integer", shape: [], source: "SIM:c" } },
    object_keys: { temperature: ["temperature"], count: ["count"] },
  });
  const readBaseline = (temperature: number) =>
    docs.push([
      "event",
      baseline.event({ data: { temperature, count: 3 }, timestamps: { temperature: 0, count: 0 } }),
    ]);
  if (withBaseline) docs.push(["descriptor", baseline.doc]), readBaseline(21);
  const primary = run.descriptor({
    name: "primary",
    data_keys: { motor: number(), motor_user_setpoint: number(), sensor: number() },
    object_keys: { motor: ["motor", "motor_user_setpoint"], sensor: ["sensor"] },
    hints: { motor: { fields: ["motor"] }, sensor: { fields: ["sensor"] } },
  });
  docs.push(["descriptor", primary.doc]);
  SEED_TIMES.forEach((time, i) => {
    const motor = -0.5 + 0.25 * i;
    const data = { motor, motor_user_setpoint: motor, sensor: SEED_SENSOR[i] };
    docs.push([
      "event",
      primary.event({ time, data, timestamps: { motor: 0, motor_user_setpoint: 0, sensor: 0 } }),
    ]);
  });
  if (withBaseline) readBaseline(21.5);
  docs.push(["stop", run.stop()]);
  return docs;
}

function replay(docs: [string, unknown][], options: Partial<BestEffortOptions> = {}) {
  const lines: string[] = [];
  const plots: PlotSeries[] = [];
  const bec = createBestEffortCallback({
    write: (line) => lines.push(line),
    timeZone: "America/Chicago",
    onPlot: (plot) => plots.push(plot),
    ...options,
  });
  const bus = new DocumentBus({ strict: true });
  bus.subscribe("all", bec);
  for (const [name, doc] of docs) bus.emit(name as "start", doc as RunStart);
  return { lines, plots, bec };
}

const SEED_OUTPUT = [
  "",
  "",
  "Transient Scan ID: 1     Time: 2022-08-12 17:27:38",
  "Persistent Unique Scan ID: 'c888d282-1094-403b-baff-3781057ff087'",
  "New stream: 'primary'",
  ...SEED_TABLE,
  "",
  "",
  "",
];

Deno.test("createBestEffortCallback() prints the seed's heading, table and closing lines", () => {
  const { lines } = replay(seedDocuments());
  assert.deepEqual(lines, SEED_OUTPUT);
});

Deno.test("createBestEffortCallback() prints the baseline readings before and after the table", () => {
  const { lines } = replay(seedDocuments(true));
  const border = "+--------------------------------+--------------------------------+";
  assert.deepEqual(lines.slice(4, 10), [
    "New stream: 'baseline'",
    "Start-of-run baseline readings:",
    border,
    "|                    temperature | 21.0                           |",
    "|                          count | 3                              |",
    border,
  ]);
  assert.equal(lines[10], "New stream: 'primary'");
  assert.deepEqual(lines.slice(-9), [
    "generator scan ['c888d282'] (scan num: 1)",
    "End-of-run baseline readings:",
    border,
    "|                    temperature | 21.5                           |",
    "|                          count | 3                              |",
    border,
    "",
    "",
    "",
  ]);
});

Deno.test("createBestEffortCallback() plots each hinted detector against the first dimension", () => {
  const { plots, bec } = replay(seedDocuments(true));
  assert.equal(plots.length, 1);
  assert.deepEqual(plots[0], {
    title: "scan 1: sensor vs motor",
    xLabel: "motor",
    x: [-0.5, -0.25, 0, 0.25, 0.5],
    ys: [{ name: "sensor", values: SEED_SENSOR }],
  });
  assert.deepEqual(bec.plots, plots);
});

Deno.test("createBestEffortCallback() plots a count without dimensions against seq_num", () => {
  const run = composeRun({ scan_id: 4, plan_name: "count", time: 0, uid: "u" });
  const stream = run.descriptor({
    name: "primary",
    data_keys: { a: number(), b: { dtype: "integer", shape: [], source: "SIM:b" } },
    object_keys: { a: ["a"], b: ["b"] },
  });
  const page = stream.eventPage({
    data: { a: [1.5, NaN], b: [2, 3] },
    timestamps: { a: [0, 0], b: [0, 0] },
    time: [1, 2],
  });
  const { plots, lines } = replay([["start", run.start], ["descriptor", stream.doc], [
    "event_page",
    page,
  ], [
    "stop",
    run.stop(),
  ]], { timeZone: "UTC" });
  assert.deepEqual(plots, [{
    title: "count 4: a, b vs seq_num",
    xLabel: "seq_num",
    x: [1, 2],
    ys: [{ name: "a", values: [1.5, NaN] }, { name: "b", values: [2, 3] }],
  }]);
  assert.deepEqual(lines.slice(6, 10), [
    "|   seq_num |       time |          a |          b |",
    "+-----------+------------+------------+------------+",
    "|         1 |   00:00:01 |    1.50000 |          2 |",
    "|         2 |   00:00:02 |        nan |          3 |",
  ]);
});

Deno.test("createBestEffortCallback() plots a time dimension as seconds since the start", () => {
  const run = composeRun({
    plan_name: "count",
    time: 100,
    hints: { dimensions: [[["time"], "primary"]] },
  });
  const stream = run.descriptor({
    name: "primary",
    data_keys: { a: number() },
    object_keys: { a: ["a"] },
  });
  const events = [101, 103].map((time) =>
    stream.event({ data: { a: 1 }, timestamps: { a: 0 }, time })
  );
  const docs: [string, unknown][] = [["start", run.start], ["descriptor", stream.doc]];
  const { plots } = replay([...docs, ...events.map((e) => ["event", e] as [string, unknown]), [
    "stop",
    run.stop(),
  ]]);
  assert.deepEqual(plots[0]?.x, [1, 3]);
  assert.equal(plots[0]?.title, "count: a vs time");
});

Deno.test("createBestEffortCallback() with table: false prints only the heading", () => {
  const { lines, plots } = replay(seedDocuments(), { table: false, baseline: false });
  assert.deepEqual(lines, SEED_OUTPUT.slice(0, 4));
  assert.equal(plots.length, 1);
});

Deno.test("createBestEffortCallback() makes no plot of a single point", () => {
  const run = composeRun({ plan_name: "count", num_points: 1 });
  const stream = run.descriptor({
    name: "primary",
    data_keys: { a: number() },
    object_keys: { a: ["a"] },
  });
  const event = stream.event({ data: { a: 1 }, timestamps: { a: 0 } });
  const docs: [string, unknown][] = [["start", run.start], ["descriptor", stream.doc], [
    "event",
    event,
  ], [
    "stop",
    run.stop(),
  ]];
  assert.equal(replay(docs).plots.length, 0);
  assert.equal(replay(docs, { omitSinglePointPlot: false }).plots.length, 1);
});
