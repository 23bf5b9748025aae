/**
 * End to end: a scan of the simulated area detector, its frames written to the detector's own
 * HDF5 file, taken into the NeXus file by external link or by copy, read back by h5py; files
 * that arrive late, and files that never arrive.
 */

import assert from "node:assert/strict";
import {
  AssetsMissingError,
  createNXWriter,
  type DocumentMap,
  type DocumentName,
  type NamedDocument,
} from "../mod.ts";
import type { AssetFlavor } from "../devices/mod.ts";
import { checkNexusFile, h5pyValues, ignoreWithoutH5py } from "./_interop.ts";
import { areaDetectorScan } from "./_area_detector_scan.ts";
import { schemasAvailable, validateAgainstSchema } from "./_schemas.ts";

const IMAGE = "/entry/instrument/bluesky/streams/primary/image_image";
const DETECTOR_FILE = "/entry/data/data";

/** A 4-point scan of a 16 x 12 detector; its documents, and the detector's file. */
async function record(
  dir: string,
  flavor: AssetFlavor,
): Promise<{ docs: NamedDocument[]; file: string }> {
  const { docs, file, exitStatus } = await areaDetectorScan({
    folder: `${dir}/detector`,
    width: 16,
    height: 12,
    num: 4,
    flavor,
    seed: 7,
  });
  assert.equal(exitStatus, "success");
  // Every document, the asset documents included, is valid event-model.
  if (schemasAvailable()) {
    for (const [name, doc] of docs) assert.deepEqual(validateAgainstSchema(name, doc), [], name);
  }
  return { docs, file };
}

function feed(
  receiver: <K extends DocumentName>(name: K, doc: DocumentMap[K]) => void,
  docs: NamedDocument[],
) {
  for (const [name, doc] of docs) receiver(name, doc);
}

for (const flavor of ["resource", "stream"] as const) {
  for (const mode of ["link", "copy"] as const) {
    Deno.test({
      name: `The frames of a ${flavor}-flavour detector reach the NeXus file by ${mode}`,
      ignore: ignoreWithoutH5py(),
      async fn() {
        const dir = await Deno.makeTempDir();
        try {
          const { docs, file } = await record(dir, flavor);
          const names = docs.map(([name]) => name);
          const asset = flavor === "resource" ? "datum" : "stream_datum";
          assert.equal(names.filter((n) => n === asset).length, 4);
          const writer = createNXWriter({
            filePath: dir,
            fileName: "run.h5",
            builtins: { streams: { frames: mode } },
          });
          feed(writer.receiver, docs);
          const path = await writer.wait();
          await checkNexusFile(path, { externalLinksResolve: true });
          const frames = (await h5pyValues(file, [DETECTOR_FILE]))[DETECTOR_FILE] as number[][][];
          assert.equal(frames.length, 4);
          const paths = [
            `${IMAGE}/value`,
            "/entry/instrument/detectors/image_image/data/value",
          ];
          const read = await h5pyValues(path, paths);
          for (const p of paths) assert.deepEqual(read[p], frames, p);
          const layout = await h5pyLink(path, `${IMAGE}/value`);
          assert.equal(layout, mode === "link" ? "external" : "gzip (1, 12, 16)");
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    });
  }
}

/** How h5py sees a value: an external link, or a dataset's compression and chunks. */
async function h5pyLink(file: string, path: string): Promise<string> {
  const script = `
import h5py, sys
f = h5py.File(sys.argv[1], "r")
link = f.get(sys.argv[2], getlink=True)
if isinstance(link, h5py.ExternalLink):
    print("external")
else:
    d = f[sys.argv[2]]
    print(d.compression, d.chunks)
`;
  const { stdout } = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, file, path],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(stdout).trim().replace("None", "none");
}

Deno.test({
  name: "A detector file that appears after the stop is waited for and written in full",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { docs, file } = await record(dir, "resource");
      const frames = (await h5pyValues(file, [DETECTOR_FILE]))[DETECTOR_FILE];
      await Deno.rename(file, `${file}.moved`);
      const writer = createNXWriter({
        filePath: dir,
        fileName: "late.h5",
        assets: { timeout: 10_000, interval: 50 },
        builtins: { streams: { frames: "copy" } },
      });
      feed(writer.receiver, docs);
      let settled = false;
      const written = writer.wait().finally(() => settled = true);
      // Long enough for several looks at the missing file; far shorter than the timeout.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(settled, false, "the writer did not wait for the detector's file");
      await assert.rejects(Deno.stat(`${dir}/late.h5`), Deno.errors.NotFound);
      await Deno.rename(`${file}.moved`, file);
      const path = await written;
      const read = await h5pyValues(path, [`${IMAGE}/value`]);
      assert.deepEqual(read[`${IMAGE}/value`], frames);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "A detector file that never appears is an error naming it and its frames; the rest is written",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { docs, file } = await record(dir, "stream");
      await Deno.remove(file);
      const writer = createNXWriter({
        filePath: dir,
        fileName: "short.h5",
        assets: { timeout: 300, interval: 50 },
      });
      feed(writer.receiver, docs);
      const error = await writer.wait().then(
        () => assert.fail("the missing file was not reported"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof AssetsMissingError, String(error));
      assert.equal(error.path, `${dir}/short.h5`);
      assert.match(error.message, new RegExp(`Asset file "${file}" is missing`));
      assert.deepEqual((error.errors[0] as { frames?: number[] }).frames, [0, 1, 2, 3]);
      await checkNexusFile(error.path);
      const read = await h5pyValues(error.path, [
        `${IMAGE}/value`,
        "/entry/instrument/bluesky/streams/primary/image_total/value",
      ]);
      assert.equal(read[`${IMAGE}/value`], null);
      assert.equal(
        (read["/entry/instrument/bluesky/streams/primary/image_total/value"] as [])
          .length,
        4,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "The default plot stays the scalar total unless the image is named as the signal",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { docs } = await record(dir, "resource");
      const plain = createNXWriter({ filePath: dir, fileName: "plain.h5" });
      feed(plain.receiver, docs);
      const scalar = await checkNexusFile(await plain.wait());
      assert.equal(scalar.objects["/entry/data"]?.attrs.signal?.value, "image_total");
      for (const mode of ["link", "copy"] as const) {
        const writer = createNXWriter({
          filePath: dir,
          fileName: `image-${mode}.h5`,
          builtins: { entry: { signal: "image_image" }, streams: { frames: mode } },
        });
        feed(writer.receiver, docs);
        const path = await writer.wait();
        const summary = await checkNexusFile(path, { externalLinksResolve: true });
        const data = summary.objects["/entry/data"]!;
        assert.equal(data.attrs.signal?.value, "image_image");
        assert.deepEqual(data.attrs.axes?.value, ["motor", ".", "."]);
        assert.equal(data.attrs.motor_indices?.value, 0);
        const read = await h5pyValues(path, ["/entry/data/image_image"]);
        assert.equal((read["/entry/data/image_image"] as unknown[]).length, 4, mode);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
