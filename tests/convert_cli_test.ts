/**
 * End to end: runs recorded by Python bluesky at APS beamlines (`../shared/fixtures/apstools`)
 * converted to NeXus files, read back by h5py and h5dump; and the runs apstools' own writer
 * fails on.
 */

import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { runConvertCommand } from "../cli/nx_convert_command.ts";
import { memoryIO, runScript } from "./_cli.ts";
import { fixtureFiles, ignoreWithoutFixtures } from "./_fixtures.ts";
import { assertReadAlike } from "./_hdf5_readers.ts";
import { treeLines } from "../core/nexus/listing.ts";
import {
  checkNexusFile,
  h5dumpOk,
  type H5Summary,
  ignoreWithoutH5dump,
  ignoreWithoutH5py,
} from "./_interop.ts";

type Pair = [string, Record<string, unknown>];

async function pairs(file: string): Promise<Pair[]> {
  const bytes = await Deno.readFile(file);
  const text = new TextDecoder().decode(file.endsWith(".gz") ? gunzipSync(bytes) : bytes);
  return JSON.parse(text) as Pair[];
}

async function hdfFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".hdf")) names.push(entry.name);
  }
  return names.sort().map((name) => `${dir}/${name}`);
}

function value(summary: H5Summary, path: string): unknown {
  const object = summary.objects[path];
  assert.ok(object, `${path} is missing`);
  return object.value;
}

/** What a converted file must hold of its run's documents. */
async function checkConverted(file: string, docs: Pair[]): Promise<void> {
  const summary = await checkNexusFile(file);
  assert.ok(await h5dumpOk(file), `h5dump cannot read ${file}`);
  const start = docs.find(([name]) => name === "start")![1];
  assert.equal(value(summary, "/entry/instrument/bluesky/metadata/run_start_uid"), start.uid);
  const descriptors = docs.filter(([name]) => name === "descriptor").map(([, d]) => d);
  for (const descriptor of descriptors) {
    const stream = `/entry/instrument/bluesky/streams/${descriptor.name}`;
    assert.equal(summary.objects[stream]?.attrs.NX_class?.value, "NXnote", `${file}: ${stream}`);
  }
  const stop = docs.find(([name]) => name === "stop")?.[1];
  if (stop) assert.ok(summary.objects["/entry/end_time"], `${file}: no end_time`);
}

Deno.test({
  name: "Every recorded apstools run converts to a NeXus file that h5py, h5dump and the " +
    "TypeScript reader read",
  ignore: ignoreWithoutFixtures() || ignoreWithoutH5py() || ignoreWithoutH5dump(),
  async fn() {
    const files = fixtureFiles();
    assert.equal(files.length, 8, `fixture files: ${files.join(", ")}`);
    let runs = 0;
    for (const input of files) {
      const dir = await Deno.makeTempDir();
      try {
        const { io, out, err } = memoryIO();
        const code = await runConvertCommand([input, "--dir", dir, "--quiet"], io);
        assert.equal(code, 0, `${input}: ${err.join("\n")}`);
        const docs = await pairs(input);
        const starts = docs.filter(([name]) => name === "start").map(([, d]) => d);
        const written = await hdfFiles(dir);
        assert.equal(written.length, starts.length, `${input}: ${out.join("\n")}`);
        assert.equal(out.length, starts.length);
        for (const [i, start] of starts.entries()) {
          const line = out.find((l) => l.includes(`(${String(start.uid).slice(0, 7)})`));
          assert.ok(line, `${input}: run ${start.uid} not reported`);
          const file = /file=(.+)$/.exec(line)![1]!;
          // The run's own documents, split from the file's.
          const first = docs.findIndex(([name, d]) => name === "start" && d.uid === start.uid);
          const next = docs.findIndex(([name], i) => i > first && name === "start");
          await checkConverted(file, docs.slice(first, next < 0 ? undefined : next));
          // The runs of one recording share their layout (usaxs.json.gz has ten runs of 1,700
          // objects each, which h5wasm takes seconds to walk): the first is read alike by the
          // TypeScript reader and h5wasm, the others by the TypeScript reader without falling
          // back.
          if (i === 0) {
            await assertReadAlike(file);
          } else {
            const lines = await treeLines(file, { fallback: false });
            assert.ok(lines.length > 10, `${file}: ${lines.length} lines`);
          }
          runs++;
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
    assert.equal(runs, 17);
  },
});

Deno.test({
  name: "deno task nx convert splits the ten runs of usaxs.json.gz into ten files",
  ignore: ignoreWithoutFixtures(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const input = fixtureFiles().find((f) => f.endsWith("usaxs.json.gz"));
      assert.ok(input, "usaxs.json.gz is missing");
      const out = await runScript("nx.ts", ["convert", input, "--file", `${dir}/usaxs.h5`]);
      assert.equal(out.code, 0, out.stderr);
      const lines = out.stdout.trim().split("\n");
      assert.equal(lines.length, 10);
      assert.match(lines[0]!, /^scan 110 \(1996598\) {2}file=.*\/usaxs\.h5$/);
      assert.match(lines[9]!, /file=.*\/usaxs-10\.h5$/);
      let count = 0;
      for await (const entry of Deno.readDir(dir)) if (entry.name.endsWith(".h5")) count++;
      assert.equal(count, 10);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A real run (a 3-point scan recorded at APS) changed the way apstools cannot handle. */
async function variant(
  change: (docs: Pair[]) => Pair[],
  expect: { args?: string[]; code?: number } = {},
): Promise<{ summary: H5Summary; err: string[] }> {
  const input = fixtureFiles().find((f) => f.endsWith("uid-34c84a1b.json"));
  assert.ok(input, "uid-34c84a1b.json is missing");
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/in.json`, JSON.stringify(change(await pairs(input))));
    const { io, err } = memoryIO();
    const args = [`${dir}/in.json`, "--file", `${dir}/out.h5`, ...(expect.args ?? [])];
    const code = await runConvertCommand(args, io);
    assert.equal(code, expect.code ?? 0, err.join("\n"));
    return { summary: await checkNexusFile(`${dir}/out.h5`), err };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const STREAMS = "/entry/instrument/bluesky/streams";
const ignoreVariants = ignoreWithoutFixtures() || ignoreWithoutH5py();

Deno.test({
  name: "A start document without plan_name converts; the title falls back to the uid",
  ignore: ignoreVariants,
  async fn() {
    const { summary } = await variant((docs) =>
      docs.map(([name, doc]) => {
        if (name !== "start") return [name, doc];
        const { plan_name: _, ...rest } = doc;
        return [name, rest];
      })
    );
    assert.equal(summary.objects["/entry/instrument/bluesky/metadata/plan_name"], undefined);
    assert.equal(value(summary, "/entry/title"), "S0001-34c84a1");
  },
});

Deno.test({
  name:
    "Metadata values of null convert, written as YAML text, with a warning where the event model forbids them",
  ignore: ignoreVariants,
  async fn() {
    const { summary, err } = await variant((docs) =>
      docs.map((
        [name, doc],
      ) => name === "start" ? [name, { ...doc, sample: null, operator: null }] : [name, doc])
    );
    for (const key of ["sample", "operator"]) {
      const object = summary.objects[`/entry/instrument/bluesky/metadata/${key}`];
      assert.equal(object?.value, "null\n", key);
      assert.equal(object?.attrs.text_format?.value, "yaml", key);
    }
    // The event model wants sample to be an object or a string: said, and the run still kept.
    assert.ok(
      err.some((line) => /field "sample".*\(kept as recorded\)/.test(line)),
      err.join("\n"),
    );
  },
});

Deno.test({
  name: "A stream without events converts: its keys are there, each with zero values",
  ignore: ignoreVariants,
  async fn() {
    const { summary } = await variant((docs) => {
      const primary = docs.find(([name]) => name === "descriptor")![1];
      // apstools fails on an empty baseline: it takes the first value for value_start.
      const empty = { ...primary, uid: `${primary.uid}-empty`, name: "baseline" };
      const at = docs.findIndex(([name]) => name === "descriptor");
      return [...docs.slice(0, at + 1), ["descriptor", empty], ...docs.slice(at + 1)];
    });
    assert.equal(summary.objects[`${STREAMS}/baseline`]?.attrs.NX_class?.value, "NXnote");
    const values = Object.values(summary.objects).filter((o) =>
      o.path.startsWith(`${STREAMS}/baseline/`) && o.path.endsWith("/value")
    );
    assert.ok(values.length > 0);
    for (const object of values) assert.equal(object.shape?.[0], 0, object.path);
    const firsts = Object.keys(summary.objects).filter((p) => p.endsWith("/value_start"));
    assert.deepEqual(firsts, [], "no first value to write");
    assert.ok(summary.objects[`${STREAMS}/primary`]);
  },
});

Deno.test({
  name: "A stream with two descriptors converts, with the events of both in order",
  ignore: ignoreVariants,
  async fn() {
    let key = "";
    let values: number[] = [];
    const { summary } = await variant((docs) => {
      const at = docs.findIndex(([name]) => name === "descriptor");
      const first = docs[at]![1];
      const second = { ...first, uid: `${first.uid}-2` };
      const events = docs.filter(([name]) => name === "event").map(([, d]) => d);
      key = Object.keys(events[0]!.data as object).find((k) =>
        typeof (events[0]!.data as Record<string, unknown>)[k] === "number"
      )!;
      values = events.map((e) => (e.data as Record<string, number>)[key]!);
      // The last event comes under the second descriptor, as after a configuration change.
      const moved = docs.map(([name, doc]): Pair =>
        name === "event" && doc.seq_num === events.length
          ? [name, { ...doc, descriptor: second.uid }]
          : [name, doc]
      );
      const last = moved.findIndex(([name, d]) => name === "event" && d.descriptor === second.uid);
      return [...moved.slice(0, last), ["descriptor", second], ...moved.slice(last)];
    });
    assert.deepEqual(value(summary, `${STREAMS}/primary/${key}/value`), values);
  },
});

Deno.test({
  name: "A problem of every event is said once, then counted; --strict leaves the events out",
  ignore: ignoreVariants,
  async fn() {
    const noted = (docs: Pair[]) =>
      docs.map(([name, doc]): Pair =>
        name === "event" ? [name, { ...doc, note: "x" }] : [name, doc]
      );
    const events = (await pairs(fixtureFiles().find((f) => f.endsWith("uid-34c84a1b.json"))!))
      .filter(([name]) => name === "event").length;
    const lenient = await variant(noted);
    const said = lenient.err.filter((line) => /field "note"/.test(line));
    assert.equal(said.length, 2, lenient.err.join("\n"));
    assert.match(
      said[0]!,
      /in\.json: document \d+: event document, uid "[^"]+", field "note": .*\(kept as recorded\)$/,
    );
    assert.match(
      said[1]!,
      new RegExp(
        `in\\.json: event document, field "note": ${
          events - 1
        } more documents of run "[^"]+" had this problem.*\\(all kept as recorded\\)$`,
      ),
    );
    const primary = Object.values(lenient.summary.objects).find((o) =>
      o.path.startsWith(`${STREAMS}/primary/`) && o.path.endsWith("/value")
    );
    assert.equal(primary?.shape?.[0], events);

    const strict = await variant(noted, { args: ["--strict"], code: 1 });
    assert.ok(
      strict.err.some((line) => /field "note": .*\(left out\)$/.test(line)),
      strict.err.join("\n"),
    );
    const none = Object.values(strict.summary.objects).find((o) =>
      o.path.startsWith(`${STREAMS}/primary/`) && o.path.endsWith("/value")
    );
    assert.equal(none?.shape?.[0], 0);
  },
});
