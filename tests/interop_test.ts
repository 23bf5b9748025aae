import assert from "node:assert/strict";
import { withDir } from "./_temp_dir.ts";
import { AssertionError } from "node:assert";
import {
  checkNexusFile,
  h5dumpOk,
  ignoreWithoutH5dump,
  ignoreWithoutH5py,
  nexusProblems,
  readWithH5py,
  resolvePath,
} from "./_interop.ts";
import { checkTree } from "../core/nexus/check.ts";
import { H5wasmBackend } from "../core/nexus/h5wasm_backend.ts";
import { NexusTree } from "../core/nexus/tree.ts";
import { type NxGroup, nxInt } from "../core/nexus/nodes.ts";
import { childrenOf } from "../core/nexus/_mutable.ts";

/** A file that keeps every NeXus promise, with a link to a second file beside it. */
function goodTree(): NexusTree {
  const tree = new NexusTree();
  const b = tree.builder("test");
  b.attr("/", "default", "entry");
  b.group("/entry", "NXentry", { default: "data" });
  b.group("/entry/instrument", "NXinstrument");
  b.group("/entry/instrument/stream", "NXdata", {
    signal: "value",
    axes: ["time"],
    time_indices: 0,
  });
  b.field("/entry/instrument/stream/value", [1, 2, 3], { target: true });
  b.field("/entry/instrument/stream/time", [0, 1, 2], { target: true });
  b.group("/entry/data", "NXdata", { signal: "sensor", axes: ["motor", "."] });
  b.link("/entry/data/sensor", "/entry/instrument/stream/value");
  b.link("/entry/data/motor", "/entry/instrument/stream/time");
  b.link("/entry/stream", "/entry/instrument/stream");
  b.externalLink("/entry/detector", "detector.h5", "/image");
  return tree;
}

async function writeDetector(dir: string): Promise<void> {
  const tree = new NexusTree();
  tree.builder("test").field("/image", new Uint16Array(4), { shape: [2, 2] });
  await new H5wasmBackend().write(tree, `${dir}/detector.h5`);
}

Deno.test({
  name: "readWithH5py() sees kinds, hard links as one object, and where links lead",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    await withDir(async (dir) => {
      await new H5wasmBackend().write(goodTree(), `${dir}/run.h5`);
      let summary = await readWithH5py(`${dir}/run.h5`);
      const { objects } = summary;
      assert.equal(objects["/"]?.kind, "group");
      assert.equal(objects["/entry"]?.kind, "group");
      assert.equal(objects["/entry/instrument/stream/value"]?.kind, "dataset");
      assert.equal(
        objects["/entry/data/sensor"]?.addr,
        objects["/entry/instrument/stream/value"]?.addr,
      );
      assert.notEqual(objects["/entry/data/sensor"]?.addr, objects["/entry/data/motor"]?.addr);
      assert.equal(objects["/entry/stream"]?.aliasOf, "/entry/instrument/stream");
      assert.equal(
        resolvePath(summary, "/entry/stream/time")?.path,
        "/entry/instrument/stream/time",
      );
      assert.deepEqual(objects["/entry/instrument/stream/time"]?.value, [0, 1, 2]);
      assert.equal(objects["/entry/data"]?.attrs["signal"]?.value, "sensor");
      assert.deepEqual(objects["/entry/data"]?.attrs["axes"]?.value, ["motor", "."]);
      assert.match(summary.hdf5, /^\d+\.\d+\.\d+/);
      const external = objects["/entry/detector"]!;
      assert.deepEqual([external.kind, external.file, external.target, external.resolves], [
        "externallink",
        "detector.h5",
        "/image",
        false,
      ]);
      await writeDetector(dir);
      summary = await readWithH5py(`${dir}/run.h5`);
      assert.equal(summary.objects["/entry/detector"]?.resolves, true);
    });
  },
});

Deno.test({
  name: "readWithH5py() fails naming a file h5py cannot open",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    await withDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/text.h5`, "not HDF5");
      await assert.rejects(readWithH5py(`${dir}/text.h5`), /h5py cannot read ".*text\.h5": /);
    });
  },
});

Deno.test({
  name: "checkNexusFile() passes a file that keeps the NeXus promises",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    await withDir(async (dir) => {
      assert.deepEqual(checkTree(goodTree()), [], "the writer's own check agrees");
      await new H5wasmBackend().write(goodTree(), `${dir}/run.h5`);
      await writeDetector(dir);
      const summary = await checkNexusFile(`${dir}/run.h5`);
      assert.deepEqual(nexusProblems(summary), []);
    });
  },
});

Deno.test({
  name: "checkNexusFile() lists every broken promise, each with its path",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    await withDir(async (dir) => {
      const tree = new NexusTree();
      const b = tree.builder("test");
      b.attr("/", "default", "entry");
      b.group("/entry", "NXentry", { default: "data" });
      // The builder refuses a class-less group at once; put one in by hand, to write it
      // unchecked.
      const entry = tree.get("/entry") as NxGroup;
      childrenOf(entry).set("classless", {
        kind: "group",
        name: "classless",
        path: "/entry/classless",
        owner: "test",
        nxClass: "",
        attrs: new Map(),
        children: new Map(),
      });
      b.group("/entry/data", "NXdata", {
        signal: "missing",
        axes: ["x", "nope"],
        x_indices: nxInt(1),
        ghost_indices: 0,
      });
      b.field("/entry/data/x", [1, 2]);
      b.field("/entry/data/y", [1, 2], { attrs: { target: "/entry/data/x" } });
      b.group("/entry/other", "NXdata", { signal: "z" });
      b.group("/entry/other/deeper", "NXnote", { target: "/entry/nowhere" });
      b.externalLink("/entry/detector", "absent.h5", "/image");
      // The writer's check refuses the class-less group before writing; written unchecked,
      // the file shows h5py every broken promise.
      assert.deepEqual(checkTree(tree).map((p) => [p.path, p.message.split(": ").at(-1)]), [
        ["/entry/classless", 'got ""'],
      ]);
      const path = `${dir}/bad.h5`;
      await new H5wasmBackend().write(tree, path);
      const error = await checkNexusFile(path).then(() => undefined, (e) => e);
      assert.ok(error instanceof AssertionError, "the check fails");
      const expected = [
        `"/entry/classless": group has no @NX_class`,
        `"/entry/data/y": @target "/entry/data/x" is another object`,
        `"/entry/other/deeper": @target "/entry/nowhere" does not exist`,
        `"/entry/detector": external link to "absent.h5:/image" does not resolve`,
        `"/entry/data": @signal "missing" is not a field of the group`,
        `"/entry/data": @axes names "nope", which is not a field of the group`,
        `"/entry/data": @ghost_indices is for a missing field "ghost"`,
        `"/entry/other": @signal "z" is not a field of the group`,
      ];
      for (const problem of expected) assert.ok(error.message.includes(problem), problem);
      assert.ok(error.message.includes(path));
      const lenient = nexusProblems(await readWithH5py(path), { externalLinksResolve: false });
      assert.ok(!lenient.some((p) => p.includes("absent.h5")));
    });
  },
});

Deno.test("nexusProblems() follows @default to the plot and checks axis indices", () => {
  const group = (path: string, attrs: Record<string, unknown>, addr: string) => ({
    path,
    kind: "group" as const,
    addr,
    attrs: Object.fromEntries(
      Object.entries(attrs).map(([k, v]) => [k, { value: v, dtype: "string", shape: [] }]),
    ),
  });
  const dataset = (path: string, shape: number[], addr: string) => ({
    path,
    kind: "dataset" as const,
    addr,
    attrs: {},
    shape,
  });
  const summary = (rootDefault: string, indices: unknown) => ({
    h5py: "",
    hdf5: "",
    objects: {
      "/": group("/", { default: rootDefault }, "0"),
      "/entry": group("/entry", { NX_class: "NXentry", default: "data" }, "1"),
      "/entry/data": group("/entry/data", {
        NX_class: "NXdata",
        signal: "y",
        axes: ["x"],
        x_indices: indices,
      }, "2"),
      "/entry/data/x": dataset("/entry/data/x", [3], "3"),
      "/entry/data/y": dataset("/entry/data/y", [3], "4"),
    },
  });
  assert.deepEqual(nexusProblems(summary("entry", 0)), []);
  assert.deepEqual(nexusProblems(summary("missing", 0)), [
    `"/": @default "missing" is not a group`,
  ]);
  assert.deepEqual(nexusProblems(summary("entry", [0, 1])), [
    `"/entry/data": @x_indices = [0,1] is not a dimension of the signal (rank 1)`,
  ]);
});

Deno.test({
  name: "h5dumpOk() accepts the backend's files and refuses other files",
  ignore: ignoreWithoutH5dump(),
  fn: async () => {
    await withDir(async (dir) => {
      await new H5wasmBackend().write(goodTree(), `${dir}/run.h5`);
      assert.equal(await h5dumpOk(`${dir}/run.h5`), true);
      await Deno.writeTextFile(`${dir}/text.h5`, "not HDF5");
      assert.equal(await h5dumpOk(`${dir}/text.h5`), false);
      assert.equal(await h5dumpOk(`${dir}/missing.h5`), false);
    });
  },
});
