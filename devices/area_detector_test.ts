import assert from "node:assert/strict";
import { loadH5wasm } from "../core/nexus/h5wasm_backend.ts";
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
    const h5 = await loadH5wasm();
    const handle = new h5.api.File(file, "r");
    const data = handle.get("/entry/data/data") as InstanceType<typeof h5.api.Dataset>;
    assert.deepEqual(data.shape, [3, 8, 32]);
    for (let i = 0; i < 3; i++) {
      const frame = data.slice([[i, i + 1]]) as Uint16Array;
      const total = frame.reduce((a, b) => a + b, 0);
      assert.equal(total, readings[i]!.image_total?.value);
    }
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
