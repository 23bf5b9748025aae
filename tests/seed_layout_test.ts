/**
 * The seed's run, re-created as documents and written by the built-in plugins, gives the
 * layout of the seed's `punx tree` listing: every group and its class, every field with its
 * type, shape and values, every attribute with its value, every link with its target. The
 * expectations below are transcribed from that listing; where this project deliberately
 * differs (docs/nexus_layout.md), they state this project's behaviour and say why.
 */

import assert from "node:assert/strict";
import {
  type AttrValue,
  type BuildContext,
  NexusTree,
  type NxNode,
  type NxType,
  RunAccumulator,
  runningOrder,
  type WriterSettings,
} from "../core/nexus/mod.ts";
import {
  composeRun,
  type Document,
  type DocumentName,
  NXWriter,
  type RunStart,
  treeLines,
} from "../mod.ts";
import { builtinPlugins } from "../plugins/mod.ts";
import { checkNexusFile, h5dumpOk, ignoreWithoutH5py, resolvePath } from "./_interop.ts";

const UID = "c888d282-1094-403b-baff-3781057ff087";
const DESCRIPTOR_UID = "c808bd42-27b4-4498-819d-2279f9516608";
const MOTOR_REPR = "EpicsMotor(prefix='gp:m10', name='motor', settle_time=0.0, timeout=None, " +
  "read_attrs=['user_readback', 'user_setpoint'], configuration_attrs=['user_offset', " +
  "'user_offset_dir', 'velocity', 'acceleration', 'motor_egu'])";
const SENSOR_REPR = "EpicsSignalRO(read_pv='gp:userCalc10.VAL', name='sensor', " +
  "timestamp=1660343258.421057, auto_monitor=False, string=False)";

const MOTOR = [-0.5, -0.25, 0.0, 0.25, 0.5];
const SENSOR = [
  0.6937666895551995,
  0.44727244983596554,
  0.07127489127946898,
  0.9743343251697566,
  0.5734187838559548,
];
const EPOCH = {
  motor: [
    1660343259.975937,
    1660343260.576943,
    1660343261.078024,
    1660343261.579225,
    1660343262.080634,
  ],
  motor_user_setpoint: [
    1660343258.784328,
    1660343260.169698,
    1660343260.644624,
    1660343261.141399,
    1660343261.645333,
  ],
  sensor: [
    1660343260.021116,
    1660343260.521089,
    1660343261.021125,
    1660343261.521131,
    1660343262.021114,
  ],
};
/** 2022-08-12T17:27:38.779351 and 17:27:42.139426 in Chicago (CDT, UTC-5). */
const START_TIME = 1660343258.779351;
const STOP_TIME = 1660343262.139426;

/** The seed's run as bluesky 1.8.3 and ophyd 1.6.4 emitted it, the start keys in their order. */
function seedDocuments(): [DocumentName, Document][] {
  const run = composeRun({
    uid: UID,
    time: START_TIME,
    versions: { bluesky: "1.8.3", ophyd: "1.6.4" },
    scan_id: 1,
    plan_type: "generator",
    plan_name: "scan",
    detectors: ["sensor"],
    motors: ["motor"],
    num_points: 5,
    num_intervals: 4,
    plan_args: {
      detectors: [SENSOR_REPR],
      num: 5,
      args: [MOTOR_REPR, -0.5, 0.5],
      per_step: "None",
    },
    hints: { dimensions: [[["motor"], "primary"]] },
    plan_pattern: "inner_product",
    plan_pattern_module: "bluesky.plan_patterns",
    plan_pattern_args: { num: 5, args: [MOTOR_REPR, -0.5, 0.5] },
  });
  const limits = (low: number, high: number) => ({ lower_ctrl_limit: low, upper_ctrl_limit: high });
  const primary = run.descriptor({
    uid: DESCRIPTOR_UID,
    time: 1660343259.97,
    name: "primary",
    data_keys: {
      motor: {
        source: "PV:gp:m10.RBV",
        dtype: "number",
        shape: [],
        units: "degrees",
        precision: 5,
        ...limits(-32000, 32000),
        object_name: "motor",
      },
      motor_user_setpoint: {
        source: "PV:gp:m10.VAL",
        dtype: "number",
        shape: [],
        units: "degrees",
        precision: 5,
        ...limits(-32000, 32000),
        object_name: "motor",
      },
      sensor: {
        source: "PV:gp:userCalc10.VAL",
        dtype: "number",
        shape: [],
        units: "",
        precision: 5,
        ...limits(0, 0),
        object_name: "sensor",
      },
    },
    hints: { motor: { fields: ["motor"] }, sensor: { fields: ["sensor"] } },
    object_keys: { motor: ["motor", "motor_user_setpoint"], sensor: ["sensor"] },
  });
  const docs: [DocumentName, Document][] = [["start", run.start], ["descriptor", primary.doc]];
  for (let i = 0; i < 5; i++) {
    const timestamps = {
      motor: EPOCH.motor[i]!,
      motor_user_setpoint: EPOCH.motor_user_setpoint[i]!,
      sensor: EPOCH.sensor[i]!,
    };
    docs.push([
      "event",
      primary.event({
        data: { motor: MOTOR[i], motor_user_setpoint: MOTOR[i], sensor: SENSOR[i] },
        timestamps,
        time: Math.max(...Object.values(timestamps)) + 0.01,
      }),
    ]);
  }
  docs.push(["stop", run.stop({ exit_status: "success", time: STOP_TIME })]);
  return docs;
}

function seedRun(): RunAccumulator {
  const docs = seedDocuments();
  const run = new RunAccumulator(docs[0]![1] as RunStart);
  for (const [name, doc] of docs.slice(1)) run.receive(name, doc);
  return run;
}

const settings: WriterSettings = {
  filePath: "/tmp/nxwriter.h5",
  nxdataSignal: undefined,
  nxdataSignalAxes: undefined,
  instrumentName: undefined,
  warnOnMissingContent: true,
  timeZone: "America/Chicago",
};

/** Run the built-in plugins in their running order on one tree. */
function writeSeed(): { tree: NexusTree; warnings: string[] } {
  const run = seedRun();
  const tree = new NexusTree();
  const warnings: string[] = [];
  for (const plugin of runningOrder(builtinPlugins())) {
    const context: BuildContext = {
      run,
      tree: tree.builder(plugin.name),
      settings,
      warn: (message) => warnings.push(`${plugin.name}: ${message}`),
    };
    plugin.build(context);
  }
  return { tree, warnings };
}

/**
 * What the writer adds after the plugins, by contract: `@target` on every group and on every
 * node a link points at. Applied here so that the listing can be compared as punx shows it.
 */
function writerTargets(tree: NexusTree): void {
  const targets = new Set<string>();
  for (const node of tree.walk()) if (node.kind === "link") targets.add(node.target);
  for (const node of tree.walk()) {
    if (node === tree.root || node.kind === "link" || node.kind === "external_link") continue;
    if ((node.kind === "group" || targets.has(node.path)) && !node.attrs.has("target")) {
      node.attrs.set("target", { value: node.path, owner: "NXWriter" });
    }
  }
}

// ---------------------------------------------------------------------------------------
// The listing, as data.

type Attrs = Record<string, unknown>;
type Expected =
  | { kind: "group"; nxClass: string; attrs: Attrs }
  | { kind: "field"; dtype: NxType; shape: number[]; value: unknown; attrs: Attrs }
  | { kind: "link"; target: string };

const f64 = (value: number | number[], attrs: Attrs = {}): Expected => ({
  kind: "field",
  dtype: "NX_FLOAT64",
  shape: Array.isArray(value) ? [value.length] : [],
  value,
  attrs,
});
const i64 = (value: number, attrs: Attrs = {}): Expected => ({
  kind: "field",
  dtype: "NX_INT64",
  shape: [],
  value,
  attrs,
});
const text = (value: string, attrs: Attrs = {}): Expected => ({
  kind: "field",
  dtype: "NX_CHAR",
  shape: [],
  value,
  attrs,
});
const group = (nxClass: string, path: string, attrs: Attrs = {}): Expected => ({
  kind: "group",
  nxClass,
  attrs: { target: path, ...attrs },
});
const link = (target: string): Expected => ({ kind: "link", target });
/** A float attribute: the listing shows `-32000.0`, so its type is NX_FLOAT64. */
const float = (value: number) => ({ value, dtype: "NX_FLOAT64" });
const int = (value: number) => ({ value, dtype: "NX_INT64" });

const BLUESKY = "/entry/instrument/bluesky";
const METADATA = `${BLUESKY}/metadata`;
const PRIMARY = `${BLUESKY}/streams/primary`;

const yaml = (path: string, value: string): [string, Expected] => [
  path,
  text(value, { target: path, text_format: "yaml" }),
];
const meta = (name: string, value: Expected): [string, Expected] => [
  `${METADATA}/${name}`,
  value,
];

function streamKey(
  key: "motor" | "motor_user_setpoint" | "sensor",
  value: number[],
  time: number[],
  startTimeIso: string,
  attrs: Attrs,
): [string, Expected][] {
  const path = `${PRIMARY}/${key}`;
  const signalType = attrs.signal_type;
  return [
    [path, group("NXdata", path, { axes: ["time"], signal: "value", signal_type: signalType })],
    [
      `${path}/EPOCH`,
      f64(EPOCH[key], { long_name: "epoch time (s)", target: `${path}/EPOCH`, units: "s" }),
    ],
    [
      `${path}/time`,
      f64(time, {
        long_name: "time since first data (s)",
        start_time: float(EPOCH[key][0]!),
        start_time_iso: startTimeIso,
        target: `${path}/time`,
        units: "s",
      }),
    ],
    [`${path}/value`, f64(value, { long_name: key, target: `${path}/value`, ...attrs })],
  ];
}

const PLAN_ARGS = "args:\n- EpicsMotor(prefix='gp:m10', name='motor', settle_time=0.0, " +
  "timeout=None, read_attrs=['user_readback',\n  'user_setpoint'], " +
  "configuration_attrs=['user_offset', 'user_offset_dir', 'velocity',\n  'acceleration', " +
  "'motor_egu'])\n- -0.5\n- 0.5\ndetectors:\n- EpicsSignalRO(read_pv='gp:userCalc10.VAL', " +
  "name='sensor', timestamp=1660343258.421057,\n  auto_monitor=False, string=False)\nnum: 5\n" +
  "per_step: None\n";
const PLAN_PATTERN_ARGS = "args:\n- EpicsMotor(prefix='gp:m10', name='motor', " +
  "settle_time=0.0, timeout=None, read_attrs=['user_readback',\n  'user_setpoint'], " +
  "configuration_attrs=['user_offset', 'user_offset_dir', 'velocity',\n  'acceleration', " +
  "'motor_egu'])\n- -0.5\n- 0.5\nnum: 5\n";

const motorLimits = {
  lower_ctrl_limit: float(-32000),
  precision: 5,
  units: "degrees",
  upper_ctrl_limit: float(32000),
};

/** Every node of the listing below the root, by path. */
const LISTING = new Map<string, Expected>([
  ["/entry", group("NXentry", "/entry", { default: "data" })],
  // Scalars show no value in the listing: end - start of the seed's times.
  ["/entry/duration", f64(STOP_TIME - START_TIME, { units: "s" })],
  // Deliberate difference: ISO 8601 with the UTC offset (the listing: naive local time).
  ["/entry/end_time", text("2022-08-12T17:27:42.139426-05:00")],
  ["/entry/entry_identifier", link(`${METADATA}/run_start_uid`)],
  ["/entry/plan_name", link(`${METADATA}/plan_name`)],
  ["/entry/program_name", text("bluesky")],
  ["/entry/start_time", text("2022-08-12T17:27:38.779351-05:00")],
  ["/entry/title", text("scan-S0001-c888d28")],
  // Deliberate difference: AXISNAME_indices, which the listing lacks.
  [
    "/entry/data",
    group("NXdata", "/entry/data", { axes: ["motor"], motor_indices: int(0), signal: "sensor" }),
  ],
  // Deliberate difference: EPOCH is the signal's epoch seconds (the listing: its `time`).
  ["/entry/data/EPOCH", link(`${PRIMARY}/sensor/EPOCH`)],
  ["/entry/data/motor", link(`${PRIMARY}/motor/value`)],
  ["/entry/data/motor_user_setpoint", link(`${PRIMARY}/motor_user_setpoint/value`)],
  ["/entry/data/sensor", link(`${PRIMARY}/sensor/value`)],
  ["/entry/instrument", group("NXinstrument", "/entry/instrument")],
  [BLUESKY, group("NXnote", BLUESKY)],
  [`${BLUESKY}/plan_name`, link(`${METADATA}/plan_name`)],
  [`${BLUESKY}/uid`, link(`${METADATA}/run_start_uid`)],
  [METADATA, group("NXnote", METADATA)],
  yaml(`${METADATA}/detectors`, "- sensor\n"),
  // Deliberate difference: JSON has no tuples, so no `!!python/tuple` tags.
  yaml(`${METADATA}/hints`, "dimensions:\n- - - motor\n  - primary\n"),
  yaml(`${METADATA}/motors`, "- motor\n"),
  meta("num_intervals", i64(4, { target: `${METADATA}/num_intervals` })),
  meta("num_points", i64(5, { target: `${METADATA}/num_points` })),
  yaml(`${METADATA}/plan_args`, PLAN_ARGS),
  meta("plan_name", text("scan", { target: `${METADATA}/plan_name` })),
  meta("plan_pattern", text("inner_product", { target: `${METADATA}/plan_pattern` })),
  yaml(`${METADATA}/plan_pattern_args`, PLAN_PATTERN_ARGS),
  meta(
    "plan_pattern_module",
    text("bluesky.plan_patterns", { target: `${METADATA}/plan_pattern_module` }),
  ),
  meta("plan_type", text("generator", { target: `${METADATA}/plan_type` })),
  meta(
    "run_start_uid",
    text(UID, { long_name: "bluesky run uid", target: `${METADATA}/run_start_uid` }),
  ),
  yaml(`${METADATA}/versions`, "bluesky: 1.8.3\nophyd: 1.6.4\n"),
  [`${BLUESKY}/streams`, group("NXnote", `${BLUESKY}/streams`)],
  [PRIMARY, group("NXnote", PRIMARY, { uid: DESCRIPTOR_UID })],
  ...streamKey(
    "motor",
    MOTOR,
    [0.0, 0.601006031036377, 1.1020870208740234, 1.603288173675537, 2.1046972274780273],
    "2022-08-12T17:27:39.975937",
    { ...motorLimits, signal_type: "positioner", source: "PV:gp:m10.RBV" },
  ),
  ...streamKey(
    "motor_user_setpoint",
    MOTOR,
    [0.0, 1.3853700160980225, 1.8602960109710693, 2.3570709228515625, 2.8610050678253174],
    "2022-08-12T17:27:38.784328",
    { ...motorLimits, signal_type: "other", source: "PV:gp:m10.VAL" },
  ),
  ...streamKey(
    "sensor",
    SENSOR,
    [0.0, 0.4999730587005615, 1.0000090599060059, 1.5000150203704834, 1.9999980926513672],
    "2022-08-12T17:27:40.021116",
    {
      lower_ctrl_limit: float(0),
      precision: 5,
      signal_type: "detector",
      source: "PV:gp:userCalc10.VAL",
      units: "",
      upper_ctrl_limit: float(0),
    },
  ),
  ["/entry/instrument/detectors", group("NXnote", "/entry/instrument/detectors")],
  [
    "/entry/instrument/detectors/sensor",
    group("NXdetector", "/entry/instrument/detectors/sensor"),
  ],
  ["/entry/instrument/detectors/sensor/data", link(`${PRIMARY}/sensor`)],
  ["/entry/instrument/positioners", group("NXnote", "/entry/instrument/positioners")],
  [
    "/entry/instrument/positioners/motor",
    group("NXpositioner", "/entry/instrument/positioners/motor"),
  ],
  ["/entry/instrument/positioners/motor/value", link(`${PRIMARY}/motor`)],
  ["/entry/instrument/source", group("NXsource", "/entry/instrument/source")],
  ["/entry/instrument/source/name", text("Bluesky framework", { short_name: "bluesky" })],
  ["/entry/instrument/source/probe", text("x-ray")],
  ["/entry/instrument/source/type", text("Synchrotron X-ray Source")],
]);

/** Root attributes of the listing that the writer, not a plugin, adds. */
const WRITER_ROOT_ATTRIBUTES = [
  "HDF5_Version",
  "NeXus_version",
  "creator",
  "file_name",
  "file_time",
  // The listing's h5py_version: the writer names the library it uses (h5wasm_version).
  "h5py_version",
];

// ---------------------------------------------------------------------------------------

function plainAttrs(node: NxNode): Attrs {
  const attrs: Attrs = {};
  for (const [name, { value }] of node.attrs) attrs[name] = normalize(value);
  return attrs;
}

/** Typed values as `{ value, dtype }`; plain numbers as the writer will type them. */
function normalize(value: AttrValue): unknown {
  if (typeof value === "object" && !Array.isArray(value)) {
    return { value: value.value, dtype: value.dtype };
  }
  return value;
}

function fieldValue(node: NxNode): unknown {
  if (node.kind !== "field") return undefined;
  const data = node.data;
  return ArrayBuffer.isView(data) ? [...(data as Float64Array)] : data;
}

function compare(tree: NexusTree, path: string, expected: Expected): void {
  const node = tree.get(path);
  assert.ok(node, `${path} is missing`);
  assert.equal(node.kind, expected.kind, `${path} is a ${node.kind}`);
  if (expected.kind === "link") {
    assert.equal(node.kind === "link" && node.target, expected.target, `${path} links elsewhere`);
    return;
  }
  const attrs = plainAttrs(node);
  const wanted = Object.fromEntries(
    Object.entries(expected.attrs).filter(([, value]) => value !== undefined),
  );
  assert.deepEqual(attrs, wanted, `attributes of ${path}`);
  if (expected.kind === "group") {
    assert.equal(node.kind === "group" && node.nxClass, expected.nxClass, `class of ${path}`);
    return;
  }
  assert.ok(node.kind === "field");
  assert.equal(node.dtype, expected.dtype, `type of ${path}`);
  assert.deepEqual(node.shape, expected.shape, `shape of ${path}`);
  assert.deepEqual(fieldValue(node), expected.value, `value of ${path}`);
}

Deno.test("the built-in plugins write every group, field, attribute and link of the seed's listing", () => {
  const { tree } = writeSeed();
  writerTargets(tree);
  for (const [path, expected] of LISTING) compare(tree, path, expected);
});

Deno.test("the built-in plugins write nothing that the seed's listing does not show", () => {
  const { tree } = writeSeed();
  const extra = [...tree.walk()]
    .filter((node) => node !== tree.root && !LISTING.has(node.path))
    .map((node) => node.path);
  assert.deepEqual(extra, []);
});

Deno.test("the plugins set only @default at the root, leaving the file's attributes to the writer", () => {
  const { tree } = writeSeed();
  assert.deepEqual(plainAttrs(tree.root), { default: "entry" });
  for (const name of WRITER_ROOT_ATTRIBUTES) assert.ok(!tree.root.attrs.has(name), name);
});

Deno.test("the seed's tree passes the tree check, and no plugin warns even about missing content", () => {
  const { tree, warnings } = writeSeed();
  assert.deepEqual(tree.check(), []);
  assert.deepEqual(warnings, []);
});

Deno.test("the seed's @default chain ends at an NXdata whose signal and axes exist", () => {
  const { tree } = writeSeed();
  const entry = tree.get(`/${tree.root.attrs.get("default")?.value}`);
  assert.equal(entry?.kind === "group" && entry.nxClass, "NXentry");
  const data = tree.get(`${entry!.path}/${entry!.attrs.get("default")?.value}`);
  assert.equal(data?.kind === "group" && data.nxClass, "NXdata");
  const signal = data!.attrs.get("signal")?.value as string;
  const axes = data!.attrs.get("axes")?.value as string[];
  for (const name of [signal, ...axes]) {
    assert.equal(tree.resolve(`${data!.path}/${name}`)?.kind, "field", name);
  }
  const epoch = tree.resolve(`${data!.path}/EPOCH`);
  assert.deepEqual(fieldValue(epoch!), EPOCH.sensor);
});

Deno.test("the writer adds the file's attributes, naming h5wasm where the reference names h5py", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = new NXWriter({
      filePath: dir,
      fileName: "nxwriter.h5",
      timeZone: "America/Chicago",
      plugins: builtinPlugins(),
    });
    for (const [name, doc] of seedDocuments()) writer.receiver(name, doc);
    const path = await writer.wait();
    const root = new Map(
      (await treeLines(path))
        .filter((line) => line.startsWith("  @"))
        .map((line) => /^ {2}@(\w+) = (.*)$/.exec(line)!.slice(1, 3) as [string, string]),
    );
    assert.equal(root.get("creator"), '"NXWriter"');
    assert.equal(root.get("default"), '"entry"');
    assert.equal(root.get("file_name"), `"${path}"`);
    assert.equal(root.get("NeXus_version"), '"v2020.1"');
    for (const name of ["file_time", "HDF5_Version", "h5wasm_version"]) {
      assert.ok(root.has(name), name);
    }
    assert.equal(root.has("h5py_version"), false);
    assert.deepEqual(writer.warnings, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "the seed's file, read back by h5py, keeps its values, links and @default chain",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const writer = new NXWriter({
        filePath: dir,
        fileName: "nxwriter.h5",
        timeZone: "America/Chicago",
        plugins: builtinPlugins(),
      });
      for (const [name, doc] of seedDocuments()) writer.receiver(name, doc);
      const path = await writer.wait();
      const summary = await checkNexusFile(path);
      assert.ok(await h5dumpOk(path));
      assert.deepEqual(resolvePath(summary, "/entry/data/motor")?.value, [
        -0.5,
        -0.25,
        0,
        0.25,
        0.5,
      ]);
      assert.deepEqual(resolvePath(summary, "/entry/data/EPOCH")?.value, EPOCH.sensor);
      const uid = resolvePath(summary, "/entry/entry_identifier")?.value;
      assert.equal(uid, "c888d282-1094-403b-baff-3781057ff087");
      assert.equal(
        resolvePath(summary, "/entry/start_time")?.value,
        "2022-08-12T17:27:38.779351-05:00",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
