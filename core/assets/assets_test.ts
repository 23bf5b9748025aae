import assert from "node:assert/strict";
import type { Resource, StreamResource } from "../documents/types.ts";
import { H5wasmBackend } from "../nexus/h5wasm_backend.ts";
import { frameStack } from "../nexus/frame_stack.ts";
import { NexusTree } from "../nexus/tree.ts";
import {
  adHdf5Handler,
  AssetError,
  AssetRegistry,
  builtinAssetHandlers,
  framesOfStreamDatum,
  hdf5StreamHandler,
  npySeqHandler,
  parseNpy,
  waitForFrames,
} from "./mod.ts";

/** An areaDetector-like file of `count` 3 x 4 uint16 frames, frame i filled with i. */
async function adFile(path: string, count: number): Promise<void> {
  const tree = new NexusTree();
  const b = tree.builder("test");
  b.group("/entry", "NXentry");
  b.group("/entry/data", "NXdata");
  b.field(
    "/entry/data/data",
    frameStack({
      count,
      frameShape: [3, 4],
      dtype: "uint16",
      frame: (i) => new Uint16Array(12).fill(i),
    }),
  );
  await new H5wasmBackend().write(tree, path);
}

function resource(root: string, path: string, perPoint = 1): Resource {
  return {
    uid: "r1",
    spec: "AD_HDF5",
    root,
    resource_path: path,
    resource_kwargs: { frame_per_point: perPoint },
    path_semantics: "posix",
  };
}

function npy(values: Uint16Array, shape: number[]): Uint8Array {
  const header = `{'descr': '<u2', 'fortran_order': False, 'shape': (${shape.join(", ")}), }`;
  const padded = header.padEnd(118, " ") + "\n";
  const bytes = new Uint8Array(10 + padded.length + values.byteLength);
  bytes.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, padded.length, 0]);
  bytes.set(new TextEncoder().encode(padded), 10);
  bytes.set(new Uint8Array(values.buffer), 10 + padded.length);
  return bytes;
}

Deno.test("AD_HDF5 reads the frames a datum points at, one at a time", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await adFile(`${dir}/img.h5`, 4);
    const handler = adHdf5Handler();
    assert.deepEqual(handler.framesOfDatum(resource(dir, "img.h5", 2), { point_number: 1 }), [
      2,
      3,
    ]);
    const source = await handler.open(resource(dir, "img.h5"));
    assert.equal(source.count, 4);
    assert.deepEqual(source.frameShape, [3, 4]);
    assert.equal(source.dtype, "uint16");
    assert.equal(source.dataset, "/entry/data/data");
    assert.deepEqual([...source.read(3)], Array(12).fill(3));
    source.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("application/x-hdf5 takes the file from the uri and frames from stream datums", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await adFile(`${dir}/a b.h5`, 2);
    const sr: StreamResource = {
      uid: "s",
      data_key: "img",
      mimetype: "application/x-hdf5",
      uri: `file://localhost${dir}/a%20b.h5`,
      parameters: { dataset: "/entry/data/data" },
    };
    const source = await hdf5StreamHandler().open(sr);
    assert.equal(source.file, `${dir}/a b.h5`);
    assert.deepEqual([...source.read(1)].slice(0, 2), [1, 1]);
    source.close();
    const datum = {
      uid: "s/0",
      stream_resource: "s",
      descriptor: "d",
      indices: { start: 2, stop: 5 },
      seq_nums: { start: 3, stop: 6 },
    };
    assert.deepEqual(framesOfStreamDatum(datum), [2, 3, 4]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("waitForFrames() looks again until a file that appears late is there", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The file appears between the second and the third look: no timer decides the outcome.
    const handler = adHdf5Handler();
    const looks: string[] = [];
    const watched = {
      ...handler,
      async open(...args: Parameters<typeof handler.open>) {
        if (looks.length === 2) await adFile(`${dir}/late.h5`, 2);
        try {
          const source = await handler.open(...args);
          looks.push("found");
          return source;
        } catch (error) {
          looks.push(error instanceof AssetError ? "missing" : String(error));
          throw error;
        }
      },
    };
    const source = await waitForFrames({ handler: watched, resource: resource(dir, "late.h5") }, [
      0,
      1,
    ], {
      timeout: 5000,
      interval: 10,
    });
    assert.deepEqual(looks, ["missing", "missing", "found"]);
    assert.equal(source.count, 2);
    assert.deepEqual([...source.read(1)].slice(0, 2), [1, 1]);
    source.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("waitForFrames() names the file and the frames a short file lacks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await adFile(`${dir}/short.h5`, 2);
    await assert.rejects(
      waitForFrames(
        { handler: adHdf5Handler(), resource: resource(dir, "short.h5") },
        [0, 1, 2, 3],
        {
          timeout: 100,
          interval: 20,
        },
      ),
      (error: unknown) => {
        assert.ok(error instanceof AssetError);
        assert.equal(error.file, `${dir}/short.h5`);
        assert.deepEqual(error.frames, [2, 3]);
        assert.match(error.message, /holds 2 frames: frames 2, 3 are missing after 0.1 s/);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A file that is not HDF5 is an AssetError naming it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/x.h5`, "not HDF5");
    await assert.rejects(
      Promise.resolve().then(() => adHdf5Handler().open(resource(dir, "x.h5"))),
      new RegExp(`Asset file "${dir}/x.h5" cannot be read as HDF5`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("NPY_SEQ reads one .npy file per frame", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (let i = 0; i < 3; i++) {
      await Deno.writeFile(`${dir}/img_${i}.npy`, npy(new Uint16Array(6).fill(i + 10), [2, 3]));
    }
    const handler = npySeqHandler();
    const res = { ...resource(dir, "img"), spec: "NPY_SEQ" };
    assert.deepEqual(handler.framesOfDatum(res, { index: 2 }), [2]);
    const source = await handler.open(res);
    assert.equal(source.count, 3);
    assert.deepEqual(source.frameShape, [2, 3]);
    assert.equal(source.dataset, undefined);
    assert.deepEqual([...source.read(2)], Array(6).fill(12));
    assert.throws(
      () => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), "bad.npy"),
      /Asset file "bad.npy" is not a NumPy .npy file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("AssetRegistry refuses a second handler for a spec", () => {
  const registry = new AssetRegistry(builtinAssetHandlers());
  assert.throws(
    () => registry.use({ ...npySeqHandler(), name: "mine" }),
    /Spec "NPY_SEQ" already has the asset handler "NPY_SEQ": "mine" refused/,
  );
  registry.use({ ...npySeqHandler(), name: "tiff", specs: ["AD_TIFF"] });
  assert.equal(registry.get("AD_TIFF")?.name, "tiff");
});
