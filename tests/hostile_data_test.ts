/**
 * End to end: hostile data converted with `nx convert` and read back with h5py (issue 13,
 * points 4, 5, 6, 15, 16): key names that collide, integers beyond 2^53, bad values in good
 * events, and NXdata axes for every dimension.
 */

import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import { runConvertCommand } from "../cli/nx_convert_command.ts";
import { runExportCommand } from "../cli/nx_export_command.ts";
import { runImportCommand } from "../cli/nx_import_command.ts";
import { memoryIO } from "./_cli.ts";
import { checkNexusFile, h5pyValues, type H5Summary, ignoreWithoutH5py } from "./_interop.ts";

const PRIMARY = "/entry/instrument/bluesky/streams/primary";
const ignore = ignoreWithoutH5py();

type Doc = Record<string, unknown>;

/** The JSON lines of a run: start, one descriptor, the events' data, stop. */
function runLines(
  dataKeys: Doc,
  events: Doc[],
  md: Doc = {},
  stream = "primary",
): string {
  const uid = "3f1c0000-0000-4000-8000-000000000001";
  const start = {
    uid,
    time: 1700000000,
    plan_name: "count",
    scan_id: 1,
    detectors: ["det"],
    ...md,
  };
  const descriptor = {
    uid: "d1",
    run_start: uid,
    time: 1700000000,
    name: stream,
    data_keys: dataKeys,
    hints: {},
  };
  const docs: [string, Doc][] = [["start", start], ["descriptor", descriptor]];
  events.forEach((data, i) => {
    const timestamps = Object.fromEntries(Object.keys(data).map((k) => [k, 1700000001 + i]));
    const event = { uid: `e${i}`, descriptor: "d1", time: 1700000001 + i, seq_num: i + 1 };
    docs.push(["event", { ...event, data, timestamps }]);
  });
  const status = events.length > 0 ? "success" : "fail";
  docs.push(["stop", { uid: "s1", run_start: uid, time: 1700000010, exit_status: status }]);
  return docs.map(([name, doc]) => JSON.stringify({ name, doc })).join("\n") + "\n";
}

const num = (source: string) => ({ dtype: "number", shape: [], source });

interface Converted {
  code: number;
  err: string[];
  summary: H5Summary;
  values: (paths: string[]) => Promise<Record<string, unknown>>;
}

/** Convert `text` (a `.jsonl` or `.msgpack` file's bytes) and check the file with h5py. */
async function convert(
  content: string | Uint8Array,
  fn: (out: Converted) => Promise<void> | void,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const input = `${dir}/in.${typeof content === "string" ? "jsonl" : "msgpack"}`;
    if (typeof content === "string") await Deno.writeTextFile(input, content);
    else await Deno.writeFile(input, content);
    const { io, err } = memoryIO();
    const code = await runConvertCommand([input, "--file", `${dir}/out.h5`], io);
    const file = `${dir}/out.h5`;
    const summary = await checkNexusFile(file);
    await fn({ code, err, summary, values: (paths) => h5pyValues(file, paths) });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "Keys a/b and a_b are both written, a/b as a_b_2 with its original key recorded",
  ignore,
  async fn() {
    const text = runLines({ "a/b": num("x"), a_b: num("y"), det: num("d") }, [
      { "a/b": 1, a_b: 2, det: 3 },
    ]);
    await convert(text, async ({ code, err, summary, values }) => {
      assert.equal(code, 0, err.join("\n"));
      const read = await values([`${PRIMARY}/a_b/value`, `${PRIMARY}/a_b_2/value`]);
      assert.deepEqual(read[`${PRIMARY}/a_b/value`], [2]);
      assert.deepEqual(read[`${PRIMARY}/a_b_2/value`], [1]);
      assert.equal(summary.objects[`${PRIMARY}/a_b_2`]?.attrs.original_key?.value, "a/b");
      assert.ok(summary.objects[`${PRIMARY}/det/value`], "the other keys are written");
      assert.ok(err.some((line) => /Key "a\/b" is written as "a_b_2"/.test(line)), err.join("\n"));
    });
  },
});

Deno.test({
  name: "Streams a/b and a_b are both written, the later as a_b_2 with its original name",
  ignore,
  async fn() {
    const first = runLines({ det: num("d") }, [{ det: 1 }], {}, "a_b").split("\n");
    const second = JSON.parse(first[1]!);
    second.doc = { ...second.doc, uid: "d2", name: "a/b" };
    const event = JSON.parse(first[2]!);
    event.doc = { ...event.doc, uid: "e9", descriptor: "d2", data: { det: 2 } };
    const lines = [...first.slice(0, 3), JSON.stringify(second), JSON.stringify(event)];
    const text = [...lines, ...first.slice(3)].join("\n");
    await convert(text, async ({ code, err, summary, values }) => {
      assert.equal(code, 0, err.join("\n"));
      const streams = "/entry/instrument/bluesky/streams";
      const read = await values([`${streams}/a_b/det/value`, `${streams}/a_b_2/det/value`]);
      assert.deepEqual(read[`${streams}/a_b/det/value`], [1]);
      assert.deepEqual(read[`${streams}/a_b_2/det/value`], [2]);
      assert.equal(summary.objects[`${streams}/a_b_2`]?.attrs.original_name?.value, "a/b");
    });
  },
});

Deno.test({
  name: "A key named EPOCH leaves /entry/data/EPOCH to the signal's epoch seconds",
  ignore,
  async fn() {
    const text = runLines({ EPOCH: num("x"), det: num("d") }, [{ EPOCH: 5, det: 3 }]);
    await convert(text, async ({ code, err, summary, values }) => {
      assert.equal(code, 0, err.join("\n"));
      assert.equal(
        summary.objects["/entry/data/EPOCH"]?.attrs.target?.value,
        `${PRIMARY}/det/EPOCH`,
      );
      assert.equal(
        summary.objects["/entry/data/EPOCH_2"]?.attrs.target?.value,
        `${PRIMARY}/EPOCH/value`,
      );
      const read = await values(["/entry/data/EPOCH", "/entry/data/EPOCH_2"]);
      assert.deepEqual(read["/entry/data/EPOCH"], [1700000001]);
      assert.deepEqual(read["/entry/data/EPOCH_2"], [5]);
    });
  },
});

Deno.test({
  name: "Integers beyond 2^53 in an integer key are written exactly as int64",
  ignore,
  async fn() {
    const key = { det: { dtype: "integer", shape: [], source: "d" } };
    const text = runLines(key, [{ det: 0 }, { det: 0 }])
      .replace('"det":0', '"det":9007199254740993')
      .replace('"det":0', '"det":9223372036854775807');
    await convert(text, ({ code, err, summary }) => {
      assert.equal(code, 0, err.join("\n"));
      const value = summary.objects[`${PRIMARY}/det/value`];
      assert.equal(value?.dtype, "int64");
      // The h5py oracle writes integers beyond 2^53 as text, to keep them exact.
      assert.deepEqual(value?.value, ["9007199254740993", "9223372036854775807"]);
    });
  },
});

Deno.test({
  name: "An integer beyond 2^63 is written exactly as uint64",
  ignore,
  async fn() {
    const key = { det: { dtype: "integer", shape: [], source: "d" } };
    const text = runLines(key, [{ det: 1 }, { det: 0 }])
      .replace('"det":0', '"det":18446744073709551615');
    await convert(text, ({ code, err, summary }) => {
      assert.equal(code, 0, err.join("\n"));
      const value = summary.objects[`${PRIMARY}/det/value`];
      assert.equal(value?.dtype, "uint64");
      assert.deepEqual(value?.value, [1, "18446744073709551615"]);
    });
  },
});

Deno.test({
  name: "An array key of dtype_numpy <i8 keeps its integers beyond 2^53 exactly",
  ignore,
  async fn() {
    const key = { det: { dtype: "array", shape: [2], source: "d", dtype_numpy: "<i8" } };
    const text = runLines(key, [{ det: [1, 0] }]).replace("[1,0]", "[1,9007199254740993]");
    await convert(text, ({ code, err, summary }) => {
      assert.equal(code, 0, err.join("\n"));
      const value = summary.objects[`${PRIMARY}/det/value`];
      assert.equal(value?.dtype, "int64");
      assert.deepEqual(value?.value, [[1, "9007199254740993"]]);
    });
  },
});

/** A msgpack bin value of the text's bytes, as msgpack-numpy's keys are. */
function bin(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  return [0xc4, bytes.length, ...bytes];
}

/** A numpy value as msgpack-numpy writes it: a map with binary keys. */
function numpy(type: string, shape: number[], data: Uint8Array): Uint8Array {
  const entries: [string, unknown][] = [
    ["nd", true],
    ["type", type],
    ["kind", new Uint8Array()],
    ["shape", shape],
    ["data", data],
  ];
  return new Uint8Array([
    0x80 | entries.length,
    ...entries.flatMap(([key, value]) => [...bin(key), ...encode(value)]),
  ]);
}

/** A msgpack map whose values are already encoded. */
function map(entries: [string, Uint8Array][]): Uint8Array {
  return new Uint8Array([
    0x80 | entries.length,
    ...entries.flatMap(([key, value]) => [...encode(key), ...value]),
  ]);
}

Deno.test({
  name: "A uint16 image and an int64 beyond 2^53 from msgpack keep their types and values",
  ignore,
  async fn() {
    const uid = "3f1c0000-0000-4000-8000-000000000002";
    const start = { uid, time: 1700000000, plan_name: "count", scan_id: 2, detectors: ["img"] };
    const descriptor = {
      uid: "d1",
      run_start: uid,
      time: 1700000000,
      name: "primary",
      data_keys: {
        img: { dtype: "array", shape: [2, 2], source: "img" },
        n: { dtype: "integer", shape: [], source: "n" },
      },
    };
    const pixels = new Uint8Array(new Uint16Array([1, 2, 65535, 4]).buffer);
    const page = map([
      ["uid", encode(["e1"])],
      ["descriptor", encode("d1")],
      ["seq_num", encode([1])],
      ["time", encode([1700000001])],
      [
        "data",
        map([["img", new Uint8Array([0x91, ...numpy("<u2", [2, 2], pixels)])], [
          "n",
          encode([2n ** 53n + 1n], { useBigInt64: true }),
        ]]),
      ],
      ["timestamps", encode({ img: [1700000001], n: [1700000001] })],
      ["filled", encode({})],
    ]);
    const stop = { uid: "s1", run_start: uid, time: 1700000010, exit_status: "success" };
    const bytes = new Uint8Array([
      ...encode(["start", start]),
      ...encode(["descriptor", descriptor]),
      0x92,
      ...encode("event_page"),
      ...page,
      ...encode(["stop", stop]),
    ]);
    await convert(bytes, ({ code, err, summary }) => {
      assert.equal(code, 0, err.join("\n"));
      const img = summary.objects[`${PRIMARY}/img/value`];
      assert.equal(img?.dtype, "uint16");
      assert.deepEqual(img?.value, [[[1, 2], [65535, 4]]]);
      const n = summary.objects[`${PRIMARY}/n/value`];
      assert.equal(n?.dtype, "int64");
      assert.deepEqual(n?.value, ["9007199254740993"]);
    });
  },
});

Deno.test({
  name: "Events with a string in a number key keep their other keys, the bad values NaN, counted",
  ignore,
  async fn() {
    const keys = { det: num("d"), motor: num("m") };
    const events = [1, 2, 3, 4].map((i) => ({ det: i === 1 ? i : "oops", motor: i }));
    const text = runLines(keys, events, { motors: ["motor"] });
    await convert(text, async ({ code, err, values }) => {
      assert.equal(code, 0, err.join("\n"));
      const read = await values([`${PRIMARY}/motor/value`, `${PRIMARY}/det/value`]);
      assert.deepEqual(read[`${PRIMARY}/motor/value`], [1, 2, 3, 4]);
      assert.deepEqual(read[`${PRIMARY}/det/value`], [1, NaN, NaN, NaN]);
      assert.ok(err.some((l) => /Key "det" has 3 reading\(s\)/.test(l)), err.join("\n"));
    });
  },
});

Deno.test({
  name: "An event with a scalar in an array key keeps its other keys, the array NaN",
  ignore,
  async fn() {
    const keys = { det: num("d"), pair: { dtype: "array", shape: [2], source: "p" } };
    const text = runLines(keys, [{ det: 1, pair: [1, 2] }, { det: 2, pair: 5 }]);
    await convert(text, async ({ code, err, values }) => {
      assert.equal(code, 0, err.join("\n"));
      const read = await values([`${PRIMARY}/det/value`, `${PRIMARY}/pair/value`]);
      assert.deepEqual(read[`${PRIMARY}/det/value`], [1, 2]);
      assert.deepEqual(read[`${PRIMARY}/pair/value`], [[1, 2], [NaN, NaN]]);
      assert.ok(err.some((l) => /field "data.pair": expected an array/.test(l)), err.join("\n"));
    });
  },
});

Deno.test({
  name: "A failed run with no events has no default plot, and /entry no @default",
  ignore,
  async fn() {
    await convert(runLines({ det: num("d") }, []), ({ code, err, summary }) => {
      assert.equal(code, 0, err.join("\n"));
      assert.equal(summary.objects["/entry/data"], undefined);
      assert.equal(summary.objects["/entry"]?.attrs.default, undefined);
    });
  },
});

Deno.test({
  name: "Every NXdata has one @axes name per dimension of its signal",
  ignore,
  async fn() {
    const keys = {
      det: num("d"),
      line: { dtype: "array", shape: [3], source: "l" },
      frame: { dtype: "array", shape: [2, 2], source: "f", dtype_numpy: "<u2" },
    };
    const text = runLines(keys, [{ det: 1, line: [1, 2, 3], frame: [[1, 2], [3, 4]] }]);
    await convert(text, ({ code, err, summary }) => {
      assert.equal(code, 0, err.join("\n"));
      let groups = 0;
      for (const group of Object.values(summary.objects)) {
        if (group.attrs.NX_class?.value !== "NXdata" || group.aliasOf) continue;
        const signal = summary.objects[`${group.path}/${group.attrs.signal?.value}`];
        const axes = group.attrs.axes?.value;
        const names = typeof axes === "string" ? [axes] : axes as string[];
        assert.equal(names.length, signal?.shape?.length, `${group.path}: @axes ${names}`);
        groups++;
      }
      assert.ok(groups >= 4, `${groups} NXdata groups`);
      assert.deepEqual(summary.objects[`${PRIMARY}/frame`]?.attrs.axes?.value, ["time", ".", "."]);
    });
  },
});

Deno.test({
  name: "The catalog keeps integers beyond 2^53 exactly, through nx import and both exports",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const key = { det: { dtype: "integer", shape: [], source: "d" } };
      const text = runLines(key, [{ det: 0 }, { det: 1 }])
        .replace('"det":0', '"det":9007199254740993');
      await Deno.writeTextFile(`${dir}/in.jsonl`, text);
      const catalog = ["--catalog", `${dir}/catalog`];
      const imported = memoryIO();
      assert.equal(
        await runImportCommand([`${dir}/in.jsonl`, ...catalog], imported.io),
        0,
        imported.err.join("\n"),
      );
      const jsonl = memoryIO();
      const asLines = ["--scan-id", "1", "--format", "jsonl", "--file", `${dir}/out.jsonl`];
      assert.equal(await runExportCommand([...asLines, ...catalog], jsonl.io), 0, jsonl.err.join());
      assert.ok(
        (await Deno.readTextFile(`${dir}/out.jsonl`)).includes('"det":9007199254740993'),
        "the digits as recorded",
      );
      const nexus = memoryIO();
      const asNexus = ["--scan-id", "1", "--file", `${dir}/out.h5`];
      assert.equal(await runExportCommand([...asNexus, ...catalog], nexus.io), 0, nexus.err.join());
      const summary = await checkNexusFile(`${dir}/out.h5`);
      const value = summary.objects[`${PRIMARY}/det/value`];
      assert.equal(value?.dtype, "int64");
      // The h5py oracle writes integers beyond 2^53 as text, to keep them exact.
      assert.deepEqual(value?.value, ["9007199254740993", 1]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
