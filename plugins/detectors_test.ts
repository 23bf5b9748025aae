import assert from "node:assert/strict";
import { composeRun, type DescriptorInit } from "../mod.ts";
import { buildTree, type NexusTree, RunAccumulator, type RunStart } from "../core/nexus/mod.ts";
import { detectors } from "./detectors.ts";
import { streams } from "./streams.ts";

/** Names of the children of the group at `path`; none when there is no such group. */
function children(tree: NexusTree, path: string): string[] {
  const node = tree.get(path);
  return node?.kind === "group" ? [...node.children.keys()] : [];
}

const STREAMS = "/entry/instrument/bluesky/streams";

async function build(
  start: Partial<RunStart>,
  descriptor: Partial<DescriptorInit>,
  options: { stream?: string; warnOnMissingContent?: boolean } = {},
) {
  const run = composeRun(start);
  const acc = new RunAccumulator(run.start);
  const number = { dtype: "number" as const, shape: [], source: "SIM:x" };
  acc.receive(
    "descriptor",
    run.descriptor({
      name: "primary",
      data_keys: { sensor: number, sensor_gain: number, motor: number },
      ...descriptor,
    }).doc,
  );
  const plugin = detectors(options.stream ? { stream: options.stream } : {});
  const { tree, warnings } = await buildTree(acc, [streams(), plugin], {
    warnOnMissingContent: options.warnOnMissingContent ?? true,
  });
  return { tree, warnings: warnings.map((w) => w.message) };
}

Deno.test("detectors() writes an NXdetector for each hinted field linking data to its NXdata", async () => {
  const { tree, warnings } = await build({ detectors: ["sensor"] }, {
    hints: { sensor: { fields: ["sensor"] } },
    object_keys: { sensor: ["sensor", "sensor_gain"] },
  });
  assert.deepEqual(children(tree, "/entry/instrument/detectors"), ["sensor"]);
  const group = tree.get("/entry/instrument/detectors/sensor");
  assert.equal(group?.kind === "group" && group.nxClass, "NXdetector");
  const notes = tree.get("/entry/instrument/detectors");
  assert.equal(notes?.kind === "group" && notes.nxClass, "NXnote");
  const link = tree.get("/entry/instrument/detectors/sensor/data");
  assert.equal(link?.kind === "link" && link.target, `${STREAMS}/primary/sensor`);
  assert.deepEqual(warnings, []);
});

Deno.test("detectors() takes all keys of a detector without hinted fields from object_keys", async () => {
  const { tree } = await build({ detectors: ["sensor"] }, {
    object_keys: { sensor: ["sensor", "sensor_gain"] },
  });
  assert.deepEqual(children(tree, "/entry/instrument/detectors"), ["sensor", "sensor_gain"]);
});

Deno.test("detectors() takes a detector named like a data key as that key", async () => {
  const { tree } = await build({ detectors: ["sensor_gain"] }, {});
  assert.deepEqual(children(tree, "/entry/instrument/detectors"), ["sensor_gain"]);
});

Deno.test("detectors() writes no group and warns when the run has no detectors", async () => {
  const { tree, warnings } = await build({ motors: ["motor"] }, {});
  assert.equal(tree.get("/entry/instrument/detectors"), undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /No detector keys in stream "primary"/);
  const quiet = await build({}, {}, { warnOnMissingContent: false });
  assert.deepEqual(quiet.warnings, []);
});

Deno.test("detectors() looks for the detectors in the stream its options name", async () => {
  const { tree } = await build({ detectors: ["sensor"] }, { name: "fly" }, { stream: "fly" });
  const link = tree.get("/entry/instrument/detectors/sensor/data");
  assert.equal(link?.kind === "link" && link.target, `${STREAMS}/fly/sensor`);
});
