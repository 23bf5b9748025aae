import assert from "node:assert/strict";
import type { Msg, Plan } from "../../engine/messages.ts";
import {
  absSet,
  closeRun,
  currentPosition,
  declareStream,
  hintedFields,
  movePerStep,
  mv,
  mvr,
  one1dStep,
  oneShot,
  openRun,
  type PositionCache,
  rd,
  relSet,
  repeat,
  repeater,
  separateDevices,
  shortUid,
  sleep,
  stageAll,
  triggerAndRead,
  unstageAll,
} from "./mod.ts";
import { Status } from "../../engine/status.ts";
import { answerAsEngine, brief, drive, fakeMotor } from "../_plan_fakes.ts";

// ------------------------------------------------------------ fakes

function fakeDetector(name: string, options: { trigger?: boolean; failRead?: boolean } = {}) {
  return {
    name,
    read() {
      if (options.failRead) throw new Error(`${name} is unreachable`);
      return { [name]: { value: 1, timestamp: 0 } };
    },
    describe: () => ({ [name]: { dtype: "number" as const, shape: [], source: `SIM:${name}` } }),
    ...(options.trigger ? { trigger: () => Status.done() } : {}),
  };
}

/** Run a plan against a responder that answers as the RunEngine does, without any waiting. */
function simulate<R>(plan: Plan<R>, answers: Partial<Record<string, (m: Msg) => unknown>> = {}) {
  return drive(plan, (m) => {
    const custom = answers[m.command];
    if (custom) return custom(m);
    if (m.command === "open_run") return "uid-1";
    return answerAsEngine(m);
  });
}

// ------------------------------------------------------------ moves

Deno.test("mv() starts every move in one group, then waits for that group", () => {
  const [x, y] = [fakeMotor("x"), fakeMotor("y")];
  const { messages, value } = simulate(mv([[x, 1], [y, 2]], { timeout: 3 }));
  assert.deepEqual(brief(messages), ["set x 1 g1", "set y 2 g1", "wait g1"]);
  assert.equal(messages[2]?.kwargs?.timeout, 3);
  assert.equal(value?.length, 2);
  assert.ok(value?.every((s) => s instanceof Status));
  assert.deepEqual(brief(simulate(mv(x, 5, { group: "A" })).messages), ["set x 5 g1", "wait g1"]);
  assert.equal(simulate(mv(x, 5, { group: "A" })).messages[0]?.kwargs?.group, "A");
});

Deno.test("mv() refuses to move one device twice at once", () => {
  const x = fakeMotor("x");
  assert.throws(() => mv([[x, 1], [x, 2]]).next(), /listed twice/);
});

Deno.test("mvr() moves by offsets from each device's position", () => {
  const [x, y] = [fakeMotor("x", 1), fakeMotor("y", 10)];
  const { messages } = simulate(mvr([[x, 0.5], [y, -1]]));
  assert.deepEqual(brief(messages), ["set x 1.5 g1", "set y 9 g1", "wait g1"]);
});

Deno.test("mvr() locates a locatable device and reads one that has no position", () => {
  const located = {
    name: "loc",
    locate: () => ({ setpoint: 4, readback: 4.1 }),
    set: () => Status.done(),
  };
  const { messages } = simulate(mvr(located, 1), {
    locate: (m) => (m.obj as typeof located).locate(),
  });
  assert.deepEqual(brief(messages), ["locate loc", "set loc 5 g1", "wait g1"]);
  const readOnly = { ...fakeDetector("temp"), set: () => Status.done() };
  const read = simulate(mvr(readOnly, 2));
  assert.deepEqual(brief(read.messages), ["read temp", "set temp 3 g1", "wait g1"]);
});

Deno.test("currentPosition() prefers locate(), then position, then the hinted reading", () => {
  assert.deepEqual(currentPosition({ name: "m", position: 7 }).next(), { done: true, value: 7 });
  const twoFields = {
    name: "pair",
    hints: { fields: ["a", "b"] },
    read: () => ({ a: { value: 1, timestamp: 0 }, b: { value: 2, timestamp: 0 } }),
  };
  assert.match(String(simulate(currentPosition(twoFields)).error), /hints 2 fields/);
  const hinted = { ...twoFields, hints: { fields: ["b"] } };
  assert.equal(simulate(currentPosition(hinted)).value, 2);
  const listed = currentPosition(hinted);
  listed.next();
  assert.deepEqual(listed.next(undefined), { done: true, value: 0 });
});

Deno.test("absSet() and relSet() wait in a group of their own when asked", () => {
  const x = fakeMotor("x", 2);
  const { messages } = simulate(absSet(x, 1, { wait: true }));
  assert.deepEqual(brief(messages), ["set x 1 g1", "wait g1"]);
  assert.deepEqual(brief(simulate(absSet(x, 1)).messages), ["set x 1"]);
  assert.deepEqual(brief(simulate(relSet(x, 1, { group: "G" })).messages), ["set x 2 g1"]);
});

Deno.test("rd() returns the hinted value, the only value, or the default", () => {
  const x = fakeMotor("x", 3);
  assert.equal(simulate(rd(x)).value, 3);
  assert.equal(simulate(rd(fakeDetector("d"))).value, 1);
  const plan = rd(x, { defaultValue: -1 });
  plan.next();
  assert.deepEqual(plan.next(undefined), { done: true, value: -1 });
  const many = {
    ...fakeDetector("d"),
    read: () => ({ a: { value: 1, timestamp: 0 }, b: { value: 2, timestamp: 0 } }),
  };
  assert.match(String(simulate(rd(many)).error), /read 2 values/);
  const locatable = { ...fakeDetector("l"), locate: () => ({ setpoint: 1, readback: 1.5 }) };
  const located = simulate(rd(locatable), { locate: () => locatable.locate() });
  assert.equal(located.value, 1.5);
});

// ------------------------------------------------------------ readings

Deno.test("triggerAndRead() triggers in one group, waits, then reads every device once", () => {
  const a = fakeDetector("a", { trigger: true });
  const b = fakeDetector("b");
  const c = fakeDetector("c", { trigger: true });
  const { messages, value } = simulate(triggerAndRead([a, b, c, a], { name: "extra" }));
  assert.deepEqual(brief(messages), [
    "trigger a g1",
    "trigger c g1",
    "wait g1",
    "create extra",
    "read a",
    "read b",
    "read c",
    "save",
  ]);
  assert.match(String(messages[0]?.kwargs?.group), /^trigger-[0-9a-f]{6}$/);
  assert.deepEqual(Object.keys(value ?? {}), ["a", "b", "c"]);
});

Deno.test("triggerAndRead() skips the wait when nothing is triggered", () => {
  const { messages } = simulate(triggerAndRead([fakeDetector("b")]));
  assert.deepEqual(brief(messages), ["create primary", "read b", "save"]);
  assert.deepEqual(brief(simulate(triggerAndRead([])).messages), [
    "null",
    "create primary",
    "save",
  ]);
});

Deno.test("triggerAndRead() drops the bundle and rethrows when a read fails", () => {
  const bad = fakeDetector("bad", { failRead: true });
  const { messages, error } = simulate(triggerAndRead([fakeDetector("ok"), bad]));
  assert.deepEqual(brief(messages), ["create primary", "read ok", "read bad", "drop"]);
  assert.match(String(error), /bad is unreachable/);
});

Deno.test("declareStream() lists each device once", () => {
  const a = fakeDetector("a");
  const { messages } = simulate(declareStream([a, a], { name: "baseline" }));
  assert.deepEqual(messages[0]?.args, [a]);
  assert.deepEqual(messages[0]?.kwargs, { name: "baseline", collect: false });
});

// ------------------------------------------------------------ per-point stubs

Deno.test("movePerStep() moves only the motors whose position changed", () => {
  const [x, y] = [fakeMotor("x"), fakeMotor("y")];
  const cache: PositionCache = new Map();
  const first = simulate(movePerStep(new Map([[x, 0], [y, 0]]), cache)).messages;
  const second = simulate(movePerStep(new Map([[x, 0], [y, 1]]), cache)).messages;
  assert.deepEqual(brief(first), ["checkpoint", "set x 0 g1", "set y 0 g1", "wait g1"]);
  assert.deepEqual(brief(second), ["checkpoint", "set y 1 g1", "wait g1"]);
  assert.deepEqual([...cache.values()], [0, 1]);
});

Deno.test("one1dStep() moves, waits, then reads the detectors and the motor", () => {
  const x = fakeMotor("x");
  const { messages } = simulate(one1dStep([fakeDetector("d")], [x, 2]));
  assert.deepEqual(brief(messages), [
    "checkpoint",
    "set x 2 g1",
    "wait g1",
    "create primary",
    "read d",
    "read x",
    "save",
  ]);
});

Deno.test("oneShot() takes its reading with the given takeReading plan", () => {
  const names: string[][] = [];
  function* takeReading(devices: readonly { name: string }[]) {
    names.push(devices.map((d) => d.name));
    yield* sleep(0);
    return {};
  }
  const { messages } = simulate(oneShot([fakeDetector("d")], { takeReading }));
  assert.deepEqual(brief(messages), ["checkpoint", "sleep 0"]);
  assert.deepEqual(names, [["d"]]);
});

Deno.test("repeat() checkpoints every pass and sleeps what is left of each delay", () => {
  let runs = 0;
  function* work() {
    runs++;
    yield* sleep(0);
  }
  const { messages } = simulate(repeat(work, { num: 3, delay: [2, null] }));
  assert.equal(runs, 3);
  assert.deepEqual(brief(messages).map((s) => s.split(" ")[0]), [
    "checkpoint",
    "sleep",
    "sleep",
    "checkpoint",
    "sleep",
    "checkpoint",
    "sleep",
  ]);
  const waited = messages[2]?.args?.[0] as number;
  assert.ok(waited > 1.9 && waited <= 2);
  assert.throws(() => repeat(work, { num: 3, delay: [1] }).next(), RangeError);
  assert.equal(simulate(repeat(work, { num: 2, delay: 0 })).messages.length, 4);
});

Deno.test("repeater() chains the plan n times", () => {
  assert.equal([...repeater(4, () => sleep(1))].length, 4);
  assert.equal([...repeater(0, () => sleep(1))].length, 0);
});

// ------------------------------------------------------------ staging and runs

Deno.test("stageAll() waits only when a device answers with a status", () => {
  const [a, b] = [fakeDetector("a"), fakeDetector("b")];
  assert.deepEqual(brief(simulate(stageAll([a, b])).messages), ["stage a g1", "stage b g1"]);
  const slow = simulate(stageAll([a, b]), { stage: () => Status.done() });
  assert.deepEqual(brief(slow.messages), ["stage a g1", "stage b g1", "wait g1"]);
  assert.deepEqual(brief(simulate(unstageAll([a, b])).messages), [
    "unstage a g1",
    "unstage b g1",
  ]);
});

Deno.test("openRun() and closeRun() carry metadata and exit status as keywords", () => {
  const open = simulate(openRun({ sample: "Si" }));
  assert.equal(open.value, "uid-1");
  assert.deepEqual(open.messages[0]?.kwargs, { sample: "Si" });
  assert.deepEqual(simulate(closeRun()).messages[0]?.kwargs, {});
  assert.deepEqual(simulate(closeRun({ exitStatus: "abort" })).messages[0]?.kwargs, {
    exit_status: "abort",
  });
});

// ------------------------------------------------------------ helpers

Deno.test("separateDevices() drops repeats and children of listed parents", () => {
  const parent = { name: "stage" };
  const child = { name: "stage_x", parent };
  const other = { name: "other" };
  assert.deepEqual(separateDevices([child, other, parent, other]), [other, parent]);
  assert.deepEqual(separateDevices([parent, child]), [parent]);
});

Deno.test("shortUid() and hintedFields() behave as bluesky's helpers", () => {
  assert.match(shortUid(), /^[0-9a-f]{6}$/);
  assert.notEqual(shortUid("a"), shortUid("a"));
  assert.deepEqual(hintedFields({ name: "x" }), []);
  assert.deepEqual(hintedFields(fakeMotor("x")), ["x"]);
});
