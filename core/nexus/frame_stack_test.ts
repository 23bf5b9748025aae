import assert from "node:assert/strict";
import { NexusLayoutError } from "../errors.ts";
import { H5wasmBackend } from "./h5wasm_backend.ts";
import { loadH5wasm } from "./_h5wasm.ts";
import { FRAME_FILTERS, type FrameFilter, frameStack, isFrameFilter } from "./frame_stack.ts";
import { checkTree } from "./check.ts";
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

Deno.test("A frame stack whose compression is a filter is written with it, one chunk per frame, and reads back equal", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ids = { bslz4: 32008, lz4: 32004 } as const;
    // A smooth frame, and noise that no filter can shrink (the filters must store it anyway).
    let seed = 12345;
    const noise = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const frames = {
      uint16: [0, 1, 2].map((i) => new Uint16Array(24).map((_, k) => (i * 37 + k * k) % 4096)),
      uint8: [0, 1, 2].map(() => new Uint8Array(24).map(() => noise() * 256)),
      float64: [0, 1, 2].map((i) => new Float64Array(24).map((_, k) => i / 3 + noise() * k)),
    };
    for (const filter of FRAME_FILTERS) {
      for (const [dtype, values] of Object.entries(frames)) {
        const tree = new NexusTree();
        const b = tree.builder("test");
        b.group("/entry", "NXentry");
        const stack = frameStack({
          count: 3,
          frameShape: [6, 4],
          dtype: dtype as keyof typeof frames,
          frame: (i) => values[i]!,
        });
        b.field("/entry/img", stack, { compression: filter });
        const path = `${dir}/${filter}_${dtype}.h5`;
        await new H5wasmBackend().write(tree, path);
        const h5 = await loadH5wasm();
        const file = new h5.api.File(path, "r");
        try {
          const dataset = file.get("/entry/img") as InstanceType<typeof h5.api.Dataset>;
          assert.deepEqual(dataset.filters.map((f) => f.id), [ids[filter]], path);
          assert.equal(dataset.metadata.chunks?.join(), "1,6,4", path);
          for (let i = 0; i < 3; i++) {
            const frame = dataset.slice([[i, i + 1]]) as ArrayLike<number>;
            assert.deepEqual(Array.from(frame), Array.from(values[i]!), `${path}, frame ${i}`);
          }
        } finally {
          file.close();
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A field that is not a stack is compressed with a filter too, as one chunk or its own", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const values = new Float64Array(1000).map((_, i) => Math.sin(i / 10));
    const counts = new Uint32Array(1000).map((_, i) => i % 7);
    const tree = new NexusTree();
    const b = tree.builder("test");
    b.group("/entry", "NXentry");
    b.field("/entry/whole", values, { compression: "bslz4" });
    b.field("/entry/chunked", counts, { compression: "lz4", chunks: [250] });
    assert.deepEqual(checkTree(tree), []);
    const path = `${dir}/fields.h5`;
    await new H5wasmBackend().write(tree, path);
    const h5 = await loadH5wasm();
    const file = new h5.api.File(path, "r");
    try {
      const whole = file.get("/entry/whole") as InstanceType<typeof h5.api.Dataset>;
      assert.deepEqual(whole.filters.map((f) => f.id), [32008]);
      assert.equal(whole.metadata.chunks?.join(), "1000");
      assert.deepEqual(Array.from(whole.value as Float64Array), Array.from(values));
      const chunked = file.get("/entry/chunked") as InstanceType<typeof h5.api.Dataset>;
      assert.deepEqual(chunked.filters.map((f) => f.id), [32004]);
      assert.equal(chunked.metadata.chunks?.join(), "250");
      assert.deepEqual(Array.from(chunked.value as Uint32Array), Array.from(counts));
    } finally {
      file.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A field whose compression names an unknown filter is refused, naming the field and the filters", () => {
  const tree = new NexusTree();
  const b = tree.builder("test");
  b.group("/entry", "NXentry");
  const stack = frameStack({ count: 1, frameShape: [2], dtype: "uint8", frame: () => [1, 2] });
  const refused = (path: string, data: unknown, filter: string) =>
    assert.throws(
      () => b.field(path, data as number[], { compression: filter as FrameFilter }),
      (error) => {
        assert.ok(error instanceof NexusLayoutError);
        assert.equal(error.path, path);
        assert.match(
          error.message,
          new RegExp(`Unknown filter "${filter}": a gzip level 0-9 or one of "bslz4", "lz4"`),
        );
        return true;
      },
    );
  refused("/entry/img", stack, "zstd");
  refused("/entry/x", [1, 2, 3], "blosc");
  assert.equal(isFrameFilter("bslz4"), true);
  assert.equal(isFrameFilter("blosc"), false);
  assert.equal(isFrameFilter("gzip"), false);
});
