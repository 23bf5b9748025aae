import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { RunStart } from "../documents/types.ts";
import { Catalog, temp } from "./catalog.ts";
import { checkCatalog } from "./check.ts";
import type { RunQuery } from "./run_query.ts";
import { SqliteStorage } from "./sqlite_storage.ts";
import type { RunSlice } from "./storage.ts";
import { storageTest as test } from "../../tests/_catalog_storages.ts";

/** A fixed sequence of pseudo-random numbers in [0, 1), so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Values of different JSON types that look alike: 3 and "3", true and 1, null and "null". */
const VALUES: unknown[] = [3, "3", 3.5, 0, 1, "1", true, false, "true", null, "null", "Si", ""];
const KEYS = ["plan_name", "scan_id", "sample", "flag", "note"];

/** Start documents of every kind of value, nested copies, missing keys and ties in time. */
function startDocuments(n: number, seed = 1): Record<string, unknown>[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const doc: Record<string, unknown> = {
      uid: `run-${String(i).padStart(5, "0")}-${Math.floor(next() * 1e9)}`,
      // Few distinct times: many ties, and insertion order out of time order.
      time: 1000 + Math.floor(next() * n / 4),
      plan_name: pick(["scan", "count", "grid_scan", 3]),
    };
    for (const key of KEYS.slice(1)) if (next() < 0.7) doc[key] = pick(VALUES);
    // Nested and array values are not matched by a top-level search.
    if (next() < 0.5) doc.md = { sample: pick(VALUES), scan_id: pick(VALUES) };
    if (next() < 0.3) doc.detectors = [pick(VALUES)];
    if (next() < 0.1) doc.reading = NaN;
    docs.push(doc);
  }
  return docs;
}

/** The JSON type and value a start document holds for a key, as stored (NaN as null). */
function stored(doc: Record<string, unknown>, key: string): unknown {
  const value = doc[key];
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

/** The brute-force answer: every start document tested, ordered by time then insertion. */
function expected(docs: Record<string, unknown>[], query: RunQuery): string[] {
  const matching = docs.map((doc, order) => ({ doc, order })).filter(({ doc }) =>
    Object.entries(query).every(([key, value]) => {
      const time = doc.time as number;
      if (key === "since") return time >= (value as number);
      if (key === "until") return time < (value as number);
      if (!Object.hasOwn(doc, key)) return false;
      const held = stored(doc, key);
      return (held === null || typeof held !== "object") && held === value;
    })
  );
  matching.sort((a, b) => (a.doc.time as number) - (b.doc.time as number) || a.order - b.order);
  return matching.map(({ doc }) => doc.uid as string);
}

/** A random query: up to three keys (some absent from every document), maybe a time range. */
function randomQuery(next: () => number, docs: Record<string, unknown>[]): RunQuery {
  const query: RunQuery = {};
  const keys = [...KEYS, "md", "detectors", "absent", "md.sample", "reading", "uid"];
  const n = Math.floor(next() * 4);
  for (let i = 0; i < n; i++) {
    const key = keys[Math.floor(next() * keys.length)]!;
    query[key] = key === "uid" && next() < 0.8
      ? docs[Math.floor(next() * docs.length)]!.uid
      : VALUES[Math.floor(next() * VALUES.length)];
  }
  if (next() < 0.4) query.since = 1000 + Math.floor(next() * docs.length / 4);
  if (next() < 0.4) query.until = 1000 + Math.floor(next() * docs.length / 4);
  return query;
}

/** Compare the catalog's answers with the brute-force ones for many random queries. */
function assertSearches(catalog: Catalog, docs: Record<string, unknown>[], seed: number): void {
  const next = random(seed);
  for (let i = 0; i < 300; i++) {
    const query = randomQuery(next, docs);
    const all = expected(docs, query);
    const label = JSON.stringify(query);
    assert.equal(catalog.count(query), all.length, `count of ${label}`);
    assert.deepEqual(catalog.runs(query).map((run) => run.uid), all, `runs of ${label}`);
    const limit = 1 + Math.floor(next() * 20);
    const offset = Math.floor(next() * (all.length + 5));
    const newest: RunSlice = { from: "newest", offset, limit };
    assert.deepEqual(
      catalog.runs(query, newest).map((run) => run.uid),
      all.toReversed().slice(offset, offset + limit),
      `newest ${offset}+${limit} of ${label}`,
    );
    const oldest: RunSlice = { from: "oldest", offset, limit };
    assert.deepEqual(
      catalog.runs(query, oldest).map((run) => run.uid),
      all.slice(offset, offset + limit),
      `oldest ${offset}+${limit} of ${label}`,
    );
  }
}

function insertAll(catalog: Catalog, docs: Record<string, unknown>[]): void {
  for (const doc of docs) catalog.insert("start", doc as unknown as RunStart);
  catalog.flush();
}

/** Make a catalog file look as a version 1 catalog: no index of start keys. */
function makeVersion1(file: string): void {
  const db = new DatabaseSync(file);
  db.exec("DROP TABLE start_keys; DROP TABLE start_keys_filled; PRAGMA user_version = 1");
  db.close();
}

function schema(file: string): { version: number; tables: string[] } {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const { user_version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
    const rows = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all() as { name: string }[];
    return { version: user_version, tables: rows.map((row) => row.name) };
  } finally {
    db.close();
  }
}

test("A search by start keys finds what a test of every start document finds", async (store) => {
  // 437 runs: most in the index, the last ones in the tail not yet filed.
  const docs = startDocuments(437);
  const catalog = await store.temp();
  try {
    insertAll(catalog, docs);
    assertSearches(catalog, docs, 7);
  } finally {
    catalog.close();
  }
});

test("A search tells JSON types apart and matches neither nested keys nor arrays", async (store) => {
  const catalog = await store.temp();
  try {
    const docs = [
      { uid: "number-3", time: 1, v: 3 },
      { uid: "text-3", time: 2, v: "3" },
      { uid: "real-3.5", time: 3, v: 3.5 },
      { uid: "true", time: 4, v: true },
      { uid: "one", time: 5, v: 1 },
      { uid: "null", time: 6, v: null },
      { uid: "text-null", time: 7, v: "null" },
      { uid: "nested", time: 8, md: { v: 3 }, "md.v": "flat" },
      { uid: "array", time: 9, v: [3] },
      { uid: "missing", time: 10 },
    ];
    // Past the tail: the documents are searched through the index.
    const filler = Array.from({ length: 120 }, (_, i) => ({ uid: `filler-${i}`, time: 0 }));
    insertAll(catalog, [...docs, ...filler]);
    const found = (query: RunQuery) => catalog.runs(query).map((run) => run.uid);
    assert.deepEqual(found({ v: 3 }), ["number-3"]);
    assert.deepEqual(found({ v: "3" }), ["text-3"]);
    assert.deepEqual(found({ v: 3.5 }), ["real-3.5"]);
    assert.deepEqual(found({ v: true }), ["true"]);
    assert.deepEqual(found({ v: 1 }), ["one"]);
    assert.deepEqual(found({ v: false }), []);
    assert.deepEqual(found({ v: null }), ["null"]);
    assert.deepEqual(found({ v: "null" }), ["text-null"]);
    assert.deepEqual(found({ "md.v": 3 }), []);
    assert.deepEqual(found({ "md.v": "flat" }), ["nested"]);
    assert.deepEqual(found({ md: null }), []);
    assert.deepEqual(found({ uid: "array" }), ["array"]);
    assert.deepEqual(found({ uid: "array", v: 3 }), []);
    assert.equal(catalog.count({ v: 3, time: 1 }), 1);
  } finally {
    catalog.close();
  }
});

test("Runs come newest first, ties in time by insertion, across the index and its tail", async (store) => {
  const catalog = await store.temp();
  try {
    // 150 runs of three times: 100 filed in the index, 50 in the tail, ties in both.
    const docs = Array.from({ length: 150 }, (_, i) => ({
      uid: `tie-${String(i).padStart(3, "0")}`,
      time: [5, 3, 4][i % 3]!,
      plan_name: "scan",
    }));
    insertAll(catalog, docs);
    const all = expected(docs, { plan_name: "scan" }).toReversed();
    assert.equal(all[0], "tie-147", "the last run inserted at the latest time comes first");
    const paged: string[] = [];
    for (let offset = 0; offset < 160; offset += 7) {
      const page = catalog.runs({ plan_name: "scan" }, { from: "newest", offset, limit: 7 });
      paged.push(...page.map((run) => run.uid));
    }
    assert.deepEqual(paged, all);
    assert.equal(catalog.count({ plan_name: "scan", since: 4 }), 100);
    assert.deepEqual(
      catalog.runs({ plan_name: "scan", since: 4, until: 5 }, {
        from: "newest",
        offset: 0,
        limit: 2,
      })
        .map((run) => run.uid),
      ["tie-149", "tie-146"],
    );
  } finally {
    catalog.close();
  }
});

Deno.test("A catalog of version 1 is searched read-only as it is, and indexed once opened to write", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/catalog.sqlite`;
    const docs = startDocuments(260, 3);
    const more = startDocuments(30, 5).map((doc) => ({ ...doc, uid: `more-${doc.uid}` }));
    const writer = Catalog.open(dir);
    insertAll(writer, docs);
    writer.close();
    makeVersion1(file);
    const reader = Catalog.open(dir, { readOnly: true });
    try {
      assertSearches(reader, docs, 11);
    } finally {
      reader.close();
    }
    assert.deepEqual(schema(file), {
      version: 1,
      tables: ["documents", "refs", "runs"],
    }, "a read-only open writes nothing");
    const upgraded = Catalog.open(dir);
    try {
      assert.deepEqual(schema(file), {
        version: 2,
        tables: ["documents", "refs", "runs", "start_keys", "start_keys_filled"],
      });
      assertSearches(upgraded, docs, 13);
      insertAll(upgraded, more);
      assertSearches(upgraded, [...docs, ...more], 17);
    } finally {
      upgraded.close();
    }
    const check = checkCatalog(file);
    assert.deepEqual(check.problems, []);
    assert.equal(check.ok, true);
    const filed = new DatabaseSync(file, { readOnly: true });
    const { n } = filed.prepare("SELECT count(*) AS n FROM start_keys").get() as { n: number };
    const { upto } = filed.prepare("SELECT upto FROM start_keys_filled").get() as { upto: number };
    filed.close();
    assert.ok(n > 260 * 2, `the old runs are in the index: ${n} rows`);
    assert.equal(upto, 260, "the 30 runs inserted after the upgrade wait in the tail");
    const again = Catalog.open(dir, { readOnly: true });
    try {
      assertSearches(again, [...docs, ...more], 19);
    } finally {
      again.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A start rolled back leaves nothing in the index", () => {
  const storage = new SqliteStorage(":memory:");
  try {
    for (let i = 0; i < 150; i++) {
      const doc = { uid: `r${i}`, time: i, plan_name: "scan" };
      storage.append({
        run: doc.uid,
        name: "start",
        doc: doc as unknown as RunStart,
        uid: doc.uid,
        events: 0,
        json: JSON.stringify(doc),
      });
    }
    assert.equal(storage.count({ equal: [["plan_name", "scan"]] }), 150);
    storage.rollback();
    assert.equal(storage.count({ equal: [["plan_name", "scan"]] }), 0);
    assert.deepEqual(storage.runs({ equal: [["plan_name", "scan"]] }), []);
  } finally {
    storage.close();
  }
});

Deno.test("checkCatalog() reports an index of start keys that does not match the runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const catalog = Catalog.open(dir);
    insertAll(catalog, startDocuments(120, 9));
    catalog.close();
    const file = `${dir}/catalog.sqlite`;
    assert.deepEqual(checkCatalog(file).problems, []);
    const db = new DatabaseSync(file);
    db.exec(
      "DELETE FROM start_keys WHERE (key, run) IN (SELECT key, run FROM start_keys LIMIT 2)",
    );
    db.exec("INSERT INTO start_keys VALUES ('plan_name', 'string', 'ghost', 1, 99999)");
    db.close();
    const check = checkCatalog(file);
    assert.equal(check.ok, false);
    assert.equal(check.problems.length, 1);
    assert.match(check.problems[0]!, /start_keys.*2 entries missing, 1 entries of no start/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// SQLite's merge of common values in time order. Over PostgreSQL, the searches above cover
// the same conditions; 12,000 starts there take half a minute.
Deno.test("A search of several common values finds what a test of every start document finds", () => {
  // Over 5,000 runs of each value: their runs are merged rather than sought one by one.
  const next = random(23);
  const docs = Array.from({ length: 12_000 }, (_, i) => ({
    uid: `common-${i}`,
    time: Math.floor(next() * 3000),
    operator: "bench",
    dry_run: i % 2 === 0,
    sample: i % 3 === 0 ? "Si" : "Ge",
  }));
  const catalog = temp();
  try {
    insertAll(catalog, docs);
    const queries: RunQuery[] = [
      { operator: "bench", dry_run: true },
      { operator: "bench", dry_run: false, sample: "Si" },
      { operator: "bench", dry_run: true, since: 1000, until: 2500 },
      { operator: "bench", sample: "Ge", until: 2900 },
      { operator: "bench", dry_run: "true" },
    ];
    for (const query of queries) {
      const all = expected(docs, query);
      const label = JSON.stringify(query);
      assert.equal(catalog.count(query), all.length, `count of ${label}`);
      for (const offset of [0, 37, all.length - 3]) {
        assert.deepEqual(
          catalog.runs(query, { from: "newest", offset, limit: 20 }).map((run) => run.uid),
          all.toReversed().slice(offset, offset + 20),
          `newest ${offset}+20 of ${label}`,
        );
      }
    }
  } finally {
    catalog.close();
  }
});
