import assert from "node:assert/strict";
import { composeRun, ConfigKeyError, defineConfig } from "../mod.ts";
import {
  buildTree,
  type BuildTreeOptions,
  checkTree,
  type DataKeys,
  frameStack,
  isFrameStack,
  type NexusTree,
  type NxNode,
  RunAccumulator,
  type RunAssets,
  type RunStart,
} from "../core/nexus/mod.ts";
import { type Options, streams } from "./streams.ts";

type FrameCompression = NonNullable<Options["compression"]>;

const PRIMARY = "/entry/instrument/bluesky/streams/primary";

interface StreamInit {
  name: string;
  dataKeys: DataKeys;
  rows: Record<string, unknown>[];
  times?: number[];
  hints?: Record<string, { fields: string[] }>;
  objectKeys?: Record<string, string[]>;
}

function runOf(start: Partial<RunStart>, ...inits: StreamInit[]): RunAccumulator {
  const run = composeRun(start, { clock: () => 1000 });
  const acc = new RunAccumulator(run.start);
  for (const init of inits) {
    const stream = run.descriptor({
      name: init.name,
      data_keys: init.dataKeys,
      hints: init.hints ?? {},
      object_keys: init.objectKeys ?? {},
    });
    acc.receive("descriptor", stream.doc);
    init.rows.forEach((data, i) => {
      const t = init.times?.[i] ?? 1000 + i;
      const timestamps = Object.fromEntries(Object.keys(data).map((key) => [key, t]));
      acc.receive("event", stream.event({ data, timestamps }));
    });
  }
  acc.receive("stop", run.stop());
  return acc;
}

async function build(run: RunAccumulator, options: BuildTreeOptions = {}) {
  const { tree, warnings } = await buildTree(run, [streams()], options);
  return { tree, warnings: warnings.map((w) => w.message) };
}

type Field = Extract<NxNode, { kind: "field" }>;

function field(tree: NexusTree, path: string): Field {
  const node = tree.get(path);
  assert.equal(node?.kind, "field", `${path} is a field`);
  return node as Field;
}

/** A node's attributes; a group's without `@target`, which the writer gives every group. */
function attrs(node: NxNode | undefined): Record<string, unknown> {
  const kept = [...node?.attrs ?? []].filter(([n]) => node?.kind !== "group" || n !== "target");
  return Object.fromEntries(kept.map(([name, { value }]) => [name, value]));
}

const values = (node: Field) =>
  ArrayBuffer.isView(node.data) ? [...node.data as Float64Array] : node.data;

const number = (source: string, more: Record<string, unknown> = {}) => ({
  dtype: "number" as const,
  shape: [],
  source,
  ...more,
});

Deno.test("streams() writes each key as an NXdata of value, EPOCH and time with the stream's uid", async () => {
  const run = runOf({ detectors: ["det"] }, {
    name: "primary",
    dataKeys: { det: number("SIM:det") },
    rows: [{ det: 2 }, { det: 3.5 }],
    times: [1660343259.975937, 1660343260.576943],
  });
  const { tree } = await build(run);
  const stream = tree.get(PRIMARY);
  assert.equal(stream?.kind === "group" && stream.nxClass, "NXnote");
  assert.equal(attrs(stream).uid, run.streams.get("primary")!.descriptors[0]!.uid);
  const group = tree.get(`${PRIMARY}/det`);
  assert.equal(group?.kind === "group" && group.nxClass, "NXdata");
  assert.deepEqual(attrs(group), { signal: "value", axes: ["time"], signal_type: "detector" });
  const value = field(tree, `${PRIMARY}/det/value`);
  assert.equal(value.dtype, "NX_FLOAT64");
  assert.deepEqual(values(value), [2, 3.5]);
  const epoch = field(tree, `${PRIMARY}/det/EPOCH`);
  assert.deepEqual(values(epoch), [1660343259.975937, 1660343260.576943]);
  assert.deepEqual(attrs(epoch), {
    units: "s",
    long_name: "epoch time (s)",
    target: `${PRIMARY}/det/EPOCH`,
  });
  const time = field(tree, `${PRIMARY}/det/time`);
  assert.deepEqual(values(time), [0, 1660343260.576943 - 1660343259.975937]);
  assert.deepEqual(attrs(time), {
    units: "s",
    long_name: "time since first data (s)",
    start_time: { value: 1660343259.975937, dtype: "NX_FLOAT64" },
    start_time_iso: "2022-08-12T22:27:39.975937",
    target: `${PRIMARY}/det/time`,
  });
});

Deno.test("streams() values and EPOCH stay as built while the run's columns grow on", async () => {
  // The fields are views of the columns, not copies: later events go past the views' end, and
  // a column that outgrows its array moves to a new one.
  const run = composeRun({ detectors: ["det"] }, { clock: () => 1000 });
  const acc = new RunAccumulator(run.start);
  const primary = run.descriptor({ name: "primary", data_keys: { det: number("SIM:det") } });
  acc.receive("descriptor", primary.doc);
  const event = (i: number) => primary.event({ data: { det: i }, timestamps: { det: 2000 + i } });
  for (let i = 0; i < 3; i++) acc.receive("event", event(i));
  const { tree } = await build(acc);
  for (let i = 3; i < 1000; i++) acc.receive("event", event(i));
  assert.deepEqual(values(field(tree, `${PRIMARY}/det/value`)), [0, 1, 2]);
  assert.deepEqual(values(field(tree, `${PRIMARY}/det/EPOCH`)), [2000, 2001, 2002]);
  assert.deepEqual(values(field(tree, `${PRIMARY}/det/time`)), [0, 1, 2]);
  const later = await build(acc);
  assert.equal((field(later.tree, `${PRIMARY}/det/value`).data as Float64Array).length, 1000);
});

Deno.test("streams() writes @start_time_iso as local time without an offset in the writer's time zone", async () => {
  const run = runOf({}, {
    name: "primary",
    dataKeys: { det: number("SIM:det") },
    rows: [{ det: 1 }],
    times: [1660343259.975937],
  });
  const { tree } = await build(run, { timeZone: "America/Chicago" });
  const time = field(tree, `${PRIMARY}/det/time`);
  assert.equal(attrs(time).start_time_iso, "2022-08-12T17:27:39.975937");
});

Deno.test("streams() gives value the data key's units, source, precision and control limits", async () => {
  const run = runOf({}, {
    name: "primary",
    dataKeys: {
      a: number("PV:a", { units: "mm", precision: 3, lower_ctrl_limit: -5, upper_ctrl_limit: 5 }),
      b: number("PV:b", { units: "", limits: { control: { low: -1, high: 2.5 } } }),
      c: number("PV:c", { units: null }),
      d: number("PV:d"),
      s: { dtype: "string", shape: [], source: "PV:s", units: "", precision: 2 },
    },
    rows: [{ a: 1, b: 1, c: 1, d: 1, s: "x" }],
  });
  const { tree } = await build(run);
  const f64 = (value: number) => ({ value, dtype: "NX_FLOAT64" });
  const expected: Record<string, Record<string, unknown>> = {
    a: { units: "mm", precision: 3, lower_ctrl_limit: f64(-5), upper_ctrl_limit: f64(5) },
    b: { units: "", lower_ctrl_limit: f64(-1), upper_ctrl_limit: f64(2.5) },
    c: { units: "" },
    d: {},
    s: { units: "" },
  };
  for (const [key, more] of Object.entries(expected)) {
    const value = field(tree, `${PRIMARY}/${key}/value`);
    assert.deepEqual(attrs(value), {
      long_name: key,
      source: `PV:${key}`,
      target: `${PRIMARY}/${key}/value`,
      signal_type: "other",
      ...more,
    }, key);
  }
});

Deno.test("streams() types value by the data key: integers, booleans, strings and arrays", async () => {
  const run = runOf({}, {
    name: "primary",
    dataKeys: {
      n: { dtype: "integer", shape: [], source: "SIM:n" },
      ok: { dtype: "boolean", shape: [], source: "SIM:ok" },
      s: { dtype: "string", shape: [], source: "SIM:s" },
      img: { dtype: "array", shape: [2, 3], source: "SIM:img", dtype_numpy: "<u2" },
      v: { dtype: "array", shape: [2], source: "SIM:v" },
    },
    rows: [
      { n: 1, ok: true, s: "a", img: [[1, 2, 3], [4, 5, 6]], v: [0.5, 1] },
      { n: 2, ok: false, s: "b", img: [[7, 8, 9], [10, 11, 12]], v: [2, 3] },
    ],
  });
  const { tree, warnings } = await build(run);
  const cases = [
    ["n", "NX_INT64", [2], [1, 2]],
    ["ok", "NX_BOOLEAN", [2], [1, 0]],
    ["s", "NX_CHAR", [2], ["a", "b"]],
    ["img", "NX_UINT16", [2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
    ["v", "NX_FLOAT64", [2, 2], [0.5, 1, 2, 3]],
  ] as const;
  for (const [key, dtype, shape, data] of cases) {
    const value = field(tree, `${PRIMARY}/${key}/value`);
    assert.equal(value.dtype, dtype, key);
    assert.deepEqual(value.shape, shape, key);
    assert.deepEqual(values(value), data, key);
  }
  assert.deepEqual(warnings, []);
});

Deno.test("streams() writes an integer key with missing readings as NX_FLOAT64 and warns", async () => {
  const run = composeRun({}, { clock: () => 1000 });
  const acc = new RunAccumulator(run.start);
  const first = run.descriptor({
    name: "primary",
    data_keys: { x: number("SIM:x") },
  });
  acc.receive("descriptor", first.doc);
  acc.receive("event", first.event({ data: { x: 1 }, timestamps: { x: 1000 } }));
  const second = run.descriptor({
    name: "primary",
    data_keys: { x: number("SIM:x"), n: { dtype: "integer", shape: [], source: "SIM:n" } },
  });
  acc.receive("descriptor", second.doc);
  acc.receive("event", second.event({ data: { x: 2, n: 7 }, timestamps: { x: 1001, n: 1001 } }));
  const { tree, warnings } = await build(acc);
  const n = field(tree, `${PRIMARY}/n/value`);
  assert.equal(n.dtype, "NX_FLOAT64");
  assert.deepEqual(values(n), [NaN, 7]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /"n" misses readings/);
});

Deno.test("streams() writes a stream without events as empty datasets", async () => {
  const run = runOf({}, {
    name: "primary",
    dataKeys: {
      x: number("SIM:x"),
      s: { dtype: "string", shape: [], source: "SIM:s" },
      img: { dtype: "array", shape: [4, 5], source: "SIM:img" },
    },
    rows: [],
  });
  const { tree } = await build(run);
  assert.deepEqual(field(tree, `${PRIMARY}/x/value`).shape, [0]);
  const s = field(tree, `${PRIMARY}/s/value`);
  assert.equal(s.dtype, "NX_CHAR");
  assert.deepEqual(s.shape, [0]);
  assert.deepEqual(field(tree, `${PRIMARY}/img/value`).shape, [0, 4, 5]);
  const time = field(tree, `${PRIMARY}/x/time`);
  assert.deepEqual(time.shape, [0]);
  assert.equal(attrs(time).start_time, undefined);
  assert.deepEqual(checkTree(tree), []);
});

Deno.test("streams() gives baseline keys value_start and value_end, and no signal type", async () => {
  const run = runOf({ detectors: ["ring_current"] }, {
    name: "baseline",
    dataKeys: {
      ring_current: number("PV:ring", { units: "mA", precision: 1 }),
      mode: { dtype: "string", shape: [], source: "PV:mode" },
    },
    rows: [{ ring_current: 101.5, mode: "top-up" }, { ring_current: 99.5, mode: "decay" }],
  });
  const { tree } = await build(run);
  const path = "/entry/instrument/bluesky/streams/baseline";
  assert.equal(attrs(tree.get(`${path}/ring_current`)).signal_type, undefined);
  const cases = [
    ["ring_current", "value_start", 101.5],
    ["ring_current", "value_end", 99.5],
    ["mode", "value_start", "top-up"],
    ["mode", "value_end", "decay"],
  ] as const;
  for (const [key, name, data] of cases) {
    const node = field(tree, `${path}/${key}/${name}`);
    assert.deepEqual(node.shape, [], `${key}/${name}`);
    assert.equal(node.data, data, `${key}/${name}`);
    assert.equal(attrs(node).target, `${path}/${key}/${name}`);
    assert.equal(attrs(node).long_name, key);
  }
  assert.equal(attrs(field(tree, `${path}/ring_current/value_end`)).units, "mA");
});

Deno.test("streams() types primary keys as detector, positioner (the hinted readback) or other", async () => {
  const run = runOf({ detectors: ["sensor"], motors: ["motor"] }, {
    name: "primary",
    dataKeys: {
      motor: number("PV:m.RBV"),
      motor_user_setpoint: number("PV:m.VAL"),
      sensor: number("PV:calc"),
      extra: number("PV:extra"),
    },
    rows: [{ motor: 0, motor_user_setpoint: 0, sensor: 1, extra: 2 }],
    hints: { motor: { fields: ["motor"] }, sensor: { fields: ["sensor"] } },
    objectKeys: { motor: ["motor", "motor_user_setpoint"], sensor: ["sensor"], extra: ["extra"] },
  });
  const { tree } = await build(run);
  const expected = {
    motor: "positioner",
    motor_user_setpoint: "other",
    sensor: "detector",
    extra: "other",
  };
  for (const [key, type] of Object.entries(expected)) {
    assert.equal(attrs(tree.get(`${PRIMARY}/${key}`)).signal_type, type, key);
    assert.equal(attrs(tree.get(`${PRIMARY}/${key}/value`)).signal_type, type, key);
  }
});

Deno.test("streams() links an area detector's <name>_image key as <name>", async () => {
  const run = runOf({}, {
    name: "primary",
    dataKeys: { cam_image: { dtype: "array", shape: [2, 2], source: "SIM:cam" } },
    rows: [{ cam_image: [[1, 2], [3, 4]] }],
  });
  const { tree } = await build(run);
  const link = tree.get(`${PRIMARY}/cam`);
  assert.equal(link?.kind === "link" && link.target, `${PRIMARY}/cam_image`);
  assert.deepEqual(checkTree(tree), []);
});

Deno.test("streams() writes an array whose values do not fit its dtype_numpy as NX_FLOAT64 and warns", async () => {
  const run = runOf({}, {
    name: "primary",
    dataKeys: { img: { dtype: "array", shape: [2], source: "SIM:img", dtype_numpy: "<u1" } },
    rows: [{ img: [1, 300] }],
  });
  const { tree, warnings } = await build(run);
  assert.equal(field(tree, `${PRIMARY}/img/value`).dtype, "NX_FLOAT64");
  assert.deepEqual(warnings, ['Key "img" has values NX_UINT8 cannot hold: written as NX_FLOAT64']);
});

/** A run of two events of an external image key, and assets that hold its frames. */
function imageRun(): { run: RunAccumulator; assets: RunAssets } {
  const run = runOf({ detectors: ["cam"] }, {
    name: "primary",
    dataKeys: {
      cam_image: {
        dtype: "array",
        shape: [2, 3],
        source: "SIM:cam",
        external: "FILESTORE:",
      },
    },
    rows: [{ cam_image: "datum-0" }, { cam_image: "datum-1" }],
  });
  const frames = () =>
    frameStack({
      count: 2,
      frameShape: [2, 3],
      dtype: "uint16",
      frame: (i) => new Uint16Array(6).fill(i),
    });
  const stack = {
    stream: "primary",
    key: "cam_image",
    frameShape: [2, 3],
    dtype: "uint16" as const,
    count: 2,
    link: undefined,
    frames,
  };
  const assets: RunAssets = {
    get: (stream, key) => stream === "primary" && key === "cam_image" ? stack : undefined,
    errors: [],
    close() {},
  };
  return { run, assets };
}

Deno.test('streams() copies frames with the filter "compression" names, or at its gzip level', async () => {
  const value = `${PRIMARY}/cam_image/value`;
  for (const compression of ["bslz4", "lz4", 4, 0] as const) {
    const { run, assets } = imageRun();
    const { tree } = await buildTree(run, [streams({ frames: "copy", compression })], { assets });
    const node = field(tree, value);
    assert.ok(isFrameStack(node.data), String(compression));
    // Level 0 is no compression: the field has none.
    assert.equal(node.compression, compression || undefined);
    assert.deepEqual(node.shape, [2, 2, 3]);
    assert.deepEqual(checkTree(tree), []);
  }
});

Deno.test("streams() refuses a compression that is neither a gzip level nor a filter", () => {
  for (const compression of ["zstd", 10, 1.5, "gzip"]) {
    assert.throws(
      () => streams({ compression: compression as FrameCompression }),
      (error) => {
        assert.ok(error instanceof RangeError);
        assert.equal(
          error.message,
          `Option "compression" of the streams plugin is a gzip level from 0 to 9, "bslz4" or "lz4": got ${
            JSON.stringify(compression)
          }`,
        );
        return true;
      },
    );
  }
});

Deno.test("defineConfig() takes a filter's name or a gzip level for the streams' compression", () => {
  for (const compression of ["bslz4", "lz4", 0, 9] as const) {
    defineConfig({ builtins: { streams: { compression } } });
  }
  assert.throws(
    () => defineConfig({ builtins: { streams: { compression: "blosc" as FrameCompression } } }),
    (error) => {
      assert.ok(error instanceof ConfigKeyError);
      assert.equal(error.key, "builtins.streams.compression");
      assert.match(error.message, /a gzip level from 0 to 9, "bslz4" or "lz4": got "blosc"/);
      return true;
    },
  );
});
