import assert from "node:assert/strict";
import { exactFixed, formatFixed } from "./_python_format.ts";

/** A small deterministic generator, so that a failure can be repeated. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

Deno.test("formatFixed's quick path gives the exact path's text for values near and far from ties", () => {
  const next = random(12345);
  const values: number[] = [0, -0, 0.5, -0.5, 1.5, 2.5, 0.125, 0.375, 2.675, 1.005, 1e-7, -1e-7];
  for (let i = 0; i < 20_000; i++) {
    const scale = 10 ** Math.floor(next() * 12 - 4);
    values.push((next() - 0.5) * scale);
  }
  for (let p = 0; p <= 9; p++) {
    // Exact ties and their neighbours, where rounding half to even decides.
    for (let k = 0; k < 200; k++) {
      const tie = (k + 0.5) / 10 ** p;
      values.push(tie, -tie, tie + Number.EPSILON * tie, tie - Number.EPSILON * tie);
    }
  }
  for (const x of values) {
    for (const p of [0, 1, 2, 3, 5, 9, 12]) {
      assert.equal(formatFixed(x, p), exactFixed(x, p), `x=${x} p=${p}`);
    }
  }
});

Deno.test("formatFixed writes what Python's format() writes", () => {
  const cases: [number, number, string][] = [
    [0.5, 0, "0"],
    [1.5, 0, "2"],
    [2.5, 0, "2"],
    [-0.0, 2, "-0.00"],
    [2.675, 2, "2.67"],
    [0.125, 2, "0.12"],
    [-1.25, 1, "-1.2"],
    [123.456, 1, "123.5"],
    [0.001, 5, "0.00100"],
    [NaN, 3, "nan"],
    [-Infinity, 3, "-inf"],
  ];
  for (const [x, p, text] of cases) assert.equal(formatFixed(x, p), text, `format(${x}, ".${p}f")`);
});
