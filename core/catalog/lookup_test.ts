import assert from "node:assert/strict";
import type { RunStart } from "../documents/types.ts";
import type { Catalog } from "./catalog.ts";
import { CatalogLookupError } from "./lookup_error.ts";
import { testRun } from "./_test_runs.ts";
import { storageTest as test } from "../../tests/_catalog_storages.ts";

/** Four runs: scan ids 1, 2, 2, 3, inserted out of start-time order. */
function fourRuns(catalog: Catalog): Catalog {
  const starts: Partial<RunStart>[] = [
    { uid: "aaaaa111-first", scan_id: 1, time: 100 },
    { uid: "bbbbb222-third", scan_id: 2, time: 300 },
    { uid: "aaaaa333-second", scan_id: 2, time: 200 },
    { uid: "ccccc444-fourth", scan_id: 3, time: 400 },
  ];
  for (const start of starts) {
    for (const [name, doc] of testRun({ start }).documents) catalog.insert(name, doc);
  }
  return catalog;
}

function lookupError(key: number | string, candidates: string[] = []) {
  return (error: unknown) => {
    assert.ok(error instanceof CatalogLookupError);
    assert.equal(error.name, "CatalogLookupError");
    assert.equal(error.key, key);
    assert.deepEqual(error.candidates, candidates);
    assert.ok(error.message.includes(String(key)), error.message);
    return true;
  };
}

test("byScanId() finds the most recent run with that scan id", async (store) => {
  const catalog = fourRuns(await store.temp());
  assert.equal(catalog.byScanId(2).start.uid, "bbbbb222-third");
  assert.equal(catalog.byScanId(1).start.uid, "aaaaa111-first");
  assert.equal(catalog.get(3).start.uid, "ccccc444-fourth");
  assert.throws(() => catalog.byScanId(7), lookupError(7));
  assert.throws(() => catalog.byScanId(1.5), RangeError);
  catalog.close();
});

test("byIndex() counts from the newest run with negative indices", async (store) => {
  const catalog = fourRuns(await store.temp());
  assert.equal(catalog.byIndex(-1).start.uid, "ccccc444-fourth");
  assert.equal(catalog.get(-2).start.uid, "bbbbb222-third");
  assert.equal(catalog.byIndex(-4).start.uid, "aaaaa111-first");
  assert.equal(catalog.byIndex(0).start.uid, "aaaaa111-first");
  assert.equal(catalog.byIndex(1).start.uid, "aaaaa333-second");
  assert.throws(() => catalog.byIndex(-5), lookupError(-5));
  assert.throws(() => catalog.byIndex(4), lookupError(4));
  assert.throws(() => catalog.byIndex(-0.5), RangeError);
  catalog.close();
});

test("Runs with the same start time keep their insertion order", async (store) => {
  const catalog = await store.temp();
  for (const uid of ["zzzzz-one", "aaaaa-two"]) {
    for (const [name, doc] of testRun({ start: { uid, time: 5 } }).documents) {
      catalog.insert(name, doc);
    }
  }
  assert.deepEqual(catalog.runs().map((run) => run.uid), ["zzzzz-one", "aaaaa-two"]);
  assert.equal(catalog.get(-1).start.uid, "aaaaa-two");
  catalog.close();
});

test("byUid() finds a run by a uid prefix of 5 characters or more", async (store) => {
  const catalog = fourRuns(await store.temp());
  assert.equal(catalog.byUid("bbbbb").start.uid, "bbbbb222-third");
  assert.equal(catalog.get("aaaaa3").start.uid, "aaaaa333-second");
  assert.equal(catalog.get("ccccc444-fourth").summary.scanId, 3);
  assert.throws(
    () => catalog.byUid("aaaaa"),
    lookupError("aaaaa", ["aaaaa111-first", "aaaaa333-second"]),
  );
  assert.throws(() => catalog.byUid("aaaaa"), /"aaaaa111-first", "aaaaa333-second"/);
  assert.throws(() => catalog.byUid("ddddd"), lookupError("ddddd"));
  assert.throws(() => catalog.byUid("aaaa"), (error: unknown) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /"aaaa" is too short/);
    return true;
  });
  assert.throws(() => catalog.get("bbbb"), RangeError);
  catalog.close();
});

test("A full uid finds its run even when it prefixes another uid", async (store) => {
  const catalog = await store.temp();
  for (const uid of ["abcdef", "abcdefgh"]) catalog.insert("start", { uid, time: 1 });
  assert.equal(catalog.byUid("abcdef").start.uid, "abcdef");
  assert.throws(() => catalog.byUid("abcde"), lookupError("abcde", ["abcdef", "abcdefgh"]));
  catalog.close();
});

test("size counts the runs", async (store) => {
  const catalog = fourRuns(await store.temp());
  assert.equal(catalog.size, 4);
  catalog.close();
  assert.throws(() => catalog.size, { message: "Catalog is closed" });
});
