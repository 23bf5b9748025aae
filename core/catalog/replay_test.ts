import assert from "node:assert/strict";
import type { Document, DocumentName, NamedDocument } from "../documents/types.ts";
import { replay } from "./replay.ts";
import { testRun } from "./_test_runs.ts";
import { storageTest as test } from "../../tests/_catalog_storages.ts";

test("replay() sends a stored run's documents in order", async (store) => {
  const catalog = await store.temp();
  const a = testRun({ start: { time: 1 }, events: 3 }).documents;
  const b = testRun({ start: { time: 2 }, events: 2 }).documents;
  for (let i = 0; i < a.length; i++) {
    catalog.insert(a[i]![0], a[i]![1]);
    if (b[i]) catalog.insert(b[i]![0], b[i]![1]);
  }
  const seen: [DocumentName, Document][] = [];
  const sent = await replay(catalog.get(-2), (name, doc) => {
    seen.push([name, doc]);
  });
  assert.equal(sent, a.length);
  assert.deepEqual(seen, a);
  catalog.close();
});

Deno.test("replay() awaits an asynchronous callback before the next document", async () => {
  const { documents } = testRun({ events: 5 });
  const log: string[] = [];
  let busy = false;
  await replay(documents, async (name) => {
    assert.equal(busy, false, "a document arrived while the previous one was handled");
    busy = true;
    log.push(`+${name}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
    log.push(`-${name}`);
    busy = false;
  });
  assert.equal(log.length, 2 * documents.length);
  assert.deepEqual(log.slice(0, 4), ["+start", "-start", "+descriptor", "-descriptor"]);
});

Deno.test("replay() reads an async iterable of documents", async () => {
  const { documents } = testRun({ events: 2 });
  async function* source(): AsyncGenerator<NamedDocument> {
    for (const pair of documents) {
      await Promise.resolve();
      yield pair;
    }
  }
  const names: string[] = [];
  assert.equal(await replay(source(), (name) => void names.push(name)), documents.length);
  assert.deepEqual(names, documents.map(([name]) => name));
});

Deno.test("replay() stops at a callback's rejection and passes it on", async () => {
  const { documents } = testRun({ events: 2 });
  let calls = 0;
  await assert.rejects(
    replay(documents, async (name) => {
      calls++;
      if (name === "descriptor") throw new Error("writer failed");
      await Promise.resolve();
    }),
    { message: "writer failed" },
  );
  assert.equal(calls, 2);
});

Deno.test("replay() of a long synchronous source gives the event loop turns", async () => {
  const run = testRun({ events: 100_000 }).documents;
  let sent = 0;
  let sentWhenFired: number | undefined;
  // A timer (or a signal's handler) runs only at a turn.
  setTimeout(() => sentWhenFired = sent, 0);
  const total = await replay(run, () => {
    // A few microseconds a document: the replay lasts several turns.
    const until = performance.now() + 0.003;
    while (performance.now() < until) sent += 0;
    sent++;
  });
  assert.equal(total, sent);
  assert.ok(sentWhenFired !== undefined && sentWhenFired < total, `fired at ${sentWhenFired}`);
});
