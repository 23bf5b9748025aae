import assert from "node:assert/strict";
import { composeRun } from "../documents/compose.ts";
import type { Event, NamedDocument } from "../documents/types.ts";
import { DocumentError } from "../errors.ts";
import { Catalog } from "./catalog.ts";
import { crashDocuments } from "./_crash_child.ts";
import { testRun } from "./_test_runs.ts";
import { storageTest as test, type TestStorage } from "../../tests/_catalog_storages.ts";

/** A new catalog's location for `body`: a folder (removed after it), or a new database. */
async function withDir(
  store: TestStorage,
  body: (dir: string) => Promise<void> | void,
): Promise<void> {
  await body(await store.location());
}

test("Catalog.open() makes the folder and a new catalog there sees the runs", async (store) => {
  await withDir(store, (dir) => {
    const { documents } = testRun({ start: { scan_id: 5, plan_name: "scan" }, events: 4 });
    const first = Catalog.open(dir);
    for (const [name, doc] of documents) first.insert(name, doc);
    first.close();
    if (store.kind === "SQLite") assert.ok(Deno.statSync(`${dir}/catalog.sqlite`).isFile);
    const second = Catalog.open(dir);
    assert.equal(second.size, 1);
    assert.equal(second.runs()[0]?.numEvents, 5);
    assert.deepEqual([...second.get(5).documents()], documents);
    second.close();
  });
});

test("A reopened catalog continues a run whose descriptor it stored before", async (store) => {
  await withDir(store, (dir) => {
    const run = composeRun({ scan_id: 1 });
    const primary = run.descriptor({
      name: "primary",
      data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
    });
    const event = (x: number) => primary.event({ data: { x }, timestamps: { x: 0 } });
    const before: NamedDocument[] = [["start", run.start], ["descriptor", primary.doc]];
    before.push(["event", event(1)], ["event", event(2)]);
    const page = primary.eventPage({ data: { x: [6, 7] }, timestamps: { x: [0, 0] } });
    before.push(["event_page", page]);
    const first = Catalog.open(dir);
    for (const [name, doc] of before) first.insert(name, doc);
    first.close();

    const second = Catalog.open(dir);
    assert.equal(second.runs()[0]?.exitStatus, "incomplete");
    assert.equal(second.runs()[0]?.numEvents, 4);
    const baseline = run.descriptor({
      name: "baseline",
      data_keys: { y: { dtype: "number", shape: [], source: "SIM:y" } },
    });
    const after: NamedDocument[] = [
      ["event", event(3)],
      ["event_page", primary.eventPage({ data: { x: [4, 5] }, timestamps: { x: [0, 0] } })],
      ["descriptor", baseline.doc],
      ["event", baseline.event({ data: { y: 1 }, timestamps: { y: 0 } })],
      ["stop", run.stop()],
    ];
    // The uids stored in the first session are still taken, a page's rows too.
    assert.throws(() => second.insert("event", before[2]![1]), /already in the catalog/);
    const again = { ...(before[2]![1] as Event), uid: page.uid[1]! };
    assert.throws(() => second.insert("event", again), { uid: page.uid[1] });
    for (const [name, doc] of after) second.insert(name, doc);
    second.close();

    const third = Catalog.open(dir);
    const [summary] = third.runs();
    assert.equal(summary?.exitStatus, "success");
    assert.equal(summary?.numEvents, 8);
    assert.deepEqual(summary?.streams, ["primary", "baseline"]);
    assert.deepEqual([...third.get(-1).documents()], [...before, ...after]);
    third.close();
  });
});

test("A reopened catalog refuses duplicates and documents of stopped runs", async (store) => {
  await withDir(store, (dir) => {
    const { run, documents } = testRun({ events: 2 });
    const first = Catalog.open(dir);
    for (const [name, doc] of documents) first.insert(name, doc);
    first.close();
    const second = Catalog.open(dir);
    assert.throws(() => second.insert("start", run.start), { field: "uid" });
    assert.throws(() => second.insert("event", documents[2]![1]), /already stopped|already in/);
    const descriptor = { ...run.streams.get("primary")!.doc, uid: "new-descriptor" };
    assert.throws(() => second.insert("descriptor", descriptor), (error: unknown) => {
      assert.ok(error instanceof DocumentError);
      assert.equal(error.field, "run_start");
      assert.match(error.message, /which has already stopped/);
      return true;
    });
    assert.equal(second.runs()[0]?.numEvents, 3);
    second.close();
  });
});

test("A killed process loses no document committed before the kill", async (store) => {
  await withDir(store, async (dir) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-net=127.0.0.1",
        new URL("./_crash_child.ts", import.meta.url).pathname,
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let output = "";
    while (!output.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) break;
      output += value;
    }
    child.kill("SIGKILL");
    const status = await child.status;
    await reader.cancel();
    const stderr = await new Response(child.stderr).text();
    assert.ok(output.includes("ready"), `the child did not get ready: ${stderr}`);
    assert.equal(status.signal, "SIGKILL");

    const { complete, incomplete, tail } = crashDocuments();
    const catalog = Catalog.open(dir);
    assert.deepEqual([...catalog.byScanId(1).documents()], complete);
    const second = catalog.byScanId(2);
    // Stored more than 50 ms before the kill: there. Stored just before it: not committed yet.
    assert.deepEqual([...second.documents()], incomplete);
    assert.equal(second.summary.exitStatus, "incomplete");
    assert.equal(second.summary.numEvents, 1250);
    // The run goes on in a new session, where the tail is new again.
    for (const [name, doc] of tail) catalog.insert(name, doc);
    assert.equal(catalog.byScanId(2).summary.numEvents, 1260);
    catalog.close();
  });
});
