import assert from "node:assert/strict";
import { startCaprotoIoc, withCaprotoIoc } from "../ca/_caproto_ioc.ts";
import { ConnectionTimeoutError } from "../ca/errors.ts";
import { pyRepr } from "../_repr.ts";
import { EpicsSignal, EpicsSignalRO } from "./epics_signal.ts";
import { sleep, until } from "../ca/_test_env.ts";
import { needsIoc as ignore, withIoc } from "./_with_ioc.ts";

Deno.test({
  name: "EpicsSignalRO.describe() reports the seed sensor's source, units, precision and limits",
  ignore,
  fn: () =>
    withCaprotoIoc(async (_ioc, transport) => {
      const sensor = new EpicsSignalRO("gp:userCalc10.VAL", { name: "sensor", transport });
      await sensor.waitForConnection();
      const key = (await sensor.describe()).sensor!;
      assert.equal(key.source, "PV:gp:userCalc10.VAL");
      assert.equal(key.dtype, "number");
      assert.deepEqual(key.shape, []);
      assert.equal(key.units, "");
      assert.equal(key.precision, 5);
      assert.equal(key.lower_ctrl_limit, 0);
      assert.equal(key.upper_ctrl_limit, 0);
      assert.equal(key.object_name, "sensor");
      assert.deepEqual(sensor.hints, { fields: ["sensor"] });
    }),
});

Deno.test({
  name: "EpicsSignalRO.read() carries the IOC's timestamp and alarm severity, not the local time",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const scan = new EpicsSignal("gp:userCalc10.SCAN", { name: "scan", transport });
      const sensor = new EpicsSignalRO("gp:userCalc10.VAL", { name: "sensor", transport });
      const before = Date.now() / 1000;
      await scan.set("Passive").wait();
      const first = (await sensor.read()).sensor!;
      await sleep(150);
      const second = (await sensor.read()).sensor!;
      // A passive record does not process: the IOC keeps the time it last did.
      assert.equal(second.timestamp, first.timestamp);
      assert.equal(second.value, first.value);
      assert.equal(first.alarm_severity, 0);
      assert.ok(first.timestamp <= Date.now() / 1000 && first.timestamp > before - 60);
      await scan.set(".1 second").wait();
      await sleep(250);
      const third = (await sensor.read()).sensor!;
      assert.ok(third.timestamp > first.timestamp, "the record processes again at 10 Hz");
      assert.ok(typeof third.value === "number" && third.value >= 0 && third.value < 1);
    }),
});

Deno.test({
  name: "subscribe() posts the 10 Hz updates, and autoMonitor reads return the monitored value",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const sensor = new EpicsSignalRO<number>("gp:userCalc10.VAL", {
        name: "sensor",
        autoMonitor: true,
        transport,
      });
      const stamps: number[] = [];
      const unsubscribe = sensor.subscribe(({ timestamp }) => void stamps.push(timestamp));
      await until(() => stamps.length >= 5, 5, "five updates");
      unsubscribe();
      const gaps = stamps.slice(1).map((t, i) => t - stamps[i]!);
      assert.ok(gaps.slice(1).every((gap) => gap > 0.05 && gap < 0.3), `gaps ${gaps}`);
      const reading = (await sensor.read()).sensor!;
      assert.equal(reading.timestamp, sensor.timestamp);
      assert.match(
        sensor.repr(),
        /name='sensor', value=0\.\d+, timestamp=\d+\.\d+, auto_monitor=True/,
      );
    }),
});

Deno.test({
  name: "EpicsSignal.set() finishes once the IOC has processed the write; put() only sends it",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const calc = new EpicsSignal<string>("gp:userCalc10.CALC", {
        name: "calc",
        kind: "config",
        transport,
      });
      const status = calc.set("A+B");
      await status.wait();
      assert.ok(status.success);
      assert.equal(await calc.get(), "A+B");
      await calc.put("RNDM");
      await until(async () => (await calc.get()) === "RNDM", 2, "CALC to be RNDM");
      assert.deepEqual(calc.hints, { fields: [] });
      assert.match(calc.repr(), /^EpicsSignal\(read_pv='gp:userCalc10.CALC', name='calc', /);
      assert.match(
        calc.repr(),
        /write_pv='gp:userCalc10.CALC', limits=False, put_complete=True\)$/,
      );
    }),
});

Deno.test({
  name: "string: true reads an enum as its state and describes it with its choices",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const scan = new EpicsSignal("gp:userCalc10.SCAN", { name: "scan", string: true, transport });
      const index = new EpicsSignalRO("gp:userCalc10.SCAN", { name: "index", transport });
      assert.equal(await scan.get(), ".1 second");
      assert.equal(typeof await index.get(), "number");
      const key = (await scan.describe()).scan!;
      assert.equal(key.dtype, "string");
      assert.ok(key.choices?.includes("Passive") && key.choices.includes(".1 second"));
      assert.equal((await index.describe()).index!.dtype, "integer");
      const seen: unknown[] = [];
      scan.subscribe(({ value }) => void seen.push(value));
      await until(() => seen.length > 0, 2, "the first monitor");
      assert.equal(seen[0], ".1 second");
    }),
});

Deno.test({
  name: "limits: true refuses a value beyond the write PV's control limits before writing",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const setpoint = new EpicsSignal<number>("gp:m10.VAL", {
        name: "setpoint",
        limits: true,
        transport,
      });
      const status = setpoint.set(40000);
      await assert.rejects(
        status.wait(),
        (error: Error) =>
          error instanceof RangeError &&
          /"40000" to "setpoint": outside the limits \[-32000, 32000\] of PV "gp:m10.VAL"/.test(
            error.message,
          ),
      );
      await assert.rejects(setpoint.put(-40000), RangeError);
      assert.equal(await setpoint.get(), 0);
    }),
});

Deno.test({
  name: "waitForConnection() names the PV that is not served, and reads fail after it",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const signal = new EpicsSignal("gp:userCalc10.VAL", {
        name: "odd",
        writePv: "gp:nothing:here",
        transport,
        timeout: 0.5,
      });
      const error = await signal.waitForConnection(0.5).catch((e) => e);
      assert.ok(error instanceof ConnectionTimeoutError);
      assert.deepEqual(error.pvs, ["gp:nothing:here"]);
      assert.match(error.message, /PV "gp:nothing:here" did not connect within 0.5 s/);
      await assert.rejects(signal.read(), ConnectionTimeoutError);
      assert.equal(signal.connected, false);
    }),
});

Deno.test({
  name: "describe() keeps the metadata of a connection and asks again after a reconnection",
  ignore,
  fn: () =>
    withCaprotoIoc(async (ioc, transport) => {
      const sensor = new EpicsSignalRO("gp:userCalc10.VAL", { name: "sensor", transport });
      const prec = new EpicsSignal<number>("gp:userCalc10.PREC", { name: "prec", transport });
      assert.equal((await sensor.describe()).sensor!.precision, 5);
      await prec.set(2).wait();
      assert.equal((await sensor.describe()).sensor!.precision, 5, "cached");
      await ioc.stop();
      await until(() => !sensor.connected, 5, "the disconnection");
      const again = await startCaprotoIoc({ port: ioc.port, repeaterPort: ioc.repeaterPort });
      try {
        await sensor.waitForConnection(15);
        await prec.waitForConnection(15);
        await prec.set(3).wait();
        assert.equal((await sensor.describe()).sensor!.precision, 3, "asked again");
      } finally {
        await again.stop();
      }
    }),
});

Deno.test({
  name: "EpicsSignalRO refuses set() and put(), and shows a value in repr() once read",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const sensor = new EpicsSignalRO("gp:userCalc10.VAL", { name: "sensor", transport });
      assert.throws(() => sensor.set(1), TypeError);
      assert.throws(() => sensor.put(1), TypeError);
      assert.doesNotMatch(sensor.repr(), /value=/);
      const { value } = (await sensor.read()).sensor!;
      assert.ok(sensor.repr().includes(`value=${pyRepr(value)}, `), sensor.repr());
      assert.throws(() => new EpicsSignalRO("", { name: "x", transport }), TypeError);
      assert.throws(() => new EpicsSignalRO("gp:x", { name: "", transport }), TypeError);
    }),
});

Deno.test("EpicsSignal.set() writes its write PV and finishes when the IOC has done with it", () =>
  withIoc(async (_ioc, transport) => {
    // The motor's readback read, its setpoint written: the put completes when the move is done.
    const position = new EpicsSignal<number>("gp:m10.RBV", {
      name: "position",
      writePv: "gp:m10.VAL",
      transport,
    });
    await position.waitForConnection();
    const started = performance.now();
    const status = position.set(0.4);
    assert.equal(status.done, false);
    await status.wait(10);
    // 0.4 degrees at 1 degree/s and 0.2 s of acceleration: 0.6 s.
    assert.ok(performance.now() - started >= 550, "set() waited for the move");
    assert.equal((await position.read()).position!.value, 0.4);
    assert.equal((await position.describe()).position!.source, "PV:gp:m10.RBV");
  }));
