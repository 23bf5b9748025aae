import assert from "node:assert/strict";
import type { ConnectionInfo, PvValue } from "../ca/transport.ts";
import { dataKeyOf, valueOf } from "./_pv_value.ts";

const connected = (nativeType: ConnectionInfo["nativeType"], count: number): ConnectionInfo => ({
  connected: true,
  nativeType,
  count,
});

Deno.test("valueOf() gives a scalar for one element and an array for a waveform", () => {
  assert.equal(valueOf({ value: 2.5, count: 1 }, connected("double", 1), false, undefined), 2.5);
  const wave = { value: new Float64Array([1, 2, 3]), count: 3 };
  assert.deepEqual(valueOf(wave, connected("double", 3), false, undefined), [1, 2, 3]);
  const short = { value: new Float64Array([7]), count: 1 };
  assert.deepEqual(valueOf(short, connected("double", 10), false, undefined), [7]);
});

Deno.test("valueOf() with strings: enum states, char arrays as text, numbers at their precision", () => {
  const meta: PvValue = { value: 0, count: 1, enumStrings: ["Passive", "Event"], precision: 3 };
  assert.equal(valueOf({ value: 1, count: 1 }, connected("enum", 1), true, meta), "Event");
  const bytes = { value: new Uint8Array([104, 105, 0, 120]), count: 4 };
  assert.equal(valueOf(bytes, connected("char", 256), true, meta), "hi");
  assert.equal(valueOf({ value: 0.5, count: 1 }, connected("double", 1), true, meta), "0.500");
});

Deno.test("dataKeyOf() describes by native type and count, with limits from the write PV", () => {
  const meta: PvValue = {
    value: 0,
    count: 1,
    units: "mm",
    precision: 4,
    limits: { lowerCtrl: -1, upperCtrl: 1, lowerDisp: -2, upperDisp: 2 },
  };
  const write: PvValue = { value: 0, count: 1, limits: { lowerCtrl: -5, upperCtrl: 5 } };
  const key = dataKeyOf("PV:x", connected("double", 1), meta, write, false);
  assert.deepEqual(key, {
    source: "PV:x",
    dtype: "number",
    shape: [],
    dtype_numpy: "<f8",
    units: "mm",
    lower_ctrl_limit: -5,
    upper_ctrl_limit: 5,
    precision: 4,
    limits: { control: { low: -5, high: 5 }, display: { low: -2, high: 2 } },
  });
  const wave = dataKeyOf("PV:w", connected("long", 8), meta, meta, false);
  assert.deepEqual([wave.dtype, wave.shape, wave.dtype_numpy], ["array", [8], "<i4"]);
  const text = dataKeyOf("PV:t", connected("char", 40), meta, meta, true);
  assert.deepEqual([text.dtype, text.shape], ["string", []]);
  const states: PvValue = { value: 0, count: 1, enumStrings: ["Off", "On"] };
  const menu = dataKeyOf("PV:e", connected("enum", 1), states, states, false);
  assert.deepEqual([menu.dtype, menu.choices, menu.units], ["integer", ["Off", "On"], null]);
  assert.equal(dataKeyOf("PV:s", connected("string", 1), states, states, false).dtype, "string");
});
