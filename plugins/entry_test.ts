import assert from "node:assert/strict";
import { composeRun } from "../mod.ts";
import {
  buildTree,
  type BuildTreeOptions,
  checkTree,
  type DataKeys,
  type NexusPlugin,
  type NexusTree,
  type NxNode,
  RunAccumulator,
  type RunStart,
} from "../core/nexus/mod.ts";
import { entry, type Options as EntryOptions } from "./entry.ts";
import { metadata } from "./metadata.ts";
import { streams } from "./streams.ts";

const PRIMARY = "/entry/instrument/bluesky/streams/primary";
const UID = "c888d282-1094-403b-baff-3781057ff087";

interface RunInit {
  start: Partial<RunStart>;
  dataKeys: DataKeys;
  rows: Record<string, unknown>[];
  hints?: Record<string, { fields: string[] }>;
  stream?: string;
  stop?: boolean;
}

function runOf(init: RunInit): RunAccumulator {
  const run = composeRun({ uid: UID, time: 1660343258.779351, ...init.start });
  const acc = new RunAccumulator(run.start);
  const stream = run.descriptor({
    name: init.stream ?? "primary",
    data_keys: init.dataKeys,
    hints: init.hints ?? {},
  });
  acc.receive("descriptor", stream.doc);
  init.rows.forEach((data, i) => {
    const timestamps = Object.fromEntries(Object.keys(data).map((key) => [key, 1660343260 + i]));
    acc.receive("event", stream.event({ data, timestamps }));
  });
  if (init.stop !== false) {
    acc.receive("stop", run.stop({ exit_status: "success", time: 1660343262.139426 }));
  }
  return acc;
}

/** The run's tree as the writer builds it, with the entry plugin's options, and its
 * warnings as `"<plugin>: <message>"`. */
async function build(
  run: RunAccumulator,
  options: EntryOptions & Pick<BuildTreeOptions, "warnOnMissingContent"> = {},
  plugins?: NexusPlugin[],
): Promise<{ tree: NexusTree; warnings: string[] }> {
  const { warnOnMissingContent, ...entryOptions } = options;
  const built = await buildTree(run, plugins ?? [metadata(), streams(), entry(entryOptions)], {
    timeZone: "America/Chicago",
    ...(warnOnMissingContent === undefined ? {} : { warnOnMissingContent }),
  });
  return { tree: built.tree, warnings: built.warnings.map((w) => `${w.plugin}: ${w.message}`) };
}

type Field = Extract<NxNode, { kind: "field" }>;

function field(tree: NexusTree, path: string): Field {
  const node = tree.get(path);
  assert.equal(node?.kind, "field", `${path} is a field`);
  return node as Field;
}

function target(tree: NexusTree, path: string): string | undefined {
  const node = tree.get(path);
  return node?.kind === "link" ? node.target : undefined;
}

/** A node's attributes, but `@target`, which the writer gives every group. */
function attrs(node: NxNode | undefined): Record<string, unknown> {
  return Object.fromEntries(
    [...node?.attrs ?? []].filter(([name]) => name !== "target").map((
      [n, { value }],
    ) => [n, value]),
  );
}

const values = (node: Field) => [...node.data as Float64Array];
const number = (units?: string) => ({
  dtype: "number" as const,
  shape: [],
  source: "SIM:x",
  ...(units === undefined ? {} : { units }),
});
const int = (value: number) => ({ value, dtype: "NX_INT64" });

function scan(more: Partial<RunInit> = {}): RunAccumulator {
  return runOf({
    start: {
      plan_name: "scan",
      scan_id: 1,
      detectors: ["sensor"],
      motors: ["motor"],
      hints: { dimensions: [[["motor"], "primary"]] },
    },
    dataKeys: { motor: number("mm"), motor_user_setpoint: number("mm"), sensor: number() },
    rows: [
      { motor: -0.5, motor_user_setpoint: -0.5, sensor: 0.7 },
      { motor: 0.5, motor_user_setpoint: 0.5, sensor: 0.4 },
    ],
    hints: { motor: { fields: ["motor"] }, sensor: { fields: ["sensor"] } },
    ...more,
  });
}

Deno.test("entry() writes title, times with the UTC offset, duration, program name and links", async () => {
  const { tree, warnings } = await build(scan());
  const entryGroup = tree.get("/entry");
  assert.equal(entryGroup?.kind === "group" && entryGroup.nxClass, "NXentry");
  assert.equal(field(tree, "/entry/title").data, "scan-S0001-c888d28");
  assert.equal(field(tree, "/entry/start_time").data, "2022-08-12T17:27:38.779351-05:00");
  assert.equal(field(tree, "/entry/end_time").data, "2022-08-12T17:27:42.139426-05:00");
  const duration = field(tree, "/entry/duration");
  assert.equal(duration.dtype, "NX_FLOAT64");
  assert.ok(Math.abs((duration.data as number) - 3.360075) < 1e-6);
  assert.deepEqual(attrs(duration), { units: "s" });
  assert.equal(field(tree, "/entry/program_name").data, "bluesky");
  const metadataPath = "/entry/instrument/bluesky/metadata";
  assert.equal(target(tree, "/entry/entry_identifier"), `${metadataPath}/run_start_uid`);
  assert.equal(target(tree, "/entry/plan_name"), `${metadataPath}/plan_name`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(checkTree(tree), []);
});

Deno.test("entry() plots the hinted detector against the first dimension with AXISNAME_indices", async () => {
  const { tree } = await build(scan());
  assert.equal(tree.root.attrs.get("default")?.value, "entry");
  assert.equal(tree.get("/entry")?.attrs.get("default")?.value, "data");
  const data = tree.get("/entry/data");
  assert.equal(data?.kind === "group" && data.nxClass, "NXdata");
  assert.deepEqual(attrs(data), { signal: "sensor", axes: ["motor"], motor_indices: int(0) });
  for (const key of ["motor", "motor_user_setpoint", "sensor"]) {
    assert.equal(target(tree, `/entry/data/${key}`), `${PRIMARY}/${key}/value`);
  }
  assert.equal(target(tree, "/entry/data/EPOCH"), `${PRIMARY}/sensor/EPOCH`);
});

Deno.test("entry() links the signal's time as the axis of a count", async () => {
  const run = runOf({
    start: {
      plan_name: "count",
      detectors: ["det"],
      hints: { dimensions: [[["time"], "primary"]] },
    },
    dataKeys: { det: number() },
    rows: [{ det: 1 }, { det: 2 }],
    hints: { det: { fields: ["det"] } },
  });
  const { tree, warnings } = await build(run);
  assert.deepEqual(attrs(tree.get("/entry/data")), {
    signal: "det",
    axes: ["time"],
    time_indices: int(0),
  });
  assert.equal(target(tree, "/entry/data/time"), `${PRIMARY}/det/time`);
  assert.equal(field(tree, "/entry/title").data, "count-c888d28");
  assert.deepEqual(warnings, []);
});

Deno.test("entry() leaves out of @axes a name that is not in /entry/data, and says so", async () => {
  const { tree, warnings } = await build(scan(), { axes: ["nowhere"] });
  assert.deepEqual(attrs(tree.get("/entry/data")).axes, ["time"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /Axis "nowhere" is not a key/);
});

Deno.test("entry() plots the signal and axes its options choose", async () => {
  const { tree } = await build(scan(), {
    signal: "motor_user_setpoint",
    axes: ["motor", "sensor"],
  });
  assert.deepEqual(attrs(tree.get("/entry/data")), {
    signal: "motor_user_setpoint",
    axes: ["motor"],
    motor_indices: int(0),
    sensor_indices: int(0),
  });
  assert.equal(target(tree, "/entry/data/EPOCH"), `${PRIMARY}/motor_user_setpoint/EPOCH`);
});

Deno.test("entry() gives the value dimensions of an array signal the axis '.'", async () => {
  const run = runOf({
    start: { detectors: ["cam"], motors: ["m"], hints: { dimensions: [[["m"], "primary"]] } },
    dataKeys: { m: number(), cam: { dtype: "array", shape: [2, 2], source: "SIM:cam" } },
    rows: [{ m: 0, cam: [[1, 2], [3, 4]] }],
    hints: { cam: { fields: ["cam"] }, m: { fields: ["m"] } },
  });
  const { tree } = await build(run);
  assert.deepEqual(attrs(tree.get("/entry/data")).axes, ["m", ".", "."]);
});

Deno.test("entry() writes a 2-D grid scan's signal on the grid, snaked rows in order, NaN where it stopped", async () => {
  // 2 x 3 grid, fast axis snaking, stopped after 5 of 6 points.
  const run = runOf({
    start: {
      plan_name: "grid_scan",
      detectors: ["det"],
      motors: ["y", "x"],
      shape: [2, 3],
      extents: [[-1, 1], [0, 10]],
      snaking: [false, true],
      hints: { dimensions: [[["y"], "primary"], [["x"], "primary"]] },
    },
    dataKeys: { y: number("mm"), x: number("um"), det: number("counts") },
    rows: [
      { y: -1, x: 0, det: 1 },
      { y: -1, x: 5, det: 2 },
      { y: -1, x: 10, det: 3 },
      { y: 1, x: 10, det: 4 },
      { y: 1, x: 5, det: 5 },
    ],
    hints: { det: { fields: ["det"] }, y: { fields: ["y"] }, x: { fields: ["x"] } },
  });
  const { tree, warnings } = await build(run);
  assert.deepEqual(attrs(tree.get("/entry/data")), {
    signal: "det",
    axes: ["y", "x"],
    y_indices: int(0),
    x_indices: int(1),
  });
  const signal = field(tree, "/entry/data/det");
  assert.deepEqual(signal.shape, [2, 3]);
  assert.deepEqual(values(signal), [1, 2, 3, NaN, 5, 4]);
  assert.deepEqual(attrs(signal), { long_name: "det", units: "counts" });
  assert.deepEqual(values(field(tree, "/entry/data/y")), [-1, 1]);
  assert.deepEqual(values(field(tree, "/entry/data/x")), [0, 5, 10]);
  assert.equal(attrs(field(tree, "/entry/data/x")).units, "um");
  assert.equal(target(tree, "/entry/data/EPOCH"), `${PRIMARY}/det/EPOCH`);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /grid has 6 points and the run 5: missing points are NaN/);
  assert.deepEqual(checkTree(tree), []);
});

Deno.test("entry() takes a relative grid's axes from the readbacks, not its relative extents", async () => {
  const run = runOf({
    start: {
      plan_name: "rel_grid_scan",
      detectors: ["det"],
      shape: [2, 2],
      extents: [[-1, 1], [-1, 1]],
      hints: { dimensions: [[["y"], "primary"], [["x"], "primary"]] },
    },
    dataKeys: { y: number(), x: number(), det: number() },
    rows: [
      { y: 9, x: 19, det: 1 },
      { y: 9, x: 21, det: 2 },
      { y: 11, x: 19, det: 3 },
      { y: 11, x: 21, det: 4 },
    ],
    hints: { det: { fields: ["det"] } },
  });
  const { tree } = await build(run);
  assert.deepEqual(values(field(tree, "/entry/data/y")), [9, 11]);
  assert.deepEqual(values(field(tree, "/entry/data/x")), [19, 21]);
  assert.deepEqual(values(field(tree, "/entry/data/det")), [1, 2, 3, 4]);
});

Deno.test("entry() plots another numeric key, and warns, when the run has no detectors", async () => {
  const run = runOf({
    start: { motors: ["m"], hints: { dimensions: [[["m"], "primary"]] } },
    dataKeys: { m: number(), label: { dtype: "string", shape: [], source: "SIM:l" }, i0: number() },
    rows: [{ m: 0, label: "a", i0: 5 }],
    hints: { m: { fields: ["m"] } },
  });
  const { tree, warnings } = await build(run);
  assert.equal(attrs(tree.get("/entry/data")).signal, "i0");
  assert.deepEqual(warnings.filter((w) => w.startsWith("entry")), [
    'entry: No detector to plot: /entry/data plots "i0" of "primary"',
  ]);
});

Deno.test("entry() plots a stream other than primary when the run has no primary", async () => {
  const run = runOf({
    start: { detectors: ["det"] },
    dataKeys: { det: number() },
    rows: [{ det: 1 }],
    hints: { det: { fields: ["det"] } },
    stream: "fly",
  });
  const { tree } = await build(run);
  assert.equal(target(tree, "/entry/data/det"), "/entry/instrument/bluesky/streams/fly/det/value");
  assert.equal(tree.get("/entry")?.attrs.get("default")?.value, "data");
});

Deno.test("entry() writes no /entry/data, and no @default naming it, when nothing can be plotted", async () => {
  const run = runOf({
    start: { plan_name: "count" },
    dataKeys: { label: { dtype: "string", shape: [], source: "SIM:l" } },
    rows: [{ label: "a" }],
  });
  const { tree, warnings } = await build(run);
  assert.equal(tree.get("/entry/data"), undefined);
  assert.equal(tree.get("/entry")?.attrs.has("default"), false);
  assert.equal(tree.root.attrs.get("default")?.value, "entry");
  assert.ok(warnings.some((w) => /Nothing to plot/.test(w)));
  const alone = await build(scan(), {}, [entry()]);
  assert.equal(alone.tree.get("/entry/data"), undefined);
});

Deno.test("entry() marks a run without a stop document as incomplete, and warns", async () => {
  const { tree, warnings } = await build(scan({ stop: false }));
  assert.equal(tree.get("/entry/end_time"), undefined);
  assert.equal(tree.get("/entry/duration"), undefined);
  assert.ok(tree.get("/entry/start_time"));
  const notes = tree.get("/entry/notes");
  assert.equal(notes?.kind === "group" ? notes.nxClass : notes?.kind, "NXnote");
  assert.match(String(field(tree, "/entry/notes/description").data), /^Incomplete run: no stop/);
  assert.equal((await build(scan())).tree.get("/entry/notes"), undefined);
  assert.deepEqual(warnings, ["entry: The run has no stop document: no end_time or duration"]);
});

Deno.test("entry() writes identifiers as fields when no metadata plugin wrote them", async () => {
  const { tree } = await build(scan(), {}, [streams(), entry()]);
  assert.equal(field(tree, "/entry/entry_identifier").data, UID);
  assert.equal(field(tree, "/entry/plan_name").data, "scan");
  assert.deepEqual(checkTree(tree), []);
});

Deno.test("entry() links the title to the start's own title", async () => {
  const { tree } = await build(scan({ start: { title: "Ni foil", uid: UID } }));
  assert.equal(target(tree, "/entry/title"), "/entry/instrument/bluesky/metadata/title");
});

Deno.test("entry() plots against the motors when the start has no dimensions", async () => {
  const { tree } = await build(
    scan({ start: { detectors: ["sensor"], motors: ["motor"], uid: UID } }),
  );
  assert.deepEqual(attrs(tree.get("/entry/data")), {
    signal: "sensor",
    axes: ["motor"],
    motor_indices: int(0),
  });
});
