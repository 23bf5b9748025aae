import assert from "node:assert/strict";
import type { DocumentName } from "../documents/types.ts";
import { Catalog } from "./catalog.ts";
import { SqliteStorage } from "./sqlite_storage.ts";
import { testRun } from "./_test_runs.ts";

/** A storage whose first look-up of some uids misses: another process is storing them then. */
class Racing extends SqliteStorage {
  readonly late = new Set<string>();

  override find(uid: string): { name: DocumentName; run: string } | undefined {
    if (this.late.delete(uid)) return undefined;
    return super.find(uid);
  }
}

Deno.test("Catalog with existing: 'skip' skips a run another process stored while it looked", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const docs = testRun({ events: 3 }).documents;
    const uid = (docs[0]![1] as { uid: string }).uid;
    const first = Catalog.open(dir);
    for (const [name, doc] of docs) first.insert(name, doc);
    first.close();
    const storage = new Racing(`${dir}/catalog.sqlite`);
    storage.late.add(uid);
    const second = new Catalog(storage, { existing: "skip" });
    try {
      for (const [name, doc] of docs) second.insert(name, doc);
      second.flush();
      assert.deepEqual(second.tally(uid), { stored: 0, notStored: 0, skipped: docs.length });
      assert.equal([...second.get(uid).documents()].length, docs.length);
    } finally {
      second.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
