import assert from "node:assert/strict";
import { isReadable, isTriggerable } from "../core/engine/protocols.ts";
import { GaussianDetector } from "./gaussian.ts";
import { SimMotor } from "./motor.ts";

/** Trigger and read `det` at each position of `motor`. */
function scan(det: GaussianDetector, motor: { position: number }, positions: number[]): number[] {
  return positions.map((x) => {
    motor.position = x;
    assert.equal(det.trigger().done, true);
    return det.read().det!.value as number;
  });
}

Deno.test("GaussianDetector gives imax at the center and imax·e^(-1/2) one sigma away", () => {
  const motor = { name: "motor", position: 0 };
  const det = new GaussianDetector({ motor, center: 1, imax: 200, sigma: 0.5 });
  const [atCenter, oneSigma, far] = scan(det, motor, [1, 1.5, 10]);
  assert.equal(atCenter, 200);
  assert.ok(Math.abs(oneSigma! - 200 * Math.exp(-0.5)) < 1e-9);
  assert.ok(far! > 0 && far! < 1e-60);
  assert.equal(scan(det, motor, [0.5])[0], oneSigma, "the peak is symmetric");
});

Deno.test("GaussianDetector.read() returns the last triggered value until triggered again", () => {
  const motor = { name: "motor", position: 0 };
  let now = 1;
  const det = new GaussianDetector({ motor, clock: () => now });
  assert.deepEqual(det.read(), { det: { value: 0, timestamp: 1 } });
  now = 2;
  det.trigger();
  motor.position = 3;
  now = 3;
  assert.deepEqual(det.read(), { det: { value: 1, timestamp: 2 } });
});

Deno.test("GaussianDetector follows a SimMotor's position", async () => {
  const motor = new SimMotor({ instant: true });
  const det = new GaussianDetector({ motor, center: 2, imax: 10 });
  await motor.set(2).wait();
  det.trigger();
  assert.equal(det.val.get(), 10);
  motor.set(0);
  det.trigger();
  assert.ok(Math.abs(det.val.get() - 10 * Math.exp(-2)) < 1e-12);
});

Deno.test("GaussianDetector reads a device without a position through its field", () => {
  const motor = {
    name: "stage",
    read: () => ({ stage_x: { value: 4, timestamp: 0 }, stage_y: { value: 0, timestamp: 0 } }),
    describe: () => ({}),
  };
  const det = new GaussianDetector({ motor, field: "stage_x", center: 4, imax: 3 });
  det.trigger();
  assert.equal(det.val.get(), 3);
  const wrong = new GaussianDetector({ motor, field: "stage_z" });
  assert.throws(() => wrong.trigger(), /reading "stage_z" of "stage" is not a number/);
});

Deno.test("GaussianDetector.trigger() finishes later for a motor that reads async", async () => {
  const motor = {
    name: "m",
    read: () => Promise.resolve({ m: { value: 1, timestamp: 0 } }),
    describe: () => ({}),
  };
  const det = new GaussianDetector({ motor, center: 1, imax: 5 });
  const status = det.trigger();
  assert.equal(status.done, false);
  await status.wait();
  assert.equal(det.val.get(), 5);
});

Deno.test("GaussianDetector refuses a motor with neither position nor read()", () => {
  const det = new GaussianDetector({ motor: { name: "ghost" } });
  assert.throws(() => det.trigger(), TypeError);
});

Deno.test("GaussianDetector Poisson noise is deterministic with a seed", () => {
  const positions = [-1, -0.5, 0, 0.5, 1, 0, 0, 0];
  const run = (seed: number) => {
    const motor = { name: "motor", position: 0 };
    const det = new GaussianDetector({ motor, imax: 1000, noise: "poisson", seed });
    return scan(det, motor, positions);
  };
  const first = run(7);
  assert.deepEqual(run(7), first);
  assert.notDeepEqual(run(8), first);
  for (const value of first) assert.ok(Number.isInteger(value));
  assert.ok(new Set(first.slice(-3)).size > 1, "repeated triggers draw new noise");
});

Deno.test("GaussianDetector Poisson noise has the right mean and spread", () => {
  for (const mean of [4, 400]) {
    const motor = { name: "motor", position: 0 };
    const det = new GaussianDetector({ motor, imax: mean, noise: "poisson", seed: 11 });
    const values = scan(det, motor, new Array(4000).fill(0));
    const average = values.reduce((a, b) => a + b) / values.length;
    const variance = values.reduce((a, b) => a + (b - average) ** 2, 0) / values.length;
    assert.ok(Math.abs(average - mean) < 0.1 * Math.sqrt(mean), `mean ${average} for ${mean}`);
    assert.ok(Math.abs(variance / mean - 1) < 0.15, `variance ${variance} for ${mean}`);
  }
});

Deno.test("GaussianDetector uniform noise stays within ±noiseMultiplier and is seeded", () => {
  const motor = { name: "motor", position: 0 };
  const make = () =>
    new GaussianDetector({ motor, imax: 10, noise: "uniform", noiseMultiplier: 0.5, seed: 3 });
  const values = scan(make(), motor, new Array(500).fill(0));
  for (const value of values) assert.ok(value >= 9.5 && value <= 10.5, String(value));
  assert.ok(Math.min(...values) < 9.6 && Math.max(...values) > 10.4);
  assert.deepEqual(scan(make(), motor, new Array(500).fill(0)), values);
});

Deno.test("GaussianDetector configuration holds Imax, center, sigma, noise and multiplier", () => {
  const motor = { name: "motor", position: 0 };
  const det = new GaussianDetector({ motor, center: 1, imax: 2, sigma: 3, clock: () => 4 });
  assert.deepEqual(det.readConfiguration(), {
    det_Imax: { value: 2, timestamp: 4 },
    det_center: { value: 1, timestamp: 4 },
    det_sigma: { value: 3, timestamp: 4 },
    det_noise: { value: "none", timestamp: 4 },
    det_noise_multiplier: { value: 1, timestamp: 4 },
  });
  assert.deepEqual(det.describeConfiguration().det_noise?.choices, ["none", "poisson", "uniform"]);
  assert.deepEqual(Object.keys(det.describe()), ["det"]);
  assert.equal(det.describe().det?.object_name, "det");
  assert.deepEqual(det.hints, { fields: ["det"] });
  assert.ok(isReadable(det) && isTriggerable(det));
});

Deno.test("GaussianDetector uses configuration written after it was made", () => {
  const motor = { name: "motor", position: 5 };
  const det = new GaussianDetector({ motor });
  det.center.put(5);
  det.imax.put(7);
  det.trigger();
  assert.equal(det.val.get(), 7);
  assert.throws(() => det.noise.put("gaussian" as "none"), RangeError);
});

Deno.test("GaussianDetector refuses a sigma that is not positive", () => {
  const motor = { name: "motor", position: 0 };
  assert.throws(() => new GaussianDetector({ motor, sigma: 0 }), RangeError);
});

Deno.test("GaussianDetector.repr() looks like ophyd's SynGauss", () => {
  const det = new GaussianDetector({ motor: { name: "motor", position: 0 }, name: "g" });
  assert.equal(
    det.repr(),
    "GaussianDetector(prefix='', name='g', read_attrs=['val'], " +
      "configuration_attrs=['Imax', 'center', 'sigma', 'noise', 'noise_multiplier'])",
  );
});
