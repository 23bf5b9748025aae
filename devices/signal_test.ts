import assert from "node:assert/strict";
import { Signal, SignalRO } from "./signal.ts";

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
