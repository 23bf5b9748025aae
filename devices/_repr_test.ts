import assert from "node:assert/strict";
import { pyRepr } from "./_repr.ts";

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
