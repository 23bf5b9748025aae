/**
 * End to end: the catalog under faults. A full disk while importing, the same file imported
 * by two processes at once, and a catalog file with garbage in it: nothing is lost or
 * duplicated without a word, and `nx check` tells what a damaged catalog still holds.
 */

import assert from "node:assert/strict";
import { Catalog } from "../core/catalog/mod.ts";
import { testRun } from "../core/catalog/_test_runs.ts";
import type { NamedDocument } from "../core/documents/types.ts";
import { writeJsonLines } from "../core/readers/json_lines_writer.ts";
import { ignoreUnless } from "./_ci.ts";
import { ROOT, runScript, taskPermissions } from "./_cli.ts";
import { storageTest as test } from "./_catalog_storages.ts";

const EVENTS = 20_000;

/** Two runs of 20,000 events each (20,005 documents a run). */
function twoRuns(): NamedDocument[] {
  return [
    ...testRun({ start: { scan_id: 1 }, events: EVENTS }).documents,
    ...testRun({ start: { scan_id: 2, time: 1_700_001_000 }, events: EVENTS }).documents,
  ];
}

async function withDir(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "catalog_faults_" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The stored documents of every run, oldest run first. */
function storedRuns(dir: string): NamedDocument[][] {
  const catalog = Catalog.open(dir);
  try {
    return catalog.runs().map((run) => [...catalog.byUid(run.uid).documents()]);
  } finally {
    catalog.close();
  }
}

const hasShell = (() => {
  try {
    return Deno.build.os !== "windows" && Deno.statSync("/bin/sh").isFile;
  } catch {
    return false;
  }
})();

/**
 * `nx import` in a shell whose file size limit is `kib` KiB: writes beyond fail as on a full
 * disk (SIGXFSZ ignored, so the write returns EFBIG).
 */
function importWithLimit(kib: number, file: string, catalog: string) {
  return runWithLimit(kib, "nx.ts", ["import", file, "--catalog", catalog]);
}

/** A script run as its task runs it, in a shell whose file size limit is `kib` KiB. */
async function runWithLimit(kib: number, script: string, args: string[]) {
  const deno = [Deno.execPath(), "run", ...taskPermissions(script), `${ROOT}${script}`];
  const command = `trap '' XFSZ; ulimit -f ${kib * 2}; exec "$@"`;
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", command, "sh", ...deno, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test({
  name: "nx import on a full disk says which run is not stored, prints what is stored, " +
    "and importing again gives the runs of a clean import",
  ignore: ignoreUnless(hasShell, "/bin/sh with ulimit"),
  async fn() {
    await withDir(async (dir) => {
      const documents = twoRuns();
      const file = `${dir}/two.jsonl`;
      await writeJsonLines(file, documents);
      const second = (documents[EVENTS + 5]![1] as { uid: string }).uid;
      // Room for the first run (6.5 MB of catalog), not for both (13 MB).
      const full = await importWithLimit(9 * 1024, file, `${dir}/catalog`);
      assert.equal(full.code, 1, full.stderr);
      assert.match(
        full.stderr,
        new RegExp(`could not store 20005 documents of run "${second}".*not stored completely`),
      );
      assert.match(full.stdout, /Imported 1 runs \(20005 documents\)/);
      assert.match(full.stdout, new RegExp(`uid=${second}  not stored \\(20005 documents\\)`));
      const stored = storedRuns(`${dir}/catalog`);
      assert.deepEqual(stored.map((run) => run.length), [20005]);

      const again = await runScript("nx.ts", ["import", file, "--catalog", `${dir}/catalog`]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Imported 1 runs \(20005 documents\).*; 1 runs already there/);
      const clean = await runScript("nx.ts", ["import", file, "--catalog", `${dir}/clean`]);
      assert.equal(clean.code, 0, clean.stderr);
      assert.deepEqual(storedRuns(`${dir}/catalog`), storedRuns(`${dir}/clean`));
      assert.deepEqual(storedRuns(`${dir}/clean`).flat(), documents);
    });
  },
});

test("nx import of one file in two processes at once stores each run once", async (store) => {
  await withDir(async (dir) => {
    const catalog = await store.location();
    const documents = twoRuns();
    const file = `${dir}/two.jsonl`;
    await writeJsonLines(file, documents);
    const args = ["import", file, "--catalog", catalog];
    const outputs = await Promise.all([runScript("nx.ts", args), runScript("nx.ts", args)]);
    for (const out of outputs) assert.equal(out.code, 0, out.stderr);
    const imported = outputs.map((out) => Number(/\((\d+) documents\)/.exec(out.stdout)?.[1]));
    assert.equal(imported[0]! + imported[1]!, documents.length, outputs[0]!.stdout);
    assert.deepEqual(storedRuns(catalog).flat(), documents);
  });
});

test("nx import of a file already imported stores nothing and names its runs", async (store) => {
  await withDir(async (dir) => {
    const catalog = await store.location();
    const { documents } = testRun({ start: { scan_id: 3 }, events: 50 });
    const file = `${dir}/run.jsonl`;
    await writeJsonLines(file, documents);
    const args = ["import", file, "--catalog", catalog];
    assert.equal((await runScript("nx.ts", args)).code, 0);
    const again = await runScript("nx.ts", args);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, "");
    const uid = (documents[0]![1] as { uid: string }).uid;
    assert.match(again.stdout, new RegExp(`uid=${uid}  already in the catalog: left as it is`));
    assert.match(again.stdout, /Imported 0 runs \(0 documents\)/);
    assert.deepEqual(storedRuns(catalog), [documents]);
  });
});

/** Deterministic garbage: a fixed linear congruential sequence. */
function garbage(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = 12345;
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A catalog holding one run of 20,000 events, with 64 KiB of garbage written at `at`. */
async function damagedCatalog(dir: string, at: (size: number) => number): Promise<string> {
  const catalog = Catalog.open(dir);
  for (const [name, doc] of testRun({ start: { scan_id: 1 }, events: EVENTS }).documents) {
    catalog.insert(name, doc);
  }
  catalog.close();
  const path = `${dir}/catalog.sqlite`;
  const file = await Deno.open(path, { read: true, write: true });
  try {
    await file.seek(at((await file.stat()).size), Deno.SeekMode.Start);
    await file.write(garbage(64 * 1024));
  } finally {
    file.close();
  }
  return path;
}

Deno.test(
  "A catalog with garbage in its middle: nx runs and nx export fail naming the file, " +
    "and nx check says what can be read, with exit status 1",
  async () => {
    await withDir(async (dir) => {
      const path = await damagedCatalog(`${dir}/catalog`, (size) => Math.floor(size / 2));
      const catalog = ["--catalog", `${dir}/catalog`];
      for (const format of ["jsonl", "nexus"]) {
        const target = `${dir}/out/run.${format}`;
        const out = await runScript("nx.ts", [
          "export",
          "--scan-id",
          "1",
          ...catalog,
          "--format",
          format,
          "--dir",
          `${dir}/out`,
          "--file",
          target,
        ]);
        assert.equal(out.code, 1, `${format}: ${out.stdout}`);
        assert.match(out.stderr, new RegExp(`Catalog "${path}" is damaged`), format);
        assert.deepEqual([...Deno.readDirSync(`${dir}/out`)], [], `${format}: nothing written`);
      }
      const runs = await runScript("nx.ts", ["runs", ...catalog]);
      assert.equal(runs.code, 1, `nx runs: ${runs.stdout}`);
      assert.match(runs.stderr, new RegExp(`Catalog "${path}" is damaged`));
      assert.doesNotMatch(runs.stdout, /success/, "no run vouched for");
      const check = await runScript("nx.ts", ["check", ...catalog]);
      assert.equal(check.code, 1, check.stderr);
      assert.match(check.stdout, new RegExp(`Catalog "${path}": damaged`));
      const primary = /primary (\d+) of 20000 events readable/.exec(check.stdout);
      assert.ok(primary, check.stdout);
      assert.ok(Number(primary[1]) < EVENTS && Number(primary[1]) > 0, check.stdout);
      const recoverable = /Recoverable: (\d+) documents of 1 runs; 0 of 1 runs whole/
        .exec(check.stdout);
      assert.ok(recoverable && Number(recoverable[1]) < 20005, check.stdout);
    });
  },
);

Deno.test("A catalog whose list of runs is garbage: nx runs fails naming the file", async () => {
  await withDir(async (dir) => {
    // The second page is the root of the table of runs.
    const path = await damagedCatalog(`${dir}/catalog`, () => 4096);
    const runs = await runScript("nx.ts", ["runs", "--catalog", `${dir}/catalog`]);
    assert.equal(runs.code, 1, runs.stdout);
    assert.match(runs.stderr, new RegExp(`Catalog "${path}" is damaged`));
    assert.match(runs.stderr, /nx check --catalog/);
  });
});

Deno.test("nx check of a whole catalog says ok, with exit status 0", async () => {
  await withDir(async (dir) => {
    const catalog = Catalog.open(`${dir}/catalog`);
    for (const [name, doc] of testRun({ start: { scan_id: 1 }, events: 10 }).documents) {
      catalog.insert(name, doc);
    }
    catalog.close();
    const check = await runScript("nx.ts", ["check", "--catalog", `${dir}/catalog`]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /: ok \(integrity check passed; 1 runs, 15 documents/);
  });
});

Deno.test({
  name: "scan --catalog on a disk that fills under the catalog says the run is not stored, " +
    "writes its file all the same, and exits 1",
  ignore: ignoreUnless(hasShell, "/bin/sh with ulimit"),
  async fn() {
    await withDir(async (dir) => {
      // 64 KiB: the NeXus file of 40 points fits, the catalog's journal does not.
      const { code, stdout, stderr } = await runWithLimit(64, "scan.ts", [
        "--num",
        "40",
        "--no-table",
        "--catalog",
        `${dir}/catalog`,
        "--file",
        `${dir}/run.hdf`,
      ]);
      assert.equal(code, 1, stderr);
      assert.match(stderr, new RegExp(`Catalog "${dir}/catalog/catalog.sqlite" could not store`));
      assert.match(stderr, /the run is not stored completely/);
      assert.match(stdout, new RegExp(`^exists=true  file=${dir}/run.hdf$`, "m"));
      assert.doesNotMatch(stdout, /^catalog: /m, "no claim that the run is stored");
    });
  },
});

Deno.test({
  name: "nx export --format jsonl past the file size limit says so, and leaves no file behind",
  ignore: ignoreUnless(hasShell, "/bin/sh with ulimit"),
  async fn() {
    await withDir(async (dir) => {
      const catalog = Catalog.open(`${dir}/catalog`);
      try {
        for (const [name, doc] of testRun({ start: { scan_id: 7 }, events: 5000 }).documents) {
          catalog.insert(name, doc);
        }
        catalog.flush();
      } finally {
        catalog.close();
      }
      const out = `${dir}/out/run.jsonl`;
      await Deno.mkdir(`${dir}/out`);
      const args = ["export", "--scan-id", "7", "--format", "jsonl", "--file", out];
      const { code, stderr } = await runWithLimit(64, "nx.ts", [
        ...args,
        "--catalog",
        `${dir}/catalog`,
      ]);
      assert.equal(code, 1, stderr);
      assert.match(
        stderr,
        new RegExp(`Cannot write "${out}": the file is larger than the file system or the `),
      );
      const left = [];
      for await (const entry of Deno.readDir(`${dir}/out`)) left.push(entry.name);
      assert.deepEqual(left, [], "no file and no temporary file");
    });
  },
});

Deno.test({
  name: "scan --detector image past the file size limit names the detector's file and why",
  ignore: ignoreUnless(hasShell, "/bin/sh with ulimit"),
  async fn() {
    await withDir(async (dir) => {
      const { code, stdout, stderr } = await runWithLimit(512, "scan.ts", [
        "--detector",
        "image",
        "--no-table",
        "--file",
        `${dir}/run.hdf`,
      ]);
      assert.equal(code, 1, stderr);
      assert.match(
        stderr,
        new RegExp(
          `exit status "fail": Cannot write frame 0 of "/entry/data/data" in "${dir}/images/` +
            `image_\\w+\\.h5": the file is larger than the file system or the process's file `,
        ),
      );
      assert.match(stdout, new RegExp(`^exists=true  file=${dir}/run.hdf$`, "m"));
    });
  },
});
