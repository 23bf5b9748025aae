import assert from "node:assert/strict";
import { Catalog } from "../core/catalog/mod.ts";
import { testRun } from "../core/catalog/_test_runs.ts";
import type { NamedDocument } from "../core/documents/types.ts";
import { createApi } from "./api.ts";
import { LiveHub, type LiveOptions } from "./live.ts";
import { sseEvents } from "./_sse_client.ts";
import { spawnScript } from "../tests/_cli.ts";
import { storageTest as test, type TestStorage } from "../tests/_catalog_storages.ts";

/**
 * A writer catalog and a server on a read-only one over the same folder, for `body`: the API,
 * or with `options` a {@linkcode LiveHub} of its own behind the two routes of the live updates.
 */
async function withLiveServer(
  body: (base: string, writer: Catalog, dir: string, location: string) => Promise<void>,
  options?: LiveOptions,
  location?: string,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const at = location ?? `${dir}/catalog`;
  const writer = Catalog.open(at);
  writer.flush();
  const reader = Catalog.open(at, { readOnly: true });
  let handler = createApi(reader, { interval: 20 });
  if (options !== undefined) {
    const hub = new LiveHub(reader, { interval: 20, ...options });
    handler = (request) => {
      const url = new URL(request.url);
      const [, uid] = url.pathname.match(/^\/api\/runs\/([^/]+)\/events$/) ?? [];
      if (uid === undefined) return Promise.resolve(hub.live());
      const after = request.headers.get("last-event-id") ?? url.searchParams.get("after") ?? 0;
      return Promise.resolve(hub.runEvents(uid, Number(after)));
    };
  }
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  try {
    const { port } = server.addr as Deno.NetAddr;
    await body(`http://127.0.0.1:${port}`, writer, dir, at);
  } finally {
    await server.shutdown();
    writer.close();
    reader.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** {@linkcode withLiveServer} over a new catalog of a test's storage (a folder or a database). */
function withLiveStore(store: TestStorage) {
  return async (body: Parameters<typeof withLiveServer>[0]) =>
    withLiveServer(body, undefined, await store.location());
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Write a run's documents one by one, each committed, a few milliseconds apart. */
async function writeSlowly(writer: Catalog, documents: NamedDocument[]): Promise<void> {
  for (const [name, doc] of documents) {
    writer.insert(name, doc as never);
    writer.flush();
    await delay(2);
  }
}

/** The documents a client receives from a run's stream, and whether `end` came. */
async function collect(
  response: Response,
): Promise<{ ids: number[]; names: string[]; uids: unknown[]; ended: boolean }> {
  const result = {
    ids: [] as number[],
    names: [] as string[],
    uids: [] as unknown[],
    ended: false,
  };
  for await (const event of sseEvents(response)) {
    if (event.event === "end") {
      result.ended = true;
      continue;
    }
    assert.equal(event.event, "document");
    const { name, doc } = JSON.parse(event.data);
    result.ids.push(Number(event.id));
    result.names.push(name);
    result.uids.push(doc.uid);
  }
  return result;
}

Deno.test("20 clients of a run's events each get every document once, in order, then end", async () => {
  await withLiveServer(async (base, writer) => {
    const { documents } = testRun({ start: { uid: "live-run-0001" }, events: 40 });
    // The run exists before the clients connect; everything after comes live.
    await writeSlowly(writer, documents.slice(0, 1));
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${base}/api/runs/live-run-0001/events`)),
    );
    const received = Promise.all(clients.map(collect));
    await writeSlowly(writer, documents.slice(1));
    const expected = documents.map(([, doc]) => (doc as { uid: string }).uid);
    for (const client of await received) {
      assert.deepEqual(client.uids, expected);
      assert.deepEqual(client.names, documents.map(([name]) => name));
      assert.ok(client.ids.every((id, i) => i === 0 || id > client.ids[i - 1]!));
      assert.equal(client.ended, true);
    }
  });
});

Deno.test("a run's events resume after Last-Event-ID or ?after= with exactly the rest", async () => {
  await withLiveServer(async (base, writer) => {
    const { documents } = testRun({ start: { uid: "live-run-0002" }, events: 10 });
    await writeSlowly(writer, documents);
    const all = await collect(await fetch(`${base}/api/runs/live-run-0002/events`));
    assert.equal(all.ids.length, documents.length);
    const cut = all.ids[4]!;
    const byHeader = await collect(
      await fetch(`${base}/api/runs/live-run-0002/events`, {
        headers: { "last-event-id": String(cut) },
      }),
    );
    assert.deepEqual(byHeader.ids, all.ids.slice(5));
    assert.equal(byHeader.ended, true);
    const byQuery = await collect(
      await fetch(`${base}/api/runs/live-run-0002/events?after=${cut}`),
    );
    assert.deepEqual(byQuery.uids, all.uids.slice(5));
    // A browser reconnecting to the address it first used: the header says where it is.
    const reconnect = await collect(
      await fetch(`${base}/api/runs/live-run-0002/events?after=${all.ids[1]}`, {
        headers: { "last-event-id": String(all.ids[7]) },
      }),
    );
    assert.deepEqual(reconnect.ids, all.ids.slice(8));
    const bad = await fetch(`${base}/api/runs/live-run-0002/events?after=x`);
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /Parameter "after"/);
    const missing = await fetch(`${base}/api/runs/no-such-run/events`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  });
});

test("/api/live announces a run's start and its stop as they are stored", async (store) => {
  await withLiveStore(store)(async (base, writer) => {
    const response = await fetch(`${base}/api/live`);
    const events = sseEvents(response);
    const { documents } = testRun({
      start: { uid: "live-run-0003", scan_id: 7, plan_name: "scan", time: 1_700_000_000 },
      events: 3,
    });
    await writeSlowly(writer, documents);
    const start = (await events.next()).value!;
    assert.equal(start.event, "start");
    assert.deepEqual(JSON.parse(start.data), {
      uid: "live-run-0003",
      scan_id: 7,
      plan_name: "scan",
      time: 1_700_000_000,
    });
    const stop = (await events.next()).value!;
    assert.equal(stop.event, "stop");
    assert.deepEqual(JSON.parse(stop.data), {
      uid: "live-run-0003",
      exit_status: "success",
      reason: "",
    });
    await events.return(undefined);
  });
});

test("a client that disconnects stops nothing for the other clients of the run", async (store) => {
  await withLiveStore(store)(async (base, writer) => {
    const { documents } = testRun({ start: { uid: "live-run-0004" }, events: 20 });
    await writeSlowly(writer, documents.slice(0, 2));
    const leaving = sseEvents(await fetch(`${base}/api/runs/live-run-0004/events`));
    const staying = collect(await fetch(`${base}/api/runs/live-run-0004/events`));
    assert.equal((await leaving.next()).value?.event, "document");
    await leaving.return(undefined);
    await writeSlowly(writer, documents.slice(2));
    const client = await staying;
    assert.equal(client.uids.length, documents.length);
    assert.equal(client.ended, true);
  });
});

test("an SSE client sees a scan's events before `deno task scan --catalog` ends", async (store) => {
  await withLiveStore(store)(async (base, writer, dir, location) => {
    writer.close();
    const live = sseEvents(await fetch(`${base}/api/live`));
    const child = spawnScript("scan.ts", [
      "--catalog",
      location,
      "--num",
      "30",
      "--file",
      `${dir}/scan.hdf`,
      "--no-table",
      "--no-config",
    ], { env: { XDG_DATA_HOME: `${dir}/data` } });
    try {
      const start = (await live.next()).value!;
      assert.equal(start.event, "start");
      const { uid } = JSON.parse(start.data);
      const events = sseEvents(await fetch(`${base}/api/runs/${uid}/events`));
      let seen = 0;
      for await (const event of events) {
        if (event.event === "document" && JSON.parse(event.data).name === "event") seen++;
        if (seen === 3) break;
      }
      assert.equal(seen, 3);
      const status = await Promise.race([child.status.then(() => "ended"), delay(0)]);
      assert.notEqual(status, "ended", "the events came while the scan was running");
    } finally {
      await live.return(undefined);
      const status = await child.status;
      await child.stdout.cancel();
      await child.stderr.cancel();
      assert.ok(status.success);
    }
  });
});

/** The uids of a run's documents, in order. */
function uidsOf(documents: NamedDocument[]): unknown[] {
  return documents.map(([, doc]) => (doc as { uid: string }).uid);
}

Deno.test("a client joining mid-run gets every document from the first, then the rest live", async () => {
  await withLiveServer(async (base, writer) => {
    const { documents } = testRun({ start: { uid: "live-run-0006" }, events: 30 });
    await writeSlowly(writer, documents.slice(0, 2));
    const early = collect(await fetch(`${base}/api/runs/live-run-0006/events`));
    await writeSlowly(writer, documents.slice(2, 12));
    // Some of the backlog read by the run's poller already, some perhaps not yet.
    writer.insert(...(documents[12] as [never, never]));
    writer.flush();
    const joiner = collect(await fetch(`${base}/api/runs/live-run-0006/events`));
    await writeSlowly(writer, documents.slice(13, 20));
    const resumed = collect(
      await fetch(`${base}/api/runs/live-run-0006/events`, { headers: { "last-event-id": "0" } }),
    );
    await writeSlowly(writer, documents.slice(20));
    for (const client of [await early, await joiner, await resumed]) {
      assert.deepEqual(client.uids, uidsOf(documents));
      assert.ok(client.ids.every((id, i) => i === 0 || id > client.ids[i - 1]!));
      assert.equal(client.ended, true);
    }
  });
});

for (const stoppedRuns of [0, 4]) {
  Deno.test(`a run kept in part in memory (${stoppedRuns} stopped runs kept) is sent whole`, async () => {
    await withLiveServer(async (base, writer) => {
      const { documents } = testRun({ start: { uid: "live-run-0007" }, events: 40 });
      await writeSlowly(writer, documents.slice(0, 25));
      // A first client keeps the run watched; 2,000 bytes hold a few of its messages only.
      const early = collect(await fetch(`${base}/api/runs/live-run-0007/events`));
      await writeSlowly(writer, documents.slice(25, 30));
      const joiner = collect(await fetch(`${base}/api/runs/live-run-0007/events`));
      await writeSlowly(writer, documents.slice(30));
      const [first, second] = [await early, await joiner];
      for (const client of [first, second]) {
        assert.deepEqual(client.uids, uidsOf(documents));
        assert.equal(client.ended, true);
      }
      // After the stop, from the start and from the middle.
      const late = await collect(await fetch(`${base}/api/runs/live-run-0007/events`));
      assert.deepEqual(late.ids, first.ids);
      const rest = await collect(
        await fetch(`${base}/api/runs/live-run-0007/events?after=${first.ids[3]}`),
      );
      assert.deepEqual(rest.ids, first.ids.slice(4));
      assert.equal(rest.ended, true);
    }, { runBytes: 2000, stoppedRuns });
  });
}

Deno.test("a stopped run kept in memory is sent whole again, from any place", async () => {
  await withLiveServer(async (base, writer) => {
    const { documents } = testRun({ start: { uid: "live-run-0008" }, events: 12 });
    await writeSlowly(writer, documents);
    const first = await collect(await fetch(`${base}/api/runs/live-run-0008/events`));
    assert.deepEqual(first.uids, uidsOf(documents));
    for (let cut = 0; cut < first.ids.length; cut += 5) {
      const rest = await collect(
        await fetch(`${base}/api/runs/live-run-0008/events?after=${first.ids[cut]}`),
      );
      assert.deepEqual(rest.ids, first.ids.slice(cut + 1));
      assert.equal(rest.ended, true);
    }
    const past = await collect(
      await fetch(`${base}/api/runs/live-run-0008/events?after=${first.ids.at(-1)! + 100}`),
    );
    assert.deepEqual(past.ids, []);
    assert.equal(past.ended, true);
  });
});

Deno.test("LiveHub shares one poller per run and stops it when the last client leaves", async () => {
  const dir = await Deno.makeTempDir();
  const writer = Catalog.open(`${dir}/catalog`);
  try {
    const { documents } = testRun({ start: { uid: "live-run-0005" }, events: 2, stop: false });
    await writeSlowly(writer, documents);
    const hub = new LiveHub(writer, { interval: 10 });
    const a = hub.runEvents("live-run-0005", 0).body!.getReader();
    const b = hub.runEvents("live-run-0005", 0).body!.getReader();
    const live = hub.live().body!.getReader();
    await Promise.all([a.read(), b.read(), live.read()]);
    assert.equal(hub.pollers, 2);
    await a.cancel();
    assert.equal(hub.pollers, 2);
    await b.cancel();
    await live.cancel();
    assert.equal(hub.pollers, 0);
  } finally {
    writer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run with text beyond ASCII in one batch resumes from any place with whole documents", async () => {
  await withLiveServer(async (base, writer) => {
    const { documents } = testRun({
      start: { uid: "live-run-0009", sample: "Température µ-Ø 温度 🧪" } as never,
      events: 9,
    });
    // All committed at once: the server reads them in one batch, one chunk.
    for (const [name, doc] of documents) writer.insert(name, doc as never);
    writer.flush();
    const whole = async (after: number) => {
      const docs: unknown[] = [];
      const ids: number[] = [];
      let ended = false;
      const response = await fetch(`${base}/api/runs/live-run-0009/events?after=${after}`);
      for await (const event of sseEvents(response)) {
        if (event.event === "end") ended = true;
        else {
          ids.push(Number(event.id));
          docs.push(JSON.parse(event.data).doc);
        }
      }
      return { docs, ids, ended };
    };
    const first = await whole(0);
    assert.deepEqual(first.docs, documents.map(([, doc]) => doc));
    for (const [cut, id] of first.ids.entries()) {
      const rest = await whole(id);
      assert.deepEqual(rest.ids, first.ids.slice(cut + 1));
      assert.deepEqual(rest.docs, first.docs.slice(cut + 1));
      assert.equal(rest.ended, true);
    }
  });
});
