import { relative } from "node:path";
import { withDir } from "../../tests/_temp_dir.ts";
import assert from "node:assert/strict";
import { treeLines } from "./listing.ts";
import { pythonBytesRepr, pythonFloatRepr } from "./python_format.ts";
import { H5wasmBackend } from "./h5wasm_backend.ts";
import { type AttrValue, type FieldData, nxFloat } from "./nodes.ts";
import { NexusTree } from "./tree.ts";
import { checkTree } from "./check.ts";
import { ignoreWithoutH5py, pythonWithH5py } from "../../tests/_interop.ts";

async function write(tree: NexusTree, path: string): Promise<string> {
  await new H5wasmBackend().write(tree, path);
  return path;
}

const PLAN_ARGS = "args:\n- EpicsMotor(prefix='gp:m10', name='motor', settle_time=0.0, " +
  "timeout=None, read_attrs=['user_readback',\n  'user_setpoint'], configuration_attrs=[" +
  "'user_offset', 'user_offset_dir', 'velocity',\n  'acceleration', 'motor_egu'])\n- -0.5\n" +
  "- 0.5\n";
const DETECTORS_ARGS = "detectors:\n- EpicsSignalRO(read_pv='gp:userCalc10.VAL', " +
  "name='sensor', timestamp=1660343258.421057,\n  auto_monitor=False, string=False)\n";

/** The layout of the seed's file, as apstools' NXWriter wrote it (with its `@target`s). */
function seedTree(): NexusTree {
  const tree = new NexusTree();
  const b = tree.builder("seed");
  const group = (path: string, nxClass: string, attrs: Record<string, AttrValue> = {}) =>
    b.group(path, nxClass, { ...attrs, target: path });
  const field = (path: string, data: FieldData, attrs: Record<string, AttrValue> = {}) =>
    b.field(path, data, { attrs, target: true });
  const root: Record<string, string> = {
    HDF5_Version: "1.12.1",
    NeXus_version: "v2020.1",
    creator: "NXWriter",
    default: "entry",
    file_name: "/tmp/nxwriter.h5",
    file_time: "2022-08-12T17:27:42.294183",
    h5py_version: "3.7.0",
  };
  for (const [name, value] of Object.entries(root)) b.attr("/", name, value);

  group("/entry", "NXentry", { default: "data" });
  b.field("/entry/duration", 3.36, { attrs: { units: "s" } });
  b.field("/entry/end_time", "2022-08-12T17:27:42.139426");
  b.field("/entry/program_name", "bluesky");
  b.field("/entry/start_time", "2022-08-12T17:27:38.779351");
  b.field("/entry/title", "scan-S0001-c888d28");

  const md = "/entry/instrument/bluesky/metadata";
  group("/entry/instrument", "NXinstrument");
  group("/entry/instrument/bluesky", "NXnote");
  group(md, "NXnote");
  const yaml = { text_format: "yaml" };
  field(`${md}/detectors`, "- sensor\n", yaml);
  field(`${md}/hints`, "dimensions:\n- !!python/tuple\n  - - motor\n  - primary\n", yaml);
  field(`${md}/motors`, "!!python/tuple\n- motor\n", yaml);
  field(`${md}/num_intervals`, 4);
  field(`${md}/num_points`, 5);
  field(`${md}/plan_args`, `${PLAN_ARGS}${DETECTORS_ARGS}num: 5\nper_step: None\n`, yaml);
  field(`${md}/plan_name`, "scan");
  field(`${md}/plan_pattern`, "inner_product");
  field(`${md}/plan_pattern_args`, `${PLAN_ARGS}num: 5\n`, yaml);
  field(`${md}/plan_pattern_module`, "bluesky.plan_patterns");
  field(`${md}/plan_type`, "generator");
  field(`${md}/run_start_uid`, "c888d282-1094-403b-baff-3781057ff087", {
    long_name: "bluesky run uid",
  });
  field(`${md}/versions`, "bluesky: 1.8.3\nophyd: 1.6.4\n", yaml);

  const primary = "/entry/instrument/bluesky/streams/primary";
  group("/entry/instrument/bluesky/streams", "NXnote");
  group(primary, "NXnote", { uid: "c808bd42-27b4-4498-819d-2279f9516608" });
  const stream = (
    name: string,
    kind: string,
    epoch: number[],
    time: number[],
    value: number[],
    limits: number,
    source: string,
    units: string,
  ) => {
    const path = `${primary}/${name}`;
    group(path, "NXdata", { axes: ["time"], signal: "value", signal_type: kind });
    field(`${path}/EPOCH`, epoch, { long_name: "epoch time (s)", units: "s" });
    field(`${path}/time`, time, {
      long_name: "time since first data (s)",
      start_time: epoch[0]!,
      start_time_iso: `2022-08-12T17:27:${(epoch[0]! % 60).toFixed(6).padStart(9, "0")}`,
      units: "s",
    });
    field(`${path}/value`, value, {
      long_name: name,
      lower_ctrl_limit: nxFloat(limits === 0 ? 0 : -limits),
      precision: 5,
      signal_type: kind,
      source,
      units,
      upper_ctrl_limit: nxFloat(limits),
    });
  };
  const positions = [-0.5, -0.25, 0.0, 0.25, 0.5];
  stream(
    "motor",
    "positioner",
    [1660343259.975937, 1660343260.576943, 1660343261.078024, 1660343261.579225, 1660343262.080634],
    [0.0, 0.601006031036377, 1.1020870208740234, 1.603288173675537, 2.1046972274780273],
    positions,
    32000,
    "PV:gp:m10.RBV",
    "degrees",
  );
  stream(
    "motor_user_setpoint",
    "other",
    [1660343258.784328, 1660343260.169698, 1660343260.644624, 1660343261.141399, 1660343261.645333],
    [0.0, 1.3853700160980225, 1.8602960109710693, 2.3570709228515625, 2.8610050678253174],
    positions,
    32000,
    "PV:gp:m10.VAL",
    "degrees",
  );
  stream(
    "sensor",
    "detector",
    [1660343260.021116, 1660343260.521089, 1660343261.021125, 1660343261.521131, 1660343262.021114],
    [0.0, 0.4999730587005615, 1.0000090599060059, 1.5000150203704834, 1.9999980926513672],
    [
      0.6937666895551995,
      0.44727244983596554,
      0.07127489127946898,
      0.9743343251697566,
      0.5734187838559548,
    ],
    0,
    "PV:gp:userCalc10.VAL",
    "",
  );

  b.link("/entry/entry_identifier", `${md}/run_start_uid`);
  b.link("/entry/plan_name", `${md}/plan_name`);
  b.link("/entry/instrument/bluesky/plan_name", `${md}/plan_name`);
  b.link("/entry/instrument/bluesky/uid", `${md}/run_start_uid`);
  group("/entry/data", "NXdata", { axes: ["motor"], signal: "sensor" });
  b.link("/entry/data/EPOCH", `${primary}/sensor/time`);
  b.link("/entry/data/motor", `${primary}/motor/value`);
  b.link("/entry/data/motor_user_setpoint", `${primary}/motor_user_setpoint/value`);
  b.link("/entry/data/sensor", `${primary}/sensor/value`);
  group("/entry/instrument/detectors", "NXnote");
  group("/entry/instrument/detectors/sensor", "NXdetector");
  b.link("/entry/instrument/detectors/sensor/data", `${primary}/sensor`);
  group("/entry/instrument/positioners", "NXnote");
  group("/entry/instrument/positioners/motor", "NXpositioner");
  b.link("/entry/instrument/positioners/motor/value", `${primary}/motor`);
  group("/entry/instrument/source", "NXsource");
  b.field("/entry/instrument/source/name", "Bluesky framework", {
    attrs: { short_name: "bluesky" },
  });
  b.field("/entry/instrument/source/probe", "x-ray");
  b.field("/entry/instrument/source/type", "Synchrotron X-ray Source");
  assert.deepEqual(checkTree(tree), []);
  return tree;
}

/**
 * The seed's `punx tree` listing after its first line; scalar fields show their values
 * (`duration`, `num_intervals`, `num_points`), which punx leaves out.
 */
const SEED_LISTING = String.raw`
  @HDF5_Version = "1.12.1"
  @NeXus_version = "v2020.1"
  @creator = "NXWriter"
  @default = "entry"
  @file_name = "/tmp/nxwriter.h5"
  @file_time = "2022-08-12T17:27:42.294183"
  @h5py_version = "3.7.0"
  entry:NXentry
    @NX_class = "NXentry"
    @default = "data"
    @target = "/entry"
    duration:NX_FLOAT64[] = 3.36
      @units = "s"
    end_time:NX_CHAR = b'2022-08-12T17:27:42.139426'
    entry_identifier --> /entry/instrument/bluesky/metadata/run_start_uid
    plan_name --> /entry/instrument/bluesky/metadata/plan_name
    program_name:NX_CHAR = b'bluesky'
    start_time:NX_CHAR = b'2022-08-12T17:27:38.779351'
    title:NX_CHAR = b'scan-S0001-c888d28'
    data:NXdata
      @NX_class = "NXdata"
      @axes = ["motor"]
      @signal = "sensor"
      @target = "/entry/data"
      EPOCH --> /entry/instrument/bluesky/streams/primary/sensor/time
      motor --> /entry/instrument/bluesky/streams/primary/motor/value
      motor_user_setpoint --> /entry/instrument/bluesky/streams/primary/motor_user_setpoint/value
      sensor --> /entry/instrument/bluesky/streams/primary/sensor/value
    instrument:NXinstrument
      @NX_class = "NXinstrument"
      @target = "/entry/instrument"
      bluesky:NXnote
        @NX_class = "NXnote"
        @target = "/entry/instrument/bluesky"
        plan_name --> /entry/instrument/bluesky/metadata/plan_name
        uid --> /entry/instrument/bluesky/metadata/run_start_uid
        metadata:NXnote
          @NX_class = "NXnote"
          @target = "/entry/instrument/bluesky/metadata"
          detectors:NX_CHAR = b'- sensor\n'
            @target = "/entry/instrument/bluesky/metadata/detectors"
            @text_format = "yaml"
          hints:NX_CHAR = b'dimensions:\n- !!python/tuple\n  - - motor\n  - primary\n'
            @target = "/entry/instrument/bluesky/metadata/hints"
            @text_format = "yaml"
          motors:NX_CHAR = b'!!python/tuple\n- motor\n'
            @target = "/entry/instrument/bluesky/metadata/motors"
            @text_format = "yaml"
          num_intervals:NX_INT64[] = 4
            @target = "/entry/instrument/bluesky/metadata/num_intervals"
          num_points:NX_INT64[] = 5
            @target = "/entry/instrument/bluesky/metadata/num_points"
          plan_args:NX_CHAR = b"args:\n- EpicsMotor(prefix='gp:m10', name='motor', settle_time=0.0, timeout=None, read_attrs=['user_readback',\n  'user_setpoint'], configuration_attrs=['user_offset', 'user_offset_dir', 'velocity',\n  'acceleration', 'motor_egu'])\n- -0.5\n- 0.5\ndetectors:\n- EpicsSignalRO(read_pv='gp:userCalc10.VAL', name='sensor', timestamp=1660343258.421057,\n  auto_monitor=False, string=False)\nnum: 5\nper_step: None\n"
            @target = "/entry/instrument/bluesky/metadata/plan_args"
            @text_format = "yaml"
          plan_name:NX_CHAR = b'scan'
            @target = "/entry/instrument/bluesky/metadata/plan_name"
          plan_pattern:NX_CHAR = b'inner_product'
            @target = "/entry/instrument/bluesky/metadata/plan_pattern"
          plan_pattern_args:NX_CHAR = b"args:\n- EpicsMotor(prefix='gp:m10', name='motor', settle_time=0.0, timeout=None, read_attrs=['user_readback',\n  'user_setpoint'], configuration_attrs=['user_offset', 'user_offset_dir', 'velocity',\n  'acceleration', 'motor_egu'])\n- -0.5\n- 0.5\nnum: 5\n"
            @target = "/entry/instrument/bluesky/metadata/plan_pattern_args"
            @text_format = "yaml"
          plan_pattern_module:NX_CHAR = b'bluesky.plan_patterns'
            @target = "/entry/instrument/bluesky/metadata/plan_pattern_module"
          plan_type:NX_CHAR = b'generator'
            @target = "/entry/instrument/bluesky/metadata/plan_type"
          run_start_uid:NX_CHAR = b'c888d282-1094-403b-baff-3781057ff087'
            @long_name = "bluesky run uid"
            @target = "/entry/instrument/bluesky/metadata/run_start_uid"
          versions:NX_CHAR = b'bluesky: 1.8.3\nophyd: 1.6.4\n'
            @target = "/entry/instrument/bluesky/metadata/versions"
            @text_format = "yaml"
        streams:NXnote
          @NX_class = "NXnote"
          @target = "/entry/instrument/bluesky/streams"
          primary:NXnote
            @NX_class = "NXnote"
            @target = "/entry/instrument/bluesky/streams/primary"
            @uid = "c808bd42-27b4-4498-819d-2279f9516608"
            motor:NXdata
              @NX_class = "NXdata"
              @axes = ["time"]
              @signal = "value"
              @signal_type = "positioner"
              @target = "/entry/instrument/bluesky/streams/primary/motor"
              EPOCH:NX_FLOAT64[5] = [1660343259.975937, 1660343260.576943, 1660343261.078024, 1660343261.579225, 1660343262.080634]
                @long_name = "epoch time (s)"
                @target = "/entry/instrument/bluesky/streams/primary/motor/EPOCH"
                @units = "s"
              time:NX_FLOAT64[5] = [0.0, 0.601006031036377, 1.1020870208740234, 1.603288173675537, 2.1046972274780273]
                @long_name = "time since first data (s)"
                @start_time = 1660343259.975937
                @start_time_iso = "2022-08-12T17:27:39.975937"
                @target = "/entry/instrument/bluesky/streams/primary/motor/time"
                @units = "s"
              value:NX_FLOAT64[5] = [-0.5, -0.25, 0.0, 0.25, 0.5]
                @long_name = "motor"
                @lower_ctrl_limit = -32000.0
                @precision = 5
                @signal_type = "positioner"
                @source = "PV:gp:m10.RBV"
                @target = "/entry/instrument/bluesky/streams/primary/motor/value"
                @units = "degrees"
                @upper_ctrl_limit = 32000.0
            motor_user_setpoint:NXdata
              @NX_class = "NXdata"
              @axes = ["time"]
              @signal = "value"
              @signal_type = "other"
              @target = "/entry/instrument/bluesky/streams/primary/motor_user_setpoint"
              EPOCH:NX_FLOAT64[5] = [1660343258.784328, 1660343260.169698, 1660343260.644624, 1660343261.141399, 1660343261.645333]
                @long_name = "epoch time (s)"
                @target = "/entry/instrument/bluesky/streams/primary/motor_user_setpoint/EPOCH"
                @units = "s"
              time:NX_FLOAT64[5] = [0.0, 1.3853700160980225, 1.8602960109710693, 2.3570709228515625, 2.8610050678253174]
                @long_name = "time since first data (s)"
                @start_time = 1660343258.784328
                @start_time_iso = "2022-08-12T17:27:38.784328"
                @target = "/entry/instrument/bluesky/streams/primary/motor_user_setpoint/time"
                @units = "s"
              value:NX_FLOAT64[5] = [-0.5, -0.25, 0.0, 0.25, 0.5]
                @long_name = "motor_user_setpoint"
                @lower_ctrl_limit = -32000.0
                @precision = 5
                @signal_type = "other"
                @source = "PV:gp:m10.VAL"
                @target = "/entry/instrument/bluesky/streams/primary/motor_user_setpoint/value"
                @units = "degrees"
                @upper_ctrl_limit = 32000.0
            sensor:NXdata
              @NX_class = "NXdata"
              @axes = ["time"]
              @signal = "value"
              @signal_type = "detector"
              @target = "/entry/instrument/bluesky/streams/primary/sensor"
              EPOCH:NX_FLOAT64[5] = [1660343260.021116, 1660343260.521089, 1660343261.021125, 1660343261.521131, 1660343262.021114]
                @long_name = "epoch time (s)"
                @target = "/entry/instrument/bluesky/streams/primary/sensor/EPOCH"
                @units = "s"
              time:NX_FLOAT64[5] = [0.0, 0.4999730587005615, 1.0000090599060059, 1.5000150203704834, 1.9999980926513672]
                @long_name = "time since first data (s)"
                @start_time = 1660343260.021116
                @start_time_iso = "2022-08-12T17:27:40.021116"
                @target = "/entry/instrument/bluesky/streams/primary/sensor/time"
                @units = "s"
              value:NX_FLOAT64[5] = [0.6937666895551995, 0.44727244983596554, 0.07127489127946898, 0.9743343251697566, 0.5734187838559548]
                @long_name = "sensor"
                @lower_ctrl_limit = 0.0
                @precision = 5
                @signal_type = "detector"
                @source = "PV:gp:userCalc10.VAL"
                @target = "/entry/instrument/bluesky/streams/primary/sensor/value"
                @units = ""
                @upper_ctrl_limit = 0.0
      detectors:NXnote
        @NX_class = "NXnote"
        @target = "/entry/instrument/detectors"
        sensor:NXdetector
          @NX_class = "NXdetector"
          @target = "/entry/instrument/detectors/sensor"
          data --> /entry/instrument/bluesky/streams/primary/sensor
      positioners:NXnote
        @NX_class = "NXnote"
        @target = "/entry/instrument/positioners"
        motor:NXpositioner
          @NX_class = "NXpositioner"
          @target = "/entry/instrument/positioners/motor"
          value --> /entry/instrument/bluesky/streams/primary/motor
      source:NXsource
        @NX_class = "NXsource"
        @target = "/entry/instrument/source"
        name:NX_CHAR = b'Bluesky framework'
          @short_name = "bluesky"
        probe:NX_CHAR = b'x-ray'
        type:NX_CHAR = b'Synchrotron X-ray Source'`.slice(1).split("\n");

Deno.test("treeLines() lists the seed's layout exactly as the seed's punx listing", async () => {
  await withDir(async (dir) => {
    const path = await write(seedTree(), `${dir}/nxwriter.h5`);
    const lines = await treeLines(path);
    assert.equal(lines[0], `${path} : NeXus data file`);
    assert.deepEqual(lines.slice(1), SEED_LISTING);
  });
});

Deno.test("treeLines() shows the file as named, relative names included", async () => {
  await withDir(async (dir) => {
    await write(seedTree(), `${dir}/run.h5`);
    // Relative to the current folder, which tests share: it is not changed.
    const name = relative(Deno.cwd(), `${dir}/run.h5`);
    assert.ok(!name.startsWith("/"));
    assert.equal((await treeLines(name))[0], `${name} : NeXus data file`);
  });
});

Deno.test("treeLines() abbreviates long arrays as punx does, and can show them whole", async () => {
  await withDir(async (dir) => {
    const tree = new NexusTree();
    const b = tree.builder("t");
    b.group("/entry", "NXentry");
    b.field("/entry/x", Array.from({ length: 10 }, (_, i) => i / 2));
    b.field("/entry/n", new Int32Array([1, 2, 3, 4, 5, 6]));
    b.field("/entry/image", Array.from({ length: 14 }, (_, i) => i), {
      dtype: "NX_INT64",
      shape: [7, 2],
    });
    b.field("/entry/one", [7], { dtype: "NX_INT32" });
    b.field("/entry/empty", new Float64Array(0));
    const path = await write(tree, `${dir}/arrays.h5`);
    assert.deepEqual((await treeLines(path)).slice(3), [
      "    empty:NX_FLOAT64[0] = []",
      "    image:NX_INT64[7,2] = __array",
      "      __array = [",
      "          [0, 1]",
      "          [2, 3]",
      "          [4, 5]",
      "          ...",
      "          [12, 13]",
      "        ]",
      "    n:NX_INT32[6] = [1, 2, 3, '...', 6]",
      "    one:NX_INT32 = 7",
      "    x:NX_FLOAT64[10] = [0.0, 0.5, 1.0, '...', 4.5]",
    ]);
    const whole = await treeLines(path, { arrayItemsShown: Infinity, attributes: false });
    assert.ok(whole.includes("    n:NX_INT32[6] = [1, 2, 3, 4, 5, 6]"));
    assert.ok(!whole.some((line) => line.includes("@")));
  });
});

Deno.test("treeLines() shows booleans, text arrays, numeric attributes and links", async () => {
  await withDir(async (dir) => {
    const tree = new NexusTree();
    const b = tree.builder("t");
    b.group("/entry", "NXentry", { counts: [1, 20, 300], offsets: [0.5, 1.25], flag: true });
    b.field("/entry/labels", ["a", "it's"]);
    b.field("/entry/ok", true);
    b.field("/entry/f32", [0.1, 2.5], { dtype: "NX_FLOAT32" });
    b.field("/entry/x", [1, 2]);
    b.link("/entry/y", "/entry/x"); // no @target on /entry/x: listed as a copy, as punx does
    b.group("/entry/sub", "NXnote");
    b.link("/entry/sub/up", "/entry");
    b.externalLink("/entry/ext", "detector.h5", "/entry/data/data");
    const path = await write(tree, `${dir}/mixed.h5`);
    assert.deepEqual((await treeLines(path)).slice(1), [
      "  entry:NXentry",
      '    @NX_class = "NXentry"',
      "    @counts = [  1  20 300]",
      "    @flag = 1",
      "    @offsets = [0.5  1.25]",
      "    ext --> detector.h5:/entry/data/data",
      "    f32:NX_FLOAT32[2] = [0.1, 2.5]",
      `    labels:NX_CHAR = [b'a' b"it's"]`,
      "    ok:NX_UINT8[] = 1",
      "    x:NX_FLOAT64[2] = [1.0, 2.0]",
      "    y:NX_FLOAT64[2] = [1.0, 2.0]",
      "    sub:NXnote",
      '      @NX_class = "NXnote"',
      "      up --> /entry",
    ]);
  });
});

Deno.test("treeLines() lists a file without NXentry with numpy's type names", async () => {
  await withDir(async (dir) => {
    const tree = new NexusTree();
    tree.builder("t").field("/x", [1.5], { dtype: "NX_FLOAT32" });
    tree.builder("t").field("/s", "text");
    const path = await write(tree, `${dir}/plain.h5`);
    assert.deepEqual(await treeLines(path), [path, "  s:CHAR = b'text'", "  x:float32 = 1.5"]);
  });
});

Deno.test("treeLines() names the file when it is missing or not HDF5", async () => {
  await withDir(async (dir) => {
    await assert.rejects(
      treeLines(`${dir}/missing.h5`),
      (error: Error) =>
        error instanceof Deno.errors.NotFound &&
        error.message === `Cannot read "${dir}/missing.h5": no such file`,
    );
    await Deno.writeTextFile(`${dir}/notes.txt`, "not an HDF5 file, but long enough to look");
    await assert.rejects(
      treeLines(`${dir}/notes.txt`),
      new RegExp(`^Error: "${dir}/notes.txt" is not an HDF5 file`),
    );
    await assert.rejects(treeLines(dir), /not a file/);
  });
});

Deno.test("pythonFloatRepr() prints floats as Python's repr()", () => {
  const cases: [number, string][] = [
    [0, "0.0"],
    [-0, "-0.0"],
    [-0.5, "-0.5"],
    [1, "1.0"],
    [-32000, "-32000.0"],
    [1660343259.975937, "1660343259.975937"],
    [0.601006031036377, "0.601006031036377"],
    [1e-4, "0.0001"],
    [1.5e-5, "1.5e-05"],
    [1e16, "1e+16"],
    [123456789012345680, "1.2345678901234568e+17"],
    [9999999999999998, "9999999999999998.0"],
    [5e-324, "5e-324"],
    [NaN, "nan"],
    [-Infinity, "-inf"],
  ];
  for (const [value, text] of cases) assert.equal(pythonFloatRepr(value), text, `${value}`);
  assert.equal(pythonFloatRepr(Math.fround(0.1), 32), "0.1");
  assert.equal(pythonFloatRepr(Math.fround(0.1)), "0.10000000149011612");
  assert.equal(pythonFloatRepr(Math.fround(1e-4), 32), "1e-04");
  assert.equal(pythonFloatRepr(Math.fround(69389568), 32), "69389570.0");
});

Deno.test("pythonBytesRepr() quotes and escapes as Python's repr()", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  assert.equal(pythonBytesRepr(bytes("scan")), "b'scan'");
  assert.equal(pythonBytesRepr(bytes(`it's "x"`)), String.raw`b'it\'s "x"'`);
  assert.equal(pythonBytesRepr(bytes("it's")), `b"it's"`);
  assert.equal(pythonBytesRepr(bytes("a\\b\t\r\n")), String.raw`b'a\\b\t\r\n'`);
  assert.equal(pythonBytesRepr(new Uint8Array([0, 0x7f, 0xff])), String.raw`b'\x00\x7f\xff'`);
});

Deno.test({
  name: "treeLines() prints floats and arrays exactly as Python and numpy do",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    // Python writes random arrays as attributes and says how punx prints them: f"{value}".
    const script = String.raw`
import sys, json, h5py, numpy as np
rng = np.random.default_rng(7)
expected = {}
with h5py.File(sys.argv[1], "w") as f:
    g = f.create_group("entry")
    g.attrs["NX_class"] = "NXentry"
    for i in range(200):
        n = int(rng.integers(1, 12))
        v = rng.standard_normal(n) * 10.0 ** int(rng.integers(-12, 20))
        kind = i % 5
        if kind == 1: v = np.round(v)
        if kind == 2: v = v.astype("f4")
        if kind == 3: v = rng.integers(-10 ** 9, 10 ** 9, n)
        if kind == 4: v[0] = [np.nan, np.inf, -np.inf, 0.0][i % 4]
        g.attrs["a%03d" % i] = v
        g.attrs["s%03d" % i] = v[-1]
        g["d%03d" % i] = v
        expected["a%03d" % i] = f"{v}"
        expected["s%03d" % i] = f"{v[-1]}"
        expected["d%03d" % i] = str([x for x in v] if n <= 5 else [v[0], v[1], v[2], "...", v[-1]]) if n > 1 else str(v[0])
print(json.dumps(expected))
`;
    await withDir(async (dir) => {
      const path = `${dir}/numpy.h5`;
      const python = pythonWithH5py();
      if (python === null) throw new Error("Python with h5py is not available");
      const command = new Deno.Command(python, { args: ["-c", script, path] });
      const { success, stdout, stderr } = await command.output();
      assert.ok(success, new TextDecoder().decode(stderr));
      const expected = JSON.parse(new TextDecoder().decode(stdout)) as Record<string, string>;
      const text = (await treeLines(path)).join("\n");
      for (const [name, value] of Object.entries(expected)) {
        const line = name.startsWith("d")
          ? new RegExp(`^    ${name}:NX_\\w+(\\[\\d+\\])? = (.*)$`, "m").exec(text)?.[2]
          : text.split(`\n    @${name} = `)[1]?.split(/\n {4}(?:@[as]\d{3} = |d\d{3}:)/)[0];
        assert.equal(line, value, name);
      }
    });
  },
});

Deno.test("treeLines() reads through the backend it is given, and h5wasm never loads", async () => {
  // In a process that cannot load npm packages at all, so h5wasm could not be used.
  const script = `
import { treeLines } from ${JSON.stringify(import.meta.resolve("./listing.ts"))};
const float = { class: "float", size: 8, signed: false, vlen: false, utf8: false };
const text = { class: "string", size: 8, signed: false, vlen: true, utf8: true };
const attribute = (name, value) => ({ name, type: text, shape: [], read: () => value });
const x = {
  kind: "dataset", path: "/entry/x", address: "2", type: float, shape: [3],
  attributes: () => [attribute("units", "mm")],
  read: () => new Float64Array([0, 0.5, 1]),
  readRows: (start, stop) => new Float64Array([0, 0.5, 1]).subarray(start, stop),
};
const entry = {
  kind: "group", path: "/entry", address: "1",
  attributes: () => [attribute("NX_class", "NXentry")],
  children: () => [
    { name: "x", path: "/entry/x", link: "hard", object: "dataset" },
    { name: "y", path: "/entry/y", link: "soft", target: "/entry/x" },
  ],
};
const root = {
  kind: "group", path: "/", address: "0", attributes: () => [],
  children: () => [{ name: "entry", path: "/entry", link: "hard", object: "group" }],
};
const objects = { "/": root, "/entry": entry, "/entry/x": x };
const backend = { open: (path) => Promise.resolve({ path, get: (p) => objects[p], close() {} }) };
console.log((await treeLines("memory.h5", { backend })).join("\\n"));
`;
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/list.js`, script);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-npm", "--no-check", "--no-config", "list.js"],
      cwd: dir,
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.deepEqual(new TextDecoder().decode(stdout).trimEnd().split("\n"), [
      "memory.h5 : NeXus data file",
      "  entry:NXentry",
      '    @NX_class = "NXentry"',
      "    x:NX_FLOAT64[3] = [0.0, 0.5, 1.0]",
      '      @units = "mm"',
      "    y: --> /entry/x",
    ]);
  });
});

Deno.test("treeLines() asks the backend for each object's attributes and values once", async () => {
  await withDir(async (dir) => {
    const path = await write(seedTree(), `${dir}/seed.h5`);
    const h5wasm = new H5wasmBackend();
    const asked = new Map<string, number>();
    const count = (key: string) => asked.set(key, (asked.get(key) ?? 0) + 1);
    const backend = {
      async open(file: string) {
        const opened = await h5wasm.open(file);
        return {
          path: opened.path,
          close: () => opened.close(),
          get(at: string) {
            const node = opened.get(at);
            if (node === undefined) return undefined;
            const attributes = () => {
              count(`attributes ${at}`);
              return node.attributes().map((a) => ({
                name: a.name,
                type: a.type,
                shape: a.shape,
                read: () => (count(`read ${at}@${a.name}`), a.read()),
              }));
            };
            return { ...node, address: node.address, attributes } as typeof node;
          },
        };
      },
    };
    const lines = await treeLines(path, { backend });
    assert.deepEqual(lines, await treeLines(path));
    assert.ok(asked.size > 50, `${asked.size} questions`);
    for (const [key, times] of asked) assert.equal(times, 1, key);
  });
});
