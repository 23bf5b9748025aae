/**
 * The project's own files, as its commands write them, list alike with the TypeScript HDF5
 * reader and with h5wasm, and the TypeScript reader reads them without giving up: the demo
 * scan's file, an area-detector run (its frames linked or copied, chunked and compressed) and
 * the detector's own file (the converted apstools runs are read in `convert_cli_test.ts`).
 * Files with detectors' filters (bslz4, LZ4) are read with h5wasm, and list the same through
 * `treeLines()`.
 */

import assert from "node:assert/strict";
import { withDir } from "./_temp_dir.ts";
import { createNXWriter, type NamedDocument } from "../mod.ts";
import { treeLines } from "../core/nexus/listing.ts";
import { Hdf5FormatUnsupported } from "../core/nexus/_hdf5_reader.ts";
import { areaDetectorScan } from "./_area_detector_scan.ts";
import { runScript } from "./_cli.ts";
import { assertReadAlike, listBoth } from "./_hdf5_readers.ts";

async function hdfFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && /\.(hdf|h5)$/.test(entry.name)) files.push(`${dir}/${entry.name}`);
  }
  return files.sort();
}

Deno.test("The demo scan's file reads alike with the TypeScript reader and h5wasm", async () => {
  await withDir(async (dir) => {
    const out = await runScript("scan.ts", ["--no-table", "--file", `${dir}/seed.hdf`]);
    assert.equal(out.code, 0, out.stderr);
    await assertReadAlike(`${dir}/seed.hdf`);
  });
});

Deno.test("An area-detector run and the detector's file read alike with both readers", async () => {
  await withDir(async (dir) => {
    for (const frames of ["link", "copy"]) {
      const out = await runScript("scan.ts", [
        "--no-table",
        "--detector",
        "image",
        "--frames",
        frames,
        "--num",
        "3",
        "--file",
        `${dir}/${frames}.hdf`,
      ]);
      assert.equal(out.code, 0, out.stderr);
      await assertReadAlike(`${dir}/${frames}.hdf`);
    }
    const lines = await treeLines(`${dir}/copy.hdf`);
    assert.ok(lines.some((line) => /value:NX_UINT\d+\[3,512,512\] = __array$/.test(line)));
    const detectorFiles = await hdfFiles(`${dir}/images`);
    assert.equal(detectorFiles.length, 2);
    for (const file of detectorFiles) await assertReadAlike(file);
  });
});

Deno.test("Frames copied with bslz4 or LZ4 list through h5wasm, alike", async () => {
  await withDir(async (dir) => {
    const { docs, exitStatus } = await areaDetectorScan({
      folder: `${dir}/detector`,
      width: 16,
      height: 8,
      num: 3,
      seed: 5,
    });
    assert.equal(exitStatus, "success");
    for (const compression of ["bslz4", "lz4"] as const) {
      const writer = createNXWriter({
        filePath: dir,
        fileName: `${compression}.h5`,
        builtins: { streams: { frames: "copy", compression } },
      });
      for (const [name, doc] of docs as NamedDocument[]) writer.receiver(name, doc);
      await writer.wait();
      const path = `${dir}/${compression}.h5`;
      const { ts, h5wasm } = await listBoth(path);
      assert.ok(ts instanceof Hdf5FormatUnsupported, `${path}: the TypeScript reader read it`);
      assert.match(ts.message, /uses the filter 3200[48]/);
      assert.deepEqual(await treeLines(path), h5wasm);
      assert.ok(h5wasm.some((line) => /:NX_UINT\d+\[3,8,16\] = __array$/.test(line)), path);
    }
  });
});
