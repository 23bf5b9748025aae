import assert from "node:assert/strict";
import { type RunHistory, RunRouter } from "./run_router.ts";

/** A run's documents as the router needs them: start, 2 descriptors, events, a resource, datums. */
function route(router: RunRouter, run: string, events = 10): void {
  router.route("start", { uid: run, time: 0 });
  router.route("descriptor", { uid: `${run}/primary`, run_start: run });
  router.route("descriptor", { uid: `${run}/baseline`, run_start: run });
  router.route("resource", { uid: `${run}/res`, run_start: run });
  for (let i = 0; i < events; i++) {
    router.route("event", { uid: `${run}/e${i}`, descriptor: `${run}/primary` });
    router.route("datum", { datum_id: `${run}/res/${i}`, resource: `${run}/res` });
  }
  router.route("stop", { uid: `${run}/stop`, run_start: run });
}

Deno.test("After 5,000 runs a router holds only the start and descriptor uids of the last 1,000", () => {
  const router = new RunRouter();
  for (let r = 0; r < 5000; r++) route(router, `run${r}`);
  // Two descriptors for each remembered run; nothing of the events, datums or resources.
  assert.deepEqual(router.stats, { open: 0, closed: 1000, uids: 2000 });
  assert.throws(() => router.route("start", { uid: "run4999", time: 0 }), /repeats the uid/);
  // The bound: a run closed 1,000 runs ago is let go, and its uid is free again.
  assert.equal(router.route("start", { uid: "run0", time: 0 }), "run0");
});

Deno.test("An open run holds every uid until its stop, and a repeat is refused", () => {
  const router = new RunRouter();
  router.route("start", { uid: "r1", time: 0 });
  router.route("descriptor", { uid: "d1", run_start: "r1" });
  for (let i = 0; i < 100; i++) router.route("event", { uid: `e${i}`, descriptor: "d1" });
  assert.deepEqual(router.stats, { open: 1, closed: 0, uids: 103 });
  assert.throws(() => router.route("event", { uid: "e7", descriptor: "d1" }), {
    name: "DocumentError",
    message: 'event document, uid "e7", field "uid": repeats the uid of an earlier document of ' +
      "its run",
  });
  assert.throws(() => router.route("event_page", { uid: ["p1", "e3"], descriptor: "d1" }), {
    uid: "e3",
  });
  assert.throws(() => router.route("event_page", { uid: ["p2", "p2"], descriptor: "d1" }), {
    message: /uid "p2", field "uid": appears twice in the page/,
  });
  // Refused documents leave nothing behind: p1 and p2 are still free.
  assert.equal(router.route("event_page", { uid: ["p1", "p2"], descriptor: "d1" }), "r1");
  router.route("stop", { uid: "s1", run_start: "r1" });
  assert.deepEqual(router.stats, { open: 0, closed: 1, uids: 1 });
});

Deno.test("Interleaved runs keep their documents apart; a descriptor uid is unique across runs", () => {
  const router = new RunRouter();
  router.route("start", { uid: "a", time: 0 });
  router.route("start", { uid: "b", time: 0 });
  router.route("descriptor", { uid: "da", run_start: "a" });
  router.route("descriptor", { uid: "db", run_start: "b" });
  assert.equal(router.route("event", { uid: "e1", descriptor: "db" }), "b");
  assert.equal(router.route("event", { uid: "e1", descriptor: "da" }), "a");
  assert.throws(() => router.route("descriptor", { uid: "da", run_start: "b" }), {
    message: /uid "da", field "uid": repeats the uid of an earlier descriptor/,
  });
  assert.equal(router.lastRun, "b");
});

Deno.test("Documents after a run's stop, or after forget(), are refused naming the run", () => {
  const router = new RunRouter();
  route(router, "r1", 1);
  assert.throws(() => router.route("event", { uid: "late", descriptor: "r1/primary" }), {
    field: "descriptor",
    message: /belongs to run "r1", which has already stopped/,
  });
  assert.throws(() => router.route("stop", { uid: "again", run_start: "r1" }), {
    message: /run "r1" already has a stop document/,
  });
  router.route("start", { uid: "r2", time: 0 });
  router.forget("r2");
  router.forget("r2");
  assert.throws(() => router.route("stop", { uid: "s2", run_start: "r2" }), {
    message: /belongs to run "r2", which was closed before its stop document came/,
  });
  assert.deepEqual(router.stats, { open: 0, closed: 2, uids: 2 });
});

Deno.test("A resource without run_start belongs to the run in progress, if there is one", () => {
  const router = new RunRouter();
  assert.throws(() => router.route("resource", { uid: "res0" }), {
    message: 'resource document, uid "res0", field "run_start": is missing, and no run is in ' +
      "progress",
  });
  router.route("start", { uid: "r1", time: 0 });
  assert.equal(router.route("resource", { uid: "res1" }), "r1");
  assert.equal(
    router.route("datum_page", { datum_id: ["res1/0", "res1/1"], resource: "res1" }),
    "r1",
  );
  assert.throws(() => router.route("datum", { datum_id: "res1/1", resource: "res1" }), {
    field: "datum_id",
  });
});

Deno.test("Documents without a uid, of no known kind, or that are not objects are refused", () => {
  const router = new RunRouter();
  router.route("start", { uid: "r1", time: 0 });
  router.route("descriptor", { uid: "d1", run_start: "r1" });
  assert.throws(() => router.route("event", { descriptor: "d1" }), {
    message: 'event document, field "uid": is missing or not a string',
  });
  assert.throws(() => router.route("event_page", { uid: "e1", descriptor: "d1" }), {
    field: "uid",
    message: /not a non-empty array of strings/,
  });
  assert.throws(() => router.route("event", { uid: "e1", descriptor: 5 }), { field: "descriptor" });
  assert.throws(() => router.route("bulk_events", { uid: "b" }), /not a document of the event/);
  assert.throws(() => router.route("event", null as never), /is not an object: got null/);
});

Deno.test("runOf() finds a document's run without checking or remembering it", () => {
  const router = new RunRouter();
  router.route("start", { uid: "r1", time: 0 });
  router.route("descriptor", { uid: "d1", run_start: "r1" });
  assert.equal(router.runOf("event", { uid: "e1", descriptor: "d1" }), "r1");
  assert.equal(router.runOf("event", { uid: "e1", descriptor: "d9" }), undefined);
  assert.equal(router.runOf("stop", { run_start: "r7" }), "r7");
  assert.equal(router.runOf("event", "junk"), undefined);
  assert.equal(router.route("event", { uid: "e1", descriptor: "d1" }), "r1");
});

Deno.test("With a history, runs begun earlier go on, and their uids stay taken", () => {
  const stored = new Map([
    ["old", { name: "start" as const, run: "old" }],
    ["old/d", { name: "descriptor" as const, run: "old" }],
    ["done", { name: "start" as const, run: "done" }],
    ["done/d", { name: "descriptor" as const, run: "done" }],
  ]);
  const history: RunHistory = {
    name: "the archive",
    find: (uid) => stored.get(uid),
    stopped: (run) => run === "done",
    uids: (run) => run === "old" ? ["old/e1"] : [],
  };
  const router = new RunRouter({ history });
  assert.equal(router.route("event", { uid: "old/e2", descriptor: "old/d" }), "old");
  assert.throws(() => router.route("event", { uid: "old/e1", descriptor: "old/d" }), {
    message: /uid "old\/e1", field "uid": is already in the archive/,
  });
  assert.throws(() => router.route("start", { uid: "done", time: 0 }), /is already in the archive/);
  assert.throws(() => router.route("event", { uid: "x", descriptor: "done/d" }), {
    message: /belongs to run "done", which has already stopped/,
  });
  assert.throws(() => router.route("descriptor", { uid: "old/d", run_start: "old" }), {
    message: /is already in the archive/,
  });
  assert.equal(router.route("stop", { uid: "old/stop", run_start: "old" }), "old");
  assert.deepEqual(router.stats, { open: 0, closed: 1, uids: 1 });
});
