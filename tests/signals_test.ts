/**
 * Signals end a command as Ctrl-C does: SIGTERM and SIGHUP abort a scan with its stop
 * document and its file written; an interrupted export or conversion leaves no hidden
 * temporary file, and a conversion keeps the files it wrote before.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Catalog } from "../core/catalog/mod.ts";
import type { NamedDocument } from "../core/documents/types.ts";
import { readUntil, runScript, spawnScript, tableRows } from "./_cli.ts";
import { checkNexusFile, ignoreWithoutH5py, resolvePath } from "./_interop.ts";
import { ROOT } from "./_cli.ts";
import { withDir } from "./_temp_dir.ts";
import { benchRun } from "../bench/_documents.ts";

/** Signal a scan after its first row and check it ended as an interrupted scan should. */
async function scanSignalled(signal: "SIGTERM" | "SIGHUP", name: string): Promise<void> {
  await withDir(async (dir) => {
    const child = spawnScript("scan.ts", [
      "--num",
      "50",
      "--catalog",
      `${dir}/cat`,
      "--file",
      `${dir}/long.hdf`,
    ]);
    const output = await readUntil(child, /\|\s+1 \|/);
    child.kill(signal);
    const stdout = await output.rest();
    const status = await child.status;
    const stderr = await new Response(child.stderr).text();
    assert.equal(status.code, 1, stderr);
    assert.match(stderr, new RegExp(`${name} \\(${signal}\\): aborting the run`));
    assert.match(stderr, new RegExp(`ended with exit status "abort": Interrupted by ${signal}`));
    const rows = tableRows(stdout);
    assert.ok(rows.length >= 1 && rows.length < 50, `${rows.length} rows`);
    const summary = await checkNexusFile(`${dir}/long.hdf`);
    const motor = resolvePath(summary, "/entry/data/motor")?.value as number[];
    assert.equal(motor.length, rows.length, "every event recorded is in the file");
    const catalog = Catalog.open(`${dir}/cat`);
    try {
      const [run, ...others] = catalog.runs();
      assert.equal(others.length, 0);
      assert.equal(run?.exitStatus, "abort");
      assert.equal(run?.numEvents, rows.length);
    } finally {
      catalog.close();
    }
  });
}

Deno.test("SIGTERM during deno task scan aborts the run, writes the file and stores the stop", {
  ignore: ignoreWithoutH5py() || Deno.build.os === "windows",
}, () => scanSignalled("SIGTERM", "Terminated"));

Deno.test("SIGHUP during deno task scan aborts the run, writes the file and stores the stop", {
  ignore: ignoreWithoutH5py() || Deno.build.os === "windows",
}, () => scanSignalled("SIGHUP", "Hung up"));

/** Hidden temporary files a writer left in `dir`. */
async function temporaryFiles(dir: string): Promise<string[]> {
  const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  return names.filter((n) => n.startsWith(".") && /\.(partial|tmp)$/.test(n));
}

/** Store a 200,000-event run in `${dir}/catalog` (the helper also writes big.h5). */
async function storeBigRun(dir: string): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", `${ROOT}tests/_kill_child.ts`, dir],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
}

/** Interrupt `nx export` once its temporary file appears; returns its exit code and stderr. */
async function exportInterrupted(
  dir: string,
  args: string[],
  signal: Deno.Signal,
): Promise<{ code: number; stderr: string; left: string[]; out: string }> {
  // On a loaded machine the export may finish its last write before the signal is handled;
  // then it is tried again (a signal that comes too late is no test of the clean-up).
  let result = await exportOnce(dir, args, signal, 0);
  for (let attempt = 1; attempt < 3 && result.code === 0; attempt++) {
    assert.deepEqual(result.left, [], "no temporary file is left");
    result = await exportOnce(dir, args, signal, attempt);
  }
  return result;
}

async function exportOnce(
  dir: string,
  args: string[],
  signal: Deno.Signal,
  attempt: number,
): Promise<{ code: number; stderr: string; left: string[]; out: string }> {
  const out = `${dir}/out${attempt || ""}`;
  await Deno.mkdir(out);
  const child = spawnScript("nx.ts", [
    "export",
    "--catalog",
    `${dir}/catalog`,
    "--index",
    "-1",
    "--dir",
    out,
    ...args,
  ]);
  const stdout = new Response(child.stdout).text();
  let seen = false;
  for (let i = 0; i < 6000 && !seen; i++) {
    seen = (await temporaryFiles(out)).length > 0;
    if (!seen) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(seen, "the export made its temporary file");
  child.kill(signal);
  const status = await child.status;
  await stdout;
  const stderr = await new Response(child.stderr).text();
  return { code: status.code, stderr, left: await temporaryFiles(out), out };
}

/**
 * Store an area-detector scan in `${dir}/catalog`, its frames linked in the scan's file, and
 * write the config that makes `nx export` copy them, gzip'd at level 9: a write that takes
 * seconds, as copying a real detector's frames does.
 */
async function storeImageRun(dir: string): Promise<string> {
  const scan = await runScript("scan.ts", [
    "--no-table",
    "--detector",
    "image",
    "--num",
    "10",
    "--catalog",
    `${dir}/catalog`,
    "--file",
    `${dir}/scan.hdf`,
  ]);
  assert.equal(scan.code, 0, scan.stderr);
  const config = `${dir}/copy.config.ts`;
  await Deno.writeTextFile(
    config,
    'export default { builtins: { streams: { frames: "copy", compression: 9 } } };\n',
  );
  return config;
}

Deno.test(
  "Ctrl-C while nx export copies frames stops it with exit code 1 and removes its hidden .partial",
  {
    ignore: Deno.build.os === "windows",
  },
  async () => {
    await withDir(async (dir) => {
      const config = await storeImageRun(dir);
      const { code, stderr, left, out } = await exportInterrupted(
        dir,
        ["--config", config],
        "SIGINT",
      );
      assert.deepEqual(left, [], "no temporary file is left");
      assert.equal(code, 1, stderr);
      assert.match(stderr, /Interrupted by Ctrl-C \(SIGINT\): the export is stopped/);
      const written = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name);
      assert.deepEqual(written, [], "no file is written");
    });
  },
);

Deno.test("SIGTERM during nx export --format jsonl removes its hidden temporary file", {
  ignore: Deno.build.os === "windows",
}, async () => {
  await withDir(async (dir) => {
    await storeBigRun(dir);
    const { code, stderr, left, out } = await exportInterrupted(
      dir,
      ["--format", "jsonl"],
      "SIGTERM",
    );
    assert.deepEqual(left, [], "no temporary file is left");
    assert.equal(code, 1, stderr);
    assert.match(stderr, /Terminated \(SIGTERM\): the export is stopped/);
    const written = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name);
    assert.deepEqual(written, [], "no file is written");
  });
});

Deno.test("nx export still exits 0 when no signal comes", async () => {
  await withDir(async (dir) => {
    const scan = await runScript("scan.ts", [
      "--num",
      "2",
      "--no-table",
      "--catalog",
      `${dir}/cat`,
      "--file",
      `${dir}/a.hdf`,
    ]);
    assert.equal(scan.code, 0, scan.stderr);
    const out = await runScript("nx.ts", [
      "export",
      "--catalog",
      `${dir}/cat`,
      "--scan-id",
      "1",
      "--dir",
      dir,
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(await temporaryFiles(dir), []);
  });
});

/** `nx convert` of `input` into `out`, sent SIGINT once `ready` says; its outcome. */
async function convertInterrupted(
  input: string,
  out: string,
  args: string[],
  ready: (pid: number) => Promise<boolean>,
): Promise<{ code: number; stdout: string; stderr: string; names: string[] }> {
  await Deno.mkdir(out, { recursive: true });
  const child = spawnScript("nx.ts", ["convert", input, "--dir", out, ...args]);
  const stdout = new Response(child.stdout).text();
  const stderr = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.finally(() => exited = true);
  let seen = false;
  for (let i = 0; i < 6000 && !seen && !exited; i++) {
    seen = await ready(child.pid);
    if (!seen) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(seen || exited, "the conversion got as far as the test waits for");
  if (!exited) child.kill("SIGINT");
  const { code } = await status;
  const names = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name).sort();
  return { code, stdout: await stdout, stderr: await stderr, names };
}

/**
 * Run `nx` with `args` reading `input`, a named pipe the test fills with `documents`, then
 * send it SIGINT: the moment of the signal is the test's own. Documents far beyond what a
 * pipe holds (64 KiB) have been read by then, so the command is past their start.
 * @returns The exit code and stderr.
 */
async function interruptedThroughPipe(
  input: string,
  args: string[],
  documents: Iterable<NamedDocument>,
): Promise<{ code: number; stderr: string }> {
  const made = await new Deno.Command("mkfifo", { args: [input] }).output();
  assert.ok(made.success, new TextDecoder().decode(made.stderr));
  const child = spawnScript("nx.ts", args);
  const stdout = new Response(child.stdout).text();
  const stderr = new Response(child.stderr).text();
  const pipe = await Deno.open(input, { write: true });
  const encoder = new TextEncoder();
  for (const named of documents) await pipe.write(encoder.encode(`${JSON.stringify(named)}\n`));
  child.kill("SIGINT");
  const { code } = await child.status;
  pipe.close();
  const [err] = await Promise.all([stderr, stdout]);
  return { code, stderr: err };
}

Deno.test({
  name: "Ctrl-C while nx convert reads its input stops the reading, and writes no file",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withDir(async (dir) => {
      const out = `${dir}/out`;
      await Deno.mkdir(out);
      const input = `${dir}/docs.jsonl`;
      // The start, the descriptor and 2,998 events of a long run.
      const documents = benchRun(100_000).take(3000);
      const { code, stderr: err } = await interruptedThroughPipe(
        input,
        ["convert", input, "--dir", out],
        documents,
      );
      assert.equal(code, 1, err);
      assert.match(
        err,
        /Interrupted by Ctrl-C \(SIGINT\): the conversion is stopped; no file was written/,
      );
      assert.doesNotMatch(err, /reading stopped there|no stop document/);
      const names = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name);
      assert.deepEqual(names, [], "no file, no temporary file");
    });
  },
});

Deno.test(
  "Ctrl-C while nx convert copies a run's frames keeps the file written before, and places no other",
  { ignore: Deno.build.os === "windows" },
  async () => {
    await withDir(async (dir) => {
      const scalar = await runScript("scan.ts", [
        "--no-table",
        "--num",
        "3",
        "--catalog",
        `${dir}/catalog`,
        "--file",
        `${dir}/scalar.hdf`,
      ]);
      assert.equal(scalar.code, 0, scalar.stderr);
      const config = await storeImageRun(dir);
      const parts: string[] = [];
      for (const index of ["0", "1"]) {
        const path = `${dir}/run${index}.jsonl`;
        const exported = await runScript("nx.ts", [
          "export",
          "--catalog",
          `${dir}/catalog`,
          "--index",
          index,
          "--format",
          "jsonl",
          "--file",
          path,
        ]);
        assert.equal(exported.code, 0, exported.stderr);
        parts.push(await Deno.readTextFile(path));
      }
      const input = `${dir}/both.jsonl`;
      await Deno.writeTextFile(input, parts.join(""));
      // Sent once the image run's file is being written; a signal handled only after its last
      // frame (a loaded machine) is tried again.
      let result;
      for (let attempt = 0; attempt < 3; attempt++) {
        const out = `${dir}/out${attempt}`;
        result = await convertInterrupted(
          input,
          out,
          ["--config", config],
          // The image run's (scan 2), not the scalar run's, written just before.
          async () => (await temporaryFiles(out)).some((name) => name.includes("-S00002-")),
        );
        if (result.code === 1) break;
      }
      assert.equal(result!.code, 1, result!.stderr);
      assert.match(
        result!.stderr,
        /scan 2 \([0-9a-f]{7}\): not written: Interrupted by Ctrl-C \(SIGINT\): the conversion is stopped/,
      );
      assert.match(
        result!.stderr,
        /the conversion is stopped; the file written before it is whole/,
      );
      const kept = /file=(\S+)/.exec(result!.stdout)?.[1];
      assert.ok(kept !== undefined, result!.stdout);
      assert.deepEqual(result!.names, [kept.slice(kept.lastIndexOf("/") + 1)]);
      const tree = await runScript("nx.ts", ["tree", kept]);
      assert.equal(tree.code, 0, tree.stderr);
      assert.match(tree.stdout, /primary/);
    });
  },
);

Deno.test({
  name:
    "Ctrl-C while nx import reads its input keeps the runs read to their end; a second import adds the one cut short",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withDir(async (dir) => {
      const first = [...benchRun(3)];
      const second = [...benchRun(5_000)];
      const input = `${dir}/docs.jsonl`;
      const catalogDir = `${dir}/catalog`;
      // The first run whole, then 3,000 documents of the second: the command has stored the
      // first run and is reading the second.
      const { code, stderr: err } = await interruptedThroughPipe(
        input,
        ["import", input, "--catalog", catalogDir],
        [...first, ...second.slice(0, 3000)],
      );
      assert.equal(code, 1, err);
      assert.match(
        err,
        /Interrupted by Ctrl-C \(SIGINT\): the import is stopped; the runs read to their end are stored, the run being read is not/,
      );
      const stored = () => {
        const catalog = Catalog.open(catalogDir);
        try {
          return catalog.runs().map((r) => [r.uid, r.numEvents, r.exitStatus]);
        } finally {
          catalog.close();
        }
      };
      const [firstStart, secondStart] = [first[0]![1], second[0]![1]] as { uid: string }[];
      assert.deepEqual(stored(), [[firstStart!.uid, 3, "success"]], "the first run only, whole");
      // The whole file again: the first run is there already, the second is added whole.
      const file = `${dir}/again.jsonl`;
      await Deno.writeTextFile(
        file,
        [...first, ...second].map((named) => `${JSON.stringify(named)}\n`).join(""),
      );
      const again = await runScript("nx.ts", ["import", file, "--catalog", catalogDir]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Imported 1 runs .*; 1 runs already there/);
      const runs = stored().sort((a, b) => (a[1] as number) - (b[1] as number));
      assert.deepEqual(runs, [[firstStart!.uid, 3, "success"], [
        secondStart!.uid,
        5000,
        "success",
      ]]);
    });
  },
});
