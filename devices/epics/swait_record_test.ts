import assert from "node:assert/strict";
import { EpicsSignalRO } from "./epics_signal.ts";
import { setupRandomNumberSwait, SWAIT_CHANNEL_LETTERS, SwaitRecord } from "./swait_record.ts";
import { sleep, until } from "../ca/_test_env.ts";
import { withIoc } from "./_with_ioc.ts";

Deno.test({
  name: "SwaitRecord has apstools' components, names and PVs, and connects to all of them",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const calc10 = new SwaitRecord("gp:userCalc10", { name: "calc10", transport });
      await calc10.waitForConnection(5);
      assert.equal(calc10.calculatedValue.name, "calc10_calculated_value");
      assert.equal(calc10.calculatedValue.pvname, "gp:userCalc10.VAL");
      assert.equal(calc10.processRecord.pvname, "gp:userCalc10.PROC");
      assert.equal(calc10.channels.C.inputValue.pvname, "gp:userCalc10.C");
      assert.equal(calc10.channels.C.inputPv.pvname, "gp:userCalc10.INCN");
      assert.equal(calc10.channels.C.inputTrigger.name, "calc10_channels_C_input_trigger");
      assert.deepEqual(calc10.readAttrs, ["calculated_value"]);
      assert.deepEqual(Object.keys(await calc10.read()), ["calc10_calculated_value"]);
      const attrs = calc10.configurationAttrs;
      for (const attr of ["description", "scanning_rate", "precision", "calculation"]) {
        assert.ok(attrs.includes(attr), attr);
      }
      assert.ok(!attrs.includes("process_record"), "omitted");
      assert.ok(attrs.includes("channels.L.input_trigger"));
      const config = await calc10.readConfiguration();
      assert.equal(Object.keys(config).length, attrs.length);
      assert.equal(typeof config.calc10_channels_A_input_value?.value, "number");
      assert.equal(calc10.pvChannels().length, 27 + 3 * SWAIT_CHANNEL_LETTERS.length);
    }),
});

Deno.test({
  name: "setupRandomNumberSwait() leaves the record as apstools' setup_random_number_swait does",
  fn: () =>
    withIoc(async (_ioc, transport) => {
      const calc10 = new SwaitRecord("gp:userCalc10", { name: "calc10", transport });
      await calc10.waitForConnection(5);
      // Undo the IOC's own setup first, so that every write shows.
      await calc10.scanningRate.set("Passive").wait();
      await calc10.calculation.set("A+1").wait();
      await calc10.description.set("something else").wait();
      await calc10.precision.set(2).wait();
      await calc10.channels.A.inputValue.set(3).wait();
      await calc10.channels.B.inputPv.set("gp:m10.RBV").wait();
      await calc10.channels.C.inputTrigger.set("No").wait();

      await setupRandomNumberSwait(calc10);
      const scan = new EpicsSignalRO("gp:userCalc10.SCAN", {
        name: "scan",
        string: true,
        transport,
      });
      const trigger = new EpicsSignalRO("gp:userCalc10.INCP", {
        name: "trigger",
        string: true,
        transport,
      });
      assert.equal(await calc10.description.get(), "uniform random numbers");
      assert.equal(await calc10.calculation.get(), "RNDM");
      assert.equal(await scan.get(), ".1 second");
      assert.equal(await calc10.precision.get(), 5);
      assert.equal(await calc10.channels.A.inputValue.get(), 0);
      assert.equal(await calc10.channels.B.inputPv.get(), "");
      assert.equal(await trigger.get(), "Yes");
      const values = new Set<number>();
      await until(
        async () => {
          const value = await calc10.value();
          assert.ok(value >= 0 && value < 1, `${value} in [0, 1)`);
          values.add(value);
          await sleep(50);
          return values.size >= 3;
        },
        3,
        "three random numbers",
      );
    }),
});
