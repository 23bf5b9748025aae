import assert from "node:assert/strict";
import { CalcError, compileCalc } from "./calc.ts";

const value = (expression: string, inputs = {}, val = 0) =>
  compileCalc(expression).evaluate(inputs, val);

Deno.test("compileCalc() follows EPICS precedence, unary minus above ^ included", () => {
  assert.equal(value("A+B*C", { A: 1, B: 2, C: 3 }), 7);
  assert.equal(value("(A+B)*C", { A: 1, B: 2, C: 3 }), 9);
  assert.equal(value("10-4-3"), 3);
  assert.equal(value("2**3"), 8);
  assert.equal(value("-2^2"), 4);
  assert.equal(value("2^3^2"), 64);
  assert.equal(value("2^-1"), 0.5);
  assert.equal(value("-A", { A: 3 }), -3);
  assert.equal(value("7%3"), 1);
  assert.ok(Number.isNaN(value("7%0")));
  assert.equal(value("1/0"), Infinity);
  assert.equal(value("1e3/4 + .5"), 250.5);
  assert.equal(value("0x10 | 1"), 17);
});

Deno.test("compileCalc() compares and combines with 1 and 0, and chooses with ?:", () => {
  assert.equal(value("A>1 && B<3", { A: 2, B: 2 }), 1);
  assert.equal(value("A<=1 || B>=3", { A: 2, B: 2 }), 0);
  assert.equal(value("A=2"), 0);
  assert.equal(value("A==0"), 1);
  assert.equal(value("A#B", { A: 1, B: 2 }), 1);
  assert.equal(value("A!=1", { A: 1 }), 0);
  assert.equal(value("!A", { A: 0 }), 1);
  assert.equal(value("!A", { A: 5 }), 0);
  assert.equal(value("A ? 10 : B ? 20 : 30", { A: 0, B: 1 }), 20);
  assert.equal(value("A ? B ? 1 : 2 : 3", { A: 1, B: 0 }), 2);
  assert.equal(value("A > 0 ? A : -A", { A: -4 }), 4);
  assert.equal(value("5 AND 3"), 1);
  assert.equal(value("5 OR 3"), 7);
  assert.equal(value("5 XOR 3"), 6);
  assert.equal(value("~0"), -1);
  assert.equal(value("1 << 4"), 16);
  assert.equal(value("-16 >> 2"), -4);
  assert.equal(value("-1 >>> 28"), 15);
});

Deno.test("compileCalc() has the EPICS functions and constants, in any case", () => {
  assert.equal(value("ABS(-2)"), 2);
  assert.equal(value("sqrt(16) + SQR(9)"), 7);
  assert.equal(value("MIN(4, 2, 8)"), 2);
  assert.equal(value("max(4, 2, 8)"), 8);
  assert.ok(Number.isNaN(value("MAX(1, NAN, 3)")));
  assert.equal(value("EXP(0) + LN(1) + LOGE(1)"), 1);
  assert.equal(value("LOG(1000)"), 3);
  assert.equal(value("FLOOR(-1.5) + CEIL(1.2)"), 0);
  assert.equal(value("NINT(2.5)"), 3);
  assert.equal(value("NINT(-2.5)"), -3);
  assert.equal(value("SIN(0) + COS(0) + TAN(0)"), 1);
  assert.equal(value("ATAN(1)"), Math.PI / 4);
  // As EPICS: ATAN2(x, y) is C's atan2(y, x).
  assert.equal(value("ATAN2(0, 1)"), Math.PI / 2);
  assert.equal(value("ATAN2(1, 0)"), 0);
  assert.equal(value("FMOD(7.5, 2)"), 1.5);
  assert.equal(value("PI"), Math.PI);
  assert.equal(value("D2R*180"), Math.PI);
  assert.equal(value("R2D*pi"), 180);
  assert.equal(value("FINITE(1, 2)") + value("FINITE(1, INF)"), 1);
  assert.equal(value("ISNAN(1, NAN)") + value("ISINF(-INF)"), 2);
  assert.equal(value("a+B+c", { A: 1, B: 2, C: 3 }), 6);
  assert.equal(value("VAL+1", {}, 41), 42);
});

Deno.test("compileCalc() reads A-L by letter or from an array, and assigns with :=", () => {
  const all = compileCalc("A+B+C+D+E+F+G+H+I+J+K+L");
  assert.equal(all.evaluate([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 78);
  assert.equal(all.evaluate({ L: 5 }), 5);
  assert.equal(all.evaluate(), 0);
  const counter = compileCalc("A:=A+1; B:=A*2; A+B");
  const inputs = [1, 0];
  assert.equal(counter.evaluate(inputs), 6);
  assert.deepEqual(inputs, [2, 4]);
  assert.deepEqual(counter.inputs, ["A"]);
  assert.deepEqual(counter.stores, ["A", "B"]);
  assert.deepEqual(compileCalc("D*(0.95+E*RNDM)/exp(((A-b)/c)^2)").inputs, [
    "A",
    "B",
    "C",
    "D",
    "E",
  ]);
});

Deno.test("RNDM is uniform in [0, 1) and comes from the given source", () => {
  const rndm = compileCalc("RNDM");
  let sum = 0;
  for (let i = 0; i < 10_000; i++) {
    const x = rndm.evaluate();
    assert.ok(x >= 0 && x < 1, `RNDM gave ${x}`);
    sum += x;
  }
  assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02, `mean ${sum / 10_000}`);
  const fixed = compileCalc("RNDM*10", { random: () => 0.25 });
  assert.equal(fixed.evaluate(), 2.5);
  const draws = [0.5, 0];
  const normal = compileCalc("NRNDM", { random: () => draws.shift()! });
  assert.ok(Math.abs(normal.evaluate() - Math.sqrt(2 * Math.log(2))) < 1e-12);
});

Deno.test("a bad expression throws a CalcError naming the expression and the position", () => {
  const cases: [string, number, RegExp][] = [
    ["", 1, /empty expression/],
    ["A+", 3, /operand expected at position 3, found the end/],
    ["A+*B", 3, /operand expected at position 3, found "\*"/],
    ["(A+B", 5, /parenthesis still open/],
    ["A+B)", 4, /operator expected at position 4, found "\)"/],
    ["A ? B", 6, /unbalanced conditional/],
    ["FOO(1)", 1, /unknown name at position 1, found "FOO"/],
    ["ATAN2(1)", 1, /ATAN2 takes two arguments/],
    ["3 $ 4", 3, /unknown character "\$"/],
    ["A B", 3, /operator expected/],
    ["M:=1;2", 1, /only A-L can be assigned/],
    ["A:=1", 5, /no statement gives a value/],
    ["1;2", 3, /only one statement may give a value/],
  ];
  for (const [expression, position, reason] of cases) {
    assert.throws(() => compileCalc(expression), (error) => {
      assert.ok(error instanceof CalcError, expression);
      assert.ok(error instanceof SyntaxError);
      assert.equal(error.expression, expression);
      assert.equal(error.position, position, expression);
      assert.ok(error.message.startsWith(`Invalid calc expression "${expression}": `));
      assert.match(error.message, reason);
      return true;
    });
  }
});

Deno.test("a compiled expression evaluates again and again with fresh random numbers", () => {
  const calc = compileCalc("D*(0.95+E*RNDM)/EXP(((A-B)/C)^2)");
  const inputs = new Float64Array(13);
  inputs.set([0.3, 0, 1, 1, 0.05]);
  const values = new Set<number>();
  for (let i = 0; i < 1000; i++) values.add(calc.evaluate(inputs));
  assert.ok(values.size > 990, `${values.size} different values of 1000`);
  for (const value of values) assert.ok(value > 0 && value < 1, `${value}`);
});
