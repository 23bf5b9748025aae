import assert from "node:assert/strict";
import { composeRun } from "../mod.ts";
import { buildTree, type NexusTree, type NxNode, RunAccumulator } from "../core/nexus/mod.ts";
import { defaults, type Options, source } from "./source.ts";

async function build(options?: Options): Promise<NexusTree> {
  return (await buildTree(new RunAccumulator(composeRun().start), [source(options)])).tree;
}

function text(node: NxNode | undefined): unknown {
  return node?.kind === "field" && node.dtype === "NX_CHAR" ? node.data : undefined;
}

Deno.test("source() writes apstools' generic source by default", async () => {
  const tree = await build();
  const group = tree.get("/entry/instrument/source");
  assert.equal(group?.kind === "group" && group.nxClass, "NXsource");
  const name = tree.get("/entry/instrument/source/name");
  assert.equal(text(name), "Bluesky framework");
  assert.equal(name?.attrs.get("short_name")?.value, "bluesky");
  assert.equal(text(tree.get("/entry/instrument/source/probe")), "x-ray");
  assert.equal(text(tree.get("/entry/instrument/source/type")), "Synchrotron X-ray Source");
  assert.equal(defaults.name, "Bluesky framework");
});

Deno.test("source() writes the name, probe and type its options give, and no empty short name", async () => {
  const tree = await build({
    name: "Advanced Photon Source",
    shortName: "",
    type: "Synchrotron X-ray Source",
  });
  const name = tree.get("/entry/instrument/source/name");
  assert.equal(text(name), "Advanced Photon Source");
  assert.equal(name?.attrs.has("short_name"), false);
  assert.equal(text(tree.get("/entry/instrument/source/probe")), "x-ray");
});
