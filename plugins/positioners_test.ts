import assert from "node:assert/strict";
import { composeRun, type DescriptorInit } from "../mod.ts";
import { buildTree, type NexusTree, RunAccumulator, type RunStart } from "../core/nexus/mod.ts";
import { positioners } from "./positioners.ts";
import { streams } from "./streams.ts";

/** Names of the children of the group at `path`; none when there is no such group. */
function children(tree: NexusTree, path: string): string[] {
  const node = tree.get(path);
  return node?.kind === "group" ? [...node.children.keys()] : [];
}

const STREAMS = "/entry/instrument/bluesky/streams";

async function build(
  start: Partial<RunStart>,
  descriptor: Partial<DescriptorInit> = {},
  warnOnMissingContent = true,
) {
  const run = composeRun(start);
  const acc = new RunAccumulator(run.start);
  const number = { dtype: "number" as const, shape: [], source: "SIM:x" };
  acc.receive(
    "descriptor",
    run.descriptor({
      name: "primary",
      data_keys: { m1: number, m1_user_setpoint: number, m2: number, det: number },
      hints: { m1: { fields: ["m1"] }, m2: { fields: ["m2"] }, det: { fields: ["det"] } },
      object_keys: { m1: ["m1", "m1_user_setpoint"], m2: ["m2"], det: ["det"] },
      ...descriptor,
    }).doc,
  );
  const { tree, warnings } = await buildTree(acc, [streams(), positioners()], {
    warnOnMissingContent,
  });
  return { tree, warnings: warnings.map((w) => w.message) };
}

Deno.test("positioners() writes an NXpositioner for each motor's readback linking value to its NXdata", async () => {
  const { tree, warnings } = await build({ motors: ["m1", "m2"], detectors: ["det"] });
  assert.deepEqual(children(tree, "/entry/instrument/positioners"), ["m1", "m2"]);
  const group = tree.get("/entry/instrument/positioners/m1");
  assert.equal(group?.kind === "group" && group.nxClass, "NXpositioner");
  const link = tree.get("/entry/instrument/positioners/m1/value");
  assert.equal(link?.kind === "link" && link.target, `${STREAMS}/primary/m1`);
  assert.deepEqual(warnings, []);
});

Deno.test("positioners() takes the motors from start's positioners before motors", async () => {
  const { tree } = await build({ positioners: ["m2"], motors: ["m1"] });
  assert.deepEqual(children(tree, "/entry/instrument/positioners"), ["m2"]);
});

Deno.test("positioners() falls back to hints.dimensions when the start names no motors", async () => {
  const { tree } = await build({
    hints: { dimensions: [[["m2"], "primary"], [["time"], "primary"]] },
  });
  assert.deepEqual(children(tree, "/entry/instrument/positioners"), ["m2"]);
});

Deno.test("positioners() does not make a detector a positioner too", async () => {
  const { tree } = await build({ detectors: ["m1"], motors: ["m1", "m2"] });
  assert.deepEqual(children(tree, "/entry/instrument/positioners"), ["m2"]);
});

Deno.test("positioners() writes no group for a count and warns", async () => {
  const count = { detectors: ["det"], hints: { dimensions: [[["time"], "primary"]] } };
  const { tree, warnings } = await build(count as Partial<RunStart>);
  assert.equal(tree.get("/entry/instrument/positioners"), undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /No positioner keys/);
  assert.deepEqual((await build(count as Partial<RunStart>, {}, false)).warnings, []);
});
