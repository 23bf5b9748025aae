import assert from "node:assert/strict";
import { withDir } from "../../tests/_temp_dir.ts";
import { treeLines } from "./listing.ts";
import { Hdf5FormatUnsupported, hdf5Reader, openHdf5 } from "./_hdf5_reader.ts";
import { H5wasmBackend } from "./h5wasm_backend.ts";
import { frameStack } from "./frame_stack.ts";
import { nxFloat } from "./nodes.ts";
import { NexusTree } from "./tree.ts";
import { ignoreWithoutH5py, pythonWithH5py } from "../../tests/_interop.ts";
import { h5wasmReader, listBoth, walk } from "../../tests/_hdf5_readers.ts";

/** Assert that both readers list `path` alike, and whether the TypeScript reader gave up. */
async function assertSameListing(path: string, expected: "read" | RegExp): Promise<void> {
  const { ts, h5wasm } = await listBoth(path);
  if (expected === "read") {
    assert.ok(!(ts instanceof Hdf5FormatUnsupported), `${path}: ${(ts as Error).message}`);
    assert.deepEqual(ts, h5wasm, path);
    assert.deepEqual(await walk(hdf5Reader, path), await walk(h5wasmReader, path), path);
  } else {
    assert.ok(ts instanceof Hdf5FormatUnsupported, `${path}: the TypeScript reader read it`);
    assert.match(ts.message, expected);
  }
  assert.deepEqual(await treeLines(path), h5wasm, path);
}

/** A tree with what the writer writes: every type, many members, chunks, links. */
function richTree(): NexusTree {
  const tree = new NexusTree();
  const b = tree.builder("test");
  const many: Record<string, number> = {};
  for (let i = 0; i < 12; i++) many[`a${i}`] = i / 4;
  b.group("/entry", "NXentry", { ...many, words: ["one", "two"], flag: true, n: 3n });
  b.field("/entry/title", "ünïcode title", { attrs: { "é": "accent", "z": "last ascii" } });
  b.field("/entry/données", [1, 2]);
  b.field("/entry/zèbre", [3]);
  b.field("/entry/\u{1F600}", 4);
  b.field("/entry/\uFF21", 5);
  b.field("/entry/names", ["a", "bb", "ccc"]);
  b.field("/entry/f32", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], { dtype: "NX_FLOAT32" });
  b.field("/entry/whole", -32000, { dtype: "NX_FLOAT64", attrs: { whole: nxFloat(-32000) } });
  b.field("/entry/i8", new Int8Array([-1, 2, -3]));
  b.field("/entry/u16", new Uint16Array([1, 65535]));
  b.field("/entry/i64", new BigInt64Array([-(2n ** 62n), 5n]));
  b.field("/entry/u64", new BigUint64Array([2n ** 63n]));
  b.field("/entry/yes", true);
  b.field("/entry/matrix", new Float64Array(24).map((_, i) => i * 1.5), {
    shape: [2, 3, 4],
    attrs: many,
  });
  b.field("/entry/chunked", new Int32Array(100).map((_, i) => i * i), {
    shape: [10, 10],
    chunks: [3, 4],
    compression: 4,
  });
  b.field("/entry/plain_chunks", new Float64Array(7).map((_, i) => i), { chunks: [2] });
  b.field("/entry/empty", new Float64Array(0));
  const frame = (i: number) => new Uint16Array(12).map((_, j) => i * 100 + j);
  b.field("/entry/frames", frameStack({ count: 5, frameShape: [3, 4], dtype: "uint16", frame }), {
    compression: 1,
  });
  b.group("/entry/lots", "NXcollection");
  for (let i = 0; i < 60; i++) b.field(`/entry/lots/f${String(i).padStart(2, "0")}`, i);
  b.link("/entry/again", "/entry/matrix");
  b.link("/entry/lots/back", "/entry");
  b.externalLink("/entry/outside", "other.h5", "/data");
  return tree;
}

Deno.test("The TypeScript reader reads what the backend writes, exactly as h5wasm does", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/rich.h5`;
    await new H5wasmBackend().write(richTree(), path);
    await assertSameListing(path, "read");
  });
});

Deno.test("The TypeScript reader reads links and attributes by the thousand", async () => {
  await withDir(async (dir) => {
    // Enough for B-trees two levels deep and heaps of indirect blocks.
    const tree = new NexusTree();
    const b = tree.builder("test");
    const attrs: Record<string, number> = {};
    for (let i = 0; i < 3000; i++) attrs[`attribute_with_a_long_name_${i}`] = i;
    b.group("/entry", "NXentry");
    b.group("/entry/many", "NXcollection", attrs);
    for (let i = 0; i < 3000; i++) b.field(`/entry/many/field_with_a_long_name_${i}`, i);
    const path = `${dir}/many.h5`;
    await new H5wasmBackend().write(tree, path);
    const { ts, h5wasm } = await listBoth(path);
    assert.deepEqual(ts, h5wasm);
    assert.equal(h5wasm.length, 6005);
  });
});

Deno.test("The TypeScript reader reads a large file where asked, as one it reads whole", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/rich.h5`;
    await new H5wasmBackend().write(richTree(), path);
    const piecewise = { open: (file: string) => openHdf5(file, { readWhole: 0 }) };
    assert.deepEqual(await walk(piecewise, path), await walk(hdf5Reader, path));
    const lines = await treeLines(path, { backend: piecewise, fallback: false });
    assert.deepEqual(lines, await treeLines(path, { backend: h5wasmReader }));
  });
});

Deno.test("treeLines() lists with h5wasm a file the TypeScript reader does not read", async () => {
  await withDir(async (dir) => {
    const tree = new NexusTree();
    const frame = (i: number) => new Uint16Array(4).fill(i);
    tree.builder("test").group("/entry", "NXentry");
    tree.builder("test").field(
      "/entry/frames",
      frameStack({ count: 3, frameShape: [2, 2], dtype: "uint16", frame }),
      { compression: "bslz4" },
    );
    const path = `${dir}/bslz4.h5`;
    await new H5wasmBackend().write(tree, path);
    await assertSameListing(path, /uses the filter 32008/);
    assert.ok((await treeLines(path)).includes("    frames:NX_UINT16[3,2,2] = __array"));
  });
});

Deno.test("treeLines() with the TypeScript reader names a missing, damaged or foreign file", async () => {
  await withDir(async (dir) => {
    const only = { backend: hdf5Reader, fallback: false } as const;
    await assert.rejects(
      treeLines(`${dir}/missing.h5`, only),
      (error: Error) =>
        error instanceof Deno.errors.NotFound &&
        error.message === `Cannot read "${dir}/missing.h5": no such file`,
    );
    await Deno.writeTextFile(`${dir}/notes.txt`, "not an HDF5 file, but long enough to look");
    await assert.rejects(
      treeLines(`${dir}/notes.txt`, only),
      new RegExp(`^Error: "${dir}/notes.txt" is not an HDF5 file: it has no HDF5 signature$`),
    );
    await assert.rejects(
      treeLines(dir, only),
      new RegExp(`^Error: Cannot read "${dir}": not a file`),
    );

    const whole = `${dir}/whole.h5`;
    await new H5wasmBackend().write(richTree(), whole);
    const bytes = await Deno.readFile(whole);
    for (const length of [bytes.length - 1, Math.floor(bytes.length / 2), 100, 20]) {
      const cut = `${dir}/cut-${length}.h5`;
      await Deno.writeFile(cut, bytes.subarray(0, length));
      for (const options of [only, {}]) {
        await assert.rejects(
          treeLines(cut, options),
          new RegExp(`^Error: Cannot open "${cut}" as HDF5: `),
          `${length} bytes`,
        );
      }
    }
    // Damage inside: the root group's header is overwritten.
    const damaged = bytes.slice();
    const root = Number(new DataView(damaged.buffer).getBigUint64(36, true));
    damaged.fill(0x55, root, root + 16);
    await Deno.writeFile(`${dir}/damaged.h5`, damaged);
    await assert.rejects(
      treeLines(`${dir}/damaged.h5`, only),
      new RegExp(
        `^Error: Cannot read "${dir}/damaged.h5": Cannot read "/" in "${dir}/damaged.h5": ` +
          "the file is damaged: no object header at byte",
      ),
    );
  });
});

Deno.test("treeLines() lists a file without loading h5wasm when the TypeScript reader reads it", async () => {
  await withDir(async (dir) => {
    await new H5wasmBackend().write(richTree(), `${dir}/rich.h5`);
    const expected = await treeLines(`${dir}/rich.h5`, { backend: h5wasmReader });
    expected[0] = "rich.h5 : NeXus data file";
    // In a process that cannot load npm packages at all, so h5wasm could not be used.
    const script = `
import { treeLines } from ${JSON.stringify(import.meta.resolve("./listing.ts"))};
console.log((await treeLines("rich.h5")).join("\\n"));
`;
    await Deno.writeTextFile(`${dir}/list.js`, script);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-npm", "--no-check", "--no-config", "--allow-read", "list.js"],
      cwd: dir,
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.deepEqual(new TextDecoder().decode(stdout).trimEnd().split("\n"), expected);
  });
});

/** Files h5py writes, each with what makes the TypeScript reader give up (or "read"). */
const H5PY_SCRIPT = String.raw`
import sys, h5py, numpy as np
out = sys.argv[1]
v18 = {"libver": ("v108", "v108")}

def common(f):
    e = f.create_group("entry")
    e.attrs["NX_class"] = "NXentry"
    e.attrs["flag"] = True
    e.attrs["flags"] = np.array([True, False])
    e.attrs["i8"] = np.int8(-3)
    e.attrs["u16"] = np.arange(3, dtype="u2")
    e.attrs["f4"] = np.float32(0.1)
    e.attrs["fixed"] = np.bytes_("abc")
    e.attrs["fixeds"] = np.array([b"a", b"bcd"])
    e.attrs["vlen"] = "h\u00e9llo"
    e.attrs["vlens"] = ["x", "yz"]
    e.attrs["nothing"] = h5py.Empty("f8")
    e.attrs["m2"] = np.arange(6.0).reshape(2, 3)
    d = e.create_dataset("many", data=np.arange(10))
    for i in range(12):
        d.attrs["a%02d" % i] = i * 1.5
    e.create_dataset("gz", data=np.arange(1000.0).reshape(10, 100), chunks=(3, 40), compression="gzip", shuffle=True)
    e.create_dataset("gz1", data=np.arange(50, dtype="i4"), chunks=(7,), compression="gzip")
    e.create_dataset("bools", data=np.array([True, False, True]))
    e.create_dataset("fixedstr", data=np.array([b"one", b"three"]))
    e.create_dataset("fixed1", data=np.bytes_("single"))
    e.create_dataset("vlenstr", data="text")
    e.create_dataset("vlenstrs", data=["a", "bb", "ccc"], dtype=h5py.string_dtype())
    e.create_dataset("empty", data=np.zeros((0,)))
    e.create_dataset("nulls", data=h5py.Empty("i4"))
    e.create_dataset("unwritten", shape=(4,), dtype="i2", fillvalue=7)
    e.create_dataset("unwritten_chunks", shape=(6, 2), chunks=(2, 2), dtype="f4", fillvalue=-1)
    e.create_dataset("cube", data=np.arange(24.0).reshape(2, 3, 4))
    e["soft"] = h5py.SoftLink("/entry/many")
    e["dangling"] = h5py.SoftLink("/nowhere")
    e["ext"] = h5py.ExternalLink("other.h5", "/data")
    e["hard"] = e["many"]
    g = e.create_group("lots")
    for i in range(60):
        g.create_dataset("d%03d" % i, data=i)
    return e

def write(name, extra=None, **kw):
    with h5py.File("%s/%s.h5" % (out, name), "w", **kw) as f:
        e = common(f)
        if extra: extra(f, e)

write("v18", **v18)
write("default")
write("latest", libver="latest")
write("compound", lambda f, e: e.create_dataset("c", data=np.zeros(2, dtype=[("a", "i4"), ("b", "f8")])), **v18)
write("big_endian", lambda f, e: e.create_dataset("be", data=np.arange(3, dtype=">i4")), **v18)
write("float16", lambda f, e: e.create_dataset("half", data=np.arange(3, dtype="f2")), **v18)
write("committed", lambda f, e: f.__setitem__("t", np.dtype("i4")), **v18)
write("fletcher32", lambda f, e: e.create_dataset("sum", data=np.arange(9), chunks=(3,), fletcher32=True), **v18)
write("sequence", lambda f, e: e.create_dataset("seq", (2,), dtype=h5py.vlen_dtype("i4")), **v18)
write("tracked", lambda f, e: f.create_group("ordered", track_order=True).create_dataset("x", data=1), **v18)
`;

const H5PY_FILES: [string, "read" | RegExp][] = [
  ["v18", "read"],
  ["default", /superblock version 0/],
  ["latest", /chunk indexes of layout version 4/],
  ["compound", /datatypes of class compound/],
  ["big_endian", /big-endian integers/],
  ["float16", /floats of 16 bits/],
  ["committed", "read"],
  ["fletcher32", /the filter 3\b/],
  ["sequence", /datatypes of class sequence/],
  ["tracked", "read"],
];

Deno.test({
  name: "Files h5py writes list alike with both readers, the TypeScript one giving up when it must",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    await withDir(async (dir) => {
      const python = pythonWithH5py();
      if (python === null) throw new Error("Python with h5py is not available");
      const { success, stderr } = await new Deno.Command(python, {
        args: ["-c", H5PY_SCRIPT, dir],
      }).output();
      assert.ok(success, new TextDecoder().decode(stderr));
      for (const [name, expected] of H5PY_FILES) {
        await assertSameListing(`${dir}/${name}.h5`, expected);
      }
    });
  },
});
