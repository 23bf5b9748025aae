import assert from "node:assert/strict";
import { composeRun } from "../documents/compose.ts";
import type { DataKey } from "../documents/types.ts";
import { createLiveTable, type LiveTableOptions } from "./live_table.ts";
import { hintedFields, planDimensions } from "./dimensions.ts";
import { SEED_SENSOR, SEED_START, SEED_TABLE, SEED_TIMES } from "../documents/_seed_documents.ts";

const number = (precision?: number): DataKey => ({
  dtype: "number",
  shape: [],
  source: "SIM:x",
  ...(precision === undefined ? {} : { precision }),
});

/** The seed's scan: a motor and the 10 Hz sensor, with EPICS precision 5. */
function seedRun() {
  const run = composeRun(SEED_START);
  const primary = run.descriptor({
    name: "primary",
    data_keys: { motor: number(5), motor_user_setpoint: number(5), sensor: number(5) },
    object_keys: { motor: ["motor", "motor_user_setpoint"], sensor: ["sensor"] },
    hints: { motor: { fields: ["motor"] }, sensor: { fields: ["sensor"] } },
  });
  const events = SEED_TIMES.map((time, i) => {
    const motor = -0.5 + 0.25 * i;
    return primary.event({
      time,
      data: { motor, motor_user_setpoint: motor, sensor: SEED_SENSOR[i] },
      timestamps: { motor: time, motor_user_setpoint: time, sensor: time },
    });
  });
  return { run, primary, events };
}

function record(options: Partial<LiveTableOptions> = {}) {
  const lines: string[] = [];
  const table = createLiveTable({
    write: (line) => lines.push(line),
    timeZone: "America/Chicago",
    separatorLines: false,
    ...options,
  });
  return { lines, table };
}

Deno.test("createLiveTable() reproduces the seed's table", () => {
  const { lines, table } = record();
  const { run, primary, events } = seedRun();
  table("start", run.start);
  table("descriptor", primary.doc);
  for (const event of events) table("event", event);
  table("stop", run.stop());
  assert.deepEqual(lines, SEED_TABLE);
});

Deno.test("createLiveTable() puts two empty lines around the table by default", () => {
  const { lines, table } = record({ separatorLines: true });
  const { run, primary, events } = seedRun();
  table("start", run.start);
  table("descriptor", primary.doc);
  for (const event of events) table("event", event);
  table("stop", run.stop());
  assert.deepEqual(lines, ["", "", ...SEED_TABLE, "", ""]);
});

Deno.test("createLiveTable() prints the header again before every 50th row", () => {
  const { lines, table } = record();
  const run = composeRun({ plan_name: "count" });
  const stream = run.descriptor({ name: "primary", data_keys: { x: number() } });
  table("start", run.start);
  table("descriptor", stream.doc);
  for (let i = 0; i < 120; i++) {
    table("event", stream.event({ data: { x: i }, timestamps: { x: 0 }, time: 0 }));
  }
  const headers = lines.flatMap((line, i) => line.includes("seq_num") ? [i] : []);
  // bluesky counts the rows and repeats the header when the count reaches 50, 100, ...
  assert.deepEqual(headers, [1, 3 + 49 + 1, 3 + 49 + 3 + 50 + 1]);
  assert.equal(lines[3 + 49 + 3], "|        50 |   18:00:00 |     49.000 |");
  assert.equal(lines.length, 3 + 120 + 2 * 3);
});

Deno.test("createLiveTable() writes one row per event of an event page", () => {
  const { lines, table } = record({ timeZone: "UTC" });
  const run = composeRun({ plan_name: "count" });
  const stream = run.descriptor({ name: "primary", data_keys: { x: number(1) } });
  table("start", run.start);
  table("descriptor", stream.doc);
  table(
    "event_page",
    stream.eventPage({
      data: { x: [1, 2, 3] },
      timestamps: { x: [0, 0, 0] },
      time: [0.25, 1.5, 2],
    }),
  );
  assert.deepEqual(lines.slice(3), [
    "|         1 | 00:00:00.2 |        1.0 |",
    "|         2 | 00:00:01.5 |        2.0 |",
    "|         3 |   00:00:02 |        3.0 |",
  ]);
});

Deno.test("createLiveTable() formats numbers with the data key's precision, as Python does", () => {
  const { lines, table } = record({ timeZone: "UTC", fields: ["a", "b", "c", "d"] });
  const run = composeRun({ plan_name: "count" });
  const stream = run.descriptor({
    name: "primary",
    data_keys: { a: number(1), b: number(), c: number(0), d: number(10) },
  });
  table("start", run.start);
  table("descriptor", stream.doc);
  const row = (a: number, b: number, c: number, d: number) => {
    table(
      "event",
      stream.event({ data: { a, b, c, d }, timestamps: { a: 0, b: 0, c: 0, d: 0 }, time: 0 }),
    );
    return lines.at(-1)!.split("|").slice(3, 7).map((cell) => cell.trim());
  };
  // Exact ties round to even, unlike Number.prototype.toFixed().
  assert.deepEqual(row(-0.25, 0.0625, 2.5, -1 / 3), ["-0.2", "0.062", "2", "-0.3333333333"]);
  assert.deepEqual(row(NaN, Infinity, -0, 1e21), [
    "nan",
    "inf",
    "-0",
    "1000000000000000000000.0000000000",
  ]);
  // A precision of 10 needs a wider column than bluesky's 12 characters.
  assert.equal(
    lines[1],
    "|   seq_num |       time |          a |          b |          c |             d |",
  );
});

Deno.test("createLiveTable() formats a value repeated row after row the same, and -0 apart from 0", () => {
  const { lines, table } = record({ timeZone: "UTC", fields: ["a", "s"] });
  const run = composeRun({ plan_name: "count" });
  const stream = run.descriptor({
    name: "primary",
    data_keys: { a: number(2), s: { dtype: "string", shape: [], source: "SIM:s" } },
  });
  table("start", run.start);
  table("descriptor", stream.doc);
  const row = (a: unknown, s: unknown, time: number) => {
    table("event", stream.event({ data: { a, s }, timestamps: { a: 0, s: 0 }, time }));
    return lines.at(-1)!.split("|").slice(2, 5).map((cell) => cell.trim());
  };
  assert.deepEqual(row(0, "x", 0.04), ["00:00:00.0", "0.00", "x"]);
  assert.deepEqual(row(-0, "x", 0.05), ["00:00:00.0", "-0.00", "x"]);
  assert.deepEqual(row(-0, "x", 0.15), ["00:00:00.1", "-0.00", "x"]);
  assert.deepEqual(row(0, "y", 1), ["00:00:01", "0.00", "y"]);
  assert.deepEqual(row(0, 0, 1.25), ["00:00:01.2", "0.00", "0"]);
  assert.deepEqual(row("0", 0, 1.25), ["00:00:01.2", "0", "0"]);
  assert.deepEqual(row(1.005, "0", 1.25), ["00:00:01.2", "1.00", "0"]);
});

Deno.test("createLiveTable() shows integers, strings and booleans, and leaves arrays out", () => {
  const { lines, table } = record({ timeZone: "UTC", fields: ["n", "s", "ok", "image", "gone"] });
  const run = composeRun({ plan_name: "count" });
  const stream = run.descriptor({
    name: "primary",
    data_keys: {
      n: { dtype: "integer", shape: [], source: "SIM:n" },
      s: { dtype: "string", shape: [], source: "SIM:s" },
      ok: { dtype: "boolean", shape: [], source: "SIM:ok" },
      image: { dtype: "array", shape: [2, 2], source: "SIM:image" },
    },
  });
  table("start", run.start);
  table("descriptor", stream.doc);
  table(
    "event",
    stream.event({
      data: { n: 42, s: "a rather long string", ok: true, image: [[1, 2], [3, 4]] },
      timestamps: { n: 0, s: 0, ok: 0, image: 0 },
      time: 0,
    }),
  );
  table(
    "event",
    stream.event({
      data: { n: 7, s: "short", ok: false, image: "datum-1" },
      timestamps: { n: 0, s: 0, ok: 0, image: 0 },
      filled: { s: false },
      time: 0,
    }),
  );
  assert.deepEqual(lines.slice(1, 2).concat(lines.slice(3)), [
    "|   seq_num |       time |          n |          s |         ok |",
    "|         1 |   00:00:00 |         42 |  a rather  |       True |",
    "|         2 |   00:00:00 |          7 |            |      False |",
  ]);
});

Deno.test("createLiveTable() ignores other streams and other runs' stop documents", () => {
  const { lines, table } = record();
  const { run, primary, events } = seedRun();
  const baseline = run.descriptor({ name: "baseline", data_keys: { temperature: number() } });
  table("start", run.start);
  table("descriptor", baseline.doc);
  table("event", baseline.event({ data: { temperature: 21 }, timestamps: { temperature: 0 } }));
  table("descriptor", primary.doc);
  for (const event of events) table("event", event);
  table("stop", { uid: "x", run_start: "another run", time: 0, exit_status: "success" });
  table("stop", run.stop());
  assert.deepEqual(lines, SEED_TABLE);
});

Deno.test("createLiveTable() shows a stream chosen by name, with explicit fields", () => {
  const { lines, table } = record({ stream: "baseline", fields: ["temperature"], timeZone: "UTC" });
  const run = composeRun({
    plan_type: "generator",
    plan_name: "count",
    scan_id: 2,
    uid: "0123456789",
  });
  const baseline = run.descriptor({ name: "baseline", data_keys: { temperature: number(1) } });
  table("start", run.start);
  table("descriptor", baseline.doc);
  table(
    "event",
    baseline.event({ data: { temperature: 21.25 }, timestamps: { temperature: 0 }, time: 60 }),
  );
  table("stop", run.stop());
  assert.deepEqual(lines, [
    "+-----------+------------+-------------+",
    "|   seq_num |       time | temperature |",
    "+-----------+------------+-------------+",
    "|         1 |   00:01:00 |        21.2 |",
    "+-----------+------------+-------------+",
    "generator count ['01234567'] (scan num: 2)",
  ]);
});

Deno.test("createLiveTable() closes the table of a failed run and says how it ended", () => {
  const { lines, table } = record();
  const { run, primary, events } = seedRun();
  table("start", run.start);
  table("descriptor", primary.doc);
  table("event", events[0]!);
  table("stop", run.stop({ exit_status: "abort", reason: "Interrupted by the user" }));
  assert.deepEqual(lines.slice(-3), [
    "+-----------+------------+------------+------------+",
    "generator scan ['c888d282'] (scan num: 1)",
    "Run ended with exit status 'abort': Interrupted by the user",
  ]);
});

Deno.test("createLiveTable() rejects bad options", () => {
  assert.throws(() => createLiveTable({ write: () => {}, headerInterval: 0 }), {
    name: "RangeError",
    message: 'Invalid headerInterval "0": expected an integer >= 1',
  });
  assert.throws(() => createLiveTable({ write: () => {}, timeZone: "Mars/Olympus" }), {
    name: "RangeError",
    message: 'Unknown time zone "Mars/Olympus"',
  });
});

Deno.test("hintedFields() and planDimensions() order the columns as bluesky's BEC", () => {
  const run = composeRun({ motors: ["m1"] });
  const stream = run.descriptor({
    name: "primary",
    data_keys: { m1_readback: number(), m1_setpoint: number(), det: number(), extra: number() },
    object_keys: { m1: ["m1_readback", "m1_setpoint"], det: ["det"], extra: ["extra"] },
    hints: { m1: { fields: ["m1_readback"] }, extra: { fields: [] } },
  });
  assert.deepEqual(hintedFields(stream.doc), ["m1_readback", "det"]);
  assert.deepEqual(planDimensions(run.start, stream.doc), {
    stream: "primary",
    axes: ["m1_readback"],
    fields: ["m1_readback"],
    guessed: true,
  });
  assert.deepEqual(planDimensions({}).axes, ["seq_num"]);
  const lines: string[] = [];
  const table = createLiveTable({ write: (l) => lines.push(l), separatorLines: false });
  table("start", run.start);
  table("descriptor", stream.doc);
  assert.equal(lines[1], "|   seq_num |       time | m1_readback |        det |");
});
