import assert from "node:assert/strict";
import type { FrameFile, FrameFileOptions, Hdf5Backend } from "../core/nexus/backend.ts";
import { H5wasmBackend } from "../core/nexus/h5wasm_backend.ts";
import { SimAreaDetector } from "./area_detector.ts";

async function threeFrames(flavor: "resource" | "stream") {
  const folder = await Deno.makeTempDir();
  const motor = { name: "m", position: -1 };
  const det = new SimAreaDetector({ motor, folder, width: 32, height: 8, flavor, seed: 2 });
  await det.stage();
  const file = det.file!;
  const readings = [];
  for (const x of [-1, 0, 1]) {
    motor.position = x;
    await det.trigger().wait();
    readings.push(det.read());
  }
  const docs = [...det.collectAssetDocs()];
  det.unstage();
  return { folder, file, readings, docs, det };
}

Deno.test("SimAreaDetector writes one frame per trigger to its own HDF5 file", async () => {
  const { folder, file, readings, det } = await threeFrames("resource");
  try {
    const handle = await new H5wasmBackend().open(file);
    const data = handle.get("/entry/data/data");
    assert.ok(data?.kind === "dataset");
    assert.deepEqual(data.shape, [3, 8, 32]);
    assert.deepEqual(data.type, {
      class: "integer",
      size: 2,
      signed: false,
      vlen: false,
      utf8: false,
    });
    for (let i = 0; i < 3; i++) {
      const frame = data.readRows(i, i + 1) as Uint16Array;
      const total = frame.reduce((a, b) => a + b, 0);
      assert.equal(total, readings[i]!.image_total?.value);
    }
    const classes = ["/entry", "/entry/data"].map((path) =>
      handle.get(path)?.attributes().find((a) => a.name === "NX_class")?.read()
    );
    assert.deepEqual(classes, ["NXentry", "NXdata"]);
    handle.close();
    // The spot moves from the left edge to the right with the motor.
    const x = readings.map((r) => r.image_centroid_x?.value as number);
    assert.ok(x[0]! < x[1]! && x[1]! < x[2]!, String(x));
    assert.equal(det.describe().image_image?.external, "FILESTORE:");
    assert.deepEqual(det.hints.fields, ["image_total"]);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("SimAreaDetector emits resource and datums, or stream_resource and stream_datums", async () => {
  const classic = await threeFrames("resource");
  const stream = await threeFrames("stream");
  try {
    assert.deepEqual(classic.docs.map(([n]) => n), ["resource", "datum", "datum", "datum"]);
    const [, resource] = classic.docs[0]!;
    assert.equal(resource.spec, "AD_HDF5");
    assert.equal(`${resource.root}/${resource.resource_path}`, classic.file);
    assert.deepEqual(classic.docs[3]![1].datum_kwargs, { point_number: 2 });
    assert.equal(classic.readings[2]!.image_image?.value, classic.docs[3]![1].datum_id);

    assert.deepEqual(stream.docs.map(([n]) => n), [
      "stream_resource",
      "stream_datum",
      "stream_datum",
      "stream_datum",
    ]);
    const [, sr] = stream.docs[0]!;
    assert.equal(sr.mimetype, "application/x-hdf5");
    assert.equal(sr.uri, `file://localhost${stream.file}`);
    assert.deepEqual(stream.docs[2]![1].indices, { start: 1, stop: 2 });
    assert.equal("image_image" in stream.readings[0]!, false);
    assert.equal(stream.det.describe().image_image?.external, "STREAM:");
  } finally {
    await Deno.remove(classic.folder, { recursive: true });
    await Deno.remove(stream.folder, { recursive: true });
  }
});

Deno.test("SimAreaDetector writes its frames through the backend it is given", async () => {
  const folder = await Deno.makeTempDir();
  const made: [string, FrameFileOptions][] = [];
  const frames: number[][] = [];
  let closed = false;
  const backend: Pick<Hdf5Backend, "createFrameFile"> = {
    createFrameFile(path, options): Promise<FrameFile> {
      made.push([path, options]);
      return Promise.resolve({
        path,
        get count() {
          return frames.length;
        },
        append: (frame) => void frames.push(Array.from(frame)),
        close: () => void (closed = true),
      });
    },
  };
  try {
    const motor = { name: "m", position: 0 };
    const det = new SimAreaDetector({ motor, folder, width: 4, height: 2, seed: 3, backend });
    await det.stage();
    await det.trigger().wait();
    await det.trigger().wait();
    const docs = [...det.collectAssetDocs()];
    await det.unstage();
    assert.equal(made.length, 1);
    const [path, options] = made[0]!;
    assert.equal(path, `${docs[0]![1].root}/${docs[0]![1].resource_path}`);
    assert.deepEqual(options, {
      dataset: "/entry/data/data",
      frameShape: [2, 4],
      dtype: "uint16",
      classes: { "/entry": "NXentry", "/entry/data": "NXdata" },
    });
    assert.equal(frames.length, 2);
    assert.equal(frames[1]!.reduce((a, b) => a + b, 0), det.read().image_total?.value);
    assert.deepEqual(docs.map(([, doc]) => doc.datum_kwargs), [
      undefined,
      { point_number: 0 },
      { point_number: 1 },
    ]);
    assert.ok(closed);
    assert.deepEqual([...Deno.readDirSync(folder)], [], "no file without the backend");
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
