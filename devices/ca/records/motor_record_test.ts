import assert from "node:assert/strict";
import { MotorRecord, type MotorRecordOptions } from "./motor_record.ts";
import { sleep } from "../_test_env.ts";

type Event = [field: string, value: number | string];

/** A motor and a log of the posts of some of its fields, in order. */
function motorWithLog(options: MotorRecordOptions = {}, watched = ["DMOV", "MOVN", "RBV", "VAL"]) {
  const motor = new MotorRecord("t:m1", options);
  const log: Event[] = [];
  for (const field of watched) {
    motor.field(field).subscribe((state) => log.push([field, state.elements[0] as number]));
  }
  return { motor, log, of: (field: string) => log.filter((e) => e[0] === field).map((e) => e[1]) };
}

const num = (motor: MotorRecord, field: string) => Number(motor.field(field).value);

Deno.test("a put to VAL moves at VELO with ACCL and completes when DMOV returns to 1", async () => {
  const { motor, of } = motorWithLog({ velocity: 5, acceleration: 0.1 });
  try {
    const start = performance.now();
    await motor.field("VAL").write([1]);
    const seconds = (performance.now() - start) / 1000;
    // 1 at 5/s takes 0.2 s at full speed, plus 0.1 s for the ramps.
    assert.ok(seconds >= 0.29 && seconds < 1.2, `the move took ${seconds} s`);
    assert.equal(num(motor, "RBV"), 1);
    assert.equal(num(motor, "DRBV"), 1);
    assert.equal(num(motor, "DMOV"), 1);
    assert.equal(num(motor, "RRBV"), 10000);
    const rbv = of("RBV") as number[];
    assert.ok(rbv.length >= 4, `RBV posted ${rbv.length} times`);
    assert.ok(rbv.every((x, i) => i === 0 || x >= rbv[i - 1]!), "RBV goes one way");
    assert.ok(rbv.some((x) => x > 0 && x < 1), "RBV passes between the ends");
  } finally {
    motor.close();
  }
});

Deno.test("DMOV goes to 0 when a move is taken, MOVN is 1 meanwhile, and DMOV is 1 last", async () => {
  const { motor, log } = motorWithLog({ velocity: 10, acceleration: 0.02 });
  try {
    await motor.field("VAL").write([0.5]);
    const dmov = log.filter((e) => e[0] === "DMOV");
    assert.deepEqual(dmov.map((e) => e[1]), [0, 1]);
    assert.deepEqual(log.at(-1), ["DMOV", 1]);
    const index = (event: Event) => log.findIndex((e) => e[0] === event[0] && e[1] === event[1]);
    assert.ok(index(["DMOV", 0]) < index(["MOVN", 1]));
    assert.ok(index(["MOVN", 1]) < index(["MOVN", 0]));
    const lastRbv = log.findLastIndex((e) => e[0] === "RBV");
    assert.equal(log[lastRbv]![1], 0.5);
    assert.ok(lastRbv < index(["MOVN", 0]), "RBV is on target before MOVN and DMOV change");
  } finally {
    motor.close();
  }
});

Deno.test("a zero-length move pulses DMOV and its put completes", async () => {
  const { motor, of } = motorWithLog();
  try {
    await motor.field("VAL").write([0]);
    assert.deepEqual(of("DMOV"), [0, 1]);
    assert.deepEqual(of("MOVN"), []);
    assert.deepEqual(of("VAL"), [0]);
  } finally {
    motor.close();
  }
});

Deno.test("a VAL beyond HLM sets LVIO, restores VAL, does not move, and its put completes", async () => {
  const { motor, of } = motorWithLog({ velocity: 100, acceleration: 0 });
  try {
    await motor.field("VAL").write([0.25]);
    await motor.field("VAL").write([40000]);
    assert.equal(num(motor, "LVIO"), 1);
    assert.equal(num(motor, "VAL"), 0.25);
    assert.equal(num(motor, "RBV"), 0.25);
    assert.deepEqual(of("VAL"), [0.25, 0.25]);
    assert.deepEqual(of("DMOV"), [0, 1]);
    await motor.field("VAL").write([-32001]);
    assert.equal(num(motor, "VAL"), 0.25);
    await motor.field("VAL").write([0.5]);
    assert.equal(num(motor, "LVIO"), 0);
    assert.equal(num(motor, "RBV"), 0.5);
  } finally {
    motor.close();
  }
});

Deno.test("equal HLM and LLM mean no soft limits", async () => {
  const motor = new MotorRecord("t:m1", { velocity: 1000, acceleration: 0 });
  try {
    await motor.field("HLM").write([0]);
    await motor.field("LLM").write([0]);
    await motor.field("VAL").write([40]);
    assert.equal(num(motor, "LVIO"), 0);
    assert.equal(num(motor, "RBV"), 40);
  } finally {
    motor.close();
  }
});

Deno.test("STOP halts at once, VAL becomes where it stopped, and the put completes", async () => {
  const { motor, of } = motorWithLog({ velocity: 1, acceleration: 0 });
  try {
    const move = motor.field("VAL").write([10]);
    await sleep(200);
    assert.ok(motor.moving);
    await motor.field("STOP").write([1]);
    await move;
    const stopped = num(motor, "RBV");
    assert.ok(stopped > 0.1 && stopped < 0.6, `stopped at ${stopped}`);
    assert.equal(num(motor, "VAL"), stopped);
    assert.equal(num(motor, "DVAL"), stopped);
    assert.equal(num(motor, "DMOV"), 1);
    assert.equal(num(motor, "MOVN"), 0);
    assert.equal(num(motor, "STOP"), 0);
    assert.deepEqual(of("DMOV"), [0, 1]);
    await sleep(100);
    assert.equal(num(motor, "RBV"), stopped);
  } finally {
    motor.close();
  }
});

Deno.test("a new VAL during a move retargets it, and both puts complete at the end", async () => {
  const { motor, of } = motorWithLog({ velocity: 4, acceleration: 0 });
  try {
    const first = motor.field("VAL").write([1]);
    await sleep(60);
    const second = motor.field("VAL").write([0.5]);
    let firstDone = false;
    void Promise.resolve(first).then(() => firstDone = true);
    await sleep(0);
    assert.equal(firstDone, false);
    await Promise.all([first, second]);
    assert.equal(num(motor, "RBV"), 0.5);
    assert.deepEqual(of("DMOV"), [0, 1]);
  } finally {
    motor.close();
  }
});

Deno.test("SPMG Pause holds a move and Go resumes it", async () => {
  const motor = new MotorRecord("t:m1", { velocity: 10, acceleration: 0 });
  try {
    await motor.field("SPMG").write([1]);
    const move = motor.field("VAL").write([0.3]);
    await sleep(80);
    assert.equal(num(motor, "RBV"), 0);
    assert.equal(num(motor, "DMOV"), 0);
    await motor.field("SPMG").write([3]);
    await move;
    assert.equal(num(motor, "RBV"), 0.3);
    await motor.field("SPMG").write([0]);
    await motor.field("VAL").write([1]);
    assert.equal(num(motor, "VAL"), 0.3, "SPMG Stop refuses moves");
  } finally {
    motor.close();
  }
});

Deno.test("VELO and ACCL changed during a move apply to the next one", async () => {
  const motor = new MotorRecord("t:m1", { velocity: 2, acceleration: 0 });
  try {
    let start = performance.now();
    const move = motor.field("VAL").write([0.4]);
    await motor.field("VELO").write([0.5]);
    await move;
    let seconds = (performance.now() - start) / 1000;
    assert.ok(seconds >= 0.19 && seconds < 1, `the first move took ${seconds} s`);
    assert.equal(num(motor, "S"), 0.5 / 0.02);
    start = performance.now();
    await motor.field("VAL").write([0.5]);
    seconds = (performance.now() - start) / 1000;
    assert.ok(seconds >= 0.19 && seconds < 1, `the second move took ${seconds} s`);
    assert.throws(() => motor.field("VELO").write([0]), /must be > 0/);
    assert.throws(() => motor.field("ACCL").write([-1]), /must be >= 0/);
  } finally {
    motor.close();
  }
});

Deno.test("OFF and DIR map dial positions to user positions and limits", async () => {
  const motor = new MotorRecord("t:m1", { velocity: 100, acceleration: 0 });
  try {
    await motor.field("OFF").write([5]);
    assert.equal(num(motor, "RBV"), 5);
    assert.equal(num(motor, "VAL"), 5);
    assert.equal(num(motor, "DRBV"), 0);
    assert.equal(num(motor, "HLM"), 32005);
    assert.equal(motor.field("VAL").state().limits?.upperCtrl, 32005);
    await motor.field("DIR").write([1]);
    assert.equal(num(motor, "HLM"), 32005);
    assert.equal(num(motor, "LLM"), -31995);
    await motor.field("VAL").write([3]);
    assert.equal(num(motor, "DRBV"), 2);
    assert.equal(num(motor, "RBV"), 3);
    assert.equal(num(motor, "DVAL"), 2);
    await motor.field("DVAL").write([1]);
    assert.equal(num(motor, "VAL"), 4);
  } finally {
    motor.close();
  }
});

Deno.test("SET redefines the position without moving: OFF changes, or the dial if frozen", async () => {
  const { motor, of } = motorWithLog();
  try {
    await motor.field("SET").write([1]);
    await motor.field("VAL").write([7]);
    assert.equal(num(motor, "OFF"), 7);
    assert.equal(num(motor, "RBV"), 7);
    assert.equal(num(motor, "DRBV"), 0);
    assert.equal(num(motor, "HLM"), 32007);
    await motor.field("FOFF").write([1]);
    await motor.field("VAL").write([8]);
    assert.equal(num(motor, "OFF"), 7);
    assert.equal(num(motor, "DRBV"), 1);
    assert.equal(num(motor, "RBV"), 8);
    assert.deepEqual(of("DMOV"), []);
    await motor.field("SET").write([0]);
    assert.equal(num(motor, "SET"), 0);
  } finally {
    motor.close();
  }
});

Deno.test("HLM and LLM are the ctrl limits of VAL and RBV, DHLM and DLLM those of DVAL", async () => {
  const motor = new MotorRecord("t:m1");
  try {
    const ctrl = motor.field("RBV").state();
    assert.equal(ctrl.units, "degrees");
    assert.equal(ctrl.precision, 5);
    assert.equal(ctrl.limits?.lowerCtrl, -32000);
    assert.equal(ctrl.limits?.upperCtrl, 32000);
    await motor.field("HLM").write([10]);
    await motor.field("LLM").write([-2]);
    assert.equal(motor.field("VAL").state().limits?.upperCtrl, 10);
    assert.equal(motor.field("RBV").state().limits?.lowerCtrl, -2);
    assert.equal(num(motor, "DHLM"), 10);
    assert.equal(motor.field("DVAL").state().limits?.lowerCtrl, -2);
    await motor.field("DHLM").write([12]);
    assert.equal(num(motor, "HLM"), 12);
    await motor.field("EGU").write(["mm"]);
    assert.equal(motor.field("VAL").state().units, "mm");
    assert.equal(motor.field("VELO").state().units, "mm/sec");
    assert.equal(motor.field("ACCL").state().units, "sec");
    await motor.field("PREC").write([3]);
    assert.equal(motor.field("RBV").state().precision, 3);
  } finally {
    motor.close();
  }
});

Deno.test("the record has the motor fields, with the seed's defaults and enum states", () => {
  const motor = new MotorRecord("gp:m10");
  try {
    const fields = motor.fields();
    assert.equal(fields[0], "VAL");
    for (
      const field of [
        "RBV",
        "DVAL",
        "DRBV",
        "RVAL",
        "RRBV",
        "DMOV",
        "MOVN",
        "VELO",
        "VBAS",
        "ACCL",
        "EGU",
        "PREC",
        "HLM",
        "LLM",
        "DHLM",
        "DLLM",
        "LVIO",
        "HLS",
        "LLS",
        "STOP",
        "SPMG",
        "OFF",
        "DIR",
        "SET",
        "FOFF",
        "DESC",
        "MRES",
        "TWV",
        "TWF",
        "TWR",
        "HOMF",
        "HOMR",
        "CNEN",
        "RTYP",
        "NAME",
        "TDIR",
        "MSTA",
      ]
    ) assert.ok(fields.includes(field), field);
    assert.equal(motor.field("RTYP").value, "motor");
    assert.equal(motor.field("NAME").value, "gp:m10");
    assert.equal(num(motor, "VELO"), 1);
    assert.equal(num(motor, "ACCL"), 0.2);
    assert.equal(num(motor, "PREC"), 5);
    assert.deepEqual(motor.field("SPMG").state().enumStrings, ["Stop", "Pause", "Move", "Go"]);
    assert.deepEqual(motor.field("DIR").state().enumStrings, ["Pos", "Neg"]);
    assert.deepEqual(motor.field("SET").state().enumStrings, ["Use", "Set"]);
    assert.deepEqual(motor.field("FOFF").state().enumStrings, ["Variable", "Frozen"]);
    assert.deepEqual(motor.field("CNEN").state().enumStrings, ["Disable", "Enable"]);
    assert.equal(motor.field("RBV").writable, false);
    assert.equal(motor.field("DMOV").writable, false);
    assert.throws(() => motor.field("RBV").write([1]), /read-only/);
    assert.throws(() => motor.field("SPMG").write([7]), /has no choice "7"/);
    assert.throws(() => motor.field("NOPE"), RangeError);
  } finally {
    motor.close();
  }
});

Deno.test("TWF and TWR move by TWV and reset; HOMF goes home and sets ATHM", async () => {
  const motor = new MotorRecord("t:m1", { velocity: 50, acceleration: 0 });
  try {
    await motor.field("TWV").write([0.5]);
    await motor.field("TWF").write([1]);
    assert.equal(num(motor, "TWF"), 1);
    await sleep(60);
    assert.equal(num(motor, "RBV"), 0.5);
    assert.equal(num(motor, "TWF"), 0);
    await motor.field("TWR").write([1]);
    await motor.field("TWR").write([1]);
    await sleep(60);
    assert.equal(num(motor, "RBV"), -0.5);
    await motor.field("HOMF").write([1]);
    await sleep(100);
    assert.equal(num(motor, "RBV"), 0);
    assert.equal(num(motor, "ATHM"), 1);
    assert.equal(num(motor, "HOMF"), 0);
  } finally {
    motor.close();
  }
});

Deno.test("close() ends a move's timers and completes its put", async () => {
  const motor = new MotorRecord("t:m1", { velocity: 0.1 });
  const move = motor.field("VAL").write([100]);
  await sleep(30);
  motor.close();
  await move;
  assert.ok(motor.position < 1);
  assert.throws(() => motor.field("VAL").write([1]), /closed/);
});
