import assert from "node:assert/strict";
import {
  Command,
  dbrSize,
  dbrType,
  decodeDbr,
  encodeDbr,
  encodeMessage,
  FAMILIES,
  MessageReader,
  MessageTooLargeError,
  NATIVE_TYPES,
  splitDbrType,
} from "./protocol.ts";
import type { Elements } from "./protocol.ts";

const list = (elements: Elements) => Array.from(elements as ArrayLike<unknown>);

Deno.test("dbrType() and splitDbrType() agree on all 35 codes", () => {
  for (let code = 0; code < 35; code++) {
    const { native, family } = splitDbrType(code);
    assert.equal(dbrType(native, family), code);
  }
  assert.equal(dbrType("double", "ctrl"), 34);
  assert.equal(dbrType("string", "time"), 14);
  assert.throws(() => splitDbrType(35), /DBR type 35 is not one of 0 to 34/);
});

Deno.test("encodeDbr() and decodeDbr() round-trip every family of every native type", () => {
  const sample = {
    string: ["alpha", "beta"],
    short: [-3, 7],
    float: [0.5, -1.25],
    enum: [1, 0],
    char: [65, 250],
    long: [-100000, 123456],
    double: [Math.PI, -2e-300],
  } as const;
  for (const native of NATIVE_TYPES) {
    for (const family of FAMILIES) {
      const type = dbrType(native, family);
      const bytes = encodeDbr(type, 2, {
        elements: sample[native],
        status: 3,
        severity: 2,
        timestamp: 1660343260.021116,
        units: "degrees",
        precision: 5,
        limits: {
          upperDisp: 10,
          lowerDisp: -10,
          upperAlarm: 9,
          upperWarning: 8,
          lowerWarning: -8,
          lowerAlarm: -9,
          upperCtrl: 7,
          lowerCtrl: -7,
        },
        enumStrings: ["Off", "On"],
      });
      assert.equal(bytes.length % 8, 0, `DBR ${type} is padded`);
      assert.ok(bytes.length >= dbrSize(type, 2));
      const back = decodeDbr(type, 2, bytes);
      assert.deepEqual(list(back.elements), [...sample[native]], `DBR ${type} elements`);
      if (family === "plain") assert.equal(back.status, undefined);
      else assert.deepEqual([back.status, back.severity], [3, 2], `DBR ${type} alarm`);
      if (family === "time") {
        assert.ok(Math.abs(back.timestamp! - 1660343260.021116) < 1e-6, `DBR ${type} stamp`);
      }
      const graphic = (family === "gr" || family === "ctrl") && native !== "string";
      if (graphic && native === "enum") assert.deepEqual(back.enumStrings, ["Off", "On"]);
      else if (graphic) {
        assert.equal(back.units, "degrees");
        if (native === "double" || native === "float") assert.equal(back.precision, 5);
        const expectedCtrl = family === "ctrl" ? (native === "char" ? 0 : -7) : undefined;
        assert.equal(back.limits?.lowerCtrl, expectedCtrl, `DBR ${type} lower control limit`);
        assert.equal(back.limits?.upperDisp, 10);
      }
    }
  }
});

Deno.test("encodeDbr() clamps integers and refuses strings for numbers", () => {
  const type = dbrType("short");
  assert.deepEqual(
    list(decodeDbr(type, 2, encodeDbr(type, 2, { elements: [1e6, 2.6] })).elements),
    [
      32767,
      3,
    ],
  );
  assert.throws(() => encodeDbr(type, 1, { elements: ["x"] }), /Cannot encode "x" as a DBR_SHORT/);
});

Deno.test("a string longer than 39 bytes is truncated, never overflows its neighbour", () => {
  const type = dbrType("string");
  const long = "x".repeat(60);
  const back = decodeDbr(type, 2, encodeDbr(type, 2, { elements: [long, "next"] }));
  assert.deepEqual(back.elements, ["x".repeat(39), "next"]);
});

Deno.test("encodeMessage() uses the extended header for large payloads", () => {
  const small = encodeMessage(
    Command.READ_NOTIFY,
    { dataType: 6, dataCount: 1 },
    new Uint8Array(3),
  );
  assert.equal(small.length, 16 + 8);
  const payload = new Uint8Array(8 * 100000);
  const large = encodeMessage(Command.READ_NOTIFY, { dataType: 6, dataCount: 100000 }, payload);
  assert.equal(large.length, 24 + payload.length);
  const [message] = new MessageReader().push(large);
  assert.equal(message?.header.payloadSize, payload.length);
  assert.equal(message?.header.dataCount, 100000);
});

Deno.test("MessageReader reassembles messages split at every byte", () => {
  const a = encodeMessage(Command.ECHO, {});
  const b = encodeMessage(
    Command.CREATE_CHAN,
    { parameter1: 7, parameter2: 13 },
    new Uint8Array(9),
  );
  const c = encodeMessage(Command.READ_NOTIFY, { dataCount: 70000 }, new Uint8Array(70000));
  const stream = new Uint8Array([...a, ...b, ...c]);
  const reader = new MessageReader();
  const seen: number[] = [];
  for (let i = 0; i < stream.length; i += 5) {
    for (const m of reader.push(stream.subarray(i, i + 5))) seen.push(m.header.command);
  }
  assert.deepEqual(seen, [Command.ECHO, Command.CREATE_CHAN, Command.READ_NOTIFY]);
  assert.equal(reader.pending, 0);
});

Deno.test("MessageReader refuses a payload above its limit", () => {
  const reader = new MessageReader(1024);
  const big = encodeMessage(Command.WRITE, { dataCount: 1 }, new Uint8Array(4096));
  assert.throws(() => reader.push(big), MessageTooLargeError);
});
