import { relative } from "node:path";
import { withDir } from "../../tests/_temp_dir.ts";
import assert from "node:assert/strict";
import { NexusLayoutError } from "../errors.ts";
import type { Hdf5Dataset } from "./backend.ts";
import { checkTree } from "./check.ts";
import { H5wasmBackend } from "./h5wasm_backend.ts";
import { type H5wasmApi, loadH5wasm } from "./_h5wasm.ts";
import { NexusTree } from "./tree.ts";
import { nxFloat, nxInt } from "./nodes.ts";
import { frameStack } from "./frame_stack.ts";
import {
  h5dumpOk,
  ignoreWithoutH5dump,
  ignoreWithoutH5py,
  readWithH5py,
} from "../../tests/_interop.ts";

type Dataset = InstanceType<H5wasmApi["Dataset"]>;
type Group = InstanceType<H5wasmApi["Group"]>;

/** Open `path` with h5wasm for reading, run `fn`, close. */
async function readBack<T>(path: string, fn: (file: Group, api: H5wasmApi) => T): Promise<T> {
  const { api } = await loadH5wasm();
  const file = new api.File(path, "r");
  try {
    return fn(file, api);
  } finally {
    file.close();
  }
}

/** A tree with every type, shape and kind of attribute, and links. */
function fullTree(): NexusTree {
  const tree = new NexusTree();
  const b = tree.builder("test");
  b.attr("/", "creator", "test");
  b.group("/entry", "NXentry", { default: "data" });
  b.group("/entry/data", "NXdata", { signal: "f64", axes: ["i32"] });
  const d = "/entry/data";
  b.field(`${d}/f64`, new Float64Array([0.5, NaN, -1.5]), { target: true });
  b.field(`${d}/f32`, [0.25, 1.5], { dtype: "NX_FLOAT32" });
  b.field(`${d}/i64`, new Float64Array([1, -2, 2 ** 40]), { dtype: "NX_INT64" });
  b.field(`${d}/i32`, [1, 2, 3], { dtype: "NX_INT32" });
  b.field(`${d}/i16`, [-300], { dtype: "NX_INT16" });
  b.field(`${d}/i8`, [-5, 5], { dtype: "NX_INT8" });
  b.field(`${d}/u64`, new BigUint64Array([7n, 2n ** 63n]));
  b.field(`${d}/u32`, [4000000000], { dtype: "NX_UINT32" });
  b.field(`${d}/u16`, new Uint16Array([65535]));
  b.field(`${d}/u8`, [255], { dtype: "NX_UINT8" });
  b.field(`${d}/flag`, true);
  b.field(`${d}/flags`, [1, 0, 1], { dtype: "NX_BOOLEAN" });
  b.field(`${d}/scalar_float`, 2.5);
  b.field(`${d}/scalar_int`, 5);
  b.field(`${d}/scalar_big`, 2n ** 60n);
  b.field(`${d}/matrix`, new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
  b.field(`${d}/cube`, [0, 1, 2, 3, 4, 5, 6, 7], { dtype: "NX_INT32", shape: [2, 2, 2] });
  b.field(`${d}/empty`, new Float64Array(0));
  b.field(`${d}/text`, "héllo\nworld");
  b.field(`${d}/texts`, ["a", "bé", ""]);
  b.field(`${d}/text_matrix`, ["a", "b", "c", "d"], { shape: [2, 2] });
  b.group("/entry/attrs", "NXnote", {
    string: "value",
    empty_string: "",
    strings: ["motor", "sensor"],
    no_strings: [],
    yes: true,
    no: false,
    big: 2n ** 62n,
    int: 5,
    float: 0.5,
    whole_float: nxFloat(-32000),
    nan: NaN,
    ints: [1, 2, 3],
    floats: [1, 2.5],
    typed_int: nxInt(7),
    float32s: { value: [0.5, 0.25], dtype: "NX_FLOAT32" },
    uint8: { value: 200, dtype: "NX_UINT8" },
  });
  b.link("/entry/f64", `${d}/f64`);
  b.link("/entry/data_again", d);
  // A link whose target passes through another link: made after it.
  b.link("/entry/via", "/entry/data_again/i32");
  b.externalLink("/entry/outside", "other.h5", "/entry/x");
  return tree;
}

Deno.test("write() stores each NX type as its HDF5 type, with shapes and values", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/full.h5`;
    await new H5wasmBackend().write(fullTree(), path);
    await readBack(path, (file) => {
      const field = (name: string) => file.get(`/entry/data/${name}`) as Dataset;
      const expected: [string, string, number[]][] = [
        ["f64", "<d", [3]],
        ["f32", "<f", [2]],
        ["i64", "<q", [3]],
        ["i32", "<i", [3]],
        ["i16", "<h", [1]],
        ["i8", "<b", [2]],
        ["u64", "<Q", [2]],
        ["u32", "<I", [1]],
        ["u16", "<H", [1]],
        ["u8", "<B", [1]],
        ["flag", "<B", []],
        ["flags", "<B", [3]],
        ["scalar_float", "<d", []],
        ["scalar_int", "<q", []],
        ["scalar_big", "<q", []],
        ["matrix", "<d", [2, 3]],
        ["cube", "<i", [2, 2, 2]],
        ["empty", "<d", [0]],
        ["text", "S", []],
        ["texts", "S", [3]],
        ["text_matrix", "S", [2, 2]],
      ];
      for (const [name, dtype, shape] of expected) {
        assert.equal(field(name).dtype, dtype, name);
        assert.deepEqual(field(name).shape, shape, name);
      }
      const f64 = Array.from(field("f64").value as Float64Array);
      assert.equal(f64[0], 0.5);
      assert.ok(Number.isNaN(f64[1]));
      assert.deepEqual(Array.from(field("f32").value as Float32Array), [0.25, 1.5]);
      assert.deepEqual(Array.from(field("i64").value as BigInt64Array), [1n, -2n, 2n ** 40n]);
      assert.deepEqual(Array.from(field("u64").value as BigUint64Array), [7n, 2n ** 63n]);
      assert.deepEqual(Array.from(field("i16").value as Int16Array), [-300]);
      assert.deepEqual(Array.from(field("u32").value as Uint32Array), [4000000000]);
      assert.equal(field("flag").value, 1);
      assert.deepEqual(Array.from(field("flags").value as Uint8Array), [1, 0, 1]);
      assert.equal(field("scalar_float").value, 2.5);
      assert.equal(field("scalar_int").value, 5n);
      assert.equal(field("scalar_big").value, 2n ** 60n);
      assert.deepEqual(Array.from(field("matrix").value as Float64Array), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(Array.from(field("cube").value as Int32Array), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.equal(field("text").value, "héllo\nworld");
      assert.equal(field("text").metadata.vlen, true);
      assert.equal(field("text").metadata.cset, 1); // UTF-8
      assert.deepEqual(field("texts").value, ["a", "bé", ""]);
      assert.deepEqual(field("text_matrix").value, ["a", "b", "c", "d"]);
    });
  });
});

Deno.test("write() stores attributes of every kind with the types they promise", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/attrs.h5`;
    await new H5wasmBackend().write(fullTree(), path);
    await readBack(path, (file) => {
      const attrs = (file.get("/entry/attrs") as Group).attrs;
      const check = (name: string, dtype: string, shape: number[], value: unknown) => {
        const attr = attrs[name];
        assert.ok(attr, `@${name} is missing`);
        assert.equal(attr.dtype, dtype, `@${name} dtype`);
        assert.deepEqual(attr.shape, shape, `@${name} shape`);
        const read = ArrayBuffer.isView(attr.value)
          ? Array.from(attr.value as Uint8Array)
          : attr.value;
        assert.deepEqual(read, value, `@${name} value`);
      };
      check("NX_class", "S", [], "NXnote");
      check("string", "S", [], "value");
      check("empty_string", "S", [], "");
      check("strings", "S", [2], ["motor", "sensor"]);
      check("yes", "<B", [], 1);
      check("no", "<B", [], 0);
      check("big", "<q", [], 2n ** 62n);
      check("int", "<q", [], 5n);
      check("float", "<d", [], 0.5);
      check("whole_float", "<d", [], -32000);
      check("ints", "<q", [3], [1n, 2n, 3n]);
      check("floats", "<d", [2], [1, 2.5]);
      check("typed_int", "<q", [], 7n);
      check("float32s", "<f", [2], [0.5, 0.25]);
      check("uint8", "<B", [], 200);
      assert.ok(Number.isNaN(attrs["nan"]?.value as number));
      assert.deepEqual(attrs["no_strings"]?.shape, [0]);
      const root = file.attrs;
      assert.equal(root["creator"]?.value, "test");
      assert.equal(root["NX_class"], undefined, "the root has no NX_class");
    });
  });
});

Deno.test("write() gives every group but the root its NX_class", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/classes.h5`;
    await new H5wasmBackend().write(fullTree(), path);
    await readBack(path, (file) => {
      for (const [group, nxClass] of [["/entry", "NXentry"], ["/entry/data", "NXdata"]]) {
        assert.equal((file.get(group!) as Group).attrs["NX_class"]?.value, nxClass);
      }
    });
  });
});

Deno.test("write() makes hard links after the nodes, and external links", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/links.h5`;
    await new H5wasmBackend().write(fullTree(), path);
    await readBack(path, (file) => {
      const linked = file.get("/entry/f64") as Dataset;
      assert.equal(linked.attrs["target"]?.value, "/entry/data/f64");
      assert.deepEqual(
        Array.from((file.get("/entry/via") as Dataset).value as Int32Array),
        [1, 2, 3],
      );
      assert.deepEqual(file.get_external_link("/entry/outside"), {
        filename: "other.h5",
        obj_path: "/entry/x",
      });
    });
  });
});

Deno.test("write() chunks and gzip-compresses fields that ask for it", async () => {
  await withDir(async (dir) => {
    const tree = new NexusTree();
    const b = tree.builder("test");
    b.field("/image", new Float64Array(100).fill(1), {
      shape: [10, 10],
      chunks: [5, 20],
      compression: 6,
    });
    b.field("/chunked_only", new Int32Array(8), { chunks: [4] });
    b.field("/auto_chunks", new Float32Array(6), { compression: 4 });
    b.field("/labels", ["a", "b"], { chunks: [1], compression: 9 });
    const path = `${dir}/gzip.h5`;
    await new H5wasmBackend().write(tree, path);
    await readBack(path, (file) => {
      const image = file.get("/image") as Dataset;
      assert.deepEqual(image.metadata.chunks, [5, 10], "chunks are clamped to the shape");
      assert.deepEqual(image.filters.map((f) => [f.name, f.cd_values]), [["deflate", [6]]]);
      assert.equal((image.value as Float64Array).every((v) => v === 1), true);
      assert.deepEqual((file.get("/chunked_only") as Dataset).metadata.chunks, [4]);
      assert.deepEqual((file.get("/chunked_only") as Dataset).filters, []);
      assert.deepEqual((file.get("/auto_chunks") as Dataset).metadata.chunks, [6]);
      // h5wasm cannot filter variable-length strings: chunked, uncompressed.
      const labels = file.get("/labels") as Dataset;
      assert.deepEqual(labels.metadata.chunks, [1]);
      assert.deepEqual(labels.filters, []);
      assert.deepEqual(labels.value, ["a", "b"]);
    });
  });
});

Deno.test("write() refuses an existing file and leaves it untouched", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/exists.h5`;
    await Deno.writeTextFile(path, "keep me");
    await assert.rejects(
      new H5wasmBackend().write(fullTree(), path),
      (error: Error) => error instanceof Deno.errors.AlreadyExists && error.message.includes(path),
    );
    assert.equal(await Deno.readTextFile(path), "keep me");
  });
});

Deno.test("write() removes the partial file when HDF5 refuses a node", async () => {
  await withDir(async (dir) => {
    const tree = fullTree();
    // Written unchecked: only the library finds that the target is missing.
    tree.builder("late").link("/entry/bad", "/entry/nowhere");
    const path = `${dir}/partial.h5`;
    await assert.rejects(new H5wasmBackend().write(tree, path), (error: Error) => {
      assert.ok(error instanceof NexusLayoutError);
      assert.equal(error.path, "/entry/bad");
      assert.equal(error.plugin, "late");
      assert.match(error.message, /Cannot link to "\/entry\/nowhere"/);
      return true;
    });
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  });
});

Deno.test("write() trusts checkTree(): a tree that passes it converts without checks", async () => {
  await withDir(async (dir) => {
    const tree = fullTree();
    assert.deepEqual(checkTree(tree), []);
    await new H5wasmBackend().write(tree, `${dir}/checked.h5`);
    // What checkTree() refuses is its to report (the builder asks it at once): the backend
    // has no rules of its own.
    const bad = new NexusTree();
    assert.throws(
      () => bad.builder("p").field("/x", [300], { dtype: "NX_UINT8" }),
      /NX_UINT8 cannot hold 300: out of range/,
    );
  });
});

Deno.test("write() reports HDF5's own reason when the library refuses a call", async () => {
  await withDir(async (dir) => {
    // The writer checks trees first; written unchecked, a dangling link reaches HDF5.
    const tree = new NexusTree();
    tree.builder("p").link("/dangling", "/nowhere");
    await assert.rejects(
      new H5wasmBackend().write(tree, `${dir}/dangling.h5`),
      /path "\/dangling": Cannot link to "\/nowhere": .*'nowhere' doesn't exist/,
    );
  });
});

Deno.test("write() ends, with HDF5's reason, on links checkTree() would refuse", async () => {
  await withDir(async (dir) => {
    const cycle = new NexusTree();
    cycle.builder("p").link("/a", "/b");
    cycle.builder("q").link("/b", "/a");
    await assert.rejects(
      new H5wasmBackend().write(cycle, `${dir}/cycle.h5`),
      /path "\/a": Cannot link to "\/b"/,
    );
    const outside = new NexusTree();
    outside.builder("p").externalLink("/ext", "other.h5", "/x");
    outside.builder("p").link("/in", "/ext");
    await assert.rejects(
      new H5wasmBackend().write(outside, `${dir}/outside.h5`),
      /path "\/in": Cannot link to "\/ext"/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no partial files are left");
  });
});

Deno.test("write() puts attributes set on a link onto the object it links to", async () => {
  await withDir(async (dir) => {
    const tree = new NexusTree();
    const b = tree.builder("p");
    b.field("/x", [1, 2]);
    b.link("/y", "/x");
    b.attr("/y", "units", "mm");
    await new H5wasmBackend().write(tree, `${dir}/a.h5`);
    await readBack(`${dir}/a.h5`, (file) => {
      assert.equal((file.get("/x") as Dataset).attrs["units"]?.value, "mm");
    });
    b.attr("/x", "long_name", "x");
    b.attr("/y", "long_name", "y");
    assert.match(checkTree(tree)[0]?.message ?? "", /"@long_name" is set both on the link/);
  });
});

Deno.test("write() takes relative and non-ASCII paths from the current folder", async () => {
  await withDir(async (dir) => {
    // Relative to the current folder, which tests share: it is not changed.
    const folder = relative(Deno.cwd(), `${dir}/données`);
    assert.ok(!folder.startsWith("/"));
    await Deno.mkdir(folder);
    await new H5wasmBackend().write(fullTree(), `${folder}/mesure ü 😀.h5`);
    const absolute = `${dir}/données/mesure ü 😀.h5`;
    assert.ok((await Deno.stat(absolute)).size > 0);
    await readBack(absolute, (file) => {
      assert.equal((file.get("/entry/data/text") as Dataset).value, "héllo\nworld");
    });
  });
});

Deno.test("versions() reports h5wasm's package version and its HDF5 version", async () => {
  const versions = await new H5wasmBackend().versions();
  assert.equal(versions.library, "h5wasm");
  assert.match(versions.libraryVersion, /^\d+\.\d+\.\d+/);
  assert.notEqual(versions.libraryVersion, "unknown");
  assert.match(versions.hdf5, /^\d+\.\d+\.\d+/);
  assert.equal((await loadH5wasm()).hdf5Version, versions.hdf5);
});

Deno.test({
  name: "h5py reads back each type, attribute and link the backend writes",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    await withDir(async (dir) => {
      const path = `${dir}/full.h5`;
      await new H5wasmBackend().write(fullTree(), path);
      const { objects } = await readWithH5py(path);
      const dtype = (p: string) => objects[`/entry/data/${p}`]?.dtype;
      assert.equal(dtype("f64"), "float64");
      assert.equal(dtype("f32"), "float32");
      assert.equal(dtype("i64"), "int64");
      assert.equal(dtype("i32"), "int32");
      assert.equal(dtype("i16"), "int16");
      assert.equal(dtype("i8"), "int8");
      assert.equal(dtype("u64"), "uint64");
      assert.equal(dtype("u32"), "uint32");
      assert.equal(dtype("u16"), "uint16");
      assert.equal(dtype("u8"), "uint8");
      assert.equal(dtype("flag"), "uint8");
      assert.equal(dtype("text"), "string");
      assert.deepEqual(objects["/entry/data/text"]?.string, { encoding: "utf-8", length: null });
      assert.equal(objects["/entry/data/text"]?.value, "héllo\nworld");
      assert.deepEqual(objects["/entry/data/f64"]?.value, [0.5, "nan", -1.5]);
      assert.deepEqual(objects["/entry/data/matrix"]?.value, [[1, 2, 3], [4, 5, 6]]);
      assert.deepEqual(objects["/entry/data/matrix"]?.shape, [2, 3]);
      assert.deepEqual(objects["/entry/data/text_matrix"]?.value, [["a", "b"], ["c", "d"]]);
      assert.deepEqual(objects["/entry/data/scalar_float"]?.shape, []);
      const attrs = objects["/entry/attrs"]!.attrs;
      assert.deepEqual(attrs["whole_float"], { value: -32000, dtype: "float64", shape: [] });
      assert.deepEqual(attrs["int"], { value: 5, dtype: "int64", shape: [] });
      assert.equal(attrs["strings"]?.dtype, "string");
      assert.deepEqual(attrs["strings"]?.value, ["motor", "sensor"]);
      assert.deepEqual(attrs["no_strings"]?.value, []);
      assert.equal(attrs["nan"]?.value, "nan");
      assert.equal(attrs["yes"]?.value, 1);
      assert.equal(objects["/"]!.attrs["creator"]?.value, "test");
      // Hard links are one object under two names.
      assert.equal(objects["/entry/f64"]?.addr, objects["/entry/data/f64"]?.addr);
      assert.equal(objects["/entry/data_again"]?.aliasOf, "/entry/data");
      assert.equal(objects["/entry/via"]?.addr, objects["/entry/data/i32"]?.addr);
      assert.equal(objects["/entry/outside"]?.kind, "externallink");
      assert.equal(objects["/entry/outside"]?.resolves, false);
    });
  },
});

Deno.test({
  name: "h5py finds gzip compression and chunks",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    await withDir(async (dir) => {
      const tree = new NexusTree();
      tree.builder("p").field("/image", new Uint16Array(64), {
        shape: [8, 8],
        chunks: [4, 8],
        compression: 5,
      });
      await new H5wasmBackend().write(tree, `${dir}/gzip.h5`);
      const image = (await readWithH5py(`${dir}/gzip.h5`)).objects["/image"]!;
      assert.equal(image.compression, "gzip");
      assert.equal(image.compressionOpts, 5);
      assert.deepEqual(image.chunks, [4, 8]);
      assert.deepEqual(image.maxshape, [8, 8]);
    });
  },
});

Deno.test({
  name: "h5dump parses every file the backend writes",
  ignore: ignoreWithoutH5dump(),
  fn: async () => {
    await withDir(async (dir) => {
      await new H5wasmBackend().write(fullTree(), `${dir}/full.h5`);
      assert.equal(await h5dumpOk(`${dir}/full.h5`), true);
    });
  },
});

Deno.test("open() walks groups and their members: hard, soft and external links", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/links.h5`;
    await new H5wasmBackend().write(fullTree(), path);
    // The writer makes no soft links; h5wasm itself adds one.
    const { api } = await loadH5wasm();
    const raw = new api.File(path, "a");
    raw.create_soft_link("/entry/data/f32", "/entry/soft");
    raw.create_soft_link("/entry/gone", "/entry/dangling");
    raw.close();

    const file = await new H5wasmBackend().open(path);
    try {
      assert.equal(file.path, path);
      const entry = file.get("/entry");
      assert.ok(entry?.kind === "group");
      const members = Object.fromEntries(entry.children().map((link) => [link.name, link]));
      assert.deepEqual(members["data"], {
        name: "data",
        path: "/entry/data",
        link: "hard",
        object: "group",
      });
      assert.deepEqual(members["f64"], {
        name: "f64",
        path: "/entry/f64",
        link: "hard",
        object: "dataset",
      });
      assert.deepEqual(members["soft"], {
        name: "soft",
        path: "/entry/soft",
        link: "soft",
        target: "/entry/data/f32",
      });
      assert.deepEqual(members["dangling"]?.link, "soft");
      assert.deepEqual(members["outside"], {
        name: "outside",
        path: "/entry/outside",
        link: "external",
        file: "other.h5",
        target: "/entry/x",
      });
      // Hard links are one object; soft links are followed; what leads nowhere is nothing.
      assert.equal(file.get("/entry/data_again")?.address, file.get("/entry/data")?.address);
      assert.notEqual(file.get("/entry/data")?.address, entry.address);
      assert.deepEqual([...(file.get("/entry/soft") as Hdf5Dataset).read() as Float32Array], [
        0.25,
        1.5,
      ]);
      assert.equal(file.get("/entry/dangling"), undefined);
      assert.equal(file.get("/entry/outside"), undefined);
      assert.equal(file.get("/entry/nothing/here"), undefined);
    } finally {
      file.close();
    }
  });
});

Deno.test("open() reads types, shapes, values, rows and attributes", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/values.h5`;
    await new H5wasmBackend().write(fullTree(), path);
    const file = await new H5wasmBackend().open(path);
    try {
      const field = (name: string) => file.get(`/entry/data/${name}`) as Hdf5Dataset;
      assert.deepEqual(field("i16").type, {
        class: "integer",
        size: 2,
        signed: true,
        vlen: false,
        utf8: false,
      });
      assert.equal(field("f32").type.class, "float");
      assert.equal(field("text").type.class, "string");
      assert.equal(field("text").type.vlen, true);
      assert.equal(field("text").type.utf8, true);
      assert.equal(field("text").read(), "héllo\nworld");
      assert.deepEqual(field("texts").read(), ["a", "bé", ""]);
      assert.equal(field("scalar_big").read(), 2n ** 60n);
      assert.deepEqual(field("cube").shape, [2, 2, 2]);
      assert.deepEqual([...field("cube").readRows(1, 2) as Int32Array], [4, 5, 6, 7]);
      assert.deepEqual([...field("matrix").readRows(0, 1) as Float64Array], [1, 2, 3]);
      const attrs = file.get("/entry/attrs")!.attributes();
      const attr = (name: string) => attrs.find((a) => a.name === name)!;
      assert.deepEqual(attr("strings").read(), ["motor", "sensor"]);
      assert.deepEqual(attr("strings").shape, [2]);
      assert.equal(attr("whole_float").read(), -32000);
      assert.equal(attr("whole_float").type.class, "float");
      assert.equal(attr("uint8").type.size, 1);
      assert.equal(attr("NX_class").read(), "NXnote");
    } finally {
      file.close();
    }
  });
});

Deno.test("open() names the file that is missing, a folder, or not HDF5", async () => {
  await withDir(async (dir) => {
    const backend = new H5wasmBackend();
    await assert.rejects(
      backend.open(`${dir}/missing.h5`),
      (error: Error) =>
        error instanceof Deno.errors.NotFound &&
        error.message === `Cannot read "${dir}/missing.h5": no such file`,
    );
    await assert.rejects(backend.open(dir), new RegExp(`Cannot read "${dir}": not a file`));
    await Deno.writeTextFile(`${dir}/notes.h5`, "notes, long enough to look like a file");
    await assert.rejects(
      backend.open(`${dir}/notes.h5`),
      new RegExp(`"${dir}/notes.h5" is not an HDF5 file`),
    );
  });
});

Deno.test("A broken file is an error naming it, and HDF5 prints nothing", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/broken.h5`;
    await new H5wasmBackend().write(fullTree(), path);
    // The signature stays, the rest of the file is gone: HDF5 itself must refuse it.
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, 600));
    const script = `${dir}/open.ts`;
    await Deno.writeTextFile(
      script,
      `import { H5wasmBackend } from "${import.meta.resolve("./h5wasm_backend.ts")}";
try {
  await new H5wasmBackend().open(${JSON.stringify(path)});
} catch (error) {
  Deno.stdout.writeSync(new TextEncoder().encode((error as Error).message));
}`,
    );
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const { stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--allow-all", "--config", config, script],
    }).output();
    // What HDF5 prints is its diagnostic stack ("HDF5-DIAG: Error detected in HDF5 ...").
    const printed = new TextDecoder().decode(stderr);
    assert.doesNotMatch(printed, /HDF5|H5[A-Z]\w*\(\)/, `HDF5 printed: ${printed}`);
    assert.match(new TextDecoder().decode(stdout), new RegExp(`^Cannot open "${path}" as HDF5`));
  });
});

Deno.test("createFrameFile() appends frames that readers see at once", async () => {
  await withDir(async (dir) => {
    const backend = new H5wasmBackend();
    const path = `${dir}/det.h5`;
    const frames = await backend.createFrameFile(path, {
      dataset: "/entry/data/data",
      frameShape: [2, 3],
      dtype: "uint16",
      classes: { "/entry": "NXentry" },
    });
    try {
      frames.append(new Uint16Array(6).fill(7));
      frames.append([1, 2, 3, 4, 5, 6]);
      assert.equal(frames.count, 2);
      assert.throws(() => frames.append([1, 2]), RangeError);
      await assert.rejects(
        backend.createFrameFile(path, { dataset: "/x", frameShape: [1], dtype: "uint8" }),
        Deno.errors.AlreadyExists,
      );
    } finally {
      frames.close();
    }
    const file = await backend.open(path);
    try {
      const data = file.get("/entry/data/data") as Hdf5Dataset;
      assert.deepEqual(data.shape, [2, 2, 3]);
      assert.deepEqual([...data.readRows(1, 2) as Uint16Array], [1, 2, 3, 4, 5, 6]);
      const classOf = (p: string) =>
        file.get(p)!.attributes().find((a) => a.name === "NX_class")?.read();
      assert.equal(classOf("/entry"), "NXentry");
      assert.equal(classOf("/entry/data"), undefined);
    } finally {
      file.close();
    }
    assert.throws(() => frames.append([1, 2, 3, 4, 5, 6]), /is closed/);
  });
});

Deno.test("createFrameFile() refuses a frame shape or pixel type that is not one", async () => {
  await withDir(async (dir) => {
    const backend = new H5wasmBackend();
    await assert.rejects(
      backend.createFrameFile(`${dir}/a.h5`, { dataset: "/d", frameShape: [0], dtype: "uint8" }),
      RangeError,
    );
    await assert.rejects(
      backend.createFrameFile(`${dir}/b.h5`, {
        dataset: "/d",
        frameShape: [2],
        dtype: "complex" as "uint8",
      }),
      /Unknown pixel type "complex"/,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test({
  name: "h5py reads a frame file as areaDetector's: growable, one frame per chunk",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    await withDir(async (dir) => {
      const frames = await new H5wasmBackend().createFrameFile(`${dir}/det.h5`, {
        dataset: "/entry/data/data",
        frameShape: [4, 8],
        dtype: "int32",
        classes: { "/entry": "NXentry", "/entry/data": "NXdata" },
      });
      for (let i = 0; i < 3; i++) frames.append(new Int32Array(32).fill(i - 1));
      frames.close();
      const { objects } = await readWithH5py(`${dir}/det.h5`);
      const data = objects["/entry/data/data"]!;
      assert.equal(data.dtype, "int32");
      assert.deepEqual(data.shape, [3, 4, 8]);
      assert.deepEqual(data.chunks, [1, 4, 8]);
      assert.deepEqual(data.maxshape, [null, 4, 8]);
      assert.equal(objects["/entry/data"]?.attrs["NX_class"]?.value, "NXdata");
    });
  },
});

const PLUGIN_PATHS_SCRIPT = `
import { H5wasmBackend } from "./h5wasm_backend.ts";
import { loadH5wasm } from "./_h5wasm.ts";
import { NexusTree } from "./tree.ts";
import { frameStack } from "./frame_stack.ts";
const h5 = await loadH5wasm();
const paths = () => h5.api.Module.get_plugin_search_paths().some((p) => p.includes("h5wasm-plugins"));
const seen = [paths()];
const dir = Deno.args[0];
const stack = frameStack({ count: 2, frameShape: [4], dtype: "uint16", frame: () => [1, 2, 3, 4] });
for (const compression of [1, "bslz4"]) {
  const tree = new NexusTree();
  tree.builder("test").field("/frames", stack, { compression });
  const name = compression === 1 ? "gzip" : compression;
  await new H5wasmBackend().write(tree, dir + "/" + name + ".h5");
  seen.push(paths());
}
console.log(JSON.stringify(seen));
`;

Deno.test("The filter plugins are put on HDF5's path only when a stack first needs one", async () => {
  await withDir(async (dir) => {
    const script = `${dir}/paths.ts`;
    const here = new URL(".", import.meta.url);
    await Deno.writeTextFile(
      script,
      PLUGIN_PATHS_SCRIPT.replaceAll('"./', `"${here.href}`),
    );
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        "--allow-read",
        "--allow-write",
        "--allow-env",
        script,
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    // Loaded, after a gzip stack, after a bitshuffle + LZ4 stack.
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), [false, false, true]);
  });
});

const READ_FILTERED_SCRIPT = `
import { H5wasmBackend } from "./h5wasm_backend.ts";
const file = await new H5wasmBackend().open(Deno.args[0]);
const frames = file.get("/frames");
const rows = frames.readRows(1, 2);
const all = frames.read();
file.close();
console.log(JSON.stringify({ rows: Array.from(rows), all: Array.from(all) }));
`;

Deno.test("A process that only reads a bslz4 file gets its values: the reader finds the plugins", async () => {
  await withDir(async (dir) => {
    const tree = new NexusTree();
    const frame = (i: number) => Uint16Array.of(i, 2 * i, 3 * i, 4 * i);
    const stack = frameStack({ count: 3, frameShape: [4], dtype: "uint16", frame });
    tree.builder("test").field("/frames", stack, { compression: "bslz4" });
    await new H5wasmBackend().write(tree, `${dir}/bslz4.h5`);
    const script = `${dir}/read.ts`;
    const here = new URL(".", import.meta.url);
    await Deno.writeTextFile(script, READ_FILTERED_SCRIPT.replaceAll('"./', `"${here.href}`));
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        "--allow-read",
        "--allow-env",
        script,
        `${dir}/bslz4.h5`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
      rows: [1, 2, 3, 4],
      all: [0, 0, 0, 0, 1, 2, 3, 4, 2, 4, 6, 8],
    });
  });
});
