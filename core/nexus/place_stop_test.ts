// stopPlacing() is for good in a process: this file's module state is its own, and its tests
// run in order, the stop last.
import assert from "node:assert/strict";
import { withDir } from "../../tests/_temp_dir.ts";
import { H5wasmBackend } from "./h5wasm_backend.ts";
import { placedFiles, placeTree, stopPlacing } from "./_place_file.ts";
import { NexusTree } from "./tree.ts";

function smallTree(): NexusTree {
  const tree = new NexusTree();
  const b = tree.builder("test");
  b.group("/entry", "NXentry");
  b.field("/entry/x", new Float64Array([1, 2, 3]));
  return tree;
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("placeTree() counts the files it places", async () => {
  await withDir(async (dir) => {
    const before = placedFiles();
    const path = await placeTree(new H5wasmBackend(), smallTree(), `${dir}/a.h5`, "fail");
    assert.equal(path, `${dir}/a.h5`);
    assert.equal(placedFiles(), before + 1);
    assert.deepEqual(await names(dir), ["a.h5"]);
  });
});

Deno.test("After stopPlacing() a write under way, and any later, places nothing", async () => {
  await withDir(async (dir) => {
    const before = placedFiles();
    // The write starts, and the stop comes before it ends, as a signal's handler would.
    const underWay = placeTree(new H5wasmBackend(), smallTree(), `${dir}/b.h5`, "replace");
    stopPlacing("Stopped for the test");
    await assert.rejects(underWay, /^Error: Stopped for the test$/);
    await assert.rejects(
      placeTree(new H5wasmBackend(), smallTree(), `${dir}/c.h5`, "fail"),
      /^Error: Stopped for the test$/,
    );
    assert.equal(placedFiles(), before);
    assert.deepEqual(await names(dir), [], "neither a file nor a temporary one");
  });
});
