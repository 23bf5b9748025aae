/**
 * Bad documents, one test each: the writer and the catalog report the document kind, uid and
 * field, and keep what was recorded (the rest of the run is written and stored).
 */

import assert from "node:assert/strict";
import { composeRun, createNXWriter, type NamedDocument, validateDocument } from "../mod.ts";
import { readDocumentStream } from "../core/readers/mod.ts";
import { temp } from "../core/catalog/mod.ts";
import { checkNexusFile, h5pyValues, ignoreWithoutH5py } from "./_interop.ts";

const PRIMARY = "/entry/instrument/bluesky/streams/primary";

/** A good 3-event run: keys x (number), n (integer), pair (array [2]), label (string). */
function goodRun(md: Record<string, unknown> = {}): NamedDocument[] {
  const run = composeRun({ plan_name: "count", scan_id: 1, detectors: ["x"], ...md });
  const primary = run.descriptor({
    name: "primary",
    data_keys: {
      x: { dtype: "number", shape: [], source: "SIM:x" },
      n: { dtype: "integer", shape: [], source: "SIM:n" },
      pair: { dtype: "array", shape: [2], source: "SIM:pair" },
      label: { dtype: "string", shape: [], source: "SIM:label" },
    },
    hints: { x: { fields: ["x"] } },
    object_keys: { x: ["x"], n: ["n"], pair: ["pair"], label: ["label"] },
  });
  const docs: NamedDocument[] = [["start", run.start], ["descriptor", primary.doc]];
  for (let i = 0; i < 3; i++) {
    const data = { x: i + 0.5, n: i, pair: [i, i + 1], label: `p${i}` };
    const timestamps = { x: i, n: i, pair: i, label: i };
    docs.push(["event", primary.event({ data, timestamps })]);
  }
  docs.push(["stop", run.stop()]);
  return docs;
}

type Doc = Record<string, unknown>;
const doc = (docs: NamedDocument[], i: number) => docs[i]![1] as unknown as Doc;

interface Outcome {
  warnings: string[];
  catalogErrors: string[];
  files: string[];
}

/** Feed the documents to a writer and a catalog, as a bus would. */
async function feed(docs: NamedDocument[], dir: string): Promise<Outcome> {
  const writer = createNXWriter({ filePath: dir, fileName: (s) => `${s.uid}.h5` });
  const catalog = temp();
  const catalogErrors: string[] = [];
  for (const [name, d] of docs) {
    writer.receiver(name, d);
    try {
      catalog.insert(name, d);
    } catch (error) {
      catalogErrors.push((error as Error).message);
    }
  }
  const starts = docs.filter(([name]) => name === "start").map(([, d]) => (d as Doc).uid);
  const files: string[] = [];
  for (const uid of new Set(starts)) {
    const written = writer.written(String(uid));
    if (written) files.push(await written);
  }
  // What the catalog kept: every good document, in order.
  for (const uid of new Set(starts)) {
    const stored = [...catalog.byUid(String(uid)).documents()];
    assert.ok(stored.length >= 2, `catalog lost run ${uid}`);
  }
  catalog.close();
  return { warnings: writer.warnings.map((w) => w.message), catalogErrors, files };
}

async function xValues(file: string): Promise<unknown> {
  await checkNexusFile(file);
  return (await h5pyValues(file, [`${PRIMARY}/x/value`]))[`${PRIMARY}/x/value`];
}

function bad(
  name: string,
  change: (docs: NamedDocument[]) => NamedDocument[],
  expect: {
    warning?: RegExp;
    catalog?: RegExp;
    x?: unknown;
  },
) {
  Deno.test({
    name,
    ignore: ignoreWithoutH5py(),
    async fn() {
      const dir = await Deno.makeTempDir();
      try {
        const out = await feed(change(goodRun()), dir);
        if (expect.warning) {
          assert.ok(
            out.warnings.some((w) => expect.warning!.test(w)),
            `no warning ${expect.warning}: ${out.warnings.join("\n")}`,
          );
        }
        if (expect.catalog) {
          assert.ok(
            out.catalogErrors.some((e) => expect.catalog!.test(e)),
            `no catalog error ${expect.catalog}: ${out.catalogErrors.join("\n")}`,
          );
        }
        assert.ok(out.files.length >= 1, "no file written");
        assert.deepEqual(await xValues(out.files[0]!), expect.x ?? [0.5, 1.5, 2.5]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

bad("An event of an unknown descriptor is reported with its uid; the run is written", (docs) => {
  const stray = { ...doc(docs, 2), uid: "stray", descriptor: "nowhere" };
  return [...docs.slice(0, 3), ["event", stray], ...docs.slice(3)] as NamedDocument[];
}, {
  warning: /event document, uid "stray", field "descriptor": refers to descriptor "nowhere"/,
  catalog: /event document, uid "stray", field "descriptor"/,
});

bad(
  "An event with a key the descriptor lacks is reported with the field, its keys kept",
  (docs) => {
    const event = doc(docs, 3);
    event.data = { ...(event.data as Doc), extra: 1 };
    event.timestamps = { ...(event.timestamps as Doc), extra: 1 };
    return docs;
  },
  {
    warning: /event document, uid "[^"]+", field "data.extra": key "extra" is not in/,
  },
);

bad(
  "An event without one of the descriptor's keys is kept, the value written as missing",
  (docs) => {
    const event = doc(docs, 3);
    const { x: _x, ...data } = event.data as Doc;
    event.data = data;
    return docs;
  },
  {
    warning: /field "data": missing key\(s\) "x": written as missing values/,
    x: [0.5, NaN, 2.5],
  },
);

bad("A second start before the first run's stop: both runs are kept and written", (docs) => {
  const other = goodRun();
  return [...docs.slice(0, 3), ...other, ...docs.slice(3)];
}, { warning: /run\(s\) "[^"]+" have not stopped; each run is kept/ });

bad("A stop without a start, or naming another run, is reported with run_start", (docs) => {
  const stray = { ...doc(docs, 5), uid: "stray-stop", run_start: "no-such-run" };
  return [...docs.slice(0, 3), ["stop", stray], ...docs.slice(3)] as NamedDocument[];
}, {
  warning: /stop document, uid "stray-stop", field "run_start": refers to run "no-such-run"/,
  catalog: /stop document, uid "stray-stop"/,
});

bad("A repeated start or descriptor uid is refused, and the first kept", (docs) => {
  return [...docs.slice(0, 2), docs[0]!, docs[1]!, ...docs.slice(2)];
}, {
  warning: /descriptor document, uid "[^"]+", field "uid": repeats the uid of an earlier/,
  catalog: /uid/,
});

bad("A repeated event uid is refused by the writer and the catalog, and the first kept", (docs) => {
  return [...docs.slice(0, 3), docs[2]!, ...docs.slice(3)];
}, {
  warning: /event document, uid "[^"]+", field "uid": repeats the uid of an earlier document/,
  catalog: /event document, uid "[^"]+", field "uid": is already in the catalog/,
});

bad("A seq_num that goes backwards is reported and the event kept in arrival order", (docs) => {
  doc(docs, 4).seq_num = 1;
  return docs;
}, { warning: /field "seq_num": seq_num 1 does not follow 2/ });

bad("A string in a number key is reported with the field and the value, written as NaN", (docs) => {
  (doc(docs, 3).data as Doc).x = "abc";
  return docs;
}, {
  warning: /field "data.x": expected a number as the descriptor says: got "abc"/,
  x: [0.5, NaN, 2.5],
});

bad(
  "An array of the wrong shape is reported with the shape expected, the other keys kept",
  (docs) => {
    (doc(docs, 3).data as Doc).pair = [1, 2, 3];
    return docs;
  },
  { warning: /field "data.pair": expected an array of shape \[2\]/ },
);

bad("NaN and infinities are data: kept in the file and in the catalog", (docs) => {
  (doc(docs, 2).data as Doc).x = NaN;
  (doc(docs, 3).data as Doc).x = Infinity;
  return docs;
}, { x: [NaN, Infinity, 2.5] });

Deno.test({
  name: "An integer key that later holds floats is written as floats, with a warning",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const docs = goodRun();
      (doc(docs, 3).data as Doc).n = 1.5;
      const out = await feed(docs, dir);
      const n = (await h5pyValues(out.files[0]!, [`${PRIMARY}/n/value`]))[`${PRIMARY}/n/value`];
      assert.deepEqual(n, [0, 1.5, 2]);
      assert.ok(out.warnings.some((w) => /"n"/.test(w)), out.warnings.join("\n"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "Awkward metadata (null, keys with / and ., 100 levels deep, 10 MB) is written",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      let deep: unknown = "bottom";
      for (let i = 0; i < 100; i++) deep = { level: deep };
      const docs = goodRun({
        nothing: null,
        "a/b": 1,
        "c.d": 2,
        deep,
        big: "x".repeat(10 * 1024 * 1024),
      });
      const out = await feed(docs, dir);
      const md = "/entry/instrument/bluesky/metadata";
      const read = await h5pyValues(out.files[0]!, [`${md}/a_b`, `${md}/c.d`, `${md}/nothing`]);
      assert.equal(read[`${md}/a_b`], 1);
      assert.equal(read[`${md}/c.d`], 2);
      assert.equal(read[`${md}/nothing`], "null\n");
      assert.deepEqual(await xValues(out.files[0]!), [0.5, 1.5, 2.5]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("A document that is not an object is refused with its kind", () => {
  assert.throws(() => validateDocument("event", "not a document"), /event document/);
  const writer = createNXWriter();
  writer.receiver("event", null as never);
  assert.match(writer.warnings[0]?.message ?? "", /event document: is not an object: got null/);
  assert.throws(() => temp().insert("start", [] as never), /start document/);
});

Deno.test("Truncated, invalid and non-UTF-8 input is an error naming the line", async () => {
  const read = async (text: Uint8Array<ArrayBuffer>) => {
    const stream = new Blob([text]).stream();
    const docs = [];
    for await (const d of readDocumentStream(stream, { format: "jsonl", source: "in.jsonl" })) {
      docs.push(d);
    }
    return docs;
  };
  const good = JSON.stringify(["start", { uid: "u", time: 1 }]);
  const encoder = new TextEncoder();
  await assert.rejects(read(encoder.encode(`${good}\n["stop", {"uid": `)), /in.jsonl", line 2/);
  await assert.rejects(read(encoder.encode(`${good}\n{oops}\n`)), /in.jsonl", line 2/);
  const bytes = new Uint8Array([...encoder.encode(`${good}\n`), 0xff, 0xfe, 0x0a]);
  await assert.rejects(read(bytes), /in.jsonl"/);
});

Deno.test({
  name: "A run without plan_name, detectors or motors is written, with warnings",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const docs = goodRun();
      const start = doc(docs, 0);
      delete start.plan_name;
      delete start.detectors;
      const out = await feed(docs, dir);
      assert.deepEqual(await xValues(out.files[0]!), [0.5, 1.5, 2.5]);
      assert.ok(out.warnings.some((w) => /no plan_name/.test(w)), out.warnings.join("\n"));
      assert.ok(out.warnings.some((w) => /No detector keys/.test(w)), out.warnings.join("\n"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
