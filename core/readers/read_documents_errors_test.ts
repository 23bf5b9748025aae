import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { encode } from "@msgpack/msgpack";
import { DocumentFileError } from "./document_file_error.ts";
import { type DocumentFileFormat, readDocuments, readDocumentStream } from "./read_documents.ts";

const START = '["start", {"uid": "s1", "time": 1}]';
const STOP = '["stop", {"uid": "t1", "run_start": "s1", "time": 2, "exit_status": "success"}]';

interface Outcome {
  /** Names of the documents read before the error. */
  names: string[];
  error: DocumentFileError;
}

/** Read bytes to the error they must end in. */
async function failure(
  bytes: Uint8Array | string,
  format: DocumentFileFormat,
  source = "runs",
): Promise<Outcome> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const names: string[] = [];
  try {
    for await (
      const [name] of readDocumentStream(ReadableStream.from([data]), { format, source })
    ) {
      names.push(name);
    }
  } catch (error) {
    assert.ok(error instanceof DocumentFileError, String(error));
    assert.equal(error.name, "DocumentFileError");
    return { names, error };
  }
  assert.fail("No error");
}

Deno.test("readDocuments() names the file and line of invalid JSON Lines", async () => {
  const { names, error } = await failure(`${START}\n\n["event", {"uid": x}]\n${STOP}\n`, "jsonl");
  assert.deepEqual(names, ["start"]);
  assert.match(error.message, /^File "runs", line 3, document 2: Unexpected token 'x'/);
  assert.equal(error.line, 3);
  assert.equal(error.index, 1);
  assert.ok(error.cause instanceof SyntaxError);
});

Deno.test("readDocuments() names the line where a bad item of a JSON array starts", async () => {
  const text = `[\n  ${START},\n  ["event",\n   {"uid": nan}]\n]`;
  const { names, error } = await failure(text, "json");
  assert.deepEqual(names, ["start"]);
  assert.match(error.message, /^File "runs", line 3, document 2: /);
  assert.equal(error.line, 3);
});

Deno.test("readDocuments() refuses a JSON array that is not closed", async () => {
  const open = await failure(`[\n${START},\n${STOP}\n`, "json");
  assert.deepEqual(open.names, ["start", "stop"]);
  assert.equal(
    open.error.message,
    'File "runs", line 4: Unexpected end of file: the array has no closing "]"',
  );
  const cut = await failure(`[\n${START},\n${STOP.slice(0, 30)}`, "json");
  assert.deepEqual(cut.names, ["start"]);
  assert.equal(
    cut.error.message,
    'File "runs", line 3, document 2: Unexpected end of file inside the item that starts on line 3',
  );
  const empty = await failure("  \n", "json");
  assert.equal(empty.error.message, 'File "runs", line 2: Unexpected end of file: no JSON array');
});

Deno.test("readDocuments() refuses a cut last line of JSON Lines", async () => {
  const { names, error } = await failure(`${START}\n${STOP.slice(0, 40)}`, "jsonl");
  assert.deepEqual(names, ["start"]);
  assert.match(error.message, /^File "runs", line 2, document 2: /);
});

Deno.test("readDocuments() refuses JSON array syntax errors between items", async () => {
  const missingComma = await failure(`[${START}\n ${STOP}]`, "json");
  assert.equal(
    missingComma.error.message,
    'File "runs", line 2: Unexpected "[": expected "," or "]" after an item',
  );
  const trailing = await failure(`[${START}] x`, "json");
  assert.match(trailing.error.message, /line 1: Unexpected "x": expected nothing after the end/);
  const notArray = await failure(`{"name": "start"}`, "json");
  assert.match(notArray.error.message, /Unexpected "{": expected "\[" to open a JSON array/);
  const scalar = await failure(`[${START}, 42]`, "json");
  assert.equal(
    scalar.error.message,
    'File "runs", line 1, document 2: ' +
      "Expected a [name, doc] pair or a {name, doc} object, found a number",
  );
});

Deno.test("readDocuments() refuses items that are not [name, doc] pairs", async () => {
  const cases: [string, string][] = [
    ['["start"]', "Expected a [name, doc] pair or a {name, doc} object, found an array of 1 item"],
    ['{"name": "start"}', 'found an object with keys "name"'],
    ['"start"', 'found the string "start"'],
    ['[42, {"uid": "s1"}]', "The document name is not a string: found number 42"],
    ['["bulk_events", {}]', 'Unknown document name "bulk_events"'],
    ['{"name": "toString", "doc": {}}', 'Unknown document name "toString"'],
    ['["start", [1, 2]]', "The start document is not an object: found an array of 2 items"],
    ['{"name": "stop", "doc": null}', "The stop document is not an object: found null"],
  ];
  for (const [line, message] of cases) {
    const { names, error } = await failure(`${START}\n${line}\n`, "jsonl");
    assert.deepEqual(names, ["start"]);
    assert.ok(error.message.startsWith('File "runs", line 2, document 2: '), error.message);
    assert.ok(error.message.includes(message), `${error.message} lacks ${message}`);
    if (line.startsWith('"')) continue; // a JSON array's splitter tells only "a string"
    const inArray = await failure(`[${START},\n${line}]`, "json");
    assert.equal(inArray.error.message, error.message);
  }
});

Deno.test("readDocuments() refuses bytes that are not UTF-8, with their offset and line", async () => {
  const utf8 = (text: string) => [...new TextEncoder().encode(text)];
  const cases = {
    jsonl: new Uint8Array([...utf8(`${START}\n["start", {"uid": "é`), 0xff, ...utf8('"}]\n')]),
    json: new Uint8Array([...utf8(`[${START},\n["start", {"uid": "é`), 0xff, ...utf8('"}]]')]),
  };
  for (const [format, bytes] of Object.entries(cases) as [DocumentFileFormat, Uint8Array][]) {
    const offset = bytes.indexOf(0xff);
    const { error } = await failure(bytes, format);
    assert.equal(error.offset, offset);
    assert.equal(error.line, 2);
    assert.equal(error.message, `File "runs", line 2: Invalid UTF-8 at byte ${offset} (0xff)`);
  }
  const cut = await failure(new Uint8Array([...utf8(`${START}\n`), 0xe2, 0x82]), "jsonl");
  assert.equal(cut.error.offset, START.length + 1);
  assert.match(cut.error.message, /line 2: Invalid UTF-8: the file ends inside a character/);
  // An overlong form, split across chunks: the error points at its first byte.
  const chunks = [
    new Uint8Array(utf8(`${START}\n"`)),
    new Uint8Array([0xe0]),
    new Uint8Array([0x80, 0x80]),
  ];
  await assert.rejects(
    () =>
      Array.fromAsync(
        readDocumentStream(ReadableStream.from(chunks), { format: "jsonl", source: "runs" }),
      ),
    { name: "DocumentFileError", offset: START.length + 2, line: 2 },
  );
});

Deno.test("readDocuments() names the byte offset of a bad msgpack item", async () => {
  const start = encode(["start", { uid: "s1", time: 1 }]);
  const stop = encode(["stop", { uid: "t1", run_start: "s1", time: 2, exit_status: "success" }]);
  const cut = await failure(new Uint8Array([...start, ...stop.subarray(0, 20)]), "msgpack");
  assert.deepEqual(cut.names, ["start"]);
  assert.equal(
    cut.error.message,
    `File "runs", byte ${start.length + 20}, document 2: ` +
      `Unexpected end of file inside the document that starts at byte ${start.length}`,
  );
  const scalar = await failure(new Uint8Array([...start, ...encode(42)]), "msgpack");
  assert.equal(
    scalar.error.message,
    `File "runs", byte ${start.length}, document 2: ` +
      "Expected a msgpack [name, doc] pair or {name, doc} map, found byte 0x2a",
  );
  const triple = await failure(encode(["start", {}, 3]), "msgpack");
  assert.match(triple.error.message, /byte 0, document 1: Expected a msgpack \[name, doc\] pair/);
  const unknown = await failure(
    new Uint8Array([...start, ...encode(["bulk_events", {}])]),
    "msgpack",
  );
  assert.equal(
    unknown.error.message,
    `File "runs", byte ${start.length}, document 2: Unknown document name "bulk_events"`,
  );
  const badString = encode(["start", { uid: "s\u00ff" }]);
  badString[badString.indexOf(0xc3)] = 0xff;
  const utf8 = await failure(badString, "msgpack");
  assert.equal(utf8.error.offset, badString.indexOf(0xff));
  assert.match(utf8.error.message, /Invalid UTF-8 in a msgpack string/);
});

Deno.test("readDocuments() refuses a cut gzip file after the documents before the cut", async () => {
  const lines = `${Array.from({ length: 2000 }, () => STOP).join("\n")}\n`;
  const packed = gzipSync(new TextEncoder().encode(lines));
  const { names, error } = await failure(packed.subarray(0, packed.length - 8), "jsonl");
  assert.equal(names.length, 2000);
  assert.equal(error.message, 'File "runs": Invalid gzip data: unexpected end of file');
});

Deno.test("readDocuments() refuses a file whose format cannot be told", async () => {
  const path = await Deno.makeTempFile({ suffix: ".dat" });
  try {
    await Deno.writeTextFile(path, "hello");
    await assert.rejects(() => Array.fromAsync(readDocuments(path)), {
      name: "DocumentFileError",
      message: `File "${path}", byte 0: Unknown document file format: the content starts with ` +
        "byte 0x68, which starts neither JSON nor msgpack; name the format",
    });
  } finally {
    await Deno.remove(path);
  }
});
