import assert from "node:assert/strict";
import { randomAt, RandomSensor } from "./sensor.ts";

/** A sensor whose clock the test moves. */
function sensorAt(start: number, options: { seed?: number; rate?: number } = {}) {
  const clock = { now: start };
  const sensor = new RandomSensor({ seed: 42, ...options, clock: () => clock.now });
  return { sensor, clock };
}

Deno.test("RandomSensor keeps one value and timestamp within a 100 ms period", () => {
  const { sensor, clock } = sensorAt(1660343260.0);
  const first = sensor.read();
  for (const t of [1660343260.02, 1660343260.05, 1660343260.099]) {
    clock.now = t;
    assert.deepEqual(sensor.read(), first);
  }
  assert.equal(first.sensor?.timestamp, 1660343260.0);
});

Deno.test("RandomSensor changes value at 10 Hz", () => {
  const { sensor, clock } = sensorAt(1660343260.05);
  const values: number[] = [];
  const timestamps: number[] = [];
  for (let i = 0; i < 50; i++) {
    clock.now = 1660343260.05 + i * 0.1;
    values.push(sensor.get());
    timestamps.push(sensor.read().sensor!.timestamp);
  }
  assert.equal(new Set(values).size, 50);
  for (let i = 1; i < 50; i++) {
    assert.ok(Math.abs(timestamps[i]! - timestamps[i - 1]! - 0.1) < 1e-6, `period ${i}`);
  }
});

Deno.test("RandomSensor stamps each value with the start of its period, even at edges", () => {
  const { sensor, clock } = sensorAt(0);
  for (let k = 0; k < 1000; k++) {
    clock.now = 1660343260 + k / 10;
    assert.equal(sensor.read().sensor!.timestamp, clock.now, `period ${k}`);
  }
  // With 7 Hz, `Math.floor(t * rate)` alone lands in the previous period for some of these.
  const seven = sensorAt(0, { rate: 7 });
  for (let k = 0; k < 1000; k++) {
    seven.clock.now = k / 7;
    assert.equal(seven.sensor.read().sensor!.timestamp, k / 7, `period ${k} at 7 Hz`);
  }
});

Deno.test("RandomSensor rate option sets how often the value changes", () => {
  const { sensor, clock } = sensorAt(10.0, { rate: 2 });
  const first = sensor.get();
  clock.now = 10.4;
  assert.equal(sensor.get(), first);
  clock.now = 10.5;
  assert.notEqual(sensor.get(), first);
  assert.equal(sensor.read().sensor?.timestamp, 10.5);
});

Deno.test("RandomSensor repeats its values with one seed and differs with another", () => {
  const a = sensorAt(500.03, { seed: 1 }).sensor;
  const b = sensorAt(500.03, { seed: 1 }).sensor;
  const c = sensorAt(500.03, { seed: 2 }).sensor;
  assert.equal(a.get(), b.get());
  assert.notEqual(a.get(), c.get());
  assert.equal(a.seed, 1);
});

Deno.test("RandomSensor without a seed picks one at random", () => {
  const seeds = new Set(Array.from({ length: 5 }, () => new RandomSensor().seed));
  assert.ok(seeds.size > 1);
});

Deno.test("RandomSensor values are uniform in [0, 1)", () => {
  const { sensor, clock } = sensorAt(0);
  let sum = 0;
  let low = 0;
  const n = 20000;
  for (let k = 0; k < n; k++) {
    clock.now = 1.7e9 + k / 10;
    const value = sensor.get();
    assert.ok(value >= 0 && value < 1);
    sum += value;
    if (value < 0.25) low++;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.01, `mean ${sum / n}`);
  assert.ok(Math.abs(low / n - 0.25) < 0.015, `fraction below 0.25: ${low / n}`);
});

Deno.test("RandomSensor describes itself as the seed's sensor", () => {
  const { sensor } = sensorAt(1);
  assert.deepEqual(sensor.describe(), {
    sensor: {
      source: "SIM:sensor",
      dtype: "number",
      dtype_numpy: "<f8",
      shape: [],
      units: "",
      lower_ctrl_limit: 0,
      upper_ctrl_limit: 0,
      precision: 5,
      limits: { control: { low: 0, high: 0 }, display: { low: 0, high: 0 } },
      object_name: "sensor",
    },
  });
  assert.equal(sensor.kind, "hinted");
  assert.deepEqual(sensor.hints, { fields: ["sensor"] });
  assert.deepEqual(sensor.readConfiguration(), sensor.read());
});

Deno.test("RandomSensor refuses set() and put() as a read-only signal", () => {
  const { sensor } = sensorAt(1);
  assert.throws(() => sensor.set(0.5), { name: "TypeError", message: /read-only/ });
  assert.throws(() => sensor.put(0.5), TypeError);
});

Deno.test("RandomSensor.repr() looks like ophyd's EpicsSignalRO", () => {
  const { sensor } = sensorAt(1660343258.45);
  assert.equal(
    sensor.repr(),
    "RandomSensor(read_pv='sim:sensor', name='sensor', timestamp=1660343258.4, " +
      "auto_monitor=False, string=False)",
  );
});

Deno.test("RandomSensor refuses a bad rate or seed", () => {
  assert.throws(() => new RandomSensor({ rate: 0 }), RangeError);
  assert.throws(() => new RandomSensor({ seed: 0.5 }), /seed "0.5" is not an integer/);
});

Deno.test("randomAt() is deterministic and works for large and negative indices", () => {
  for (const index of [0, 1, -1, 2 ** 32, 2 ** 32 + 1, 17e9, -17e9]) {
    const value = randomAt(3, index);
    assert.equal(randomAt(3, index), value);
    assert.ok(value >= 0 && value < 1);
  }
  assert.notEqual(randomAt(3, 2 ** 32), randomAt(3, 0));
  assert.notEqual(randomAt(3, -1), randomAt(3, 2 ** 32 - 1));
});
