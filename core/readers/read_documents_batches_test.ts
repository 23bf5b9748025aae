/**
 * The fast paths of reading: batches of documents per read, text decoded without the fatal
 * decoder (a U+FFFD the file holds is text; a bad byte is still an error naming its line),
 * and long integers found after a plain parse.
 */

import assert from "node:assert/strict";
import { DocumentFileError } from "./document_file_error.ts";
import { readDocumentBatches, readDocuments, readDocumentStream } from "./read_documents.ts";

const utf8 = (text: string) => [...new TextEncoder().encode(text)];
const START = '["start", {"uid": "s1", "time": 1}]';

async function uidsOf(chunks: Uint8Array[]): Promise<unknown[]> {
  const docs = readDocumentStream(ReadableStream.from(chunks), { format: "jsonl", source: "s" });
  return (await Array.fromAsync(docs)).map(([, doc]) => (doc as { uid: unknown }).uid);
}

Deno.test("readDocuments() keeps a U+FFFD the file holds, also cut across chunks", async () => {
  const bytes = new Uint8Array(utf8('["start", {"uid": "a\ufffdb", "time": 1}]\n'));
  const at = bytes.indexOf(0xef);
  for (const cut of [at, at + 1, at + 2, at + 3]) {
    assert.deepEqual(await uidsOf([bytes.subarray(0, cut), bytes.subarray(cut)]), ["a\ufffdb"]);
  }
});

Deno.test("readDocuments() names the line of a bad byte beside a real U+FFFD, and of one cut across chunks", async () => {
  const good = utf8('["start", {"uid": "\ufffd", "time": 1}]\n');
  // A three-byte character whose last byte is not a continuation byte.
  const bad = new Uint8Array([...good, ...utf8('["stop", {"uid": "'), 0xe2, 0x82, 0x41]);
  const offset = good.length + utf8('["stop", {"uid": "').length;
  for (const cut of [bad.length, offset + 1, offset + 2]) {
    const chunks = [bad.subarray(0, cut), bad.subarray(cut)];
    await assert.rejects(uidsOf(chunks), (error: unknown) => {
      assert.ok(error instanceof DocumentFileError);
      assert.equal(error.line, 2);
      assert.equal(error.offset, offset);
      assert.match(error.message, /line 2: Invalid UTF-8 at byte \d+ \(0xe2\)/);
      return true;
    });
  }
});

Deno.test("readDocumentBatches() gives every document of a large file, in order, in batches", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    // Lines of several reads' worth, each line cut by some read's end.
    const lines = [START];
    for (let i = 1; i <= 3000; i++) {
      lines.push(`["stop", {"uid": "e${i}", "run_start": "s1", "pad": "${"x".repeat(i % 97)}"}]`);
    }
    await Deno.writeTextFile(path, lines.join("\r\n") + "\r\n\r\n");
    let batches = 0;
    const uids: unknown[] = [];
    for await (const batch of readDocumentBatches(path)) {
      batches++;
      for (const [, doc] of batch) uids.push((doc as { uid: unknown }).uid);
    }
    assert.equal(uids.length, 3001);
    assert.deepEqual(uids.slice(0, 3), ["s1", "e1", "e2"]);
    assert.equal(uids.at(-1), "e3000");
    assert.ok(batches > 1 && batches < 100, `${batches} batches`);
    // One by one, the same documents.
    assert.equal((await Array.fromAsync(readDocuments(path))).length, 3001);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readDocumentBatches() gives the documents before a bad line, then its error", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await Deno.writeTextFile(path, `${START}\n${START.replace("s1", "s2")}\n["stop", x]\n`);
    const uids: unknown[] = [];
    await assert.rejects(
      async () => {
        for await (const batch of readDocumentBatches(path)) {
          for (const [, doc] of batch) uids.push((doc as { uid: unknown }).uid);
        }
      },
      (error: unknown) => error instanceof DocumentFileError && error.line === 3,
    );
    assert.deepEqual(uids, ["s1", "s2"]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readDocuments() keeps integers beyond 2^53 exact beside floats of 16 digits", async () => {
  const line = '["start", {"uid": "s1", "time": 0.1234567890123456, "n": 9007199254740993, ' +
    '"m": -9007199254740993, "f": 1e300, "s": 9007199254740992}]\n';
  const [[, doc]] = await Array.fromAsync(
    readDocumentStream(ReadableStream.from([new TextEncoder().encode(line)]), {
      format: "jsonl",
      source: "s",
    }),
  ) as unknown as [[string, Record<string, unknown>]];
  assert.equal(doc.time, 0.1234567890123456);
  assert.equal(doc.n, 9007199254740993n);
  assert.equal(doc.m, -9007199254740993n);
  assert.equal(doc.f, 1e300);
  assert.equal(doc.s, 9007199254740992n);
});
