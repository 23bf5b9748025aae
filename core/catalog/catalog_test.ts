import assert from "node:assert/strict";
import { DocumentBus } from "../bus/bus.ts";
import { composeRun } from "../documents/compose.ts";
import type { NamedDocument } from "../documents/types.ts";
import { DocumentError } from "../errors.ts";
import { Catalog, CATALOG_DEFAULTS } from "./catalog.ts";
import { SqliteStorage } from "./sqlite_storage.ts";
import type { CatalogStorage } from "./storage.ts";
import { testRun } from "./_test_runs.ts";
import { storageTest as test } from "../../tests/_catalog_storages.ts";

function insertAll(catalog: Catalog, documents: readonly NamedDocument[]): void {
  for (const [name, doc] of documents) catalog.insert(name, doc);
}

function put(catalog: Catalog, [name, doc]: NamedDocument): void {
  catalog.insert(name, doc);
}

/** A run with every kind of document, pages included. */
function richRun(): NamedDocument[] {
  const run = composeRun({ scan_id: 1, plan_name: "scan", sample: { name: "Si", z: [1, 2] } });
  const primary = run.descriptor({
    name: "primary",
    data_keys: {
      x: { dtype: "number", shape: [], source: "SIM:x" },
      img: { dtype: "array", shape: [2], source: "SIM:img", external: "FILESTORE:" },
    },
  });
  const resource = run.resource({
    spec: "AD_HDF5",
    root: "/",
    resource_path: "data/img.h5",
    resource_kwargs: { frame_per_point: 1 },
  });
  const datum = run.datum(resource, { point_number: 0 });
  const streamResource = run.streamResource({
    data_key: "img",
    mimetype: "application/x-hdf5",
    uri: "file://localhost/data/img.h5",
    parameters: { dataset: "/entry/data" },
  });
  return [
    ["start", run.start],
    ["descriptor", primary.doc],
    ["resource", resource],
    ["datum", datum],
    ["datum_page", {
      resource: resource.uid,
      datum_id: [`${resource.uid}/1`, `${resource.uid}/2`],
      datum_kwargs: { point_number: [1, 2] },
    }],
    ["stream_resource", streamResource],
    [
      "stream_datum",
      run.streamDatum(streamResource, {
        descriptor: primary.doc.uid,
        indices: { start: 0, stop: 1 },
        seq_nums: { start: 1, stop: 2 },
      }),
    ],
    [
      "event",
      primary.event({ data: { x: 0.5, img: datum.datum_id }, timestamps: { x: 1, img: 1 } }),
    ],
    [
      "event_page",
      primary.eventPage({
        data: { x: [1.5, null], img: [`${resource.uid}/1`, `${resource.uid}/2`] },
        timestamps: { x: [2, 3], img: [2, 3] },
      }),
    ],
    ["stop", run.stop({ exit_status: "success", reason: "" })],
  ];
}

test("insert() stores every kind of document and reads it back exactly", async (store) => {
  const catalog = await store.temp();
  const documents = richRun();
  insertAll(catalog, documents);
  const read = [...catalog.get(-1).documents()];
  assert.deepEqual(read, documents);
  assert.deepEqual(
    read.map((pair) => JSON.stringify(pair)),
    documents.map((p) => JSON.stringify(p)),
  );
  catalog.close();
});

test("insert() keeps the order of the keys as given", async (store) => {
  const catalog = await store.temp();
  const start = { time: 5, zeta: 1, uid: "start-00001", alpha: { b: 1, a: 2 } };
  catalog.insert("start", start);
  const [[, read]] = [...catalog.byUid("start")!.documents()] as [NamedDocument];
  assert.equal(JSON.stringify(read), JSON.stringify(start));
  catalog.close();
});

test("Interleaved runs read back each in its own insertion order", async (store) => {
  const catalog = await store.temp();
  const a = testRun({ start: { scan_id: 1, time: 100 }, events: 4 }).documents;
  const b = testRun({ start: { scan_id: 2, time: 101 }, events: 3 }).documents;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]) put(catalog, a[i]!);
    if (b[i]) put(catalog, b[i]!);
  }
  assert.deepEqual([...catalog.byScanId(1).documents()], a);
  assert.deepEqual([...catalog.byScanId(2).documents()], b);
  assert.deepEqual(catalog.runs().map((run) => run.scanId), [1, 2]);
  catalog.close();
});

test("runs() lists scan id, uid, plan, times, exit status, events and streams", async (store) => {
  const catalog = await store.temp();
  const { run, documents } = testRun({
    start: { scan_id: 9, plan_name: "scan", time: 1000 },
    events: 5,
  });
  insertAll(catalog, documents);
  const stop = run.stopDoc!;
  assert.deepEqual(catalog.runs(), [{
    uid: run.start.uid,
    scanId: 9,
    planName: "scan",
    time: 1000,
    stopTime: stop.time,
    exitStatus: "success",
    numEvents: 6,
    streams: ["primary", "baseline"],
  }]);
  assert.deepEqual(stop.num_events, { primary: 5, baseline: 1 });
  assert.equal(catalog.size, 1);
  catalog.close();
});

test("A run without a stop document is incomplete and its events are counted", async (store) => {
  const catalog = await store.temp();
  const run = composeRun({ time: 50 });
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  catalog.insert("start", run.start);
  catalog.insert("descriptor", primary.doc);
  catalog.insert("event", primary.event({ data: { x: 1 }, timestamps: { x: 0 } }));
  const page = primary.eventPage({ data: { x: [2, 3, 4] }, timestamps: { x: [0, 0, 0] } });
  catalog.insert("event_page", page);
  const [summary] = catalog.runs();
  assert.equal(summary?.exitStatus, "incomplete");
  assert.equal(summary?.stopTime, undefined);
  assert.equal(summary?.scanId, undefined);
  assert.equal(summary?.planName, undefined);
  assert.equal(summary?.numEvents, 4);
  assert.deepEqual(summary?.streams, ["primary"]);
  const stored = catalog.get(-1);
  assert.equal(stored.stop, undefined);
  assert.deepEqual([...stored.documents()].at(-1), ["event_page", page]);
  catalog.close();
});

test("A duplicate uid throws a DocumentError and keeps what was stored", async (store) => {
  const catalog = await store.temp();
  const { documents } = testRun({ events: 2, stop: false });
  insertAll(catalog, documents);
  const [start, descriptor, event] = documents as [NamedDocument, NamedDocument, NamedDocument];
  for (const [name, doc] of [start, descriptor, event]) {
    assert.throws(() => catalog.insert(name, doc), (error: unknown) => {
      assert.ok(error instanceof DocumentError);
      assert.equal(error.document, name);
      assert.equal(error.uid, (doc as { uid: string }).uid);
      assert.equal(error.field, "uid");
      assert.match(error.message, /is already in the catalog/);
      return true;
    });
  }
  // Each row of a page is checked, against the run and against the page's other rows.
  const page = (uid: string[]) => ({
    uid,
    descriptor: (descriptor[1] as { uid: string }).uid,
    seq_num: uid.map((_, i) => 10 + i),
    time: uid.map(() => 1),
    data: { motor: uid.map(() => 0), det: uid.map(() => 0) },
    timestamps: { motor: uid.map(() => 0), det: uid.map(() => 0) },
  });
  const eventUid = (event[1] as { uid: string }).uid;
  assert.throws(() => catalog.insert("event_page", page(["new-1", eventUid])), {
    name: "DocumentError",
    uid: eventUid,
  });
  assert.throws(() => catalog.insert("event_page", page(["new-2", "new-2"])), { uid: "new-2" });
  catalog.flush();
  assert.deepEqual([...catalog.get(-1).documents()], documents);
  assert.equal(catalog.size, 1);
  catalog.close();
});

test("A document that refers to nothing stored throws a DocumentError", async (store) => {
  const catalog = await store.temp();
  const { documents } = testRun({ events: 1 });
  const [start, descriptor, event] = documents as [NamedDocument, NamedDocument, NamedDocument];
  assert.throws(() => put(catalog, event), (error: unknown) => {
    assert.ok(error instanceof DocumentError);
    assert.equal(error.document, "event");
    assert.equal(error.field, "descriptor");
    return true;
  });
  const stop = { uid: "stop-x", run_start: "nowhere", time: 1, exit_status: "success" as const };
  assert.throws(() => catalog.insert("stop", stop), { name: "DocumentError", field: "run_start" });
  assert.throws(() => catalog.insert("start", { uid: "no-time" } as never), { field: "time" });
  put(catalog, start);
  put(catalog, descriptor);
  put(catalog, event);
  assert.equal(catalog.runs()[0]?.numEvents, 1);
  catalog.close();
});

test("A lenient catalog stores nonconforming documents as recorded, a strict one leaves them out", async (store) => {
  for (const strict of [false, true]) {
    const problems: { message: string; passed: boolean }[] = [];
    const catalog = await store.temp({
      strict,
      onProblem: (problem, report) => void problems.push({ message: problem.message, ...report }),
    });
    const { documents } = testRun({ start: { sample: null } as never, events: 2 });
    insertAll(catalog, documents);
    assert.match(problems[0]!.message, /^start document, uid "[^"]+", field "sample"/);
    assert.equal(problems[0]!.passed, !strict);
    if (strict) assert.equal(catalog.size, 0);
    else assert.deepEqual([...catalog.get(-1).documents()], documents);
    catalog.close();
  }
});

test("With onProblem, insert throws nothing and a repeated problem is counted at the stop", async (store) => {
  const problems: { message: string; repeats: number }[] = [];
  const catalog = await store.temp({
    onProblem: (problem, report) => void problems.push({ message: problem.message, ...report }),
  });
  const { documents } = testRun({ events: 3 });
  const event = documents[2]!;
  // Three copies of an event: refused with its uid, reported once, then counted.
  insertAll(catalog, [...documents.slice(0, 3), event, event, event, ...documents.slice(3)]);
  assert.equal(problems.length, 2);
  assert.match(
    problems[0]!.message,
    /^event document, uid "[^"]+", field "uid": is already in the catalog$/,
  );
  assert.match(
    problems[1]!.message,
    /field "uid": 2 more documents of run "[^"]+" had this problem/,
  );
  assert.equal(problems[1]!.repeats, 2);
  assert.deepEqual([...catalog.get(-1).documents()], documents);
  catalog.close();
});

test("Documents after a run's stop are refused, a second stop too", async (store) => {
  const catalog = await store.temp();
  const { run, documents } = testRun({ events: 1 });
  insertAll(catalog, documents);
  // The composer refuses events after the stop: build one by hand.
  const late = {
    uid: "late-event",
    descriptor: run.streams.get("primary")!.doc.uid,
    seq_num: 2,
    time: 9,
    data: { motor: 1, det: 1 },
    timestamps: { motor: 0, det: 0 },
  };
  assert.throws(() => catalog.insert("event", late), /already stopped/);
  const again = { uid: "stop-2", run_start: run.start.uid, time: 9, exit_status: "abort" as const };
  assert.throws(() => catalog.insert("stop", again), /already has a stop document/);
  assert.equal(catalog.runs()[0]?.exitStatus, "success");
  catalog.close();
});

test("runs() searches by time range, plan_name and other start keys", async (store) => {
  const catalog = await store.temp();
  const starts = [
    { scan_id: 1, plan_name: "scan", time: 1_700_000_000, sample: "Si", cold: true },
    { scan_id: 2, plan_name: "count", time: 1_700_000_100, sample: "Ge", cold: false },
    { scan_id: 3, plan_name: "scan", time: 1_700_000_200, sample: "Si", operator: null },
    { scan_id: 3, plan_name: "scan", time: 1_700_000_300, sample: "3" },
  ];
  for (const start of starts) insertAll(catalog, testRun({ start }).documents);
  const ids = (query: Parameters<Catalog["runs"]>[0]) =>
    catalog.runs(query).map((run) => `${run.scanId}@${run.time - 1_700_000_000}`);
  assert.deepEqual(ids({ since: 1_700_000_100, until: 1_700_000_300 }), ["2@100", "3@200"]);
  assert.deepEqual(ids({ since: "2023-11-14T22:15:01Z" }), ["3@200", "3@300"]);
  assert.deepEqual(ids({ until: new Date(1_700_000_100_000).toISOString() }), ["1@0"]);
  assert.deepEqual(ids({ plan_name: "scan" }), ["1@0", "3@200", "3@300"]);
  assert.deepEqual(ids({ plan_name: "scan", scan_id: 3, sample: "Si" }), ["3@200"]);
  assert.deepEqual(ids({ sample: 3 }), [], "a number does not match a string");
  assert.deepEqual(ids({ sample: "3" }), ["3@300"]);
  assert.deepEqual(ids({ cold: false }), ["2@100"]);
  assert.deepEqual(ids({ operator: null }), ["3@200"]);
  assert.deepEqual(ids({ sample: undefined }), ids({}));
  catalog.close();
});

test("runs() binds query keys and values, so quotes cannot change the SQL", async (store) => {
  const catalog = await store.temp();
  const start = { time: 1, 'we"ird\\key': "it's", "a.b": 1, "x') OR 1=1 --": 2 };
  insertAll(catalog, testRun({ start }).documents);
  assert.equal(catalog.runs({ 'we"ird\\key': "it's" }).length, 1);
  assert.equal(catalog.runs({ "a.b": 1 }).length, 1);
  assert.equal(catalog.runs({ "x') OR 1=1 --": 2 }).length, 1);
  assert.equal(catalog.runs({ plan_name: "' OR '1'='1" }).length, 0);
  assert.equal(catalog.runs({ "1=1; DROP TABLE runs; --": 1 }).length, 0);
  assert.equal(catalog.size, 1);
  catalog.close();
});

test("runs() refuses query values that are not JSON scalars", async (store) => {
  const catalog = await store.temp();
  assert.throws(() => catalog.runs({ sample: { name: "Si" } }), TypeError);
  assert.throws(() => catalog.runs({ since: "last week" }), RangeError);
  assert.throws(() => catalog.runs({ scan_id: Number.NaN }), TypeError);
  catalog.close();
});

test("insert is a bound callback that a bus can deliver to", async (store) => {
  const catalog = await store.temp();
  const bus = new DocumentBus();
  bus.subscribe("all", catalog.insert);
  const { documents } = testRun({ events: 2 });
  for (const [name, doc] of documents) bus.emit(name, doc);
  assert.deepEqual([...catalog.get(-1).documents()], documents);
  catalog.close();
});

/** A storage that counts commits, around an in-memory one. */
function countingStorage(): { storage: CatalogStorage; commits: () => number } {
  const inner = new SqliteStorage(":memory:");
  let commits = 0;
  const storage: CatalogStorage = {
    location: inner.location,
    rollback: () => inner.rollback(),
    append: (record) => inner.append(record),
    commit: () => {
      commits++;
      inner.commit();
    },
    close: () => inner.close(),
    find: (uid) => inner.find(uid),
    run: (uid) => inner.run(uid),
    runs: (filter, slice) => inner.runs(filter, slice),
    count: (filter) => inner.count(filter),
    documents: (run) => inner.documents(run),
    uids: (run) => inner.uids(run),
  };
  return { storage, commits: () => commits };
}

Deno.test("Catalog commits at run boundaries and every 1,000 documents", () => {
  const { storage, commits } = countingStorage();
  // No timer within the test's length: only the counts and boundaries commit.
  const catalog = new Catalog(storage, { maxDelay: 60_000 });
  const run = composeRun();
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  catalog.insert("start", run.start);
  assert.equal(commits(), 1);
  catalog.insert("descriptor", primary.doc);
  assert.equal(commits(), 2);
  const event = () => primary.event({ data: { x: 1 }, timestamps: { x: 0 } });
  for (let i = 0; i < 999; i++) catalog.insert("event", event());
  assert.equal(commits(), 2);
  catalog.insert("event", event());
  assert.equal(commits(), 3);
  catalog.insert("event", event());
  assert.equal(commits(), 3);
  catalog.flush();
  assert.equal(commits(), 4);
  catalog.insert("stop", run.stop());
  assert.equal(commits(), 5);
  catalog.close();
});

Deno.test("Catalog commits by its timer maxDelay ms after the first uncommitted document", async () => {
  const { storage, commits } = countingStorage();
  const catalog = new Catalog(storage);
  assert.equal(CATALOG_DEFAULTS.maxDelay, 20);
  const run = composeRun();
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  catalog.insert("start", run.start);
  catalog.insert("descriptor", primary.doc);
  assert.equal(commits(), 2);
  catalog.insert("event", primary.event({ data: { x: 1 }, timestamps: { x: 0 } }));
  assert.equal(commits(), 2);
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(commits(), 3, "the timer commits");
  catalog.close();
});

Deno.test("A thread that never lets the timer run commits at the first document after the delay", () => {
  const { storage, commits } = countingStorage();
  const catalog = new Catalog(storage, { maxDelay: 30 });
  const run = composeRun();
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  catalog.insert("start", run.start);
  catalog.insert("descriptor", primary.doc);
  const event = () => primary.event({ data: { x: 1 }, timestamps: { x: 0 } });
  catalog.insert("event", event());
  catalog.insert("event", event());
  assert.equal(commits(), 2, "within the delay: nothing committed");
  // Block the thread past the delay, as a plan that never waits does: the timer cannot fire.
  const until = performance.now() + 40;
  while (performance.now() < until) { /* busy */ }
  catalog.insert("event", event());
  assert.equal(commits(), 3, "the late document commits what waited, itself included");
  catalog.insert("event", event());
  assert.equal(commits(), 3, "a new delay begins");
  catalog.close();
});

Deno.test("A commit that fails in the timer is thrown by the next insert and every flush", async () => {
  const { storage } = countingStorage();
  let fail = true;
  const failing: CatalogStorage = {
    ...storage,
    commit: () => {
      if (fail) throw new Error("disk full");
      storage.commit();
    },
  };
  const catalog = new Catalog(failing, { maxDelay: 5 });
  const run = composeRun();
  fail = false;
  catalog.insert("start", run.start);
  fail = true;
  catalog.insert(
    "resource",
    run.resource({ spec: "X", root: "/", resource_path: "f", resource_kwargs: {} }),
  );
  await new Promise((resolve) => setTimeout(resolve, 30));
  fail = false;
  // The stop is not stored after the lost resource: the run stays its stored beginning.
  const message = 'Catalog ":memory:" could not store 2 documents of run "' + run.start.uid +
    '": disk full (the run is not stored completely)';
  assert.throws(() => catalog.insert("stop", run.stop()), { name: "CatalogWriteError", message });
  assert.throws(() => catalog.flush(), { name: "CatalogWriteError", message });
  assert.throws(() => catalog.flush(), { message });
  assert.deepEqual(catalog.tally(run.start.uid), { stored: 1, notStored: 2, skipped: 0 });
  assert.deepEqual([...catalog.get(-1).documents()].map(([name]) => name), ["start"]);
  catalog.close();
  assert.throws(() => catalog.insert("start", composeRun().start), {
    message: "Catalog is closed",
  });
});

test("Catalog keeps NaN and infinities as recorded, and still searches the run", async (store) => {
  const run = composeRun({ scan_id: 4, plan_name: "count", offset: Number.NaN });
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  const documents: NamedDocument[] = [
    ["start", run.start],
    ["descriptor", primary.doc],
    ["event", primary.event({ data: { x: Number.NaN }, timestamps: { x: 1 } })],
    ["event", primary.event({ data: { x: -Infinity }, timestamps: { x: 2 } })],
    ["stop", run.stop()],
  ];
  const catalog = await store.temp();
  insertAll(catalog, documents);
  assert.deepEqual([...catalog.byScanId(4).documents()], documents);
  assert.equal(catalog.runs({ plan_name: "count" }).length, 1);
  catalog.close();
});

test("A start document with a NUL character in a string is stored and read back exactly", async (store) => {
  const catalog = await store.temp();
  const { documents } = testRun({ start: { scan_id: 8, plan_name: "count", note: "a\u0000b" } });
  insertAll(catalog, documents);
  assert.deepEqual([...catalog.byScanId(8).documents()], documents);
  assert.equal(catalog.byScanId(8).start.note, "a\u0000b");
  assert.equal(catalog.runs({ plan_name: "count" }).length, 1);
  catalog.close();
});
