/**
 * The seed's session, line by line, against the seed's IOC (caproto's): connect the motor, the
 * calc and the sensor, set the calc up as a random number generator, scan the sensor against
 * the motor, and write the NeXus file.
 */

import assert from "node:assert/strict";
import { createNXWriter, RunEngine, scan } from "../../mod.ts";
import type { Event as EventDocument, RunStart } from "../../core/documents/types.ts";
import { checkNexusFile, ignoreWithoutH5py, resolvePath } from "../../tests/_interop.ts";
import { EpicsMotor, EpicsSignalRO, setupRandomNumberSwait, SwaitRecord } from "../mod.ts";
import { BOTH_IOCS } from "./_with_ioc.ts";
import type { CAClient } from "../ca/client.ts";

async function seedDevices(transport: CAClient) {
  const IOC = "gp:";
  const motor = new EpicsMotor(`${IOC}m10`, { name: "motor", transport });
  const calc10 = new SwaitRecord(`${IOC}userCalc10`, { name: "calc10", transport });
  const sensor = new EpicsSignalRO(calc10.calculatedValue.pvname, { name: "sensor", transport });
  await motor.waitForConnection();
  await sensor.waitForConnection();
  await calc10.waitForConnection();
  await setupRandomNumberSwait(calc10);
  return { motor, calc10, sensor };
}

for (const server of BOTH_IOCS) {
  Deno.test({
    name:
      `The seed's scan reads the sensor at the motor's five positions, with IOC timestamps (${server.label})`,
    ignore: server.ignore,
    fn: () =>
      server.run(async (transport) => {
        const { motor, sensor } = await seedDevices(transport);
        const RE = new RunEngine();
        let start: RunStart | undefined;
        const events: EventDocument[] = [];
        const keys: Record<string, Record<string, unknown>> = {};
        RE.subscribe("start", (_name, doc) => void (start = doc));
        RE.subscribe("descriptor", (_name, doc) => void Object.assign(keys, doc.data_keys));
        RE.subscribe("event", (_name, doc) => void events.push(doc));
        const before = Date.now() / 1000;
        const result = await RE.run(scan([sensor], [[motor, -0.5, 0.5]], { num: 5 }));
        assert.equal(result.exitStatus, "success");
        assert.deepEqual(events.map((e) => e.data.motor), [-0.5, -0.25, 0, 0.25, 0.5]);
        assert.deepEqual(events.map((e) => e.data.motor_user_setpoint), [
          -0.5,
          -0.25,
          0,
          0.25,
          0.5,
        ]);
        for (const event of events) {
          const value = event.data.sensor as number;
          assert.ok(value >= 0 && value < 1, `sensor ${value} in [0, 1)`);
          const stamp = event.timestamps.sensor!;
          assert.ok(
            stamp > before - 1 && stamp <= event.time + 0.01,
            "an IOC timestamp of the run",
          );
        }
        assert.equal(new Set(events.map((e) => e.timestamps.sensor)).size, 5);
        assert.equal(keys.motor?.source, "PV:gp:m10.RBV");
        assert.equal(keys.motor_user_setpoint?.source, "PV:gp:m10.VAL");
        assert.equal(keys.sensor?.source, "PV:gp:userCalc10.VAL");
        const args = start!.plan_args as { args: string[]; detectors: string[] };
        assert.equal(
          args.args[0],
          "EpicsMotor(prefix='gp:m10', name='motor', settle_time=0.0, timeout=None, " +
            "read_attrs=['user_readback', 'user_setpoint'], configuration_attrs=['user_offset', " +
            "'user_offset_dir', 'velocity', 'acceleration', 'motor_egu'])",
        );
        assert.match(
          args.detectors[0]!,
          /^EpicsSignalRO\(read_pv='gp:userCalc10.VAL', name='sensor', (value=\S+, )?timestamp=\d+\.\d+, auto_monitor=False, string=False\)$/,
        );
        assert.deepEqual(start!.hints, { dimensions: [[["motor"], "primary"]] });
      }),
  });

  Deno.test({
    name:
      `The seed's scan writes the PV metadata into the NeXus file as apstools does (${server.label})`,
    ignore: server.ignore || ignoreWithoutH5py(),
    fn: () =>
      server.run(async (transport) => {
        const { motor, sensor } = await seedDevices(transport);
        const dir = await Deno.makeTempDir();
        try {
          const writer = createNXWriter({ filePath: dir, fileName: "nxwriter.h5" });
          const RE = new RunEngine();
          RE.subscribe("all", writer.receiver);
          await RE.run(scan([sensor], [[motor, -0.5, 0.5]], { num: 5 }));
          const summary = await checkNexusFile(await writer.wait());
          const stream = "/entry/instrument/bluesky/streams/primary";
          const attrs = (path: string) =>
            Object.fromEntries(
              Object.entries(resolvePath(summary, path)?.attrs ?? {}).map(([k, a]) => [k, a.value]),
            );
          const motorValue = attrs(`${stream}/motor/value`);
          assert.deepEqual(
            {
              source: motorValue.source,
              units: motorValue.units,
              precision: motorValue.precision,
              lower: motorValue.lower_ctrl_limit,
              upper: motorValue.upper_ctrl_limit,
            },
            {
              source: "PV:gp:m10.RBV",
              units: "degrees",
              precision: 5,
              lower: -32000,
              upper: 32000,
            },
          );
          assert.equal(attrs(`${stream}/motor_user_setpoint/value`).source, "PV:gp:m10.VAL");
          const sensorValue = attrs(`${stream}/sensor/value`);
          assert.deepEqual(
            {
              source: sensorValue.source,
              units: sensorValue.units,
              precision: sensorValue.precision,
              lower: sensorValue.lower_ctrl_limit,
              upper: sensorValue.upper_ctrl_limit,
            },
            { source: "PV:gp:userCalc10.VAL", units: "", precision: 5, lower: 0, upper: 0 },
          );
          assert.deepEqual(resolvePath(summary, `${stream}/motor/value`)?.value, [
            -0.5,
            -0.25,
            0,
            0.25,
            0.5,
          ]);
          const planArgs = String(
            resolvePath(summary, "/entry/instrument/bluesky/metadata/plan_args")?.value,
          );
          assert.match(planArgs, /EpicsMotor\(prefix='gp:m10', name='motor', settle_time=0.0/);
          assert.match(planArgs, /EpicsSignalRO\(read_pv='gp:userCalc10.VAL', name='sensor'/);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      }),
  });
}
