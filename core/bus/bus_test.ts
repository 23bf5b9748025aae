import assert from "node:assert/strict";
import { DocumentBus } from "./bus.ts";
import type { RunStart, RunStop } from "../documents/types.ts";
import { CallbackError } from "../errors.ts";

const start = (uid: string): RunStart => ({ uid, time: 0 });
const stop = (uid: string): RunStop => ({
  uid: `${uid}-stop`,
  run_start: uid,
  time: 1,
  exit_status: "success",
});

Deno.test("subscribe() delivers documents in emission order and returns an unsubscribe function", () => {
  const bus = new DocumentBus();
  const all: string[] = [];
  const stops: string[] = [];
  const unsubscribe = bus.subscribe("all", (name, doc) => {
    all.push(`${name}:${(doc as RunStart).uid}`);
  });
  bus.subscribe("stop", (_name, doc) => {
    stops.push(doc.exit_status);
  });
  bus.emit("start", start("a"));
  bus.emit("stop", stop("a"));
  unsubscribe();
  bus.emit("start", start("b"));
  assert.deepEqual(all, ["start:a", "stop:a-stop"]);
  assert.deepEqual(stops, ["success"]);
  assert.equal(bus.size, 1);
});

Deno.test("Async callbacks never see documents out of order", async () => {
  const bus = new DocumentBus();
  const slow: string[] = [];
  const fast: string[] = [];
  bus.subscribe("all", async (_name, doc) => {
    // Later documents take less time: without queueing they would overtake earlier ones.
    const uid = (doc as RunStart).uid;
    const delay = uid === "a" ? 30 : uid === "b" ? 10 : 0;
    await new Promise((resolve) => setTimeout(resolve, delay));
    slow.push(uid);
  });
  bus.subscribe("all", (_name, doc) => {
    fast.push((doc as RunStart).uid);
  });
  for (const uid of ["a", "b", "c"]) bus.emit("start", start(uid));
  assert.deepEqual(fast, ["a", "b", "c"], "synchronous subscribers are not held up");
  await bus.drain();
  assert.deepEqual(slow, ["a", "b", "c"]);
});

Deno.test("A callback that throws is reported with its name and the document, and the others still run", () => {
  const errors: CallbackError[] = [];
  const bus = new DocumentBus({ onError: (error) => errors.push(error) });
  const seen: string[] = [];
  bus.subscribe("start", function writer() {
    throw new Error("disk full");
  });
  bus.subscribe("start", (_name, doc) => {
    seen.push(doc.uid);
  });
  bus.emit("start", start("a"));
  assert.deepEqual(seen, ["a"]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.callback, "writer");
  assert.equal(errors[0]!.document, "start");
  assert.deepEqual(errors[0]!.doc, start("a"));
  assert.equal(errors[0]!.message, 'Callback "writer" failed on start document "a": disk full');
});

Deno.test("A rejected async callback is reported without stopping later documents", async () => {
  const bus = new DocumentBus();
  const seen: string[] = [];
  bus.subscribe("all", async (_name, doc) => {
    await Promise.resolve();
    if ((doc as RunStart).uid === "a") throw new Error("bad a");
    seen.push((doc as RunStart).uid);
  }, { name: "picky" });
  bus.emit("start", start("a"));
  bus.emit("start", start("b"));
  await bus.drain();
  assert.deepEqual(seen, ["b"]);
  assert.equal(bus.errors.length, 1);
  assert.match(bus.errors[0]!.message, /Callback "picky" failed on start document "a": bad a/);
});

Deno.test("A strict bus throws the callback's error from emit()", () => {
  const bus = new DocumentBus({ strict: true });
  const seen: string[] = [];
  bus.subscribe("start", function broken() {
    throw new Error("nope");
  });
  bus.subscribe("start", (_name, doc) => void seen.push(doc.uid));
  assert.throws(() => bus.emit("start", start("a")), CallbackError);
  assert.deepEqual(seen, []);
  assert.throws(() => bus.emit("start", start("b")), /Callback "broken" failed/);
});

Deno.test("A strict bus rejects drain() when an async callback failed", async () => {
  const bus = new DocumentBus({ strict: true });
  bus.subscribe("start", async () => {
    await Promise.resolve();
    throw new Error("late failure");
  });
  bus.emit("start", start("a"));
  await assert.rejects(bus.drain(), /late failure/);
});

Deno.test("subscribe() refuses something that is not a function", () => {
  const bus = new DocumentBus();
  assert.throws(() => bus.subscribe("all", 42 as never), TypeError);
});
