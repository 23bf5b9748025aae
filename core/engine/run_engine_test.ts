import assert from "node:assert/strict";
import type { DocumentMap, DocumentName, Event, RunStop } from "../documents/types.ts";
import { type Msg, msg, type Plan } from "./messages.ts";
import { InMemoryMetadataStore } from "./metadata_store.ts";
import { RunEngine } from "./run_engine.ts";
import { Status } from "./status.ts";
import { ignoreWithoutSchemas } from "../../tests/_schemas.ts";
import { record, schemaFailures, validatedCount } from "../../tests/_recorder.ts";

type Doc = [DocumentName, DocumentMap[DocumentName]];

function collect(RE: RunEngine): Doc[] {
  return record(RE).docs;
}

function docsOf<K extends DocumentName>(docs: Doc[], name: K): DocumentMap[K][] {
  return docs.filter(([n]) => n === name).map(([, d]) => d as DocumentMap[K]);
}

/** A detector that counts its reads, and a motor whose moves take `moveTime` seconds. */
function fakeDevices(moveTime = 0) {
  const log: string[] = [];
  const sets: unknown[] = [];
  let reads = 0;
  const det = {
    name: "det",
    hints: { fields: ["det"] },
    read: () => ({ det: { value: ++reads, timestamp: 1 } }),
    describe: () => ({ det: { dtype: "number" as const, shape: [], source: "SIM:det" } }),
    trigger: () => Status.done("det"),
    stage: () => void log.push("stage det"),
    unstage: () => void log.push("unstage det"),
  };
  const motor = {
    name: "motor",
    position: 0,
    hints: { fields: ["motor"] },
    read: () => ({ motor: { value: motor.position, timestamp: 1 } }),
    describe: () => ({ motor: { dtype: "number" as const, shape: [], source: "SIM:motor" } }),
    set(value: unknown) {
      sets.push(value);
      const status = new Status({ label: `move of motor to ${value}` });
      const finish = () => {
        motor.position = Number(value);
        status.setFinished();
      };
      if (moveTime > 0) setTimeout(finish, moveTime * 1000);
      else finish();
      return status;
    },
    stop: (options?: { success?: boolean }) => void log.push(`stop motor ${options?.success}`),
  };
  return {
    det,
    motor,
    log,
    sets,
    get reads() {
      return reads;
    },
  };
}

function* stepPlan(
  det: unknown,
  motor: unknown,
  points: number[],
  md: Record<string, unknown> = {},
): Plan {
  yield msg("stage", det);
  yield msg("open_run", undefined, [], { plan_name: "steps", ...md });
  for (const x of points) {
    yield msg("checkpoint");
    yield msg("set", motor, [x], { group: "move" });
    yield msg("wait", undefined, [], { group: "move" });
    yield msg("trigger", det, [], { group: "det" });
    yield msg("wait", undefined, [], { group: "det" });
    yield msg("create", undefined, [], { name: "primary" });
    yield msg("read", motor);
    yield msg("read", det);
    yield msg("save");
  }
  yield msg("close_run");
  yield msg("unstage", det);
}

Deno.test("RunEngine.run() emits start, descriptor, events and stop in order", async () => {
  const { det, motor } = fakeDevices();
  const RE = new RunEngine();
  const docs = collect(RE);
  const result = await RE.run(stepPlan(det, motor, [1, 2, 3]));
  assert.deepEqual(docs.map(([n]) => n), [
    "start",
    "descriptor",
    "event",
    "event",
    "event",
    "stop",
  ]);
  const events = docsOf(docs, "event");
  assert.deepEqual(events.map((e) => e.seq_num), [1, 2, 3]);
  assert.deepEqual(events.map((e) => e.data.motor), [1, 2, 3]);
  const [descriptor] = docsOf(docs, "descriptor");
  assert.deepEqual(Object.keys(descriptor!.data_keys), ["motor", "det"]);
  assert.equal(descriptor!.data_keys.det!.object_name, "det");
  assert.deepEqual(descriptor!.object_keys, { motor: ["motor"], det: ["det"] });
  assert.deepEqual(descriptor!.hints, { motor: { fields: ["motor"] }, det: { fields: ["det"] } });
  const [stop] = docsOf(docs, "stop");
  assert.deepEqual(stop!.num_events, { primary: 3 });
  assert.equal(stop!.exit_status, "success");
  assert.deepEqual(result.uids, [docsOf(docs, "start")[0]!.uid]);
  assert.equal(result.exitStatus, "success");
});

Deno.test("RunEngine merges metadata as bluesky does and allocates scan_id", async () => {
  const store = new InMemoryMetadataStore({ beamline_id: "bl", operator: "engine", scan_id: 41 });
  const RE = new RunEngine({ metadataStore: store, versions: { custom: "1.0" } });
  const docs = collect(RE);
  const { det, motor } = fakeDevices();
  await RE.run(stepPlan(det, motor, [0], { operator: "plan", sample: "plan" }), {
    sample: "call",
  });
  const [start] = docsOf(docs, "start");
  assert.equal(start!.beamline_id, "bl");
  assert.equal(start!.operator, "plan");
  assert.equal(start!.sample, "call");
  assert.equal(start!.scan_id, 42);
  assert.equal(start!.versions?.custom, "1.0");
  assert.equal(typeof start!.versions?.nxdaq, "string");
  assert.equal(store.load().scan_id, 42);
  await RE.run(stepPlan(det, motor, [0]));
  assert.equal(docsOf(docs, "start")[1]!.scan_id, 43);
});

Deno.test("A failing plan gets a fail stop document, moved devices stopped and staged ones unstaged", async () => {
  const { det, motor, log } = fakeDevices();
  const RE = new RunEngine();
  const docs = collect(RE);
  function* plan(): Plan {
    yield msg("stage", det);
    yield msg("open_run");
    yield msg("set", motor, [3], { group: "g" });
    yield msg("wait", undefined, [], { group: "g" });
    throw new Error("detector on fire");
  }
  await assert.rejects(RE.run(plan()), /detector on fire/);
  const [stop] = docsOf(docs, "stop");
  assert.equal(stop!.exit_status, "fail");
  assert.equal(stop!.reason, "detector on fire");
  assert.deepEqual(log, ["stage det", "stop motor false", "unstage det"]);
  assert.equal(RE.state, "idle");
});

Deno.test("An unknown command fails the run with a message naming it", async () => {
  const RE = new RunEngine();
  const docs = collect(RE);
  function* plan(): Plan {
    yield msg("open_run");
    yield msg("teleport");
  }
  await assert.rejects(RE.run(plan()), /Unknown command "teleport"/);
  assert.equal(docsOf(docs, "stop")[0]!.exit_status, "fail");
});

Deno.test("RunEngine.registerCommand() adds a command that plans can yield", async () => {
  const RE = new RunEngine();
  RE.registerCommand("double", (m) => (m.args?.[0] as number) * 2);
  function* plan(): Plan<unknown> {
    return yield msg("double", undefined, [21]);
  }
  const result = await RE.run(plan());
  assert.equal(result.value, 42);
  assert.ok(RE.commands.includes("double"));
});

/**
 * Replace the global timers by ones that never fire, so that a sleep can only end by being
 * interrupted; `onArm` sees each timer as it is set.
 */
function frozenTimers(onArm: (ms: number) => void) {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  const armed = new Map<number, number>();
  const cleared: number[] = [];
  let next = 1;
  globalThis.setTimeout = ((_callback: () => void, ms = 0) => {
    const id = next++;
    armed.set(id, ms);
    onArm(ms);
    return id;
  }) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((id?: number) => {
    if (id !== undefined && armed.delete(id)) cleared.push(id);
  }) as unknown as typeof clearTimeout;
  return {
    armed,
    cleared,
    restore: () => Object.assign(globalThis, real),
  };
}

Deno.test("RunEngine.abort() during a sleep cuts the sleep short and ends the run with exit_status abort", async () => {
  const { det, motor, log } = fakeDevices();
  const RE = new RunEngine();
  const docs = collect(RE);
  const after: string[] = [];
  RE.registerCommand("mark", () => void after.push("mark"));
  function* plan(): Plan {
    yield msg("stage", det);
    yield msg("open_run");
    yield msg("set", motor, [1]);
    yield msg("sleep", undefined, [10]);
    yield msg("mark");
  }
  // Abort once the engine has set the sleep's timer; that timer never fires.
  const timers = frozenTimers((ms) => {
    if (ms === 10_000) queueMicrotask(() => RE.abort("Ctrl-C"));
  });
  let result;
  try {
    result = await RE.run(plan());
  } finally {
    timers.restore();
  }
  assert.deepEqual([...timers.armed.values()], [], "the sleep released its timer");
  assert.equal(timers.cleared.length, 1);
  assert.deepEqual(after, [], "the message after the sleep never ran");
  assert.equal(result.exitStatus, "abort");
  assert.equal(result.reason, "Ctrl-C");
  const [stop] = docsOf(docs, "stop");
  assert.equal(stop!.exit_status, "abort");
  assert.equal(stop!.reason, "Ctrl-C");
  assert.deepEqual(log, ["stage det", "stop motor false", "unstage det"]);
});

Deno.test("RunEngine.stop() ends the run with exit_status success", async () => {
  const RE = new RunEngine();
  const docs = collect(RE);
  function* plan(): Plan {
    yield msg("open_run");
    yield msg("sleep", undefined, [10]);
  }
  const running = RE.run(plan());
  setTimeout(() => RE.stop(), 10);
  const result = await running;
  assert.equal(result.exitStatus, "success");
  assert.equal(docsOf(docs, "stop")[0]!.exit_status, "success");
});

Deno.test("The plan's cleanup runs on abort and may close the run itself", async () => {
  const RE = new RunEngine();
  const docs = collect(RE);
  const cleanup: string[] = [];
  function* plan(): Plan {
    yield msg("open_run");
    try {
      yield msg("sleep", undefined, [10]);
    } catch (error) {
      cleanup.push((error as Error).name);
      yield msg("close_run", undefined, [], { exit_status: "abort", reason: "cleaned up" });
      throw error;
    }
  }
  const running = RE.run(plan());
  setTimeout(() => RE.abort("requested"), 10);
  const result = await running;
  assert.deepEqual(cleanup, ["RunInterrupted"]);
  assert.equal(result.reason, "cleaned up");
  assert.equal(docsOf(docs, "stop").length, 1);
});

Deno.test("Pause and resume rewind to the last checkpoint and repeat seq_num as bluesky does", async () => {
  const { det, motor, sets, log } = fakeDevices(0.02);
  const RE = new RunEngine();
  const docs = collect(RE);
  const states: string[] = [];
  const running = RE.run(stepPlan(det, motor, [1, 2, 3]));
  // Pause while the second move is under way (moves take 20 ms).
  await new Promise<void>((resolve) => {
    const unsubscribe = RE.subscribe("event", () => {
      unsubscribe();
      setTimeout(resolve, 5);
    });
  });
  await RE.pause();
  states.push(RE.state);
  RE.resume();
  const result = await running;
  assert.deepEqual(states, ["paused"]);
  assert.equal(result.exitStatus, "success");
  const events = docsOf(docs, "event");
  assert.deepEqual(events.map((e) => e.seq_num), [1, 2, 3]);
  assert.deepEqual(events.map((e) => e.data.motor), [1, 2, 3]);
  assert.deepEqual(docsOf(docs, "stop")[0]!.num_events, { primary: 3 });
  // The interrupted move was stopped at the pause and made again after the rewind.
  assert.deepEqual(sets, [1, 2, 2, 3]);
  assert.equal(log.filter((line) => line === "stop motor true").length, 2);
});

Deno.test("A pause after a save but before the next checkpoint repeats that event's seq_num", async () => {
  const { det, motor } = fakeDevices();
  const RE = new RunEngine();
  const docs = collect(RE);
  function* plan(): Plan {
    yield msg("open_run");
    yield msg("checkpoint");
    yield msg("create", undefined, [], { name: "primary" });
    yield msg("read", det);
    yield msg("save");
    yield msg("pause");
    yield msg("create", undefined, [], { name: "primary" });
    yield msg("read", det);
    yield msg("save");
    yield msg("close_run");
  }
  void motor;
  const running = RE.run(plan());
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(RE.state, "paused");
  RE.resume();
  await running;
  const events = docsOf(docs, "event") as Event[];
  // The first bundle is saved twice (once before the pause, once replayed), then the second.
  assert.deepEqual(events.map((e) => e.seq_num), [1, 1, 2]);
  assert.deepEqual(events.map((e) => e.data.det), [1, 2, 3]);
  assert.deepEqual((docsOf(docs, "stop")[0] as RunStop).num_events, { primary: 2 });
});

Deno.test("A deferred pause waits for the next checkpoint; abort from paused ends the run", async () => {
  const { det, motor } = fakeDevices();
  const RE = new RunEngine();
  const docs = collect(RE);
  const seen: Msg[] = [];
  RE.registerCommand("mark", (m) => void seen.push(m));
  function* plan(): Plan {
    yield msg("open_run");
    yield msg("sleep", undefined, [0.05]);
    yield msg("mark");
    yield msg("checkpoint");
    yield msg("mark");
    yield msg("close_run");
  }
  void det;
  void motor;
  const running = RE.run(plan());
  await RE.pause({ defer: true });
  assert.equal(seen.length, 1, "paused at the checkpoint, after the first mark");
  RE.abort("operator");
  const result = await running;
  assert.equal(result.exitStatus, "abort");
  assert.equal(result.reason, "operator");
  assert.equal(seen.length, 1);
  assert.equal(docsOf(docs, "stop")[0]!.exit_status, "abort");
});

Deno.test("wait with a timeout fails the run when a status does not finish", async () => {
  const RE = new RunEngine();
  const docs = collect(RE);
  const slow = { name: "slow", set: () => new Status({ label: "slow move" }) };
  function* plan(): Plan {
    yield msg("open_run");
    yield msg("set", slow, [1], { group: "g" });
    yield msg("wait", undefined, [], { group: "g", timeout: 0.02 });
  }
  await assert.rejects(RE.run(plan()), /slow move did not finish within 0.02 s/);
  assert.equal(docsOf(docs, "stop")[0]!.exit_status, "fail");
});

Deno.test("A subscription made by a plan ends with the plan", async () => {
  const RE = new RunEngine();
  const seen: string[] = [];
  function* plan(): Plan {
    yield msg("subscribe", undefined, ["all", (name: string) => void seen.push(name)]);
    yield msg("open_run");
    yield msg("close_run");
  }
  await RE.run(plan());
  const before = RE.bus.size;
  assert.deepEqual(seen, ["start", "stop"]);
  assert.equal(before, 0);
});

Deno.test("declare_stream emits the descriptor before any event", async () => {
  const { det } = fakeDevices();
  const RE = new RunEngine();
  const docs = collect(RE);
  function* plan(): Plan {
    yield msg("open_run");
    yield msg("declare_stream", undefined, [det], { name: "primary" });
    yield msg("close_run");
  }
  await RE.run(plan());
  assert.deepEqual(docs.map(([n]) => n), ["start", "descriptor", "stop"]);
  assert.deepEqual(docsOf(docs, "stop")[0]!.num_events, { primary: 0 });
});

Deno.test("A stream that reads other devices than its descriptor is refused", async () => {
  const { det, motor } = fakeDevices();
  const RE = new RunEngine();
  function* plan(): Plan {
    yield msg("open_run");
    yield msg("create", undefined, [], { name: "primary" });
    yield msg("read", det);
    yield msg("save");
    yield msg("create", undefined, [], { name: "primary" });
    yield msg("read", motor);
    yield msg("save");
  }
  await assert.rejects(RE.run(plan()), /must read the same devices/);
});

Deno.test("A plan that ends with its run open gets a stop document", async () => {
  const RE = new RunEngine();
  const docs = collect(RE);
  function* plan(): Plan {
    yield msg("open_run");
  }
  const result = await RE.run(plan());
  assert.equal(result.exitStatus, "success");
  assert.equal(docsOf(docs, "stop").length, 1);
});

Deno.test("A callback that throws is reported and the run goes on", async () => {
  const RE = new RunEngine();
  const docs = collect(RE);
  RE.subscribe("start", function broken() {
    throw new Error("oops");
  });
  function* plan(): Plan {
    yield msg("open_run");
    yield msg("close_run");
  }
  const result = await RE.run(plan());
  assert.equal(result.exitStatus, "success");
  assert.equal(docs.length, 2);
  assert.equal(RE.bus.errors.length, 1);
  assert.match(RE.bus.errors[0]!.message, /Callback "broken" failed on start document/);
});

Deno.test({
  name: "Every document emitted in these tests validates against the event-model schemas",
  ignore: ignoreWithoutSchemas(),
  fn() {
    assert.ok(validatedCount() > 20, `only ${validatedCount()} documents were validated`);
    assert.deepEqual(schemaFailures(), []);
  },
});
