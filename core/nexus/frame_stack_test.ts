import assert from "node:assert/strict";
import { NexusLayoutError } from "../errors.ts";
import { H5wasmBackend } from "./h5wasm_backend.ts";
import { loadH5wasm } from "./_h5wasm.ts";
import { frameStack } from "./frame_stack.ts";
import { NexusTree } from "./tree.ts";

function stackTree(frame: (i: number) => ArrayLike<number> | Promise<ArrayLike<number>>) {
  const tree = new NexusTree();
  const b = tree.builder("test");
  b.group("/entry", "NXentry");
  b.field("/entry/img", frameStack({ count: 5, frameShape: [6, 4], dtype: "float32", frame }), {
    attrs: { units: "counts" },
    compression: 1,
  });
  return tree;
}

Deno.test("A frame stack is written frame by frame, one gzip chunk per frame", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const asked: number[] = [];
    const tree = stackTree(async (i) => {
      asked.push(i);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return new Float32Array(24).map((_, k) => i * 100 + k);
    });
    const field = tree.get("/entry/img");
    assert.ok(field?.kind === "field");
    assert.deepEqual(field.shape, [5, 6, 4]);
    assert.equal(field.dtype, "NX_FLOAT32");
    assert.deepEqual(field.chunks, [1, 6, 4]);
    await new H5wasmBackend().write(tree, `${dir}/s.h5`);
    assert.deepEqual(asked, [0, 1, 2, 3, 4]);
    const h5 = await loadH5wasm();
    const file = new h5.api.File(`${dir}/s.h5`, "r");
    const dataset = file.get("/entry/img") as InstanceType<typeof h5.api.Dataset>;
    assert.deepEqual(dataset.shape, [5, 6, 4]);
    assert.equal(dataset.metadata.chunks?.join(), "1,6,4");
    assert.equal(dataset.filters[0]?.name, "deflate");
    const last = dataset.slice([[4, 5]]) as Float32Array;
    assert.equal(last[0], 400);
    assert.equal(last[23], 423);
    assert.equal(dataset.attrs.units?.value, "counts");
    file.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A frame that cannot be read names the field and the frame, and leaves no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const failing = stackTree((i) => {
      if (i === 3) throw new Error("asset file gone");
      return new Float32Array(24);
    });
    await assert.rejects(new H5wasmBackend().write(failing, `${dir}/f.h5`), (error) => {
      assert.ok(error instanceof NexusLayoutError);
      assert.equal(error.path, "/entry/img");
      assert.match(error.message, /Frame 3 could not be read: asset file gone/);
      return true;
    });
    const short = stackTree(() => new Float32Array(5));
    await assert.rejects(
      new H5wasmBackend().write(short, `${dir}/g.h5`),
      /Frame 0 has 5 values: a frame of \[6, 4\] has 24/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("frameStack() refuses a count or shape that is not whole", () => {
  const frame = () => new Uint8Array(1);
  assert.throws(
    () => frameStack({ count: -1, frameShape: [1], dtype: "uint8", frame }),
    /A frame count must be a whole number: got -1/,
  );
  assert.throws(
    () => frameStack({ count: 1, frameShape: [1.5], dtype: "uint8", frame }),
    /A frame shape must be whole numbers: got \[1.5\]/,
  );
});
