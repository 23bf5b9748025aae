/**
 * The seed's run, fed as documents to the real writer, gives the layout of the seed's
 * `punx tree` listing: the same groups and NX classes, fields with their types and shapes,
 * attributes, links and their targets, and the values the documents determine.
 *
 * The expectations are read from the listing at the end of the seed
 * (`../shared/seed/000_a4eb4cb73baf23fc.txt`, next to the project's root), and the written
 * file is listed by the project's own punx-style listing, `treeLines()`. Every deliberate
 * difference from the reference (docs/nexus_layout.md) is in {@linkcode DELIBERATE} with its
 * reason, so that any other difference fails.
 */

import assert from "node:assert/strict";
import { composeRun, createNXWriter, type Document, type DocumentName, treeLines } from "../mod.ts";
import { ignoreUnless } from "./_ci.ts";
import { SHARED_DIR } from "./_schemas.ts";
import { checkNexusFile, h5dumpOk, ignoreWithoutH5py, resolvePath } from "./_interop.ts";

/** The seed: a notebook of apstools' NXWriter whose output ends with `punx tree`. */
const SEED = new URL("seed/000_a4eb4cb73baf23fc.txt", SHARED_DIR).pathname;
const seedPresent = (() => {
  try {
    return Deno.statSync(SEED).isFile;
  } catch {
    return false;
  }
})();
const ignore = ignoreUnless(seedPresent, `No seed listing at ${SEED}`);

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

// ---------------------------------------------------------------------------------------
// A punx listing, as data.

/** One line of a listing below its file: a group, a field, or a link, with its attributes. */
type Listed =
  | { kind: "group"; nxClass: string; attrs: Map<string, string> }
  | { kind: "field"; type: string; shape: string; value: string; attrs: Map<string, string> }
  | { kind: "link" | "soft link"; target: string; attrs: Map<string, string> };

const ATTRIBUTE = /^@(\w+) = (.*)$/;
const LINK = /^([^\s:]+)(:?) --> (.+)$/;
const GROUP = /^([^\s:]+)(?::(NX(?!_)\w*))?$/;
const FIELD = /^([^\s:]+):(NX_\w+)(\[[^\]]*\])? =(?: (.*))?$/;

/**
 * The nodes of a `punx tree` listing by path (`/` for the file itself). A line that is none
 * of the shapes continues the value before it, as text with newlines does.
 */
function parseListing(lines: readonly string[]): Map<string, Listed> {
  const nodes = new Map<string, Listed>();
  const root: Listed = { kind: "group", nxClass: "", attrs: new Map() };
  nodes.set("/", root);
  const parents: string[] = ["/"];
  let last: { attrs: Map<string, string>; name?: string; field?: Listed } = { attrs: root.attrs };
  for (const line of lines.slice(1)) {
    const indent = /^ */.exec(line)![0].length;
    const depth = indent / 2;
    const text = line.slice(indent);
    const attribute = ATTRIBUTE.exec(text);
    const owner = nodes.get(parents[depth - 1] ?? "");
    if (attribute && owner && Number.isInteger(depth)) {
      owner.attrs.set(attribute[1]!, attribute[2]!);
      last = { attrs: owner.attrs, name: attribute[1]! };
      continue;
    }
    const parent = parents[depth - 1];
    const link = LINK.exec(text);
    const field = link ? null : FIELD.exec(text);
    const group = link || field ? null : GROUP.exec(text);
    const name = (link ?? field ?? group)?.[1];
    if (parent === undefined || !Number.isInteger(depth) || name === undefined) {
      // A continuation line of the last value.
      if (last.name !== undefined) {
        last.attrs.set(last.name, `${last.attrs.get(last.name)}\n${line}`);
      } else if (last.field?.kind === "field") last.field.value += `\n${line}`;
      continue;
    }
    const path = `${parent === "/" ? "" : parent}/${name}`;
    const attrs = new Map<string, string>();
    const node: Listed = link
      ? { kind: link[2] === ":" ? "soft link" : "link", target: link[3]!, attrs }
      : field
      ? { kind: "field", type: field[2]!, shape: field[3] ?? "", value: field[4] ?? "", attrs }
      : { kind: "group", nxClass: group![2] ?? "", attrs };
    nodes.set(path, node);
    parents.length = depth;
    parents.push(path);
    last = { attrs: node.attrs, field: node };
  }
  return nodes;
}

/** The `punx tree` listing in the seed: from its `: NeXus data file` line to the blank line. */
function seedListing(): string[] {
  const lines = Deno.readTextFileSync(SEED).split("\n").map((line) => line.trimEnd());
  const first = lines.findIndex((line) => / : NeXus data file$/.test(line));
  assert.ok(first >= 0, `${SEED} has no punx tree listing`);
  const end = lines.indexOf("", first);
  return lines.slice(first, end < 0 ? undefined : end);
}

/** Each way two listings differ, one sentence per difference, sorted. */
function differences(ours: Map<string, Listed>, reference: Map<string, Listed>): string[] {
  const out: string[] = [];
  const attrs = (path: string, mine: Map<string, string>, theirs: Map<string, string>) => {
    for (const [name, value] of theirs) {
      const at = `${path === "/" ? "" : path}@${name}`;
      const got = mine.get(name);
      if (got === undefined) out.push(`${at} is missing`);
      else if (got !== value && !NOT_COMPARED.has(at)) {
        out.push(`${at} = ${got}, reference ${value}`);
      }
    }
    for (const name of mine.keys()) {
      if (!theirs.has(name)) out.push(`${path === "/" ? "" : path}@${name} is extra`);
    }
  };
  for (const [path, theirs] of reference) {
    const mine = ours.get(path);
    if (mine === undefined) {
      out.push(`${path} is missing`);
      continue;
    }
    if (mine.kind !== theirs.kind) {
      out.push(`${path} is a ${mine.kind}, reference a ${theirs.kind}`);
      continue;
    }
    if (mine.kind === "group" && theirs.kind === "group" && mine.nxClass !== theirs.nxClass) {
      out.push(`${path} is ${mine.nxClass || "without class"}, reference ${theirs.nxClass}`);
    }
    if (mine.kind === "field" && theirs.kind === "field") {
      const [a, b] = [`${mine.type}${mine.shape}`, `${theirs.type}${theirs.shape}`];
      if (a !== b) out.push(`${path} is ${a}, reference ${b}`);
      // punx shows no value of a scalar number; what differs by nature is not compared.
      else if (theirs.value !== "" && mine.value !== theirs.value && !NOT_COMPARED.has(path)) {
        out.push(`${path} = ${mine.value}, reference ${theirs.value}`);
      }
    }
    if ((mine.kind === "link" || mine.kind === "soft link") && "target" in theirs) {
      if (mine.target !== theirs.target) {
        out.push(`${path} --> ${mine.target}, reference --> ${theirs.target}`);
      }
    }
    attrs(path, mine.attrs, theirs.attrs);
  }
  for (const path of ours.keys()) if (!reference.has(path)) out.push(`${path} is extra`);
  return out.sort();
}

// ---------------------------------------------------------------------------------------
// What may differ.

const PRIMARY = "/entry/instrument/bluesky/streams/primary";
const METADATA = "/entry/instrument/bluesky/metadata";

/** Values that differ by nature: where, when and with which library the file was written. */
const NOT_COMPARED = new Set(["@file_name", "@file_time", "@HDF5_Version"]);

/**
 * The deliberate differences from the reference (docs/nexus_layout.md), each with its reason.
 * The listing's `b'...'` bytes are kept as they print.
 */
const DELIBERATE: [difference: string, reason: string][] = [
  [
    `/entry/data/EPOCH --> ${PRIMARY}/sensor/EPOCH, reference --> ${PRIMARY}/sensor/time`,
    "EPOCH is the signal's epoch seconds, not its seconds since the first reading",
  ],
  [
    "/entry/data@motor_indices is extra",
    "NeXus ties each axis to a dimension of the signal with AXISNAME_indices",
  ],
  [
    "/entry/end_time = b'2022-08-12T17:27:42.139426-05:00', reference b'2022-08-12T17:27:42.139426'",
    "NX_DATE_TIME is ISO 8601 with the UTC offset; naive local time is another instant elsewhere",
  ],
  [
    "/entry/start_time = b'2022-08-12T17:27:38.779351-05:00', reference b'2022-08-12T17:27:38.779351'",
    "NX_DATE_TIME is ISO 8601 with the UTC offset; naive local time is another instant elsewhere",
  ],
  [
    String.raw`${METADATA}/hints = b'dimensions:\n- - - motor\n  - primary\n', ` +
    String.raw`reference b'dimensions:\n- !!python/tuple\n  - - motor\n  - primary\n'`,
    "documents are JSON, which has no tuples; Python tags are unreadable by other YAML readers",
  ],
  [
    String.raw`${METADATA}/motors = b'- motor\n', reference b'!!python/tuple\n- motor\n'`,
    "documents are JSON, which has no tuples; Python tags are unreadable by other YAML readers",
  ],
  ["@h5py_version is missing", "the file is written with h5wasm, not h5py"],
  ["@h5wasm_version is extra", "the file names the library that wrote it"],
  ["@creator_version is extra", "the file names the version of the writer that wrote it"],
];

// ---------------------------------------------------------------------------------------

/** Write the seed's run with the writer as a user gets it, in the seed's time zone. */
async function writeSeed(dir: string): Promise<{ path: string; warnings: unknown[] }> {
  const writer = createNXWriter({
    filePath: dir,
    fileName: "nxwriter.h5",
    timeZone: "America/Chicago",
  });
  for (const [name, doc] of seedDocuments()) writer.receiver(name, doc);
  const path = await writer.wait();
  return { path, warnings: [...writer.warnings] };
}

Deno.test({
  name:
    "The seed's run, written by the writer, lists as the seed's punx tree but for the deliberate differences",
  ignore,
  async fn() {
    const reference = parseListing(seedListing());
    assert.ok(reference.size > 50, `only ${reference.size} nodes read from ${SEED}`);
    const dir = await Deno.makeTempDir();
    try {
      const { path, warnings } = await writeSeed(dir);
      const ours = parseListing(await treeLines(path));
      assert.deepEqual(differences(ours, reference), DELIBERATE.map(([d]) => d).sort());
      assert.deepEqual(warnings, []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "The listing comparison reports a changed class, type, link, attribute and value",
  ignore,
  fn() {
    const lines = seedListing();
    const reference = parseListing(lines);
    const changed = parseListing(
      lines.map((line) =>
        line
          .replace("sensor:NXdetector", "sensor:NXcollection")
          .replace("num_points:NX_INT64[]", "num_points:NX_INT32[]")
          .replace("value --> /entry/instrument/bluesky/streams/primary/motor", "value --> /x")
          .replace('@signal = "sensor"', '@signal = "motor"')
          .replace("b'inner_product'", "b'outer_product'")
          .replace('@NeXus_version = "v2020.1"', '@nexus_version = "v2020.1"')
      ),
    );
    assert.deepEqual(differences(changed, reference), [
      '/entry/data@signal = "motor", reference "sensor"',
      "/entry/instrument/bluesky/metadata/num_points is NX_INT32[], reference NX_INT64[]",
      "/entry/instrument/bluesky/metadata/plan_pattern = b'outer_product', reference b'inner_product'",
      "/entry/instrument/detectors/sensor is NXcollection, reference NXdetector",
      `/entry/instrument/positioners/motor/value --> /x, reference --> ${PRIMARY}/motor`,
      "@NeXus_version is missing",
      "@nexus_version is extra",
    ]);
  },
});

Deno.test({
  name: "The seed's file, read back by h5py, keeps its values, links and @default chain",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { path } = await writeSeed(dir);
      const summary = await checkNexusFile(path);
      assert.ok(await h5dumpOk(path));
      assert.deepEqual(resolvePath(summary, "/entry/data/motor")?.value, MOTOR);
      assert.deepEqual(resolvePath(summary, "/entry/data/sensor")?.value, SENSOR);
      assert.deepEqual(resolvePath(summary, "/entry/data/EPOCH")?.value, EPOCH.sensor);
      assert.equal(resolvePath(summary, "/entry/entry_identifier")?.value, UID);
      const duration = resolvePath(summary, "/entry/duration")?.value as number;
      assert.ok(Math.abs(duration - (STOP_TIME - START_TIME)) < 1e-9, `${duration}`);
      assert.equal(resolvePath(summary, `${METADATA}/num_points`)?.value, 5);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
