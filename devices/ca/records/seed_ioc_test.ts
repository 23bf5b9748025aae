import assert from "node:assert/strict";
import type { ServedPv } from "../served_pv.ts";
import { seedIoc } from "./seed_ioc.ts";
import { sleep } from "../_test_env.ts";

function pv(ioc: ReturnType<typeof seedIoc>, name: string): ServedPv {
  const found = ioc.database.lookup(name);
  assert.ok(found, `${name} is served`);
  return found;
}

const first = (p: ServedPv) => p.state().elements[0];

Deno.test("seedIoc() serves m1..m16 and userCalc1..10 under the prefix, VAL also by record name", () => {
  const ioc = seedIoc({ prefix: "xx:" });
  try {
    assert.equal(ioc.records.motors.size, 16);
    assert.equal(ioc.records.calcs.size, 10);
    for (const n of [1, 10, 16]) {
      assert.equal(pv(ioc, `xx:m${n}`), pv(ioc, `xx:m${n}.VAL`));
      assert.equal(first(pv(ioc, `xx:m${n}.NAME`)), `xx:m${n}`);
    }
    assert.equal(pv(ioc, "xx:userCalc10"), pv(ioc, "xx:userCalc10.VAL"));
    assert.equal(first(pv(ioc, "xx:m10.EGU")), "degrees");
    assert.equal(first(pv(ioc, "xx:m10.VELO")), 1);
    assert.equal(first(pv(ioc, "xx:m10.ACCL")), 0.2);
    assert.equal(first(pv(ioc, "xx:userCalc10.CALC")), "0");
    assert.equal(first(pv(ioc, "xx:userCalc10.SCAN")), 0);
    assert.equal(first(pv(ioc, "xx:userCalcEnable")), 1);
    assert.equal(ioc.database.lookup("gp:m10"), undefined);
    assert.equal(ioc.database.lookup("xx:m17"), undefined);
    const names = ioc.database.names();
    assert.equal(new Set(names).size, names.length);
  } finally {
    ioc.close();
  }
});

Deno.test("seedIoc() builds only the records asked for", () => {
  const ioc = seedIoc({ motors: [10], calcs: [10] });
  try {
    assert.deepEqual([...ioc.records.motors.keys()], [10]);
    assert.deepEqual([...ioc.records.calcs.keys()], [10]);
    assert.equal(ioc.database.lookup("gp:m1"), undefined);
    assert.ok(ioc.database.lookup("gp:userCalc10Enable"));
  } finally {
    ioc.close();
  }
});

Deno.test("setting userCalc10 up as setup_random_number_swait does renews VAL every 100 ms", async () => {
  const ioc = seedIoc({ motors: [], calcs: [10] });
  const values: number[] = [];
  try {
    pv(ioc, "gp:userCalc10.VAL").subscribe((state) => values.push(state.elements[0] as number));
    await pv(ioc, "gp:userCalc10.SCAN").write([0]);
    await pv(ioc, "gp:userCalc10.DESC").write(["uniform random numbers"]);
    await pv(ioc, "gp:userCalc10.CALC").write(["RNDM"]);
    await pv(ioc, "gp:userCalc10.SCAN").write([9]);
    await sleep(520);
  } finally {
    ioc.close();
  }
  assert.ok(values.length >= 3 && values.length <= 7, `${values.length} values in 0.52 s`);
  assert.ok(values.every((x) => x >= 0 && x < 1));
});

Deno.test("a calc does not process while its own or the global enable switch is Disable", async () => {
  const ioc = seedIoc({ motors: [], calcs: [3], random: () => 0.5 });
  try {
    const val = pv(ioc, "gp:userCalc3.VAL");
    await pv(ioc, "gp:userCalc3.CALC").write(["RNDM+1"]);
    await pv(ioc, "gp:userCalc3.PROC").write([1]);
    assert.equal(first(val), 1.5);
    await pv(ioc, "gp:userCalc3.A").write([0]);
    await pv(ioc, "gp:userCalc3Enable").write([0]);
    await pv(ioc, "gp:userCalc3.CALC").write(["7"]);
    await pv(ioc, "gp:userCalc3.PROC").write([1]);
    assert.equal(first(val), 1.5);
    await pv(ioc, "gp:userCalc3Enable").write([1]);
    await pv(ioc, "gp:userCalcEnable").write([0]);
    await pv(ioc, "gp:userCalc3.PROC").write([1]);
    assert.equal(first(val), 1.5);
    await pv(ioc, "gp:userCalcEnable").write([1]);
    await pv(ioc, "gp:userCalc3.PROC").write([1]);
    assert.equal(first(val), 7);
    assert.throws(() => pv(ioc, "gp:userCalcEnable").write([2]), /takes 0 \(Disable\) or 1/);
  } finally {
    ioc.close();
  }
});

Deno.test("a calc linked to a motor's RBV with SCAN I/O Intr follows the motor", async () => {
  const ioc = seedIoc({ motors: [1], calcs: [1], motor: { velocity: 2, acceleration: 0 } });
  try {
    await pv(ioc, "gp:userCalc1.INAN").write(["gp:m1.RBV"]);
    await pv(ioc, "gp:userCalc1.CALC").write(["A*2"]);
    await pv(ioc, "gp:userCalc1.SCAN").write([2]);
    assert.equal(first(pv(ioc, "gp:userCalc1.INAV")), 0, '"PV OK"');
    const seen: number[] = [];
    pv(ioc, "gp:userCalc1.VAL").subscribe((state) => seen.push(state.elements[0] as number));
    await pv(ioc, "gp:m1.VAL").write([0.5]);
    assert.equal(first(pv(ioc, "gp:userCalc1.VAL")), 1);
    assert.ok(seen.length >= 2, `${seen.length} updates while moving`);
  } finally {
    ioc.close();
  }
});
