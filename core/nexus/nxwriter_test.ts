import assert from "node:assert/strict";
import { withDir } from "../../tests/_temp_dir.ts";
import { composeRun } from "../documents/compose.ts";
import type { DocumentMap, DocumentName, RunStart } from "../documents/types.ts";
import type { BackendVersions } from "./backend.ts";
import { H5wasmBackend } from "./h5wasm_backend.ts";
import { type NexusWarning, NXWriter, type WrittenRun } from "./nxwriter.ts";
import { FileExistsError, NoRunError } from "../errors.ts";
import type { NexusPlugin } from "./plugin.ts";
import type { NexusTree } from "./tree.ts";

/** Records the trees it is asked to write and writes a small marker file. */
class RecordingBackend extends H5wasmBackend {
  readonly trees: NexusTree[] = [];
  delay = 0;
  override versions(): Promise<BackendVersions> {
    return Promise.resolve({ library: "fake", libraryVersion: "1", hdf5: "1.14.0" });
  }
  override async write(tree: NexusTree, path: string): Promise<void> {
    this.trees.push(tree);
    if (this.delay) await new Promise((resolve) => setTimeout(resolve, this.delay));
    await Deno.writeTextFile(path, `${tree.root.attrs.get("file_name")?.value}`, {
      createNew: true,
    });
  }
}

type Feed = <K extends DocumentName>(name: K, doc: DocumentMap[K]) => void;

function emitRun(feed: Feed, md: Partial<RunStart> = {}, points = 3): RunStart {
  const run = composeRun({ plan_name: "scan", scan_id: 7, ...md });
  feed("start", run.start);
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  feed("descriptor", primary.doc);
  for (let i = 0; i < points; i++) {
    feed("event", primary.event({ data: { x: i }, timestamps: { x: i } }));
  }
  feed("stop", run.stop());
  return run.start;
}

const entryPlugin: NexusPlugin = {
  name: "entry",
  build({ run, tree }) {
    tree.group("/entry", "NXentry");
    tree.field("/entry/x", run.streams.get("primary")!.column("x")!.values() as Float64Array);
  },
};

Deno.test("NXWriter writes one file per run at its stop, with the default name", async () => {
  await withDir(async (dir) => {
    const backend = new RecordingBackend();
    const writer = new NXWriter({
      filePath: dir,
      backend,
      plugins: [entryPlugin],
      timeZone: "UTC",
    });
    const start = emitRun(writer.receiver, { time: 1660343258.779351 });
    const path = await writer.wait();
    assert.equal(path, `${dir}/20220812-222738-S00007-${start.uid.slice(0, 7)}.hdf`);
    assert.equal(await Deno.readTextFile(path), path);
    const tree = backend.trees[0]!;
    assert.deepEqual([...(tree.get("/entry/x") as { data: Float64Array }).data], [0, 1, 2]);
    assert.equal(tree.root.attrs.get("creator")?.value, "NXWriter");
    assert.equal(tree.root.attrs.get("HDF5_Version")?.value, "1.14.0");
    assert.equal(tree.get("/entry")!.attrs.get("target")?.value, "/entry");
    const leftovers = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".partial"));
    assert.deepEqual(leftovers, []);
  });
});

Deno.test("NXWriter refuses two plugins with one name", () => {
  const writer = new NXWriter({ backend: new RecordingBackend(), plugins: [entryPlugin] });
  assert.throws(
    () => writer.use(entryPlugin),
    /A NeXus plugin named "entry" is already registered/,
  );
  assert.throws(() => writer.use({ name: "", build() {} }), /needs a non-empty name/);
});

Deno.test("Plugins run in their phase, then in registration order", async () => {
  await withDir(async (dir) => {
    const order: string[] = [];
    const plugin = (name: string, enforce?: "pre" | "post"): NexusPlugin => ({
      name,
      ...(enforce ? { enforce } : {}),
      build: () => void order.push(name),
    });
    const writer = new NXWriter({ filePath: dir, backend: new RecordingBackend() });
    writer.use(plugin("late", "post")).use(plugin("a")).use(() => plugin("early", "pre"))
      .use(plugin("b"));
    emitRun(writer.receiver);
    await writer.wait();
    assert.deepEqual(order, ["early", "a", "b", "late"]);
    assert.deepEqual(writer.plugins.map((p) => p.name), order);
  });
});

Deno.test("A throwing plugin is reported with its name and path, and the rest is written", async () => {
  await withDir(async (dir) => {
    const backend = new RecordingBackend();
    const broken: NexusPlugin = {
      name: "broken",
      build({ tree }) {
        tree.group("/entry", "NXentry");
        tree.group("/entry/half", "NXnote");
        tree.field("/entry/x", 1); // collides with the entry plugin's field
      },
    };
    const writer = new NXWriter({ filePath: dir, backend, plugins: [entryPlugin, broken] });
    emitRun(writer.receiver);
    await writer.wait();
    const tree = backend.trees[0]!;
    assert.equal(tree.get("/entry/x")?.kind, "field");
    assert.equal(tree.get("/entry/half"), undefined, "the failed plugin's groups are removed");
    const [warning] = writer.warnings;
    assert.equal(warning?.plugin, "broken");
    assert.equal(warning?.path, "/entry/x");
    assert.match(warning!.message, /Plugin "broken" failed at "\/entry\/x"/);
  });
});

Deno.test("A strict writer fails the file when a plugin throws", async () => {
  await withDir(async (dir) => {
    const writer = new NXWriter({
      filePath: dir,
      backend: new RecordingBackend(),
      strict: true,
      plugins: [{ name: "bad", build: () => Promise.reject(new Error("no beam")) }],
    });
    emitRun(writer.receiver);
    await assert.rejects(writer.wait(), /Plugin "bad" failed: no beam/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("A link to a missing target is left out with a warning", async () => {
  await withDir(async (dir) => {
    const backend = new RecordingBackend();
    const dangling: NexusPlugin = {
      name: "dangling",
      build({ tree }) {
        tree.group("/entry", "NXentry");
        tree.link("/entry/nothing", "/entry/missing");
      },
    };
    const warnings: NexusWarning[] = [];
    const writer = new NXWriter({
      filePath: dir,
      backend,
      plugins: [entryPlugin, dangling],
      onWarning: (w) => warnings.push(w),
    });
    emitRun(writer.receiver);
    await writer.wait();
    assert.equal(backend.trees[0]!.get("/entry/nothing"), undefined);
    assert.match(warnings[0]!.message, /Link target "\/entry\/missing" does not exist/);
    assert.equal(writer.warnings.length, 0, "onWarning receives them instead");
  });
});

Deno.test("Two runs back to back, the second starting before the first file is written", async () => {
  await withDir(async (dir) => {
    const backend = new RecordingBackend();
    backend.delay = 30;
    const writer = new NXWriter({
      filePath: dir,
      backend,
      plugins: [entryPlugin],
      fileName: (start) => `${start.scan_id}.h5`,
    });
    const first = emitRun(writer.receiver, { scan_id: 1 }, 2);
    const second = emitRun(writer.receiver, { scan_id: 2 }, 5);
    assert.equal(await writer.written(first.uid), `${dir}/1.h5`);
    assert.equal(await writer.written(second.uid), `${dir}/2.h5`);
    assert.equal(await writer.wait(), `${dir}/2.h5`);
    const lengths = backend.trees.map((t) =>
      (t.get("/entry/x") as { data: Float64Array }).data.length
    );
    assert.deepEqual(lengths, [2, 5]);
  });
});

Deno.test("An existing file is not overwritten unless asked", async () => {
  await withDir(async (dir) => {
    const make = (overwrite: "fail" | "replace" | "rename") =>
      new NXWriter({
        filePath: dir,
        fileName: "same.h5",
        backend: new RecordingBackend(),
        plugins: [entryPlugin],
        overwrite,
      });
    await Deno.writeTextFile(`${dir}/same.h5`, "precious");
    const failing = make("fail");
    emitRun(failing.receiver);
    const error = await failing.wait().catch((e) => e);
    assert.ok(error instanceof FileExistsError);
    assert.equal(error.path, `${dir}/same.h5`);
    assert.equal(await Deno.readTextFile(`${dir}/same.h5`), "precious");
    const renaming = make("rename");
    emitRun(renaming.receiver);
    assert.equal(await renaming.wait(), `${dir}/same-1.h5`);
    const replacing = make("replace");
    emitRun(replacing.receiver);
    assert.equal(await replacing.wait(), `${dir}/same.h5`);
    assert.notEqual(await Deno.readTextFile(`${dir}/same.h5`), "precious");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["same-1.h5", "same.h5"]);
  });
});

Deno.test("A bad value is reported with its uid, written as missing, and the run is written", async () => {
  await withDir(async (dir) => {
    const backend = new RecordingBackend();
    const writer = new NXWriter({ filePath: dir, backend, plugins: [entryPlugin] });
    const run = composeRun();
    writer.receiver("start", run.start);
    const primary = run.descriptor({
      name: "primary",
      data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
    });
    writer.receiver("descriptor", primary.doc);
    writer.receiver("event", primary.event({ data: { x: 1 }, timestamps: { x: 0 } }));
    const bad = primary.event({ data: { x: "oops" }, timestamps: { x: 0 } });
    writer.receiver("event", bad);
    writer.receiver("event", primary.event({ data: { x: 3 }, timestamps: { x: 0 } }));
    writer.receiver("stop", run.stop());
    await writer.wait();
    const x = (backend.trees[0]!.get("/entry/x") as { data: Float64Array }).data;
    assert.deepEqual([...x], [1, NaN, 3]);
    assert.match(writer.warnings[0]!.message, new RegExp(`uid "${bad.uid}", field "data.x"`));
  });
});

Deno.test("flush() writes the runs that never stopped, and later documents of them are ignored", async () => {
  const backend = new RecordingBackend();
  const dir = await Deno.makeTempDir();
  const writer = new NXWriter({ backend, filePath: dir, fileName: (s) => `${s.scan_id}.h5` });
  const run = composeRun({ plan_name: "count", scan_id: 3 });
  writer.receiver("start", run.start);
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  writer.receiver("descriptor", primary.doc);
  writer.receiver("event", primary.event({ data: { x: 1 }, timestamps: { x: 1 } }));
  assert.deepEqual(writer.flush("no-such-run"), []);
  assert.deepEqual(writer.flush(), [run.start.uid]);
  assert.equal(await writer.wait(), `${dir}/3.h5`);
  assert.equal(backend.trees.length, 1);
  writer.receiver("stop", run.stop());
  assert.equal(backend.trees.length, 1);
  assert.match(
    writer.warnings.at(-1)?.message ?? "",
    /stop document, uid .*run_start/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("wait() before any run has stopped is a NoRunError, also with a run still open", async () => {
  const writer = new NXWriter({ backend: new RecordingBackend(), plugins: [entryPlugin] });
  await assert.rejects(writer.wait(), NoRunError);
  writer.receiver("start", composeRun().start);
  await assert.rejects(writer.wait(), NoRunError);
});

Deno.test("A long-lived writer lets go of old runs: bounded results, each outcome reported once", async () => {
  await withDir(async (dir) => {
    const outcomes: WrittenRun[] = [];
    const writer = new NXWriter({
      filePath: dir,
      backend: new RecordingBackend(),
      plugins: [entryPlugin],
      history: 5,
      onWritten: (outcome) => void outcomes.push(outcome),
    });
    const starts = Array.from(
      { length: 20 },
      (_, i) => emitRun(writer.receiver, { scan_id: i }, 1),
    );
    const last = await writer.wait();
    assert.equal(outcomes.length, 20);
    assert.deepEqual(outcomes.map((o) => o.run), starts.map((s) => s.uid));
    assert.ok(outcomes.every((o) => o.error === undefined && o.path !== undefined));
    assert.equal(last, outcomes.at(-1)!.path);
    // Only the latest runs are still answered for; the oldest were let go.
    const answered = starts.filter((s) => writer.written(s.uid) !== undefined);
    assert.deepEqual(answered.map((s) => s.uid), starts.slice(-5).map((s) => s.uid));
  });
});
