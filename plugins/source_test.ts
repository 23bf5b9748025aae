import assert from "node:assert/strict";
import { composeRun, NexusTree, type NxNode, RunAccumulator } from "../mod.ts";
import { defaults, type Options, source } from "./source.ts";

function build(options?: Options): NexusTree {
  const tree = new NexusTree();
  const plugin = source(options);
  plugin.build({
    run: new RunAccumulator(composeRun().start),
    tree: tree.builder(plugin.name),
    settings: {
      filePath: "run.h5",
      nxdataSignal: undefined,
      nxdataSignalAxes: undefined,
      instrumentName: undefined,
      warnOnMissingContent: true,
      timeZone: "UTC",
    },
    warn: () => {},
  });
  return tree;
}

function text(node: NxNode | undefined): unknown {
  return node?.kind === "field" && node.dtype === "NX_CHAR" ? node.data : undefined;
}

Deno.test("source() writes apstools' generic source by default", () => {
  const tree = build();
  const group = tree.get("/entry/instrument/source");
  assert.equal(group?.kind === "group" && group.nxClass, "NXsource");
  const name = tree.get("/entry/instrument/source/name");
  assert.equal(text(name), "Bluesky framework");
  assert.equal(name?.attrs.get("short_name")?.value, "bluesky");
  assert.equal(text(tree.get("/entry/instrument/source/probe")), "x-ray");
  assert.equal(text(tree.get("/entry/instrument/source/type")), "Synchrotron X-ray Source");
  assert.equal(defaults.name, "Bluesky framework");
});

Deno.test("source() writes the name, probe and type its options give, and no empty short name", () => {
  const tree = build({
    name: "Advanced Photon Source",
    shortName: "",
    type: "Synchrotron X-ray Source",
  });
  const name = tree.get("/entry/instrument/source/name");
  assert.equal(text(name), "Advanced Photon Source");
  assert.equal(name?.attrs.has("short_name"), false);
  assert.equal(text(tree.get("/entry/instrument/source/probe")), "x-ray");
});
