import assert from "node:assert/strict";
import { type Catalog, temp } from "../core/catalog/mod.ts";
import { testRun } from "../core/catalog/_test_runs.ts";
import type { AssetFlavor } from "../devices/area_detector.ts";
import { areaDetectorScan } from "../tests/_area_detector_scan.ts";
import { H5wasmBackend } from "../core/nexus/mod.ts";
import { createApi } from "./api.ts";
import { NexusFiles } from "./nexus_files.ts";

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "nxdaq-nexus-files-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function store(catalog: Catalog, uid: string, stop = true): void {
  for (const [name, doc] of testRun({ start: { uid, scan_id: 4 }, events: 3, stop }).documents) {
    catalog.insert(name, doc as never);
  }
}

/** A 3-frame area-detector scan whose frames go to `folder`, stored in `catalog`. */
async function detectorRun(catalog: Catalog, folder: string, flavor: AssetFlavor) {
  const { docs } = await areaDetectorScan({ folder, width: 8, height: 6, num: 3, flavor, seed: 3 });
  for (const [name, doc] of docs) catalog.insert(name, doc as never);
  return (docs[0]![1] as { uid: string }).uid;
}

Deno.test("a stopped run's file is written once and kept; two requests share the write", () =>
  withDir(async (dir) => {
    const catalog = temp();
    store(catalog, "run-kept-0001");
    const files = new NexusFiles({ cache: dir, dataFolders: [] });
    const run = catalog.byUid("run-kept-0001");
    const [a, b] = await Promise.all([files.file(run), files.file(run)]);
    assert.equal(a, b, "one write for two requests at once");
    assert.equal(a.complete, true);
    assert.equal(a.name, "S00004-run-kept-0001.hdf");
    const { mtime } = await Deno.stat(a.path);
    const again = await files.file(run);
    assert.equal(again.path, a.path);
    assert.deepEqual((await Deno.stat(again.path)).mtime, mtime, "not written again");
    await files.release(again);
    assert.ok((await Deno.stat(a.path)).isFile, "a stopped run's file stays after its release");
    const file = await new H5wasmBackend().open(a.path);
    try {
      assert.equal(file.get("/entry/data/det")?.kind, "dataset", "the run's data is in it");
    } finally {
      file.close();
    }
    catalog.close();
  }));

Deno.test("a run without a stop is written afresh each time and removed after its release", () =>
  withDir(async (dir) => {
    const catalog = temp();
    store(catalog, "run-open-0001", false);
    const files = new NexusFiles({ cache: dir, dataFolders: [] });
    const run = catalog.byUid("run-open-0001");
    const first = await files.file(run);
    const second = await files.file(run);
    assert.equal(first.complete, false);
    assert.notEqual(first.path, second.path, "a new file for each request");
    await files.release(first);
    await files.release(second);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing left in the cache");
    catalog.close();
  }));

Deno.test("the cache keeps the most recently used files and removes older ones", () =>
  withDir(async (dir) => {
    const catalog = temp();
    for (const uid of ["run-lru-0001", "run-lru-0002", "run-lru-0003"]) store(catalog, uid);
    const files = new NexusFiles({ cache: dir, dataFolders: [], keep: 2 });
    const one = await files.file(catalog.byUid("run-lru-0001"));
    await files.file(catalog.byUid("run-lru-0002"));
    await files.file(catalog.byUid("run-lru-0001"));
    await files.file(catalog.byUid("run-lru-0003"));
    // The second is the least recently used: it goes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assert.deepEqual(names, ["run-lru-0001.hdf", "run-lru-0003.hdf"]);
    assert.ok((await Deno.stat(one.path)).isFile);
    catalog.close();
  }));

for (const flavor of ["resource", "stream"] as const) {
  Deno.test(`a ${flavor} run's frames are copied in from a data folder, refused from elsewhere`, () =>
    withDir(async (dir) => {
      const catalog = temp();
      const uid = await detectorRun(catalog, `${dir}/data/detector`, flavor);
      await Deno.mkdir(`${dir}/cache`);
      // Served with the data folder: the file holds the frames themselves.
      const served = createApi(catalog, {
        nexus: new NexusFiles({ cache: `${dir}/cache`, dataFolders: [`${dir}/data`] }),
      });
      const ok = await served(new Request(`http://127.0.0.1/api/runs/${uid}/nexus.hdf`));
      assert.equal(ok.status, 200);
      const bytes = new Uint8Array(await ok.arrayBuffer());
      assert.equal(Number(ok.headers.get("content-length")), bytes.length);
      await Deno.writeFile(`${dir}/run.hdf`, bytes);
      const file = await new H5wasmBackend().open(`${dir}/run.hdf`);
      try {
        const image = file.get("/entry/data/image_image");
        assert.equal(image?.kind, "dataset", "the frames are copied, not linked");
        assert.deepEqual(image?.kind === "dataset" ? image.shape : [], [3, 6, 8]);
      } finally {
        file.close();
      }

      // Served with another folder only: 404, naming the resource but no path.
      await Deno.mkdir(`${dir}/other`);
      const elsewhere = createApi(catalog, {
        nexus: new NexusFiles({ cache: `${dir}/cache`, dataFolders: [`${dir}/other`] }),
      });
      const refused = await elsewhere(new Request(`http://127.0.0.1/api/runs/${uid}/nexus.hdf`));
      assert.equal(refused.status, 404);
      const { error } = await refused.json();
      assert.match(
        error,
        new RegExp(`^Run "${uid}": (stream_)?resource ".+" names a file outside`),
      );
      assert.doesNotMatch(error, new RegExp(dir), "no path in the message");

      // A symlink in the data folder that leads out of it is refused too.
      await Deno.symlink(`${dir}/data/detector`, `${dir}/other/detector`);
      const linked = temp();
      const linkedUid = await detectorRun(linked, `${dir}/other/detector`, flavor);
      const viaLink = createApi(linked, {
        nexus: new NexusFiles({ cache: `${dir}/cache`, dataFolders: [`${dir}/other`] }),
      });
      const response = await viaLink(
        new Request(`http://127.0.0.1/api/runs/${linkedUid}/nexus.hdf`),
      );
      assert.equal(response.status, 404);
      assert.match((await response.json()).error, /names a file outside the data folders/);
      assert.deepEqual(
        [...Deno.readDirSync(`${dir}/cache`)].map((entry) => entry.name),
        [`${uid.replace(/[^\w.-]/g, "_")}.hdf`],
        "nothing was written for the refused runs",
      );
      linked.close();
      catalog.close();
    }));
}

Deno.test("nexus.hdf: 404 for an unknown run and on a server that sends no files, 405 for PUT", async () => {
  const catalog = temp();
  store(catalog, "run-api-0001");
  const cache = await Deno.makeTempDir();
  try {
    const api = createApi(catalog, { nexus: new NexusFiles({ cache, dataFolders: [] }) });
    const unknown = await api(new Request("http://127.0.0.1/api/runs/run-zzz/nexus.hdf"));
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error, `No run has uid "run-zzz"`);
    const bad = await api(new Request("http://127.0.0.1/api/runs/run-api-0001/nexus.hdf?x=1"));
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /Unknown parameter "x"/);
    const head = await api(
      new Request("http://127.0.0.1/api/runs/run-api-0001/nexus.hdf", { method: "HEAD" }),
    );
    assert.equal(head.status, 200);
    assert.equal(head.body, null, "HEAD sends no body");
    assert.ok(Number(head.headers.get("content-length")) > 1000, "but the file's length");
    const put = await api(
      new Request("http://127.0.0.1/api/runs/run-api-0001/nexus.hdf", { method: "PUT" }),
    );
    assert.equal(put.status, 405);
    await put.body?.cancel();
    const none = createApi(catalog);
    const response = await none(new Request("http://127.0.0.1/api/runs/run-api-0001/nexus.hdf"));
    assert.equal(response.status, 404);
    assert.equal((await response.json()).error, "This server sends no NeXus files");
  } finally {
    catalog.close();
    await Deno.remove(cache, { recursive: true });
  }
});
