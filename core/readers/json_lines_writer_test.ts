import assert from "node:assert/strict";
import type { NamedDocument } from "../documents/types.ts";
import { JsonLinesWriter, writeJsonLines } from "./json_lines_writer.ts";
import { readDocuments } from "./read_documents.ts";

const DOCS: NamedDocument[] = [
  ["start", { uid: "s1", time: 1.5, note: 'a "quoted" NaN\n', limits: [-Infinity, Infinity] }],
  ["event", {
    uid: "e1",
    descriptor: "d1",
    seq_num: 1,
    time: 1.7,
    data: { m1: NaN, m2: [1, NaN], m3: null },
    timestamps: { m1: 1.7, m2: 1.7, m3: 1.7 },
  }],
  ["stop", { uid: "t1", run_start: "s1", time: 2, exit_status: "success" }],
];

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "writer-" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A stream that keeps what is written, and counts the writes. */
function memorySink(): { stream: WritableStream<Uint8Array>; writes: Uint8Array[] } {
  const writes: Uint8Array[] = [];
  return { stream: new WritableStream({ write: (chunk) => void writes.push(chunk) }), writes };
}

Deno.test("JsonLinesWriter writes one {name, doc} object per line, NaN as Python does", async () => {
  const { stream, writes } = memorySink();
  const writer = new JsonLinesWriter(stream);
  for (const [name, doc] of DOCS) await writer.write(name, doc as never);
  await writer.close();
  const lines = new TextDecoder().decode(writes[0]).split("\n");
  assert.equal(lines.length, 4);
  assert.equal(lines[3], "");
  assert.equal(
    lines[0],
    '{"name":"start","doc":{"uid":"s1","time":1.5,"note":"a \\"quoted\\" NaN\\n",' +
      '"limits":[-Infinity,Infinity]}}',
  );
  assert.match(lines[1] as string, /"data":\{"m1":NaN,"m2":\[1,NaN\],"m3":null\}/);
  assert.equal(JSON.parse(lines[2] as string).name, "stop");
});

Deno.test("JsonLinesWriter gathers lines into writes of about a megabyte", async () => {
  const { stream, writes } = memorySink();
  const writer = new JsonLinesWriter(stream);
  const doc = { uid: "t1", run_start: "s1", time: 2, exit_status: "success" as const };
  for (let k = 0; k < 50_000; k++) await writer.write("stop", doc);
  await writer.close();
  const size = writes.reduce((sum, chunk) => sum + chunk.length, 0);
  assert.ok(size > 3_000_000, `${size} bytes`);
  assert.ok(writes.length <= Math.ceil(size / 1_000_000), `${writes.length} writes`);
  assert.equal(writer.count, 50_000);
});

Deno.test("JsonLinesWriter refuses to write after close", async () => {
  const writer = new JsonLinesWriter(memorySink().stream);
  await writer.close();
  await assert.rejects(() => writer.write("start", { uid: "s1", time: 1 }), {
    name: "TypeError",
    message: "Cannot write a start document: the writer is closed",
  });
});

Deno.test("writeJsonLines() writes a file that reads back the same, NaN included", async () => {
  await withTempDir(async (dir) => {
    for (const name of ["run.jsonl", "run.jsonl.gz"]) {
      const path = `${dir}/${name}`;
      assert.equal(await writeJsonLines(path, DOCS), 3);
      const head = (await Deno.readFile(path)).subarray(0, 2);
      assert.equal(head[0] === 0x1f && head[1] === 0x8b, name.endsWith(".gz"), name);
      assert.deepEqual(await Array.fromAsync(readDocuments(path)), DOCS);
    }
  });
});

Deno.test("writeJsonLines() takes an async iterable and the gzip option", async () => {
  await withTempDir(async (dir) => {
    async function* docs() {
      yield* DOCS;
    }
    const path = `${dir}/run.log`;
    assert.equal(await writeJsonLines(path, docs(), { gzip: true }), 3);
    const read = readDocuments(path, { format: "jsonl" });
    assert.deepEqual(await Array.fromAsync(read), DOCS);
  });
});

Deno.test("writeJsonLines() leaves nothing at the path when the documents fail", async () => {
  await withTempDir(async (dir) => {
    function* failing(): Generator<NamedDocument> {
      yield DOCS[0] as NamedDocument;
      throw new Error("The run broke");
    }
    await assert.rejects(() => writeJsonLines(`${dir}/run.jsonl`, failing()), {
      message: "The run broke",
    });
    await Deno.writeTextFile(`${dir}/old.jsonl`, "kept\n");
    await assert.rejects(() => writeJsonLines(`${dir}/old.jsonl`, failing()));
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["old.jsonl"]);
    assert.equal(await Deno.readTextFile(`${dir}/old.jsonl`), "kept\n");
  });
});

Deno.test("writeJsonLines() replaces an existing file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/run.jsonl`, "old\n");
    await writeJsonLines(`${dir}/run.jsonl`, DOCS);
    assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/run.jsonl`)), DOCS);
  });
});
