import assert from "node:assert/strict";
import { readDocumentBatches, readDocuments } from "./read_documents.ts";
import { writeJsonLines } from "./json_lines_writer.ts";
import { benchRun } from "../../bench/_documents.ts";

const SIZE = 200 * 1024 * 1024;

/** Write a JSON array of events of about `size` bytes, a few megabytes at a time. */
async function writeLargeArray(path: string, size: number): Promise<number> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  const write = async (text: string) => {
    const bytes = encoder.encode(text);
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
  };
  await write('[\n["start", {"uid": "s1", "time": 1}],\n');
  let written = 0;
  let events = 0;
  while (written < size) {
    const lines: string[] = [];
    for (let k = 0; k < 10_000; k++) {
      events++;
      const data = `{"m1": ${events * 0.001}, "det": ${(events * 7) % 1000}, "name": "x\\"y[z]"}`;
      lines.push(
        `["event", {"uid": "e${events}", "descriptor": "d1", "seq_num": ${events}, ` +
          `"time": ${1.7e9 + events}, "data": ${data}, "timestamps": ${data}}],\n`,
      );
    }
    const text = lines.join("");
    written += text.length;
    await write(text);
  }
  await write(
    '["stop", {"uid": "t1", "run_start": "s1", "time": 2, "exit_status": "success"}]\n]\n',
  );
  return events;
}

Deno.test("readDocuments() reads a 200 MB JSON array in far less memory than its size", async () => {
  const dir = await Deno.makeTempDir({ prefix: "readers-" });
  try {
    const path = `${dir}/large.json`;
    const events = await writeLargeArray(path, SIZE);
    // This isolate's memory (its heap and the buffers it holds), not the process's: other
    // test modules run beside it in the same process.
    const used = () => {
      const { heapUsed, external } = Deno.memoryUsage();
      return heapUsed + external;
    };
    const before = used();
    let peak = before;
    let count = 0;
    let last: string | undefined;
    for await (const [name] of readDocuments(path)) {
      if (++count % 10_000 === 0) peak = Math.max(peak, used());
      last = name;
    }
    assert.equal(count, events + 2);
    assert.equal(last, "stop");
    // Holding the file would take several times its size (as text, then as objects); streaming
    // takes some tens of megabytes of heap headroom, whatever the size.
    const growth = peak - before;
    assert.ok(growth < SIZE / 2, `The memory in use grew by ${(growth / 2 ** 20).toFixed(0)} MB`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readDocumentBatches() gives the event loop turns while it reads a large file", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await writeJsonLines(path, benchRun(60_000));
    let read = 0;
    let readWhenFired: number | undefined;
    // A timer (or a signal's handler) runs only at a turn: synchronous reads give none.
    setTimeout(() => readWhenFired = read, 0);
    for await (const batch of readDocumentBatches(path)) for (const _ of batch) read++;
    assert.equal(read, 60_003); // start, descriptor, events, stop
    assert.ok(readWhenFired !== undefined && readWhenFired < read, `fired at ${readWhenFired}`);
  } finally {
    await Deno.remove(path);
  }
});
