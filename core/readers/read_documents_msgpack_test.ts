import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import { readDocumentStream } from "./read_documents.ts";

/** A msgpack bin value of the text's bytes: Python's `bytes`, as msgpack-numpy's keys are. */
function bin(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  return [0xc4, bytes.length, ...bytes];
}

/** A msgpack map with binary keys, as `msgpack_numpy.encode` returns. */
function numpyMap(entries: [string, unknown][]): number[] {
  return [
    0x80 | entries.length,
    ...entries.flatMap(([key, value]) => [...bin(key), ...encode(value)]),
  ];
}

function map(entries: [string, number[]][]): number[] {
  return [0x80 | entries.length, ...entries.flatMap(([key, value]) => [...encode(key), ...value])];
}

const float = (x: number) => new Uint8Array(new Float64Array([x]).buffer);

/** An event as suitcase-msgpack writes one with numpy values in it. */
function numpyEvent(value: number[]): Uint8Array {
  const data = map([
    ["m1", numpyMap([["nd", false], ["type", "<f8"], ["data", float(1.5)]])],
    ["img", value],
    ["flag", numpyMap([["nd", false], ["type", "|b1"], ["data", new Uint8Array([1])]])],
    [
      "big",
      numpyMap([["nd", true], ["type", ">i2"], ["kind", new Uint8Array()], ["shape", [2]], [
        "data",
        new Uint8Array([0x01, 0x00, 0xff, 0xfe]),
      ]]),
    ],
    [
      "label",
      numpyMap([["nd", false], ["type", "<U3"], [
        "data",
        new Uint8Array([0x61, 0, 0, 0, 0x62, 0, 0, 0, 0, 0, 0, 0]),
      ]]),
    ],
  ]);
  const event = map([
    ["uid", [...encode("e1")]],
    ["descriptor", [...encode("d1")]],
    ["seq_num", [...encode(1)]],
    ["time", [...encode(1.5)]],
    ["data", data],
  ]);
  return new Uint8Array([0x92, ...encode("event"), ...event]);
}

const read = (bytes: Uint8Array) =>
  Array.fromAsync(
    readDocumentStream(ReadableStream.from([bytes]), { format: "msgpack", source: "np" }),
  );

Deno.test("readDocumentStream() turns msgpack-numpy values back into plain values", async () => {
  const image = numpyMap([
    ["nd", true],
    ["type", "<i4"],
    ["kind", new Uint8Array()],
    ["shape", [2, 3]],
    ["data", new Uint8Array(new Int32Array([1, 2, 3, 4, 5, -6]).buffer)],
  ]);
  const docs = await read(numpyEvent(image));
  assert.deepEqual(docs, [["event", {
    uid: "e1",
    descriptor: "d1",
    seq_num: 1,
    time: 1.5,
    data: { m1: 1.5, img: [[1, 2, 3], [4, 5, -6]], flag: true, big: [256, -2], label: "ab" },
  }]]);
});

Deno.test("readDocumentStream() refuses a numpy dtype that JSON cannot hold", async () => {
  const complex = numpyMap([["nd", false], ["type", "<c16"], ["data", new Uint8Array(16)]]);
  await assert.rejects(() => read(numpyEvent(complex)), {
    name: "DocumentFileError",
    message: 'File "np", byte 0, document 1: Unsupported numpy dtype "<c16"',
  });
});

/**
 * Four documents as suitcase-msgpack writes them, made with Python's msgpack 1.0.3 and
 * msgpack-numpy 0.4.8: `msgpack.packb((name, doc), default=msgpack_numpy.encode,
 * use_bin_type=True)` for each, one after another. The event page holds numpy scalars and arrays.
 */
const SUITCASE = Uint8Array.from(
  atob(
    "kqVzdGFydIWjdWlkonMxpHRpbWXLP/gAAAAAAACpcGxhbl9uYW1lpHNjYW6kbm90Za5GZeKCgk/igoMg8J+YgKNu" +
      "YW7Lf/gAAAAAAACSqmRlc2NyaXB0b3KFo3VpZKJkMalydW5fc3RhcnSiczGkdGltZcs/+ZmZmZmZmqlkYXRhX2tl" +
      "eXOBom0xg6VkdHlwZaZudW1iZXKlc2hhcGWQpnNvdXJjZaZTSU06bTGkbmFtZadwcmltYXJ5kqpldmVudF9wYWdl" +
      "hqN1aWSSomUxomUyqmRlc2NyaXB0b3KiZDGnc2VxX251bZIBAqR0aW1lkss/+zMzMzMzM8s//MzMzMzMzaRkYXRh" +
      "hqJtMZLLP+AAAAAAAADLv9AAAAAAAACjaW1nkoXEAm5kw8QEdHlwZaM8aTTEBGtpbmTEAMQFc2hhcGWSAgPEBGRh" +
      "dGHEGAAAAAABAAAAAgAAAAMAAAAEAAAABQAAAIXEAm5kw8QEdHlwZaM+dTLEBGtpbmTEAMQFc2hhcGWSAwLEBGRh" +
      "dGHEDAAAAAEAAgADAAQABaRmbGFnkoPEAm5kwsQEdHlwZaN8YjHEBGRhdGHEAQGDxAJuZMLEBHR5cGWjfGIxxARk" +
      "YXRhxAEAo2YzMpKDxAJuZMLEBHR5cGWjPGY0xARkYXRhxAQAAKA/g8QCbmTCxAR0eXBlozxmNMQEZGF0YcQEAAAA" +
      "QKNsYmySomFihcQCbmTDxAR0eXBlozxVM8QEa2luZMQAxAVzaGFwZZECxARkYXRhxBh4AAAAeQAAAHoAAABxAAAA" +
      "AAAAAAAAAACjaTY0koPEAm5kwsQEdHlwZaM8aTjEBGRhdGHECAAAAAAAAQAAg8QCbmTCxAR0eXBlozxpOMQEZGF0" +
      "YcQI/f////////+qdGltZXN0YW1wc4GibTGSyz/7MzMzMzMzyz/8zMzMzMzNkqRzdG9whaN1aWSidDGpcnVuX3N0" +
      "YXJ0onMxpHRpbWXLQAAAAAAAAACrZXhpdF9zdGF0dXOnc3VjY2Vzc6pudW1fZXZlbnRzgadwcmltYXJ5Ag==",
  ),
  (c) => c.charCodeAt(0),
);

Deno.test("readDocumentStream() reads what Python's suitcase-msgpack and msgpack-numpy wrote", async () => {
  const docs = await read(SUITCASE);
  assert.deepEqual(docs.map(([name]) => name), ["start", "descriptor", "event_page", "stop"]);
  const [start, , page] = docs as [
    ["start", Record<string, unknown>],
    unknown,
    ["event_page", { data: Record<string, unknown> }],
  ];
  assert.equal(start[1].note, "Fe₂O₃ 😀");
  assert.ok(Number.isNaN(start[1].nan));
  assert.deepEqual(page[1].data, {
    m1: [0.5, -0.25],
    img: [[[0, 1, 2], [3, 4, 5]], [[0, 1], [2, 3], [4, 5]]],
    flag: [true, false],
    f32: [1.25, 2],
    lbl: ["ab", ["xyz", "q"]],
    i64: [2 ** 40, -3],
  });
});
