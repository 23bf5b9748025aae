import assert from "node:assert/strict";
import { MapDatabase, SoftPv } from "../served_pv.ts";
import { SoftSwaitRecord } from "./swait_record.ts";
import { MENU_SCAN } from "./_menus.ts";
import { sleep } from "../_test_env.ts";

const num = (calc: SoftSwaitRecord, field: string) => Number(calc.field(field).value);

/** A calc whose links find the PVs of a small database. */
function linkedCalc() {
  const database = new MapDatabase();
  const calc = new SoftSwaitRecord("t:calc", { resolve: (name) => database.lookup(name) });
  calc.addTo(database);
  return { calc, database };
}

Deno.test('a fresh swait record has CALC "0", SCAN Passive, and VAL\'s DBR_CTRL metadata', () => {
  const calc = new SoftSwaitRecord("gp:userCalc10");
  try {
    assert.equal(calc.field("CALC").value, "0");
    assert.equal(num(calc, "SCAN"), 0);
    assert.deepEqual(calc.field("SCAN").state().enumStrings, MENU_SCAN);
    const val = calc.field("VAL").state();
    assert.equal(val.units, "");
    assert.equal(val.precision, 5);
    assert.equal(val.limits?.lowerCtrl, 0);
    assert.equal(val.limits?.upperCtrl, 0);
    assert.equal(calc.field("RTYP").value, "swait");
    const fields = calc.fields();
    assert.equal(fields[0], "VAL");
    for (const field of ["PREC", "DESC", "PROC", "A", "L", "INAN", "INLN", "INAV", "INLV"]) {
      assert.ok(fields.includes(field), field);
    }
    for (const field of ["OOPT", "DOPT", "OUTN", "EGU", "HOPR", "LOPR", "CLCV", "OVAL"]) {
      assert.ok(fields.includes(field), field);
    }
    assert.equal(calc.field("INAV").value, 2, '"No PV"');
  } finally {
    calc.close();
  }
});

Deno.test("processing evaluates CALC over A-L into VAL, keeping the old values", async () => {
  const calc = new SoftSwaitRecord("t:calc");
  try {
    await calc.field("CALC").write(["A+B*C+L"]);
    await calc.field("A").write([1]);
    await calc.field("B").write([2]);
    await calc.field("C").write([3]);
    // A Passive record processes on each input written.
    assert.equal(num(calc, "VAL"), 7);
    await calc.field("L").write([10]);
    assert.equal(num(calc, "VAL"), 17);
    assert.equal(num(calc, "OVAL"), 17);
    assert.equal(num(calc, "LL"), 10);
    await calc.field("CALC").write(["VAL+1"]);
    await calc.field("PROC").write([1]);
    assert.equal(num(calc, "VAL"), 18);
    await calc.field("PREC").write([2]);
    assert.equal(calc.field("VAL").state().precision, 2);
    await calc.field("EGU").write(["counts"]);
    assert.equal(calc.field("VAL").state().units, "counts");
    await calc.field("HOPR").write([100]);
    assert.equal(calc.field("VAL").state().limits?.upperCtrl, 100);
  } finally {
    calc.close();
  }
});

Deno.test("SCAN .1 second processes about 10 times a second until close()", async () => {
  const calc = new SoftSwaitRecord("t:calc", { precision: 5 });
  const values: number[] = [];
  const stamps: number[] = [];
  calc.field("VAL").subscribe((state) => {
    values.push(state.elements[0] as number);
    stamps.push(state.timestamp);
  });
  try {
    // setup_random_number_swait's order.
    await calc.field("SCAN").write([0]);
    await calc.field("DESC").write(["uniform random numbers"]);
    await calc.field("CALC").write(["RNDM"]);
    await calc.field("SCAN").write([9]);
    await sleep(1000);
  } finally {
    calc.close();
  }
  const n = values.length;
  assert.ok(n >= 8 && n <= 11, `${n} values in a second`);
  assert.ok(values.every((x) => x >= 0 && x < 1));
  assert.equal(new Set(values).size, n);
  const gaps = stamps.slice(1).map((t, i) => t - stamps[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(Math.abs(mean - 0.1) < 0.02, `mean interval ${mean} s`);
  await sleep(250);
  assert.equal(values.length, n, "no processing after close()");
});

Deno.test("SCAN Passive stops the periodic processing", async () => {
  const calc = new SoftSwaitRecord("t:calc");
  let posts = 0;
  calc.field("VAL").subscribe(() => posts++);
  try {
    await calc.field("CALC").write(["RNDM"]);
    await calc.field("SCAN").write([9]);
    await sleep(250);
    assert.ok(posts >= 1);
    await calc.field("SCAN").write([0]);
    const before = posts;
    await sleep(250);
    assert.equal(posts, before);
  } finally {
    calc.close();
  }
});

Deno.test("an invalid CALC is refused with its reason, sets CLCV and raises a CALC alarm", async () => {
  const calc = new SoftSwaitRecord("t:calc");
  try {
    assert.throws(
      () => calc.field("CALC").write(["A+"]),
      /^Error: Record "t:calc" refuses CALC: Invalid calc expression "A\+": operand expected at position 3/,
    );
    assert.equal(calc.field("CALC").value, "A+");
    assert.equal(num(calc, "CLCV"), -1);
    await calc.field("PROC").write([1]);
    assert.equal(calc.field("VAL").state().severity, 3);
    assert.equal(calc.field("VAL").state().status, 12);
    assert.equal(num(calc, "SEVR"), 3);
    await calc.field("CALC").write(["2"]);
    assert.equal(num(calc, "CLCV"), 0);
    await calc.field("PROC").write([1]);
    assert.equal(num(calc, "VAL"), 2);
    assert.equal(calc.field("VAL").state().severity, 0);
    assert.equal(num(calc, "STAT"), 0);
  } finally {
    calc.close();
  }
});

Deno.test("input links read other PVs, and I/O Intr processes on their changes", async () => {
  const { calc, database } = linkedCalc();
  const source = new SoftPv({ nativeType: "double", value: 2 });
  database.add("t:source", source);
  try {
    await calc.field("INAN").write(["t:source NPP NMS"]);
    await calc.field("INBN").write(["t:missing"]);
    await calc.field("CALC").write(["A*10"]);
    await calc.field("PROC").write([1]);
    assert.equal(num(calc, "VAL"), 20);
    assert.equal(num(calc, "INAV"), 0, '"PV OK"');
    assert.equal(num(calc, "INBV"), 1, '"PV BAD"');
    await calc.field("SCAN").write([2]);
    source.set(3);
    assert.equal(num(calc, "VAL"), 30);
    await calc.field("INAP").write([0]);
    source.set(4);
    assert.equal(num(calc, "VAL"), 30, "INAP No: no processing on change");
  } finally {
    calc.close();
  }
});

Deno.test("the output link gets VAL (or DOLD) when OOPT says", async () => {
  const { calc, database } = linkedCalc();
  const target = new SoftPv({ nativeType: "long", value: 0 });
  database.add("t:target", target);
  const written: number[] = [];
  target.subscribe((state) => written.push(state.elements[0] as number));
  try {
    await calc.field("OUTN").write(["t:target PP"]);
    await calc.field("OOPT").write([1]); // On Change
    await calc.field("CALC").write(["A"]);
    await calc.field("A").write([5]);
    await calc.field("A").write([5]);
    await calc.field("A").write([7]);
    assert.deepEqual(written, [5, 7]);
    assert.equal(num(calc, "OUTV"), 0);
    await calc.field("DOPT").write([1]); // Use DOL
    await calc.field("DOLD").write([42]);
    await calc.field("A").write([1]);
    assert.deepEqual(written, [5, 7, 42]);
    await calc.field("OOPT").write([6]); // Never
    await calc.field("A").write([2]);
    assert.equal(written.length, 3);
  } finally {
    calc.close();
  }
});

Deno.test("an output delayed by ODLY is written later, and close() cancels it", async () => {
  const { calc, database } = linkedCalc();
  const target = new SoftPv({ nativeType: "double", value: 0 });
  database.add("t:target", target);
  try {
    await calc.field("OUTN").write(["t:target"]);
    await calc.field("ODLY").write([0.05]);
    await calc.field("CALC").write(["3"]);
    await calc.field("PROC").write([1]);
    assert.equal(num(calc, "DLYA"), 1);
    assert.equal(target.value, 0);
    await sleep(100);
    assert.equal(target.value, 3);
    assert.equal(num(calc, "DLYA"), 0);
    await calc.field("PROC").write([1]);
  } finally {
    calc.close();
  }
});

Deno.test("a record whose DISA equals DISV (through SDIS) does not process", async () => {
  const { calc, database } = linkedCalc();
  const enable = new SoftPv({ nativeType: "short", value: 0 });
  database.add("t:enable", enable);
  try {
    await calc.field("CALC").write(["5"]);
    await calc.field("SDIS").write(["t:enable"]);
    await calc.field("DISV").write([0]);
    await calc.field("PROC").write([1]);
    assert.equal(num(calc, "VAL"), 0);
    enable.set(1);
    await calc.field("PROC").write([1]);
    assert.equal(num(calc, "VAL"), 5);
  } finally {
    calc.close();
  }
});
