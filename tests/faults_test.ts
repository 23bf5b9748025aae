/**
 * Faults and files: a process killed while it writes, folders that cannot be written, file
 * names from hostile metadata, runs that never stop, and 1,000 runs back to back.
 */

import assert from "node:assert/strict";
import { Catalog } from "../core/catalog/mod.ts";
import { H5wasmBackend } from "../core/nexus/mod.ts";
import { composeRun, count, createNXWriter, type Hdf5Backend, RunEngine } from "../mod.ts";
import { GaussianDetector, SimMotor } from "../devices/mod.ts";
import { ROOT, runScript } from "./_cli.ts";
import { h5pyValues, ignoreWithoutH5py, pythonWithH5py } from "./_interop.ts";

function smallRun(md: Record<string, unknown> = {}) {
  const run = composeRun({ plan_name: "count", scan_id: 3, ...md });
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
  });
  return { run, primary };
}

Deno.test({
  name: "SIGKILL while the file is written: no file at the final path, every document in " +
    "the catalog, and a later export writes the complete file",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}tests/_kill_child.ts`, dir],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      // Kill it once the writer has claimed its temporary file.
      let partial = false;
      for (let i = 0; i < 3000 && !partial; i++) {
        partial = [...Deno.readDirSync(dir)].some((e) => e.name.endsWith(".partial"));
        if (!partial) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok(partial, "the writer never started");
      child.kill("SIGKILL");
      const status = await child.status;
      assert.equal(status.signal, "SIGKILL");
      await child.stdout.cancel();
      await child.stderr.cancel();
      assert.equal(await Deno.stat(`${dir}/big.h5`).then(() => true, () => false), false);
      const catalog = Catalog.open(`${dir}/catalog`);
      const stored = catalog.byIndex(-1);
      assert.equal(stored.summary.numEvents, 200_000);
      assert.equal(stored.summary.exitStatus, "success");
      catalog.close();
      const out = await runScript("nx.ts", [
        "export",
        "--index",
        "-1",
        "--catalog",
        `${dir}/catalog`,
        "--file",
        `${dir}/big.h5`,
      ]);
      assert.equal(out.code, 0, out.stderr);
      const script = `import h5py,sys; f=h5py.File(sys.argv[1]); ` +
        `v=f["/entry/instrument/bluesky/streams/primary/x/value"]; print(v.shape[0], v[-1])`;
      const read = await new Deno.Command(pythonWithH5py()!, {
        args: ["-c", script, `${dir}/big.h5`],
        stdout: "piped",
      }).output();
      assert.equal(new TextDecoder().decode(read.stdout).trim(), "200000 199999.0");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("A folder that cannot be written is an error naming the file; no file appears", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const catalog = Catalog.open(`${dir}/catalog`);
    const writer = createNXWriter({ filePath: `${dir}/missing/folder`, fileName: "run.h5" });
    const { run, primary } = smallRun();
    for (
      const [name, doc] of [
        ["start", run.start],
        ["descriptor", primary.doc],
        ["event", primary.event({ data: { x: 1 }, timestamps: { x: 1 } })],
        ["stop", run.stop()],
      ] as const
    ) {
      catalog.insert(name, doc as never);
      writer.receiver(name, doc as never);
    }
    await assert.rejects(
      writer.wait(),
      new RegExp(`Cannot write "${dir}/missing/folder/run.h5": the folder does not exist`),
    );
    // The documents stay in the catalog, for a later export.
    assert.equal([...catalog.byScanId(3).documents()].length, 4);
    catalog.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A full disk is reported as such, and no file appears at the final path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const full: Hdf5Backend = Object.assign(new H5wasmBackend(), {
      versions: () => Promise.resolve({ library: "fake", libraryVersion: "1", hdf5: "1" }),
      async write(_tree: unknown, path: string) {
        await Deno.writeTextFile(path, "half");
        throw Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
      },
    });
    const writer = createNXWriter({ backend: full, filePath: dir, fileName: "run.h5" });
    const { run } = smallRun();
    writer.receiver("start", run.start);
    writer.receiver("stop", run.stop());
    await assert.rejects(writer.wait(), /Cannot write ".*run.h5": the disk is full/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("File names built from metadata stay in the folder and are made safe", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = createNXWriter({ filePath: dir, backend: markerBackend() });
    for (const uid of ["../../escape", "/etc/passwd-x", "a\u0000b-nul"]) {
      const { run } = smallRun({ uid, scan_id: "../x" as never });
      writer.receiver("start", run.start);
      writer.receiver("stop", run.stop());
    }
    await writer.wait();
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.equal(names.length, 3);
    for (const name of names) {
      assert.ok(!name.includes("/") && !name.includes("\u0000") && !name.startsWith("."), name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function markerBackend(): Hdf5Backend {
  return Object.assign(new H5wasmBackend(), {
    versions: () => Promise.resolve({ library: "fake", libraryVersion: "1", hdf5: "1" }),
    write: (_tree: unknown, path: string) => Deno.writeTextFile(path, "x", { createNew: true }),
  });
}

Deno.test("A run that never stops is written after the idle timeout, marked incomplete", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = createNXWriter({ filePath: dir, fileName: "open.h5", idleTimeout: 200 });
    const { run, primary } = smallRun();
    writer.receiver("start", run.start);
    writer.receiver("descriptor", primary.doc);
    writer.receiver("event", primary.event({ data: { x: 1 }, timestamps: { x: 1 } }));
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(await writer.written(run.start.uid), `${dir}/open.h5`);
    assert.ok(
      writer.warnings.some((w) =>
        /No document for 0.2 s: written as an incomplete run/.test(w.message)
      ),
    );
    const notes = await h5pyValues(`${dir}/open.h5`, ["/entry/notes/description"]).catch(() =>
      null
    );
    if (notes) assert.match(String(notes["/entry/notes/description"]), /^Incomplete run/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const LOAD_RUNS = Number(Deno.env.get("LOAD_RUNS") ?? 1000);

Deno.test({
  name:
    `${LOAD_RUNS} short runs back to back through RunEngine, catalog and writer: every file matches its run`,
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const motor = new SimMotor({ name: "motor", instant: true });
      const det = new GaussianDetector({
        name: "det",
        motor,
        seed: 5,
        noise: "poisson",
        imax: 100,
      });
      const RE = new RunEngine();
      const catalog = Catalog.open(`${dir}/catalog`);
      const writer = createNXWriter({ filePath: dir, fileName: (s) => `${s.uid}.h5` });
      RE.subscribe("all", catalog.insert);
      RE.subscribe("all", writer.receiver);
      const expected = new Map<string, number[]>();
      let values: number[] = [];
      RE.subscribe("event", (_name, doc) => void values.push(doc.data.det as number));
      for (let i = 0; i < LOAD_RUNS; i++) {
        values = [];
        // The writer of run i-1 works while run i is acquired.
        const { uids } = await RE.run(count([det], { num: 2 }));
        expected.set(`${uids[0]}.h5`, values);
      }
      await writer.wait();
      assert.equal(catalog.runs().length, LOAD_RUNS);
      catalog.close();
      const script = `
import h5py, json, sys, os
out = {}
for name in sorted(os.listdir(sys.argv[1])):
    if name.endswith(".h5"):
        with h5py.File(os.path.join(sys.argv[1], name)) as f:
            out[name] = f["/entry/instrument/bluesky/streams/primary/det/value"][()].tolist()
print(json.dumps(out))`;
      const read = await new Deno.Command(pythonWithH5py()!, {
        args: ["-c", script, dir],
        stdout: "piped",
      }).output();
      const files = JSON.parse(new TextDecoder().decode(read.stdout)) as Record<string, number[]>;
      assert.equal(Object.keys(files).length, LOAD_RUNS);
      for (const [name, want] of expected) assert.deepEqual(files[name], want, name);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
