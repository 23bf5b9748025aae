import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { encode } from "@msgpack/msgpack";
import type { NamedDocument } from "../documents/types.ts";
import { type DocumentFileFormat, readDocuments, readDocumentStream } from "./read_documents.ts";

/** Documents with what trips up a splitter: escapes, brackets in strings, multi-byte text. */
const DOCS: NamedDocument[] = [
  ["start", {
    uid: "s1",
    time: 1.5,
    plan_name: "scan",
    note: 'quote " backslash \\ brackets ][}{ "\\" end\\',
    sample: "Fe₂O₃ at 25 °C, 😀",
    motors: ["m1"],
  }],
  ["descriptor", {
    uid: "d1",
    run_start: "s1",
    time: 1.6,
    data_keys: { m1: { dtype: "number", shape: [], source: "SIM:m1" } },
    name: "primary",
  }],
  ["event_page", {
    uid: ["e1", "e2"],
    descriptor: "d1",
    seq_num: [1, 2],
    time: [1.7, 1.8],
    data: { m1: [0.5, -0.25] },
    timestamps: { m1: [1.7, 1.8] },
  }],
  ["stop", { uid: "t1", run_start: "s1", time: 2, exit_status: "success", reason: "" }],
];

const encoder = new TextEncoder();

function asJsonArray(docs: NamedDocument[]): string {
  return `[\n${docs.map((pair) => `  ${JSON.stringify(pair, null, 1)}`).join(",\n")}\n]`;
}

function asJsonLines(docs: NamedDocument[]): string {
  return docs.map(([name, doc], k) =>
    k % 2 === 0 ? JSON.stringify([name, doc]) : JSON.stringify({ name, doc })
  ).join("\n") + "\n";
}

function asMsgpack(docs: NamedDocument[]): Uint8Array {
  const parts = docs.map(([name, doc], k) => encode(k % 2 === 0 ? [name, doc] : { name, doc }));
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  parts.reduce((at, part) => (out.set(part, at), at + part.length), 0);
  return out;
}

function bytesOf(format: DocumentFileFormat, docs: NamedDocument[]): Uint8Array {
  if (format === "msgpack") return asMsgpack(docs);
  return encoder.encode(format === "json" ? asJsonArray(docs) : asJsonLines(docs));
}

/** Split bytes into chunks of the sizes `size()` gives. */
function chunked(bytes: Uint8Array, size: () => number): ReadableStream<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const end = Math.min(bytes.length, at + size());
    chunks.push(bytes.slice(at, end));
    at = end;
  }
  return ReadableStream.from(chunks);
}

/** A small seeded generator, so that a failing chunking can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "readers-" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const format of ["json", "jsonl", "msgpack"] as const) {
  Deno.test(`readDocuments() reads a ${format} file`, async () => {
    await withTempDir(async (dir) => {
      await Deno.writeFile(`${dir}/run.${format}`, bytesOf(format, DOCS));
      assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/run.${format}`)), DOCS);
    });
  });

  Deno.test(`readDocuments() reads a gzipped ${format} file`, async () => {
    await withTempDir(async (dir) => {
      await Deno.writeFile(`${dir}/run.${format}.gz`, gzipSync(bytesOf(format, DOCS)));
      assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/run.${format}.gz`)), DOCS);
    });
  });

  Deno.test(`readDocuments() tells a ${format} file by its content`, async () => {
    await withTempDir(async (dir) => {
      await Deno.writeFile(`${dir}/plain.dat`, bytesOf(format, DOCS));
      await Deno.writeFile(`${dir}/packed.dat`, gzipSync(bytesOf(format, DOCS)));
      assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/plain.dat`)), DOCS);
      assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/packed.dat`)), DOCS);
    });
  });

  Deno.test(`readDocumentStream() reads ${format} bytes cut anywhere`, async () => {
    const bytes = bytesOf(format, DOCS);
    const read = (stream: ReadableStream<Uint8Array>) =>
      Array.fromAsync(readDocumentStream(stream, { format, source: "test" }));
    assert.deepEqual(await read(chunked(bytes, () => 1)), DOCS);
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed);
      assert.deepEqual(await read(chunked(bytes, () => 1 + Math.floor(next() * 40))), DOCS);
    }
    const packed = gzipSync(bytes);
    assert.deepEqual(await read(chunked(packed, () => 1)), DOCS);
  });
}

Deno.test("readDocuments() reads the {name, doc} array that bluesky's JSONWriter writes", async () => {
  await withTempDir(async (dir) => {
    const text = `[\n${DOCS.map(([name, doc]) => JSON.stringify({ name, doc })).join(",\n")}\n]`;
    await Deno.writeTextFile(`${dir}/run.txt`, text);
    assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/run.txt`)), DOCS);
  });
});

Deno.test("readDocuments() reads two runs that bluesky's JSONLinesWriter appended", async () => {
  // Its stop document has no newline, so the next run's start follows on the same line.
  const line = ([name, doc]: NamedDocument) =>
    JSON.stringify({ name, doc }).replaceAll('":', '": ');
  const run = DOCS.map(line).join("\n");
  const names: string[] = [];
  const cut = readDocumentStream(
    ReadableStream.from([encoder.encode(`${run}${run}{"name": "stop"`)]),
    { format: "jsonl", source: "runs.jsonl" },
  );
  await assert.rejects(async () => {
    for await (const [name] of cut) names.push(name);
  }, { name: "DocumentFileError", index: 2 * DOCS.length, line: 2 * DOCS.length - 1 });
  assert.equal(names.length, 2 * DOCS.length);
  const docs = await Array.fromAsync(
    readDocumentStream(ReadableStream.from([encoder.encode(`${run}${run}`)]), {
      format: "jsonl",
      source: "runs.jsonl",
    }),
  );
  assert.deepEqual(docs, [...DOCS, ...DOCS]);
});

Deno.test("readDocuments() reads a gzip file of several members", async () => {
  await withTempDir(async (dir) => {
    const [first, second] = [DOCS.slice(0, 2), DOCS.slice(2)];
    const packed = [gzipSync(bytesOf("jsonl", first)), gzipSync(bytesOf("jsonl", second))];
    await Deno.writeFile(`${dir}/run.jsonl.gz`, concat(packed));
    assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/run.jsonl.gz`)), DOCS);
  });
});

Deno.test("readDocuments() lets the format option override the extension", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/run.json`, asJsonLines(DOCS));
    const docs = await Array.fromAsync(readDocuments(`${dir}/run.json`, { format: "jsonl" }));
    assert.deepEqual(docs, DOCS);
  });
});

Deno.test("readDocuments() reads an empty array and an empty JSON Lines file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/empty.json`, " [ ]\n");
    await Deno.writeTextFile(`${dir}/empty.jsonl`, "\n\n");
    assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/empty.json`)), []);
    assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/empty.jsonl`)), []);
  });
});

Deno.test("readDocuments() skips blank lines and CRLF endings in JSON Lines", async () => {
  await withTempDir(async (dir) => {
    const lines = DOCS.map((pair) => JSON.stringify(pair));
    await Deno.writeTextFile(`${dir}/run.jsonl`, `\n${lines.join("\r\n\r\n")}`);
    assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/run.jsonl`)), DOCS);
  });
});

Deno.test("readDocuments() reads Python's NaN and Infinity tokens", async () => {
  await withTempDir(async (dir) => {
    const doc = '{"uid": "e1", "descriptor": "d1", "seq_num": 1, "time": 1, ' +
      '"data": {"a": NaN, "b": Infinity, "c": -Infinity, "d": [NaN, 1], "e": "NaN Infinity"}, ' +
      '"timestamps": {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}}';
    await Deno.writeTextFile(`${dir}/run.json`, `[["event", ${doc}]]`);
    await Deno.writeTextFile(`${dir}/run.jsonl`, `{"name": "event", "doc": ${doc}}`);
    for (const file of ["run.json", "run.jsonl"]) {
      const bytes = await Deno.readFile(`${dir}/${file}`);
      const format = file === "run.json" ? "json" : "jsonl";
      const oneByte = readDocumentStream(chunked(bytes, () => 1), { format, source: file });
      assert.deepEqual(
        await Array.fromAsync(oneByte),
        await Array.fromAsync(readDocuments(`${dir}/${file}`)),
      );
      const docs = await Array.fromAsync(readDocuments(`${dir}/${file}`));
      assert.equal(docs.length, 1);
      const [name, event] = docs[0] as ["event", { data: Record<string, unknown> }];
      assert.equal(name, "event");
      assert.deepEqual(event.data, {
        a: NaN,
        b: Infinity,
        c: -Infinity,
        d: [NaN, 1],
        e: "NaN Infinity",
      });
    }
  });
});

Deno.test("readDocuments() reports progress about every megabyte and at the end", async () => {
  await withTempDir(async (dir) => {
    const many = Array.from({ length: 30_000 }, (_, k): NamedDocument => [
      "stop",
      { uid: `t${k}`, run_start: "s1", time: k, exit_status: "success", reason: "x".repeat(50) },
    ]);
    const path = `${dir}/many.jsonl.gz`;
    await Deno.writeFile(path, gzipSync(encoder.encode(asJsonLines(many)), { level: 0 }));
    const size = (await Deno.stat(path)).size;
    assert.ok(size > 3 * 1024 * 1024, `the test file has ${size} bytes`);
    const calls: [number, number | undefined][] = [];
    let count = 0;
    for await (const _ of readDocuments(path, { onProgress: (...call) => calls.push(call) })) {
      count++;
    }
    assert.equal(count, many.length);
    assert.deepEqual(calls.at(-1), [size, size]);
    assert.ok(calls.length <= Math.ceil(size / (1024 * 1024)) + 1, `${calls.length} calls`);
    for (let k = 1; k < calls.length; k++) {
      assert.ok((calls[k]?.[0] as number) > (calls[k - 1]?.[0] as number));
    }
  });
});

Deno.test("readDocuments() stops with the signal's reason when aborted", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/run.jsonl`, asJsonLines(DOCS));
    const controller = new AbortController();
    const names: string[] = [];
    await assert.rejects(async () => {
      for await (const [name] of readDocuments(`${dir}/run.jsonl`, { signal: controller.signal })) {
        names.push(name);
        controller.abort(new Error("enough"));
      }
    }, { message: "enough" });
    assert.deepEqual(names, ["start"]);
  });
});

/** Open file descriptors of this process, where Linux tells. */
const openFiles = await Deno.stat("/proc/self/fd").then(
  () => () => [...Deno.readDirSync("/proc/self/fd")].length,
  () => undefined,
);

Deno.test("readDocuments() closes the file when the reader stops early", async () => {
  // Deno's resource sanitizer does not see a file held by a stream: count descriptors.
  const before = openFiles?.();
  await withTempDir(async (dir) => {
    // Larger than what one read and format detection take, so that the reader stops mid-file.
    const many = Array.from({ length: 5000 }, () => DOCS).flat();
    for (const name of ["run.json", "run.json.gz", "run.msgpack"]) {
      const bytes = bytesOf(name === "run.msgpack" ? "msgpack" : "json", many);
      await Deno.writeFile(`${dir}/${name}`, name.endsWith(".gz") ? gzipSync(bytes) : bytes);
      for await (const _ of readDocuments(`${dir}/${name}`)) break;
    }
  });
  if (openFiles !== undefined) assert.equal(openFiles(), before);
});

Deno.test("readDocuments() rejects a missing file with NotFound", async () => {
  await assert.rejects(
    () => Array.fromAsync(readDocuments("/nonexistent/run.jsonl")),
    Deno.errors.NotFound,
  );
});
