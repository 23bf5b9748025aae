import assert from "node:assert/strict";
import { composeRun } from "../mod.ts";
import {
  buildTree,
  type BuildTreeOptions,
  checkTree,
  type NexusTree,
  type NxNode,
  RunAccumulator,
  type RunStart,
} from "../core/nexus/mod.ts";
import { metadata, type Options } from "./metadata.ts";

const METADATA = "/entry/instrument/bluesky/metadata";

async function build(
  start: Partial<RunStart>,
  options?: Options,
  build: BuildTreeOptions = {},
) {
  const run = new RunAccumulator(
    composeRun(start, { uid: () => "uid-1", clock: () => 1000 }).start,
  );
  const { tree, warnings } = await buildTree(run, [metadata(options)], build);
  return { tree, warnings: warnings.map((w) => w.message) };
}

function field(tree: NexusTree, path: string) {
  const node: NxNode | undefined = tree.get(path);
  assert.equal(node?.kind, "field", `${path} is a field`);
  return node as Extract<NxNode, { kind: "field" }>;
}

const attr = (node: NxNode | undefined, name: string) => node?.attrs.get(name)?.value;

Deno.test("metadata() writes strings, integers, floats and booleans as typed fields with @target", async () => {
  const { tree } = await build({
    plan_name: "scan",
    num_points: 5,
    exposure: 0.25,
    dry_run: false,
  });
  const cases = [
    ["plan_name", "NX_CHAR", "scan"],
    ["num_points", "NX_INT64", 5],
    ["exposure", "NX_FLOAT64", 0.25],
    ["dry_run", "NX_BOOLEAN", false],
  ] as const;
  for (const [key, dtype, value] of cases) {
    const node = field(tree, `${METADATA}/${key}`);
    assert.equal(node.dtype, dtype, key);
    assert.deepEqual(node.shape, [], key);
    assert.equal(node.data, value, key);
    assert.equal(attr(node, "target"), `${METADATA}/${key}`);
    assert.equal(attr(node, "text_format"), undefined);
  }
});

Deno.test("metadata() writes objects, arrays and null as YAML text", async () => {
  const { tree } = await build({
    versions: { ophyd: "1.6.4", bluesky: "1.8.3" },
    detectors: ["sensor"],
    sample: null as unknown as string,
  });
  const expected = {
    versions: "bluesky: 1.8.3\nophyd: 1.6.4\n",
    detectors: "- sensor\n",
    sample: "null\n",
  };
  for (const [key, text] of Object.entries(expected)) {
    const node = field(tree, `${METADATA}/${key}`);
    assert.equal(node.dtype, "NX_CHAR");
    assert.equal(node.data, text);
    assert.equal(attr(node, "text_format"), "yaml");
    assert.equal(attr(node, "target"), `${METADATA}/${key}`);
  }
});

Deno.test("metadata() writes the uid as run_start_uid and links uid and plan_name to the metadata", async () => {
  const { tree } = await build({ plan_name: "count" });
  const uid = field(tree, `${METADATA}/run_start_uid`);
  assert.equal(uid.data, "uid-1");
  assert.equal(attr(uid, "long_name"), "bluesky run uid");
  assert.equal(attr(uid, "target"), `${METADATA}/run_start_uid`);
  assert.equal(tree.get(`${METADATA}/uid`), undefined);
  const bluesky = tree.get("/entry/instrument/bluesky");
  assert.equal(bluesky?.kind === "group" && bluesky.nxClass, "NXnote");
  const links = ["uid", "plan_name"].map((name) => tree.get(`/entry/instrument/bluesky/${name}`));
  assert.deepEqual(links.map((link) => link?.kind === "link" && link.target), [
    `${METADATA}/run_start_uid`,
    `${METADATA}/plan_name`,
  ]);
  assert.deepEqual(checkTree(tree), []);
});

Deno.test("metadata() leaves out scan_id and time by default, and the keys exclude names", async () => {
  let { tree } = await build({ scan_id: 3, owner: "me" });
  assert.equal(tree.get(`${METADATA}/scan_id`), undefined);
  assert.equal(tree.get(`${METADATA}/time`), undefined);
  assert.equal(field(tree, `${METADATA}/owner`).data, "me");
  ({ tree } = await build({ scan_id: 3, owner: "me" }, { exclude: ["owner"] }));
  assert.equal(field(tree, `${METADATA}/scan_id`).data, 3);
  assert.equal(field(tree, `${METADATA}/time`).data, 1000);
  assert.equal(tree.get(`${METADATA}/owner`), undefined);
});

Deno.test("metadata() warns instead of failing when the start has no plan_name", async () => {
  const { tree, warnings } = await build({});
  assert.equal(tree.get("/entry/instrument/bluesky/plan_name"), undefined);
  assert.equal(tree.get("/entry/instrument/bluesky/uid")?.kind, "link");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /no plan_name/);
  assert.deepEqual((await build({}, {}, { warnOnMissingContent: false })).warnings, []);
});

Deno.test("metadata() makes a key HDF5 cannot take safe, keeping the key as @long_name", async () => {
  const { tree, warnings } = await build({ "a/b": 1, "..": "up", run_start_uid: "mine" });
  const cases = [["a_b", "a/b"], ["__", ".."], ["run_start_uid_2", "run_start_uid"]] as const;
  for (const [name, key] of cases) {
    assert.equal(attr(field(tree, `${METADATA}/${name}`), "long_name"), key);
  }
  assert.equal(field(tree, `${METADATA}/run_start_uid`).data, "uid-1");
  assert.equal(warnings.filter((w) => w.startsWith("Start document key")).length, 3);
  assert.deepEqual(checkTree(tree), []);
});
