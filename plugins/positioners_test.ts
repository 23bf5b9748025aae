import assert from "node:assert/strict";
import { composeRun, type DescriptorInit } from "../mod.ts";
import { RunAccumulator, type RunStart } from "../core/nexus/mod.ts";
import { positioners } from "./positioners.ts";
import { buildPlugins, children } from "./_test_context.ts";

const STREAMS = "/entry/instrument/bluesky/streams";

function build(
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
  return buildPlugins(acc, [positioners()], { settings: { warnOnMissingContent } });
}

Deno.test("positioners() writes an NXpositioner for each motor's readback linking value to its NXdata", () => {
  const { tree, warnings } = build({ motors: ["m1", "m2"], detectors: ["det"] });
  assert.deepEqual(children(tree, "/entry/instrument/positioners"), ["m1", "m2"]);
  const group = tree.get("/entry/instrument/positioners/m1");
  assert.equal(group?.kind === "group" && group.nxClass, "NXpositioner");
  const link = tree.get("/entry/instrument/positioners/m1/value");
  assert.equal(link?.kind === "link" && link.target, `${STREAMS}/primary/m1`);
  assert.deepEqual(warnings, []);
});

Deno.test("positioners() takes the motors from start's positioners before motors", () => {
  const { tree } = build({ positioners: ["m2"], motors: ["m1"] });
  assert.deepEqual(children(tree, "/entry/instrument/positioners"), ["m2"]);
});

Deno.test("positioners() falls back to hints.dimensions when the start names no motors", () => {
  const { tree } = build({ hints: { dimensions: [[["m2"], "primary"], [["time"], "primary"]] } });
  assert.deepEqual(children(tree, "/entry/instrument/positioners"), ["m2"]);
});

Deno.test("positioners() does not make a detector a positioner too", () => {
  const { tree } = build({ detectors: ["m1"], motors: ["m1", "m2"] });
  assert.deepEqual(children(tree, "/entry/instrument/positioners"), ["m2"]);
});

Deno.test("positioners() writes no group for a count and warns", () => {
  const count = { detectors: ["det"], hints: { dimensions: [[["time"], "primary"]] } };
  const { tree, warnings } = build(count as Partial<RunStart>);
  assert.equal(tree.get("/entry/instrument/positioners"), undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /No positioner keys/);
  assert.deepEqual(build(count as Partial<RunStart>, {}, false).warnings, []);
});
