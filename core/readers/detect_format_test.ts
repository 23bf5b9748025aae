import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { encode } from "@msgpack/msgpack";
import { detectFormat } from "./detect_format.ts";

const text = (value: string) => new TextEncoder().encode(value);

Deno.test("detectFormat() goes by the extension, before any .gz", () => {
  const none = new Uint8Array();
  assert.deepEqual(detectFormat("a/b.json", none), { format: "json", gzip: false });
  assert.deepEqual(detectFormat("b.JSONL", none), { format: "jsonl", gzip: false });
  assert.deepEqual(detectFormat("b.ndjson.gz", none), { format: "jsonl", gzip: true });
  assert.deepEqual(detectFormat("b.msgpack.GZ", none), { format: "msgpack", gzip: true });
  // The name wins over the content.
  assert.deepEqual(detectFormat("b.json", text('["start", {}]')), { format: "json", gzip: false });
});

Deno.test("detectFormat() tells gzip by the magic bytes", () => {
  const packed = gzipSync(text('{"name": "start", "doc": {}}\n'));
  assert.deepEqual(detectFormat("b.json", packed), { format: "json", gzip: true });
  assert.deepEqual(detectFormat("upload", packed), { format: "jsonl", gzip: true });
  // The first few bytes of a large file are enough.
  const large = gzipSync(text(`[\n${'["event", {"uid": "e"}],\n'.repeat(100_000)}]`));
  assert.deepEqual(detectFormat("upload", large.subarray(0, 100)), { format: "json", gzip: true });
});

Deno.test("detectFormat() tells an unnamed file by its first characters", () => {
  const cases: [string | Uint8Array, string][] = [
    ['[["start", {}]]', "json"],
    ['\ufeff  [\n  [\n "start"', "json"],
    ['[{"name": "start", "doc": {}}]', "json"],
    ["[]", "json"],
    ['["start", {}]\n', "jsonl"],
    ['{"name": "start", "doc": {}}\n', "jsonl"],
    ["", "jsonl"],
    [encode(["start", {}]), "msgpack"],
    [encode({ name: "start", doc: {} }), "msgpack"],
  ];
  for (const [content, format] of cases) {
    const bytes = typeof content === "string" ? text(content) : content;
    assert.deepEqual(detectFormat("data.bin", bytes), { format, gzip: false }, String(content));
  }
});

Deno.test("detectFormat() refuses content that is neither JSON nor msgpack", () => {
  assert.throws(() => detectFormat("notes.txt", text("  hello")), {
    name: "DocumentFileError",
    message: 'File "notes.txt", byte 0: Unknown document file format: the content starts with ' +
      "byte 0x68, which starts neither JSON nor msgpack; name the format",
  });
  assert.throws(() => detectFormat("bad.dat", new Uint8Array([0x1f, 0x8b, 1, 2, 3])), {
    name: "DocumentFileError",
    message: /^File "bad.dat", byte 0: Invalid gzip data: /,
  });
});
