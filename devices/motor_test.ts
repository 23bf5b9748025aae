import assert from "node:assert/strict";
import { isMovable, isReadable, isStoppable } from "../core/engine/protocols.ts";
import { FailedStatusError } from "../core/engine/status.ts";
import { SimMotor } from "./motor.ts";
import type { Clock } from "./signal.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The motor's clock on the time base its moves run on, so that each reading's timestamp says
 * when the motor was where the reading says: timings are asserted on readings, never on how
 * long the test happened to take.
 */
const moveClock: Clock = () => performance.now() / 1000;

/** Run `act` between two looks at {@linkcode moveClock}: it happened within that interval. */
function within<T>(act: () => T): { result: T; interval: [number, number] } {
  const before = moveClock();
  const result = act();
  return { result, interval: [before, moveClock()] };
}

/**
 * The distance a move may have covered at a reading, when the move started within `start`
 * and the reading was taken within `read`: a machine that pauses the test between two looks
 * at the clock widens the range, and never fails the test.
 */
function covered(
  profile: (t: number) => number,
  start: [number, number],
  read: [number, number],
): [number, number] {
  return [profile(read[0] - start[1]) - 1e-9, profile(read[1] - start[0]) + 1e-9];
}

/**
 * Where a trapezoidal move of `distance` is `t` seconds after its start: the speed ramps up to
 * `velocity` over `acceleration` seconds, holds, and ramps down over as long at the end.
 */
function trapezoid(t: number, distance: number, velocity: number, acceleration: number): number {
  const duration = distance / velocity + acceleration;
  if (t >= duration) return distance;
  if (t <= 0) return 0;
  const rate = velocity / acceleration;
  if (t < acceleration) return 0.5 * rate * t * t;
  if (t > duration - acceleration) return distance - 0.5 * rate * (duration - t) ** 2;
  return velocity * (t - acceleration / 2);
}

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
  const motor = new SimMotor({ velocity: 10, acceleration: 0.05, clock: moveClock });
  const { result: status, interval: start } = within(() => motor.set(-1));
  assert.equal(status.done, false);
  assert.equal(motor.moving, true);
  const setpoint = motor.read().motor_user_setpoint!;
  assert.equal(setpoint.value, -1);
  // Every reading during the move is where a 0.15 s trapezoid puts the motor at its time.
  let readings = 0;
  while (motor.moving) {
    const { result, interval } = within(() => motor.read().motor!);
    const { value, timestamp } = result;
    assert.ok(timestamp >= interval[0] && timestamp <= interval[1], `stamped ${timestamp}`);
    const [low, high] = covered((t) => trapezoid(t, 1, 10, 0.05), start, interval);
    const distance = -(value as number);
    assert.ok(distance >= low && distance <= high, `at ${value}, not between ${-low} and ${-high}`);
    readings++;
    await sleep(10);
  }
  await status.wait();
  assert.ok(readings > 0);
  const arrival = motor.read().motor!;
  const took = arrival.timestamp - setpoint.timestamp;
  // Timers may round a fraction of a millisecond down; they never fire much early.
  assert.ok(took >= 0.149, `arrived after ${took} s of the motor's clock, expected 0.15 s`);
  assert.equal(status.success, true);
  assert.equal(arrival.value, -1);
  assert.equal(motor.position, -1);
  assert.equal(motor.moving, false);
});

Deno.test("SimMotor readback moves from start towards target during a move", async () => {
  let now = 0;
  const motor = new SimMotor({ velocity: 1, acceleration: 0, clock: () => now });
  // A move far longer than the test, so that it is still under way however slow the machine.
  const status = motor.set(1000);
  await sleep(60);
  now = 42;
  const first = motor.read().motor!;
  await sleep(60);
  const second = motor.position;
  assert.ok(first.value as number > 0 && (first.value as number) < second, `${first.value}`);
  assert.ok(second < 1000);
  assert.equal(first.timestamp, 42);
  motor.stop({ success: true });
  await status.wait();
});

Deno.test("SimMotor.stop() halts a move where the motor is and fails its status", async () => {
  const motor = new SimMotor({ velocity: 2, acceleration: 0, clock: moveClock });
  const { result: status, interval: start } = within(() => motor.set(1000));
  await sleep(100);
  const { interval: stop } = within(() => motor.stop());
  const { value, timestamp } = motor.read().motor!;
  assert.ok(timestamp >= stop[0] && timestamp <= stop[1], `stamped ${timestamp}`);
  const stoppedAt = value as number;
  const [low, high] = covered((t) => 2 * t, start, stop);
  assert.ok(stoppedAt > 0 && stoppedAt < 1000, `stopped at ${stoppedAt}`);
  assert.ok(
    stoppedAt >= low && stoppedAt <= high,
    `stopped at ${stoppedAt}, not in [${low}, ${high}]`,
  );
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
  const first = motor.set(1000);
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
  const motor = new SimMotor({ velocity: 0.01, acceleration: 0, clock: moveClock });
  motor.velocity.put(20);
  const { interval: start } = within(() => motor.set(1000));
  await sleep(20);
  const { interval: stop } = within(() => motor.stop({ success: true }));
  const value = motor.read().motor!.value as number;
  const [low, high] = covered((t) => 20 * t, start, stop);
  assert.ok(value >= low && value <= high, `moved to ${value}: not at 20 degrees/s`);
  motor.velocity.put(0);
  assert.throws(() => motor.set(0), /velocity "0" must be finite and > 0/);
  assert.equal(motor.position, value);
});

Deno.test("SimMotor refuses a bad velocity, acceleration, position or limits", () => {
  assert.throws(() => new SimMotor({ velocity: 0 }), RangeError);
  assert.throws(() => new SimMotor({ acceleration: -1 }), RangeError);
  assert.throws(() => new SimMotor({ position: NaN }), TypeError);
  assert.throws(() => new SimMotor({ lowLimit: 1, highLimit: -1 }), RangeError);
});
