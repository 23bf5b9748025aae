import assert from "node:assert/strict";
import { Device, pyRepr, Signal, SignalRO } from "./signal.ts";

Deno.test("Signal.read() returns its value and timestamp under its name", () => {
  const signal = new Signal({ name: "gain", value: 3.5, timestamp: 12 });
  assert.deepEqual(signal.read(), { gain: { value: 3.5, timestamp: 12 } });
  assert.equal(signal.get(), 3.5);
});

Deno.test("Signal.describe() infers the dtype, shape and numpy dtype of its value", () => {
  const keyOf = <T>(value: T, dtype?: "integer") => {
    const signal = new Signal({ name: "x", value, ...(dtype ? { dtype } : {}) });
    const { dtype: d, shape, dtype_numpy } = signal.describe().x!;
    return { dtype: d, shape, dtype_numpy };
  };
  assert.deepEqual(keyOf(1.5), { dtype: "number", shape: [], dtype_numpy: "<f8" });
  assert.deepEqual(keyOf(2, "integer"), { dtype: "integer", shape: [], dtype_numpy: "<i8" });
  assert.deepEqual(keyOf(2n), { dtype: "integer", shape: [], dtype_numpy: "<i8" });
  assert.deepEqual(keyOf("text"), { dtype: "string", shape: [], dtype_numpy: "<U0" });
  assert.deepEqual(keyOf(true), { dtype: "boolean", shape: [], dtype_numpy: "|b1" });
  assert.deepEqual(keyOf([1, 2, 3]), { dtype: "array", shape: [3], dtype_numpy: "<f8" });
  assert.deepEqual(keyOf([[1, 2], [3, 4], [5, 6]]), {
    dtype: "array",
    shape: [3, 2],
    dtype_numpy: "<f8",
  });
  assert.deepEqual(keyOf([[1], [2, 3]]), { dtype: "array", shape: [2, null], dtype_numpy: "<f8" });
  assert.deepEqual(keyOf(new Int32Array(4)), { dtype: "array", shape: [4], dtype_numpy: "<i4" });
  assert.deepEqual(keyOf(["a", "bcd"]), { dtype: "array", shape: [2], dtype_numpy: "<U3" });
});

Deno.test("Signal.describe() reports source, units, precision, limits and object_name", () => {
  const signal = new Signal({
    name: "temp",
    value: 20,
    units: "degC",
    precision: 2,
    limits: { low: -10, high: 90 },
  });
  assert.deepEqual(signal.describe(), {
    temp: {
      source: "SIM:temp",
      dtype: "number",
      dtype_numpy: "<f8",
      shape: [],
      units: "degC",
      lower_ctrl_limit: -10,
      upper_ctrl_limit: 90,
      precision: 2,
      limits: { control: { low: -10, high: 90 }, display: { low: -10, high: 90 } },
      object_name: "temp",
    },
  });
});

Deno.test("Signal.describe() leaves out the attributes that were not given", () => {
  const key = new Signal({ name: "flag", value: false, source: "SIM:bit" }).describe().flag!;
  assert.equal(key.source, "SIM:bit");
  for (const absent of ["units", "precision", "limits", "lower_ctrl_limit", "choices"]) {
    assert.equal(absent in key, false, absent);
  }
});

Deno.test("Signal.put() refuses a value outside its limits, unless the limits are equal", () => {
  const limited = new Signal({ name: "x", value: 0, limits: { low: 0, high: 10 } });
  assert.throws(() => limited.put(11), {
    name: "RangeError",
    message: 'Cannot put "11" to "x": outside the limits [0, 10]',
  });
  assert.equal(limited.get(), 0);
  const unlimited = new Signal({ name: "y", value: 0, limits: { low: 0, high: 0 } });
  unlimited.put(1e6);
  assert.equal(unlimited.get(), 1e6);
});

Deno.test("Signal.put() refuses a value that is not one of its choices", () => {
  const mode = new Signal({ name: "mode", value: "fast", choices: ["fast", "slow"] });
  mode.put("slow");
  assert.throws(() => mode.put("medium"), /Cannot put "medium" to "mode": not one of/);
  assert.equal(mode.get(), "slow");
  assert.deepEqual(mode.describe().mode?.choices, ["fast", "slow"]);
});

Deno.test("Signal.set() returns a finished status and stamps the value with the clock", () => {
  let now = 100;
  const signal = new Signal({ name: "x", value: 1, clock: () => now });
  now = 105;
  const status = signal.set(2);
  assert.equal(status.done, true);
  assert.equal(status.success, true);
  assert.deepEqual(signal.read(), { x: { value: 2, timestamp: 105 } });
});

Deno.test("SignalRO refuses set() and put() with a TypeError", () => {
  const signal = new SignalRO({ name: "ro", value: 1 });
  assert.throws(() => signal.set(2), {
    name: "TypeError",
    message: 'Cannot set "ro": the signal is read-only',
  });
  assert.throws(() => signal.put(2), TypeError);
  assert.equal(signal.get(), 1);
});

Deno.test("A signal without a name is refused", () => {
  assert.throws(() => new Signal({ name: "", value: 1 }), TypeError);
});

Deno.test("Signal kinds default to hinted, and hints name only hinted signals", () => {
  assert.equal(new Signal({ name: "a", value: 1 }).kind, "hinted");
  assert.deepEqual(new Signal({ name: "a", value: 1 }).hints, { fields: ["a"] });
  for (const kind of ["normal", "config", "omitted"] as const) {
    assert.deepEqual(new Signal({ name: "b", value: 1, kind }).hints, { fields: [] });
  }
});

Deno.test("A lone signal reads the same as configuration", () => {
  const signal = new Signal({ name: "c", value: 1, kind: "config", timestamp: 3 });
  assert.deepEqual(signal.readConfiguration(), signal.read());
  assert.deepEqual(signal.describeConfiguration(), signal.describe());
});

Deno.test("Signal.subscribe() reports new values until unsubscribed", () => {
  const signal = new Signal({ name: "x", value: 0, clock: () => 7 });
  const seen: unknown[] = [];
  const unsubscribe = signal.subscribe((reading) => seen.push(reading));
  signal.put(1);
  unsubscribe();
  signal.put(2);
  assert.deepEqual(seen, [{ value: 1, timestamp: 7 }]);
});

Deno.test("Signal.repr() looks like ophyd's", () => {
  const signal = new Signal({ name: "gain", value: 1, timestamp: 5 });
  assert.equal(signal.repr(), "Signal(name='gain', value=1.0, timestamp=5.0)");
});

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

Deno.test("pyRepr() formats numbers as Python floats", () => {
  const cases: [number, string][] = [
    [0, "0.0"],
    [-0, "-0.0"],
    [1, "1.0"],
    [-0.5, "-0.5"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [123456789012345, "123456789012345.0"],
    [1e16, "1e+16"],
    [1.25e20, "1.25e+20"],
    [1660343258.421057, "1660343258.421057"],
    [NaN, "nan"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
  ];
  for (const [value, expected] of cases) assert.equal(pyRepr(value), expected, String(value));
});

Deno.test("pyRepr() formats strings, None, booleans, lists and dicts as Python does", () => {
  assert.equal(pyRepr("gp:m10"), "'gp:m10'");
  assert.equal(pyRepr("it's"), `"it's"`);
  assert.equal(pyRepr(`it's "q"`), `'it\\'s "q"'`);
  assert.equal(pyRepr("a\nb\\"), "'a\\nb\\\\'");
  assert.equal(pyRepr(null), "None");
  assert.equal(pyRepr(undefined), "None");
  assert.equal(pyRepr(false), "False");
  assert.equal(pyRepr(3n), "3");
  assert.equal(pyRepr(["a", [1]]), "['a', [1.0]]");
  assert.equal(pyRepr({ a: 1, b: true }), "{'a': 1.0, 'b': True}");
});
