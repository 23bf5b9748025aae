import assert from "node:assert/strict";
import { Device } from "./device.ts";
import { Signal } from "./signal.ts";

function stage(): Device {
  const device = new Device("stage", { prefix: "sim:stage:" });
  device.add("x", (name) => new Signal({ name, value: 1, kind: "hinted", timestamp: 1 }));
  device.add("y", (name) => new Signal({ name, value: 2, kind: "normal", timestamp: 1 }));
  device.add("speed", (name) => new Signal({ name, value: 3, kind: "config", timestamp: 1 }));
  device.add("secret", (name) => new Signal({ name, value: 4, kind: "omitted", timestamp: 1 }));
  return device;
}

Deno.test("Device reads hinted and normal components and configures config ones", () => {
  const device = stage();
  assert.deepEqual(device.read(), {
    stage_x: { value: 1, timestamp: 1 },
    stage_y: { value: 2, timestamp: 1 },
  });
  assert.deepEqual(Object.keys(device.describe()), ["stage_x", "stage_y"]);
  assert.deepEqual(device.readConfiguration(), { stage_speed: { value: 3, timestamp: 1 } });
  assert.deepEqual(Object.keys(device.describeConfiguration()), ["stage_speed"]);
  assert.deepEqual(device.hints, { fields: ["stage_x"] });
  assert.deepEqual(device.readAttrs, ["x", "y"]);
  assert.deepEqual(device.configurationAttrs, ["speed"]);
});

Deno.test("Device components describe the device as their object and know their parent", () => {
  const device = stage();
  assert.equal(device.describe().stage_y?.object_name, "stage");
  assert.equal(device.describeConfiguration().stage_speed?.object_name, "stage");
  assert.equal(device.component("y")?.parent, device);
  assert.equal(device.component("nothing"), undefined);
});

Deno.test("Device.add() refuses a second component with the same attribute", () => {
  const device = stage();
  assert.throws(
    () => device.add("x", (name) => new Signal({ name, value: 0 })),
    /Cannot add "x" to device "stage"/,
  );
});

Deno.test("Device.stage() and unstage() report the device and track its state", () => {
  const device = stage();
  assert.deepEqual(device.stage(), [device]);
  assert.equal(device.staged, true);
  assert.deepEqual(device.unstage(), [device]);
  assert.equal(device.staged, false);
});

Deno.test("Device.repr() lists its read and configuration attributes as ophyd does", () => {
  assert.equal(
    stage().repr(),
    "Device(prefix='sim:stage:', name='stage', read_attrs=['x', 'y'], " +
      "configuration_attrs=['speed'])",
  );
});
