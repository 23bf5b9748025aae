/**
 * Hostile files: bombs and endless streams, lines longer than the documented limit, asset
 * documents that do not fit their files, a disk that fills while converting, and a run whose
 * warnings repeat for every document.
 *
 * The reading tests use a small `maxDocumentSize` (1 MiB) and generated streams. Memory stays
 * bounded by construction: a splitter holds at most the limit and one chunk before it throws,
 * so the tests assert that reading stopped within a few chunks of the limit, not how long or
 * how much memory it took.
 */

import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { encode } from "@msgpack/msgpack";
import {
  DocumentFileError,
  readDocuments,
  readDocumentStream,
  writeJsonLines,
} from "../core/readers/mod.ts";
import { H5wasmBackend, NexusLayoutError } from "../core/nexus/mod.ts";
import { hdf5Error } from "../core/nexus/_h5wasm.ts";
import {
  AssetsMissingError,
  composeRun,
  createNXWriter,
  type Hdf5Backend,
  type NamedDocument,
  RunEngine,
  scan,
} from "../mod.ts";
import { SimAreaDetector, SimMotor } from "../devices/mod.ts";
import { ROOT, runScript } from "./_cli.ts";

const MiB = 1024 * 1024;
const LIMIT = MiB;
const CHUNK = 64 * 1024;

/**
 * An endless stream of `fill` after `head`, which fails once more than `budget` bytes were
 * pulled: a reader that does not stop at its limit fails the test instead of eating memory.
 */
function endless(
  head: Uint8Array,
  fill: number,
  budget = 16 * MiB,
): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  let sentHead = false;
  const chunk = new Uint8Array(CHUNK).fill(fill);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = sentHead ? chunk : head;
      sentHead = true;
      pulled += next.length;
      if (pulled > budget) {
        controller.error(new Error(`The reader pulled more than ${budget} bytes`));
      } else controller.enqueue(next);
    },
  });
  return { stream, pulled: () => pulled };
}

const encoder = new TextEncoder();
const START = '["start", {"uid": "s1", "time": 1}]\n';
const DESCRIPTOR = '["descriptor", {"uid": "d1", "run_start": "s1", "time": 1, ' +
  '"name": "primary", "data_keys": {}}]\n';

async function collect(
  documents: AsyncIterable<unknown>,
): Promise<{ names: string[]; error: unknown }> {
  const names: string[] = [];
  try {
    for await (const [name] of documents as AsyncIterable<[string]>) names.push(name);
  } catch (error) {
    return { names, error };
  }
  return { names, error: undefined };
}

Deno.test("An endless line of spaces is an error naming the line, once past maxDocumentSize", async () => {
  const { stream, pulled } = endless(encoder.encode(START + DESCRIPTOR), 0x20);
  const { names, error } = await collect(
    readDocumentStream(stream, { format: "jsonl", source: "spaces.jsonl", maxDocumentSize: LIMIT }),
  );
  assert.deepEqual(names, ["start", "descriptor"], "the documents before the line come out");
  assert.ok(error instanceof DocumentFileError, String(error));
  assert.equal(error.line, 3);
  assert.match(
    error.message,
    /^File "spaces\.jsonl", line 3: The line is longer than the limit of 1 MiB \(maxDocumentSize\)/,
  );
  assert.ok(pulled() <= LIMIT + 2 * CHUNK + 1024, `${pulled()} bytes were read`);
});

Deno.test("A stream of NUL bytes named .jsonl is refused at its first byte, naming the line", async () => {
  // What /dev/zero named runs.jsonl gives: no newline, ever.
  const { stream, pulled } = endless(new Uint8Array(CHUNK), 0);
  const { error } = await collect(
    readDocumentStream(stream, { format: "jsonl", source: "zero.jsonl" }),
  );
  assert.ok(error instanceof DocumentFileError, String(error));
  assert.equal(error.line, 1);
  assert.match(error.message, /^File "zero\.jsonl", line 1: A NUL byte at byte 0: not JSON text/);
  assert.ok(pulled() <= 8 * CHUNK, `${pulled()} bytes were read`);
});

Deno.test("A gzip bomb of NUL bytes after a good line is refused, naming line 2", async () => {
  const start = encoder.encode(START);
  const text = new Uint8Array(start.length + 64 * MiB); // the line, then 64 MiB of zeros
  text.set(start);
  const bomb = gzipSync(text);
  assert.ok(bomb.length < MiB, "the bomb is small");
  const { names, error } = await collect(
    readDocumentStream(ReadableStream.from([new Uint8Array(bomb)]), {
      format: "jsonl",
      source: "bomb.jsonl.gz",
    }),
  );
  assert.deepEqual(names, ["start"]);
  assert.ok(error instanceof DocumentFileError, String(error));
  assert.equal(error.line, 2);
  assert.match(error.message, /line 2: A NUL byte at byte \d+: not JSON text/);
});

Deno.test("An item of a JSON array longer than maxDocumentSize is an error naming its line", async () => {
  const head = encoder.encode('[\n["start", {"uid": "s1", "time": 1}],\n["event", {"data": "');
  const { stream, pulled } = endless(head, 0x61); // "aaaa...": a string that never ends
  const { names, error } = await collect(
    readDocumentStream(stream, { format: "json", source: "long.json", maxDocumentSize: LIMIT }),
  );
  assert.deepEqual(names, ["start"]);
  assert.ok(error instanceof DocumentFileError, String(error));
  assert.equal(error.line, 3);
  assert.match(
    error.message,
    /^File "long\.json", line 3, document 2: The document is longer than the limit of 1 MiB/,
  );
  assert.ok(pulled() <= LIMIT + 2 * CHUNK + 1024, `${pulled()} bytes were read`);
});

Deno.test("A msgpack document longer than maxDocumentSize is an error naming its offset", async () => {
  const first = encode(["start", { uid: "s1", time: 1 }]);
  // ["event", {"data": <bin32 of 4 GiB>}]: its header promises far more than the limit.
  const header = new Uint8Array([
    0x92,
    0xa5,
    ...encoder.encode("event"),
    0x81,
    0xa4,
    ...encoder.encode("data"),
    0xc6,
    0xff,
    0xff,
    0xff,
    0xff,
  ]);
  const head = new Uint8Array(first.length + header.length);
  head.set(first);
  head.set(header, first.length);
  const { stream, pulled } = endless(head, 0);
  const { names, error } = await collect(
    readDocumentStream(stream, {
      format: "msgpack",
      source: "big.msgpack",
      maxDocumentSize: LIMIT,
    }),
  );
  assert.deepEqual(names, ["start"]);
  assert.ok(error instanceof DocumentFileError, String(error));
  assert.equal(error.offset, first.length);
  assert.match(
    error.message,
    /^File "big\.msgpack", byte \d+, document 2: The document is longer than the limit of 1 MiB/,
  );
  assert.ok(pulled() <= LIMIT + 2 * CHUNK + 1024, `${pulled()} bytes were read`);
});

Deno.test("maxDocumentSize must be a positive number", () => {
  assert.throws(
    () =>
      readDocumentStream(ReadableStream.from([]), {
        format: "jsonl",
        source: "x",
        maxDocumentSize: 0,
      }),
    RangeError,
  );
});

Deno.test("The default limit lets a long line through", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const long = "x".repeat(3 * MiB);
    await Deno.writeTextFile(path, `["start", {"uid": "s1", "time": 1, "note": "${long}"}]\n`);
    const { names, error } = await collect(readDocuments(path));
    assert.equal(error, undefined);
    assert.deepEqual(names, ["start"]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("nx convert of /dev/zero named .jsonl fails at once, naming the file and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.symlink("/dev/zero", `${dir}/zero.jsonl`);
    const out = await runScript("nx.ts", ["convert", `${dir}/zero.jsonl`, "--dir", `${dir}/out`]);
    assert.equal(out.code, 1, out.stderr);
    assert.match(
      out.stderr,
      new RegExp(`File "${dir}/zero\\.jsonl", line 1: A NUL byte at byte 0: not JSON text`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nx convert of a gzip of 64 MiB of NUL bytes fails naming the file and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bomb = gzipSync(new Uint8Array(64 * MiB));
    await Deno.writeFile(`${dir}/bomb.jsonl`, bomb);
    const out = await runScript("nx.ts", ["convert", `${dir}/bomb.jsonl`, "--dir", `${dir}/out`]);
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, /bomb\.jsonl", line 1: A NUL byte at byte 0: not JSON text/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// A disk that fills. h5wasm reports it as the failure of whatever node it was writing, HDF5's
// "No space left on device" deep in its error stack; these fakes throw exactly that shape (taken
// from a write to a full 512 KiB tmpfs), as tests/faults_test.ts fakes a plain ENOSPC.

/** HDF5's report of a write to a full disk, shortened to its first and last entries. */
const FULL_REPORT = `HDF5-DIAG: Error detected in HDF5 (2.0.0):
  #000: H5D.c line 1360 in H5Dwrite(): can't synchronously write data
    major: Dataset
    minor: Write failed
  #016: H5FDsec2.c line 775 in H5FD__sec2_write(): file write failed: time = Wed Dec  2 03:15:14 2026
, filename = '/data/.run.h5.394edaaf.partial', file descriptor = 3, errno = 51, error message = 'No space left on device', buf = 0x2fd218, total write size = 1600000, bytes this sub-write = 1600000, offset = 8224
    major: Low-level I/O
    minor: Write failed
`;

/** How each step of a write fails when the disk fills during it. */
const FULL_DISK_FAILURES: Record<string, () => Error> = {
  "a field is written": () => {
    const cause = hdf5Error("Cannot create the field", FULL_REPORT);
    return new NexusLayoutError(cause.message, {
      path: "/entry/instrument/bluesky/streams/primary/x/value",
      plugin: "streams",
    }, { cause });
  },
  "a frame is copied": () => {
    const cause = hdf5Error("Cannot write frame 2", FULL_REPORT);
    return new NexusLayoutError(cause.message, {
      path: "/entry/instrument/bluesky/streams/primary/image/value",
      plugin: "streams",
    }, { cause });
  },
  "the file is closed": () =>
    hdf5Error('Cannot close "/data/.run.h5.394edaaf.partial"', FULL_REPORT),
};

function fullBackend(failure: () => Error): Hdf5Backend {
  return Object.assign(new H5wasmBackend(), {
    async write(_tree: unknown, path: string) {
      await Deno.writeTextFile(path, "half");
      throw failure();
    },
  });
}

function smallRun() {
  const run = composeRun({ plan_name: "count", scan_id: 3 });
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  const docs: NamedDocument[] = [["start", run.start], ["descriptor", primary.doc]];
  for (let i = 0; i < 3; i++) {
    docs.push(["event", primary.event({ data: { x: i }, timestamps: { x: i } })]);
  }
  docs.push(["stop", run.stop()]);
  return docs;
}

for (const [step, failure] of Object.entries(FULL_DISK_FAILURES)) {
  Deno.test(`A disk that fills while ${step} is reported as full, not as a plugin's fault`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const writer = createNXWriter({
        backend: fullBackend(failure),
        filePath: dir,
        fileName: "run.h5",
      });
      for (const [name, doc] of smallRun()) writer.receiver(name, doc as never);
      await assert.rejects(writer.wait(), (error: Error) => {
        assert.equal(error.message, `Cannot write "${dir}/run.h5": the disk is full`);
        return true;
      });
      assert.deepEqual([...Deno.readDirSync(dir)], [], "no file, no partial file");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/** A config whose backend fails as a full disk does while the streams are written. */
function fullDiskConfig(): string {
  return `import { H5wasmBackend, NexusLayoutError } from "${ROOT}core/nexus/mod.ts";
import { hdf5Error } from "${ROOT}core/nexus/_h5wasm.ts";
const real = new H5wasmBackend();
export default {
  backend: {
    versions: () => real.versions(),
    open: (path) => real.open(path),
    createFrameFile: (path, options) => real.createFrameFile(path, options),
    async write(_tree, path) {
      await Deno.writeTextFile(path, "half");
      const cause = hdf5Error("Cannot create the field", ${JSON.stringify(FULL_REPORT)});
      throw new NexusLayoutError(cause.message, { path: "/entry/x", plugin: "streams" }, { cause });
    },
  },
};
`;
}

Deno.test("nx convert on a disk that fills says the disk is full, and leaves no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/full.config.ts`, fullDiskConfig());
    await writeJsonLines(`${dir}/run.jsonl`, smallRun());
    await Deno.mkdir(`${dir}/out`);
    const out = await runScript("nx.ts", [
      "convert",
      `${dir}/run.jsonl`,
      "--file",
      `${dir}/out/run.h5`,
      "--config",
      `${dir}/full.config.ts`,
    ]);
    assert.equal(out.code, 1, out.stderr);
    assert.match(
      out.stderr,
      new RegExp(`not written: Cannot write "${dir}/out/run.h5": the disk is full\n`),
    );
    assert.doesNotMatch(out.stderr, /streams|HDF5/);
    assert.deepEqual([...Deno.readDirSync(`${dir}/out`)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nx export on a disk that fills says the disk is full, and leaves no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/full.config.ts`, fullDiskConfig());
    await writeJsonLines(`${dir}/run.jsonl`, smallRun());
    const imported = await runScript("nx.ts", [
      "import",
      `${dir}/run.jsonl`,
      "--catalog",
      `${dir}/catalog`,
      "--no-config",
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    await Deno.mkdir(`${dir}/out`);
    const out = await runScript("nx.ts", [
      "export",
      "--index",
      "-1",
      "--catalog",
      `${dir}/catalog`,
      "--file",
      `${dir}/out/run.h5`,
      "--config",
      `${dir}/full.config.ts`,
    ]);
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, new RegExp(`Cannot write "${dir}/out/run.h5": the disk is full`));
    assert.doesNotMatch(out.stderr, /streams|HDF5/);
    assert.deepEqual([...Deno.readDirSync(`${dir}/out`)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Warnings that repeat in every document.

/** A run whose events all lack key "y", in two streams, as JSON Lines. */
function runMissingKey(uid: string, events: number): NamedDocument[] {
  const run = composeRun({ uid, plan_name: "count", scan_id: 1 });
  const keys = () => ({
    x: { dtype: "number" as const, shape: [], source: "SIM:x" },
    y: { dtype: "number" as const, shape: [], source: "SIM:y" },
  });
  const primary = run.descriptor({ name: "primary", data_keys: keys() });
  const other = run.descriptor({ name: "other", data_keys: keys() });
  const docs: NamedDocument[] = [
    ["start", run.start],
    ["descriptor", primary.doc],
    ["descriptor", other.doc],
  ];
  for (let i = 1; i <= events; i++) {
    for (const { doc } of [primary, other]) {
      const event = { uid: `${doc.uid}-${i}`, descriptor: doc.uid, seq_num: i, time: i };
      docs.push(["event", { ...event, data: { x: i }, timestamps: { x: i } }]);
    }
  }
  docs.push(["stop", run.stop()]);
  return docs;
}

Deno.test("nx convert shows a warning repeated in every event once per descriptor, with its count", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeJsonLines(`${dir}/run.jsonl`, runMissingKey("r1", 2000));
    const out = await runScript("nx.ts", ["convert", `${dir}/run.jsonl`, "--dir", dir]);
    assert.equal(out.code, 0, out.stderr);
    const missing = out.stderr.split("\n").filter((line) => line.includes('missing key(s) "y"'));
    assert.equal(missing.length, 4, missing.join("\n"));
    const counts = missing.filter((line) =>
      / 1,999 more documents of descriptor "[^"]+" had/.test(line)
    );
    assert.equal(counts.length, 2, missing.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nx convert never prints an empty run label, for a run with an empty uid", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeJsonLines(`${dir}/run.jsonl`, runMissingKey("", 3));
    const out = await runScript("nx.ts", ["convert", `${dir}/run.jsonl`, "--dir", dir]);
    const text = out.stdout + out.stderr;
    assert.doesNotMatch(text, /run :|run \(\)|\(\) /);
    assert.match(out.stdout, /scan 1 \(empty uid\) {2}file=/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Asset documents that do not fit their files.

/** The documents of a 3-point scan of the simulated area detector, its frames in its file. */
async function imageRun(dir: string, flavor: "resource" | "stream"): Promise<NamedDocument[]> {
  const motor = new SimMotor({ name: "motor", instant: true });
  const det = new SimAreaDetector({
    motor,
    folder: `${dir}/detector`,
    width: 4,
    height: 3,
    flavor,
    seed: 7,
  });
  const RE = new RunEngine();
  const docs: NamedDocument[] = [];
  RE.subscribe("all", (name, doc) => void docs.push([name, doc] as NamedDocument));
  await RE.run(scan([det], [[motor, -1, 1]], { num: 3 }));
  return docs;
}

async function writeWithBadAssets(dir: string, docs: NamedDocument[]): Promise<Error> {
  const writer = createNXWriter({
    filePath: dir,
    fileName: "run.h5",
    assets: { timeout: 200, interval: 20 },
    onWarning: () => {},
  });
  for (const [name, doc] of docs) writer.receiver(name, doc as never);
  let failure: Error | undefined;
  await writer.wait().catch((error) => failure = error);
  assert.ok(failure instanceof AssetsMissingError, String(failure));
  // Everything else is in the file.
  const file = await new H5wasmBackend().open(`${dir}/run.h5`);
  try {
    const motor = file.get("/entry/instrument/bluesky/streams/primary/motor/value");
    assert.equal(motor?.kind === "dataset" ? motor.shape?.[0] : undefined, 3);
  } finally {
    file.close();
  }
  return failure;
}

Deno.test("A datum_page whose columns disagree costs its frames only, and is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const docs = await imageRun(dir, "resource");
    const datums = docs.filter(([name]) => name === "datum").map(([, doc]) =>
      doc as { datum_id: string; resource: string; datum_kwargs: Record<string, unknown> }
    );
    const page = {
      resource: datums[0]!.resource,
      datum_id: datums.map((d) => d.datum_id),
      // One row of kwargs for three datums.
      datum_kwargs: { point_number: [datums[0]!.datum_kwargs.point_number] },
    };
    const at = docs.findIndex(([name]) => name === "datum");
    const changed = docs.filter(([name]) => name !== "datum");
    changed.splice(at, 0, ["datum_page", page] as never);
    const error = await writeWithBadAssets(dir, changed);
    assert.match(error.message, new RegExp(`datum "${datums[1]!.datum_id}" of resource "`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A stream_datum with indices past any file costs its frames only, and is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const docs = await imageRun(dir, "stream");
    let uid = "";
    const changed = docs.map(([name, doc]): NamedDocument => {
      const datum = doc as { uid: string; indices: { start: number } };
      if (name !== "stream_datum" || datum.indices.start !== 2) return [name, doc] as NamedDocument;
      uid = datum.uid;
      return [name, { ...datum, indices: { start: 2, stop: 1e12 } }] as never;
    });
    const error = await writeWithBadAssets(dir, changed);
    assert.match(error.message, new RegExp(`stream_datum document, uid "${uid}", field "indices"`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nx convert of a run whose start has no time names the start's field, not a date", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const uid = "7a1c0000-0000-4000-8000-000000000001";
    const docs = [
      ["start", { uid, plan_name: "count", scan_id: 1 }],
      ["stop", { uid: "s1", run_start: uid, time: 1700000010, exit_status: "success" }],
    ];
    await Deno.writeTextFile(
      `${dir}/in.jsonl`,
      docs.map(([name, doc]) => JSON.stringify({ name, doc })).join("\n") + "\n",
    );
    const { stderr } = await runScript("nx.ts", ["convert", `${dir}/in.jsonl`], { cwd: dir });
    assert.match(stderr, /start document, uid "7a1c0000-[^"]*", field "time": needs a number/);
    assert.doesNotMatch(stderr, /Invalid time value/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
