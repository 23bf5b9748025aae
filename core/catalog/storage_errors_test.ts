import assert from "node:assert/strict";
import { Catalog } from "./catalog.ts";
import { CatalogCorruptError, CatalogWriteError } from "./storage_errors.ts";
import { testRun } from "./_test_runs.ts";

async function withDir(test: (dir: string) => void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "catalog_errors_" });
  try {
    test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("A catalog on a full disk keeps the beginning of the run in order, and flush() names the run and the documents not stored", async () => {
  await withDir((dir) => {
    const { documents } = testRun({ start: { scan_id: 1 }, events: 5000 });
    const uid = (documents[0]![1] as { uid: string }).uid;
    // A catalog of 60 pages of 4 KiB: full after about 1,000 events.
    const catalog = Catalog.open(dir, { maxPages: 60 });
    const thrown: unknown[] = [];
    for (const [name, doc] of documents) {
      try {
        catalog.insert(name, doc);
      } catch (error) {
        thrown.push(error);
      }
    }
    assert.equal(thrown.length, 1, "insert throws once");
    assert.ok(thrown[0] instanceof CatalogWriteError);
    const tally = catalog.tally(uid);
    assert.ok(tally.stored > 0 && tally.notStored > 0, JSON.stringify(tally));
    assert.equal(tally.stored + tally.notStored, documents.length);
    const message = new RegExp(
      `^Catalog "${dir}/catalog.sqlite" could not store ${tally.notStored} documents of run ` +
        `"${uid}": database or disk is full \\(the run is not stored completely\\)$`,
    );
    assert.throws(() => catalog.flush(), { name: "CatalogWriteError", message });
    assert.throws(() => catalog.flush(), { message }, "and again");
    catalog.close();

    const reopened = Catalog.open(dir);
    assert.deepEqual([...reopened.get(1).documents()], documents.slice(0, tally.stored));
    assert.equal(reopened.get(1).summary.exitStatus, "incomplete");
    reopened.close();
  });
});

Deno.test("Reading a run of a damaged catalog throws naming the file, never ends early", async () => {
  await withDir((dir) => {
    const { documents } = testRun({ start: { scan_id: 1 }, events: 20_000 });
    const catalog = Catalog.open(dir);
    for (const [name, doc] of documents) catalog.insert(name, doc);
    catalog.close();
    const path = `${dir}/catalog.sqlite`;
    const file = Deno.openSync(path, { read: true, write: true });
    file.seekSync(Math.floor(file.statSync().size / 2), Deno.SeekMode.Start);
    file.writeSync(new Uint8Array(64 * 1024).fill(0xa5));
    file.close();

    const damaged = Catalog.open(dir);
    try {
      let read = 0;
      assert.throws(() => {
        for (const _ of damaged.get(1).documents()) read++;
      }, (error: unknown) => error instanceof CatalogCorruptError && error.file === path);
      assert.ok(read < documents.length);
    } finally {
      damaged.close();
    }
  });
});
