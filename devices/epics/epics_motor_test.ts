import assert from "node:assert/strict";
import { FailedStatusError } from "../../core/engine/status.ts";
import { RunEngine, scan } from "../../mod.ts";
import { ConnectionTimeoutError, DisconnectedError } from "../ca/errors.ts";
import { EpicsMotor } from "./epics_motor.ts";
import { withCaprotoIoc } from "../ca/_caproto_ioc.ts";
import { sleep, until } from "../ca/_test_env.ts";
import { BOTH_IOCS, needsIoc as ignore, withIoc } from "./_with_ioc.ts";

const SEED_REPR = "EpicsMotor(prefix='gp:m10', name='motor', settle_time=0.0, timeout=None, " +
  "read_attrs=['user_readback', 'user_setpoint'], configuration_attrs=['user_offset', " +
  "'user_offset_dir', 'velocity', 'acceleration', 'motor_egu'])";

for (const ioc of BOTH_IOCS) {
  Deno.test({
    name:
      `EpicsMotor describes the seed's motor: sources, units, precision and limits (${ioc.label})`,
    ignore: ioc.ignore,
    fn: () =>
      ioc.run(async (transport) => {
        const motor = new EpicsMotor("gp:m10", { name: "motor", transport });
        await motor.waitForConnection();
        assert.equal(motor.repr(), SEED_REPR);
        assert.deepEqual(motor.hints, { fields: ["motor"] });
        const keys = await motor.describe();
        assert.deepEqual(Object.keys(keys), ["motor", "motor_user_setpoint"]);
        for (const [key, field] of [["motor", "RBV"], ["motor_user_setpoint", "VAL"]]) {
          const { source, units, precision, lower_ctrl_limit, upper_ctrl_limit, object_name } =
            keys[key!]!;
          assert.deepEqual(
            { source, units, precision, lower_ctrl_limit, upper_ctrl_limit, object_name },
            {
              source: `PV:gp:m10.${field}`,
              units: "degrees",
              precision: 5,
              lower_ctrl_limit: -32000,
              upper_ctrl_limit: 32000,
              object_name: "motor",
            },
          );
        }
        const config = await motor.readConfiguration();
        assert.deepEqual(Object.keys(config), [
          "motor_user_offset",
          "motor_user_offset_dir",
          "motor_velocity",
          "motor_acceleration",
          "motor_motor_egu",
        ]);
        assert.equal(config.motor_motor_egu!.value, "degrees");
        assert.equal(config.motor_velocity!.value, 1);
        assert.deepEqual(Object.keys(await motor.describeConfiguration()), Object.keys(config));
        await until(
          () => {
            try {
              return motor.egu === "degrees";
            } catch {
              return false;
            }
          },
          2,
          "the monitors",
        );
        assert.deepEqual(motor.limits, [-32000, 32000]);
        assert.equal(motor.position, 0);
      }),
  });
}

for (const ioc of BOTH_IOCS) {
  Deno.test({
    name:
      `EpicsMotor.set() finishes when the move is done, with the readback at the target (${ioc.label})`,
    ignore: ioc.ignore,
    fn: () =>
      ioc.run(async (transport) => {
        const motor = new EpicsMotor("gp:m10", { name: "motor", transport });
        await motor.waitForConnection();
        const started = performance.now();
        const status = motor.set(0.3);
        assert.equal(status.done, false);
        await status.wait();
        // 0.3 degrees at 1 degree/s, plus 0.2 s of acceleration.
        assert.ok(performance.now() - started >= 450, "the move takes its time");
        assert.equal(await motor.motorDoneMove.get(), 1);
        const readings = await motor.read();
        assert.equal(readings.motor!.value, 0.3);
        assert.equal(readings.motor_user_setpoint!.value, 0.3);
        await until(() => motor.position === 0.3, 2, "the monitored readback");
        assert.equal(motor.moving, false);
        await motor.set(0.3).wait(5);
        assert.equal((await motor.read()).motor!.value, 0.3, "a move of no length finishes too");
      }),
  });
}

for (const ioc of BOTH_IOCS) {
  Deno.test({
    name:
      `EpicsMotor.set() beyond the soft limits fails the status with the limits named (${ioc.label})`,
    ignore: ioc.ignore,
    fn: () =>
      ioc.run(async (transport) => {
        const motor = new EpicsMotor("gp:m10", { name: "motor", transport });
        await motor.waitForConnection();
        const status = motor.set(40000);
        await assert.rejects(
          status.wait(5),
          (error: Error) =>
            error instanceof RangeError &&
            error.message.startsWith(
              'Cannot move "motor" to "40000": soft limit violation, limits [-32000, 32000]',
            ) && error.message.includes('PV "gp:m10.LVIO"'),
        );
        assert.equal(await motor.softLimitViolation.get(), 1);
        assert.equal((await motor.read()).motor!.value, 0);
        await motor.set(0.1).wait(5);
        assert.equal(await motor.softLimitViolation.get(), 0);
        assert.equal((await motor.read()).motor!.value, 0.1, "a valid move after it succeeds");
      }),
  });
}

Deno.test({
  name: "EpicsMotor.stop() during a move halts the motor short of its target",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const motor = new EpicsMotor("gp:m10", { name: "motor", transport });
      await motor.waitForConnection();
      const status = motor.set(5);
      await until(() => motor.moving, 2, "the move to start");
      await sleep(300);
      await motor.stop();
      await assert.rejects(status.wait(), FailedStatusError);
      assert.match(status.error!.message, /Move of "motor" to "5" did not finish: stopped at/);
      await until(async () => (await motor.motorDoneMove.get()) === 1, 2, "DMOV back to 1");
      const position = (await motor.read()).motor!.value as number;
      assert.ok(position > 0 && position < 1, `stopped at ${position}`);
      await sleep(200);
      assert.equal((await motor.read()).motor!.value, position, "it stays stopped");
    }),
});

Deno.test({
  name: "EpicsMotor.stop({ success: true }) finishes the move's status with success",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const motor = new EpicsMotor("gp:m10", { name: "motor", transport });
      await motor.waitForConnection();
      const status = motor.set(-5);
      await until(() => motor.moving, 2, "the move to start");
      await motor.stop({ success: true });
      await status.wait();
      assert.ok(status.success);
      assert.equal(await motor.motorStop.get(), 0, "the record resets STOP");
    }),
});

Deno.test({
  name: "EpicsMotor.set() fails with the PV named when the connection is lost during a move",
  ignore,
  fn: () =>
    withCaprotoIoc(async (ioc, transport) => {
      const motor = new EpicsMotor("gp:m10", { name: "motor", transport });
      await motor.waitForConnection();
      const status = motor.set(5);
      await until(() => motor.moving, 2, "the move to start");
      await ioc.kill("SIGKILL");
      await assert.rejects(status.wait(5), DisconnectedError);
      assert.match(status.error!.message, /PV "gp:m10\.(VAL|DMOV)" on 127\.0\.0\.1:\d+: /);
    }),
});

Deno.test({
  name: "EpicsMotor.waitForConnection() lists every PV of a motor that is not served",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const motor = new EpicsMotor("gp:m99", { name: "m99", transport });
      const error = await motor.waitForConnection(0.5).catch((e) => e);
      assert.ok(error instanceof ConnectionTimeoutError);
      assert.equal(error.pvs.length, motor.componentNames.length);
      assert.ok(error.pvs.includes("gp:m99.RBV") && error.pvs.includes("gp:m99.LVIO"));
      assert.match(error.message, /^20 PVs did not connect within 0.5 s: gp:m99.RBV, gp:m99.VAL/);
      assert.throws(() => motor.position, DisconnectedError);
      await assert.rejects(motor.set(1).wait(), ConnectionTimeoutError);
    }),
});

Deno.test({
  name: "EpicsMotor waits its settle time after a move, and refuses a non-finite target",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const motor = new EpicsMotor("gp:m10", { name: "motor", transport, settleTime: 0.3 });
      await motor.waitForConnection();
      assert.match(motor.repr(), /settle_time=0.3, timeout=None/);
      assert.throws(() => motor.set(Number.NaN), TypeError);
      const changes: [number, number][] = [];
      motor.motorDoneMove.subscribe(({ value }) => void changes.push([value, performance.now()]));
      await until(() => changes.length > 0, 2, "the first DMOV monitor");
      await motor.set(0.05).wait();
      const finished = performance.now();
      const moved = changes.findIndex(([value]) => value === 0);
      const back = changes.slice(moved).find(([value]) => value === 1);
      assert.ok(moved > 0 && back, `DMOV went ${changes.map(([v]) => v)}`);
      assert.ok(finished - back[1] >= 250, `settled ${finished - back[1]} ms after DMOV = 1`);
    }),
});

Deno.test("A RunEngine abort during a move stops the EPICS motor: STOP written, motor halted", () =>
  withIoc(async ({ ioc }, transport) => {
    const motor = new EpicsMotor("gp:m10", { name: "motor", transport });
    await motor.waitForConnection();
    const RE = new RunEngine();
    const running = RE.run(scan([], [[motor, 0, 5]], { num: 2 }));
    const record = ioc.records.motors.get(10)!;
    await until(() => record.moving, 5, "the move to 5");
    await sleep(300);
    RE.abort("Interrupted by the test");
    const result = await running;
    assert.equal(result.exitStatus, "abort");
    await until(() => !record.moving, 2, "the motor to halt");
    const position = (await motor.read()).motor!.value as number;
    assert.ok(position > 0 && position < 2, `halted at ${position}, short of 5`);
    assert.equal(await motor.motorDoneMove.get(), 1);
  }));
