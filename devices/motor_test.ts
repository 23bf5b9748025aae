import assert from "node:assert/strict";
import { isMovable, isReadable, isStoppable } from "../core/engine/protocols.ts";
import { FailedStatusError } from "../core/engine/status.ts";
import { SimMotor } from "./motor.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("SimMotor reads its readback as <name> and its setpoint as <name>_user_setpoint", () => {
  const motor = new SimMotor({ position: 1.5, clock: () => 10 });
  assert.deepEqual(motor.read(), {
    motor: { value: 1.5, timestamp: 10 },
    motor_user_setpoint: { value: 1.5, timestamp: 10 },
  });
  assert.equal(motor.position, 1.5);
  assert.ok(isReadable(motor) && isMovable(motor) && isStoppable(motor));
});

Deno.test("SimMotor.describe() gives units, precision, sources and limits like EPICS", () => {
  const keys = new SimMotor({ name: "m1", lowLimit: -5, highLimit: 5 }).describe();
  assert.deepEqual(Object.keys(keys), ["m1", "m1_user_setpoint"]);
  assert.deepEqual(keys.m1, {
    source: "SIM:m1.RBV",
    dtype: "number",
    dtype_numpy: "<f8",
    shape: [],
    units: "degrees",
    lower_ctrl_limit: -5,
    upper_ctrl_limit: 5,
    precision: 5,
    limits: { control: { low: -5, high: 5 }, display: { low: -5, high: 5 } },
    object_name: "m1",
  });
  assert.equal(keys.m1_user_setpoint?.source, "SIM:m1.VAL");
  assert.equal(keys.m1_user_setpoint?.object_name, "m1");
});

Deno.test("SimMotor defaults match the seed's motor: degrees, precision 5, limits ±32000", () => {
  const key = new SimMotor().describe().motor!;
  assert.equal(key.units, "degrees");
  assert.equal(key.precision, 5);
  assert.equal(key.lower_ctrl_limit, -32000);
  assert.equal(key.upper_ctrl_limit, 32000);
});

Deno.test("SimMotor configuration holds offset, direction, speed, acceleration and units", () => {
  const motor = new SimMotor({ velocity: 2, acceleration: 0.1, units: "mm", clock: () => 3 });
  assert.deepEqual(motor.readConfiguration(), {
    motor_user_offset: { value: 0, timestamp: 3 },
    motor_user_offset_dir: { value: 0, timestamp: 3 },
    motor_velocity: { value: 2, timestamp: 3 },
    motor_acceleration: { value: 0.1, timestamp: 3 },
    motor_motor_egu: { value: "mm", timestamp: 3 },
  });
  const keys = motor.describeConfiguration();
  assert.equal(keys.motor_user_offset_dir?.dtype, "integer");
  assert.equal(keys.motor_motor_egu?.dtype, "string");
  assert.equal(keys.motor_velocity?.units, "mm/s");
  assert.equal(keys.motor_velocity?.source, "SIM:motor.VELO");
  assert.equal(motor.egu, "mm");
});

Deno.test("SimMotor hints its readback only, and kinds follow EpicsMotor", () => {
  const motor = new SimMotor();
  assert.deepEqual(motor.hints, { fields: ["motor"] });
  assert.equal(motor.userReadback.kind, "hinted");
  assert.equal(motor.userSetpoint.kind, "normal");
  assert.equal(motor.velocity.kind, "config");
});

Deno.test("SimMotor.repr() matches ophyd's EpicsMotor", () => {
  assert.equal(
    new SimMotor().repr(),
    "SimMotor(prefix='sim:motor', name='motor', settle_time=0.0, timeout=None, " +
      "read_attrs=['user_readback', 'user_setpoint'], configuration_attrs=['user_offset', " +
      "'user_offset_dir', 'velocity', 'acceleration', 'motor_egu'])",
  );
});

Deno.test("SimMotor.set() finishes after |delta| / velocity + acceleration seconds", async () => {
  const motor = new SimMotor({ velocity: 10, acceleration: 0.05 });
  const started = performance.now();
  const status = motor.set(-1);
  assert.equal(status.done, false);
  assert.equal(motor.moving, true);
  assert.equal(motor.userSetpoint.get(), -1);
  await status.wait();
  const elapsed = (performance.now() - started) / 1000;
  assert.ok(elapsed >= 0.145 && elapsed < 0.6, `took ${elapsed} s, expected 0.15 s`);
  assert.equal(status.success, true);
  assert.equal(motor.position, -1);
  assert.equal(motor.moving, false);
});

Deno.test("SimMotor readback moves from start towards target during a move", async () => {
  let now = 0;
  const motor = new SimMotor({ velocity: 1, acceleration: 0, clock: () => now });
  const status = motor.set(1);
  await sleep(60);
  now = 42;
  const first = motor.read().motor!;
  await sleep(60);
  const second = motor.position;
  assert.ok(first.value as number > 0 && (first.value as number) < second, `${first.value}`);
  assert.ok(second < 1);
  assert.equal(first.timestamp, 42);
  motor.stop({ success: true });
  await status.wait();
});

Deno.test("SimMotor.stop() halts a move where the motor is and fails its status", async () => {
  const motor = new SimMotor({ velocity: 2, acceleration: 0 });
  const status = motor.set(1);
  await sleep(100);
  motor.stop();
  const stoppedAt = motor.position;
  assert.ok(stoppedAt > 0.05 && stoppedAt < 0.9, `stopped at ${stoppedAt}`);
  assert.equal(motor.moving, false);
  assert.equal(motor.userSetpoint.get(), stoppedAt);
  assert.equal(status.done, true);
  assert.equal(status.success, false);
  await assert.rejects(status.wait(), FailedStatusError);
  await sleep(30);
  assert.equal(motor.position, stoppedAt);
});

Deno.test("SimMotor.stop({ success: true }) finishes its status with success", async () => {
  const motor = new SimMotor({ velocity: 1, acceleration: 0 });
  const status = motor.set(5);
  motor.stop({ success: true });
  assert.equal(status.success, true);
  await status.wait();
  assert.ok(motor.position < 0.5);
});

Deno.test("SimMotor.stop() at rest does nothing", () => {
  const motor = new SimMotor({ position: 2 });
  motor.stop();
  assert.equal(motor.position, 2);
});

Deno.test("SimMotor.set() refuses a target outside its soft limits", () => {
  const motor = new SimMotor({ name: "m1", lowLimit: -1, highLimit: 1, instant: true });
  assert.throws(() => motor.set(2), {
    name: "RangeError",
    message: 'Cannot move "m1" to "2": outside its soft limits [-1, 1]',
  });
  assert.throws(() => motor.userSetpoint.put(-3), RangeError);
  assert.equal(motor.position, 0);
  assert.equal(motor.userSetpoint.get(), 0);
  assert.deepEqual(motor.limits, [-1, 1]);
});

Deno.test("SimMotor with equal soft limits has no limits, as EPICS", () => {
  const motor = new SimMotor({ lowLimit: 0, highLimit: 0, instant: true });
  motor.set(1e6);
  assert.equal(motor.position, 1e6);
});

Deno.test("SimMotor.set() refuses a non-finite target with a TypeError", () => {
  const motor = new SimMotor({ instant: true });
  assert.throws(() => motor.set(NaN), {
    name: "TypeError",
    message: /Cannot move "motor" to "NaN"/,
  });
  assert.throws(() => motor.set(Infinity), TypeError);
  assert.throws(() => motor.set("1" as unknown as number), TypeError);
  assert.equal(motor.position, 0);
});

Deno.test("An instant SimMotor finishes set() synchronously", () => {
  const motor = new SimMotor({ instant: true, velocity: 0.001, clock: () => 8 });
  const status = motor.set(1000);
  assert.equal(status.done, true);
  assert.equal(status.success, true);
  assert.equal(motor.moving, false);
  assert.deepEqual(motor.read(), {
    motor: { value: 1000, timestamp: 8 },
    motor_user_setpoint: { value: 1000, timestamp: 8 },
  });
});

Deno.test("A SimMotor move of zero distance finishes at once", () => {
  const motor = new SimMotor({ position: 3, velocity: 1, acceleration: 1 });
  assert.equal(motor.set(3).done, true);
});

Deno.test("SimMotor.set() during a move retargets it and both statuses finish", async () => {
  const motor = new SimMotor({ velocity: 2, acceleration: 0 });
  const first = motor.set(1);
  await sleep(30);
  const second = motor.set(-0.2);
  assert.equal(first.done, false);
  await second.wait();
  assert.equal(first.success, true);
  assert.equal(motor.position, -0.2);
});

Deno.test("Putting to the setpoint moves the motor, as writing .VAL", async () => {
  const motor = new SimMotor({ velocity: 20, acceleration: 0 });
  motor.userSetpoint.put(0.5);
  assert.equal(motor.moving, true);
  await motor.userSetpoint.set(0.6).wait();
  assert.equal(motor.position, 0.6);
});

Deno.test("SimMotor velocity written between moves sets the speed of the next one", async () => {
  const motor = new SimMotor({ velocity: 0.01, acceleration: 0 });
  motor.velocity.put(20);
  const started = performance.now();
  await motor.set(1).wait();
  assert.ok(performance.now() - started < 1000);
  motor.velocity.put(0);
  assert.throws(() => motor.set(0), /velocity "0" must be finite and > 0/);
  assert.equal(motor.position, 1);
});

Deno.test("SimMotor refuses a bad velocity, acceleration, position or limits", () => {
  assert.throws(() => new SimMotor({ velocity: 0 }), RangeError);
  assert.throws(() => new SimMotor({ acceleration: -1 }), RangeError);
  assert.throws(() => new SimMotor({ position: NaN }), TypeError);
  assert.throws(() => new SimMotor({ lowLimit: 1, highLimit: -1 }), RangeError);
});
