import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { Document, DocumentName } from "../documents/types.ts";
import { SqliteStorage } from "./sqlite_storage.ts";
import { storageTest as test } from "../../tests/_catalog_storages.ts";

function record(run: string, name: DocumentName, doc: Record<string, unknown>, events = 0) {
  const uid = typeof doc.uid === "string" ? doc.uid : undefined;
  return { run, name, doc: doc as unknown as Document, uid, events, json: JSON.stringify(doc) };
}

test("A storage keeps uids of referred documents unique", async (store) => {
  const storage = await store.storage();
  assert.equal(storage.append(record("r1", "start", { uid: "r1", time: 1 })), true);
  assert.equal(storage.append(record("r1", "start", { uid: "r1", time: 2 })), false);
  assert.equal(storage.append(record("r1", "descriptor", { uid: "d1", run_start: "r1" })), true);
  assert.equal(storage.append(record("r1", "start", { uid: "d1", time: 3 })), false);
  assert.equal(storage.count({}), 1, "the refused start left no run behind");
  assert.deepEqual(storage.find("d1"), { name: "descriptor", run: "r1" });
  assert.equal(storage.find("nothing"), undefined);
  storage.close();
});

test("A storage's uids() lists a run's event and datum uids, pages' rows included", async (store) => {
  const storage = await store.storage();
  storage.append(record("r1", "start", { uid: "r1", time: 1 }));
  storage.append(record("r1", "event", { uid: "e1", descriptor: "d1" }, 1));
  storage.append(record("r1", "event_page", { uid: ["e2", "e3"], descriptor: "d1" }, 2));
  storage.append({
    ...record("r1", "datum_page", { datum_id: ["a/0", "a/1"], resource: "a" }),
    uid: undefined,
  });
  storage.append({ ...record("r1", "datum", { datum_id: "a/2" }), uid: "a/2" });
  assert.deepEqual(new Set(storage.uids("r1")), new Set(["e1", "e2", "e3", "a/0", "a/1", "a/2"]));
  assert.equal(storage.run("r1")?.events, 3, "uncommitted events count");
  storage.commit();
  assert.equal(storage.run("r1")?.events, 3, "committed events count");
  storage.close();
});

Deno.test("SqliteStorage refuses a catalog of a newer schema, or a file that is no database", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const db = new DatabaseSync(`${dir}/newer.sqlite`);
    db.exec("PRAGMA user_version = 99");
    db.close();
    assert.throws(() => new SqliteStorage(`${dir}/newer.sqlite`), /schema version 99/);
    Deno.writeTextFileSync(`${dir}/text.sqlite`, "not a database, just text ".repeat(10));
    assert.throws(() => new SqliteStorage(`${dir}/text.sqlite`), /Cannot open catalog/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("A SqliteStorage opened read-only reads the runs and stores nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/catalog.sqlite`;
    const writer = new SqliteStorage(path);
    writer.append(record("r1", "start", { uid: "r1", time: 1 }));
    writer.close();
    const reader = new SqliteStorage(path, { readOnly: true });
    try {
      assert.equal(reader.run("r1")?.uid, "r1");
      assert.throws(() => {
        reader.append(record("r2", "start", { uid: "r2", time: 2 }));
        reader.commit();
      }, /readonly/i);
      assert.equal(reader.count({}), 1);
    } finally {
      reader.close();
    }
    assert.throws(() => new SqliteStorage(`${dir}/none.sqlite`, { readOnly: true }), /none/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("A storage's tail() gives committed documents after a seq, by run and name", async (store) => {
  const storage = await store.storage();
  storage.append(record("r1", "start", { uid: "r1", time: 1 }));
  storage.append(record("r2", "start", { uid: "r2", time: 2 }));
  storage.append(record("r1", "event", { uid: "e1", descriptor: "d1" }, 1));
  storage.append(record("r1", "stop", { uid: "s1", run_start: "r1" }));
  storage.commit();
  const all = storage.tail!(0);
  assert.deepEqual(all.map((d) => [d.run, d.name]), [
    ["r1", "start"],
    ["r2", "start"],
    ["r1", "event"],
    ["r1", "stop"],
  ]);
  assert.ok(all.every((d, i) => i === 0 || d.seq > all[i - 1]!.seq));
  const r1 = storage.tail!(0, { run: "r1" });
  assert.deepEqual(r1.map((d) => d.name), ["start", "event", "stop"]);
  assert.deepEqual(storage.tail!(r1[0]!.seq, { run: "r1", limit: 1 }).map((d) => d.name), [
    "event",
  ]);
  assert.deepEqual(storage.tail!(0, { names: ["start", "stop"] }).map((d) => d.name), [
    "start",
    "start",
    "stop",
  ]);
  assert.deepEqual(storage.tail!(0, { run: "nothing" }), []);
  assert.equal(storage.lastSeq!(), all.at(-1)!.seq);
  storage.close();
});

test("A storage's rollback discards its unit of work; what it commits another one reads", async (store) => {
  const location = await store.location();
  const writer = store.open(location);
  const reader = store.open(location);
  try {
    assert.equal(writer.append(record("r1", "start", { uid: "r1", time: 1 })), true);
    assert.equal(writer.append(record("r1", "event", { uid: "e1", descriptor: "d1" }, 1)), true);
    assert.equal(writer.run("r1")?.events, 1, "the writer reads what it appended");
    assert.equal(reader.run("r1"), undefined, "another reads only what is committed");
    writer.rollback();
    assert.equal(writer.run("r1"), undefined);
    assert.equal(writer.count({}), 0);
    // The uid is free again.
    assert.equal(writer.append(record("r1", "start", { uid: "r1", time: 2 })), true);
    assert.equal(writer.append(record("r1", "event", { uid: "e2", descriptor: "d1" }, 1)), true);
    writer.commit();
    assert.equal(reader.run("r1")?.events, 1);
    assert.deepEqual(reader.tail!(0).map((d) => [d.name, JSON.parse(d.json).uid]), [
      ["start", "r1"],
      ["event", "e2"],
    ]);
    assert.equal(reader.append(record("r1", "start", { uid: "r1", time: 3 })), false);
    reader.rollback();
  } finally {
    writer.close();
    reader.close();
  }
});
