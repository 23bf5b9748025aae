import assert from "node:assert/strict";
import { writePlotFiles } from "../cli/scan_command.ts";
import type { PlotSeries } from "../mod.ts";
import { readUntil, ROOT, runScript, spawnScript, tableRows, taskPermissions } from "./_cli.ts";
import { checkNexusFile, h5dumpOk, ignoreWithoutH5py, resolvePath } from "./_interop.ts";

Deno.test("deno task scan prints the seed's table: 5 rows, motor from -0.5 to 0.5", {
  ignore: ignoreWithoutH5py(),
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await runScript("scan.ts", ["--file", `${dir}/demo.hdf`]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Transient Scan ID: 1 {5}Time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    assert.match(stdout, /^Persistent Unique Scan ID: '[0-9a-f-]{36}'$/m);
    assert.match(stdout, /^New stream: 'primary'$/m);
    assert.match(stdout, /^\| {3}seq_num \| {7}time \| {6}motor \| {5}sensor \|$/m);
    const rows = tableRows(stdout);
    assert.deepEqual(rows.map((r) => r[0]), ["1", "2", "3", "4", "5"]);
    assert.deepEqual(rows.map((r) => r[2]), [
      "-0.50000",
      "-0.25000",
      "0.00000",
      "0.25000",
      "0.50000",
    ]);
    for (const row of rows) {
      assert.match(row[1]!, /^\d\d:\d\d:\d\d\.\d$/);
      const sensor = Number(row[3]);
      assert.ok(sensor >= 0 && sensor < 1, `sensor value ${row[3]}`);
    }
    assert.match(stdout, /^generator scan \['[0-9a-f]{8}'\] \(scan num: 1\)$/m);
    assert.match(stdout, new RegExp(`^exists=true  file=${dir}/demo.hdf$`, "m"));
    const summary = await checkNexusFile(`${dir}/demo.hdf`);
    assert.ok(await h5dumpOk(`${dir}/demo.hdf`));
    const motor = resolvePath(summary, "/entry/data/motor");
    assert.deepEqual(motor?.value, [-0.5, -0.25, 0, 0.25, 0.5]);
    const sensor = resolvePath(summary, "/entry/data/sensor")?.value as number[];
    assert.deepEqual(sensor.map((v) => v.toFixed(5)), rows.map((r) => r[3]));
    const svg = await Deno.readTextFile(`${dir}/demo.svg`);
    assert.match(svg, /^<svg/);
    assert.match(stdout, new RegExp(`plot: ${dir}/demo.svg`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan honours --start, --stop, --num and --no-table", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = ["--start", "1", "--stop", "2", "--num", "3", "--file", `${dir}/a.hdf`];
    const withTable = await runScript("scan.ts", args);
    assert.equal(withTable.code, 0, withTable.stderr);
    assert.deepEqual(tableRows(withTable.stdout).map((r) => r[2]), [
      "1.00000",
      "1.50000",
      "2.00000",
    ]);
    const negative = await runScript("scan.ts", [
      "--start",
      "-0.5",
      "--stop",
      "-0.25",
      "--num",
      "2",
      "--file",
      `${dir}/n.hdf`,
    ]);
    assert.equal(negative.code, 0, negative.stderr);
    assert.deepEqual(tableRows(negative.stdout).map((r) => r[2]), ["-0.50000", "-0.25000"]);
    const again = await runScript("scan.ts", [...args, "--no-table"]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /a\.hdf" already exists: not overwritten/);
    const quiet = await runScript("scan.ts", [...args, "--no-table", "--overwrite"]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.deepEqual(tableRows(quiet.stdout), []);
    assert.doesNotMatch(quiet.stdout, /seq_num/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan --catalog keeps counting scan_id across sessions", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = ["--num", "1", "--no-table", "--catalog", `${dir}/cat`, "--file", `${dir}/x.hdf`];
    args.push("--overwrite");
    const first = await runScript("scan.ts", args);
    const second = await runScript("scan.ts", args);
    assert.match(first.stdout, /Transient Scan ID: 1 /);
    assert.match(second.stdout, /Transient Scan ID: 2 /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan --help prints the usage; a bad option is a usage error", async () => {
  const help = await runScript("scan.ts", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: deno task scan/);
  const bad = await runScript("scan.ts", ["--num", "two"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Option --num needs a number: got "two"/);
  assert.match(bad.stderr, /Usage: deno task scan/);
  const unknown = await runScript("scan.ts", ["--bogus"]);
  assert.equal(unknown.code, 2);
});

Deno.test("Ctrl-C during deno task scan aborts the run cleanly and still writes the file", {
  ignore: ignoreWithoutH5py(),
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const child = spawnScript("scan.ts", ["--num", "50", "--file", `${dir}/long.hdf`]);
    // Interrupt once the table has its first row.
    const output = await readUntil(child, /\|\s+1 \|/);
    child.kill("SIGINT");
    const stdout = await output.rest();
    const status = await child.status;
    const stderr = await new Response(child.stderr).text();
    assert.equal(status.code, 1);
    assert.match(stderr, /Interrupted: aborting the run/);
    assert.match(stderr, /ended with exit status "abort": Interrupted by Ctrl-C/);
    assert.ok(tableRows(stdout).length < 50, "the scan stopped early");
    assert.match(stdout, /Run ended with exit status 'abort': Interrupted by Ctrl-C/);
    const summary = await checkNexusFile(`${dir}/long.hdf`);
    const motor = resolvePath(summary, "/entry/data/motor")?.value as number[];
    assert.equal(motor.length, tableRows(stdout).length, "every event recorded is in the file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "deno task scan --detector image writes the detector's file and links its frames",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const out = await runScript("scan.ts", [
        "--detector",
        "image",
        "--num",
        "3",
        "--no-table",
        "--file",
        `${dir}/run.hdf`,
      ]);
      assert.equal(out.code, 0, out.stderr);
      const detectorFile = /detector file=(\S+)/.exec(out.stdout)?.[1] ?? "";
      assert.ok(detectorFile?.startsWith(`${dir}/images/image_`), out.stdout);
      const summary = await checkNexusFile(`${dir}/run.hdf`, { externalLinksResolve: true });
      const value = resolvePath(
        summary,
        "/entry/instrument/bluesky/streams/primary/image_image/value",
      );
      assert.equal(value?.kind, "externallink");
      assert.equal(value?.file, `images/${detectorFile.slice(detectorFile.lastIndexOf("/") + 1)}`);
      assert.equal(summary.objects["/entry/data"]?.attrs.signal?.value, "image_total");
      const bad = await runScript("scan.ts", ["--detector", "camera"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /Option --detector is sensor or image: got "camera"/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("Two scans to one --file, renamed by the config's overwrite policy, keep a plot each", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/nxdaq.config.ts`, 'export default { overwrite: "rename" };\n');
    const args = ["--num", "2", "--no-table", "--file", "run.hdf"];
    const first = await runScript("scan.ts", args, { cwd: dir });
    const second = await runScript("scan.ts", args, { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    assert.match(first.stdout, /^plot: (\.\/)?run\.svg$/m);
    assert.match(first.stdout, /file=(\.\/)?run\.hdf$/m);
    assert.match(second.stdout, /^plot: (\.\/)?run-1\.svg$/m);
    assert.match(second.stdout, /file=(\.\/)?run-1\.hdf$/m);
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
    assert.deepEqual(names, ["nxdaq.config.ts", "run-1.hdf", "run-1.svg", "run.hdf", "run.svg"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writePlotFiles() names a run's plots after its data file, one file per plot", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const plot = (title: string): PlotSeries => ({
      title,
      xLabel: "motor",
      x: [0, 1],
      ys: [{ name: "sensor", values: [0.5, 0.25] }],
    });
    const paths = await writePlotFiles(`${dir}/scan-3.hdf`, [plot("primary"), plot("monitors")]);
    assert.deepEqual(paths, [`${dir}/scan-3.svg`, `${dir}/scan-3.plot2.svg`]);
    assert.match(await Deno.readTextFile(paths[0]!), /primary/);
    assert.match(await Deno.readTextFile(paths[1]!), /monitors/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan --num 1e9 starts at once, and its first Ctrl-C aborts it", {
  ignore: ignoreWithoutH5py(),
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const child = spawnScript("scan.ts", ["--num", "1e9", "--file", `${dir}/huge.hdf`]);
    const output = await readUntil(child, /\|\s+1 \|/);
    child.kill("SIGINT");
    const stdout = await output.rest();
    const status = await child.status;
    const stderr = await new Response(child.stderr).text();
    assert.equal(status.code, 1, stderr);
    assert.match(stderr, /ended with exit status "abort": Interrupted by Ctrl-C/);
    const rows = tableRows(stdout);
    assert.ok(rows.length >= 1, "the scan made its first point");
    const summary = await checkNexusFile(`${dir}/huge.hdf`);
    assert.equal(
      (resolvePath(summary, "/entry/data/motor")?.value as number[]).length,
      rows.length,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan refuses a --num beyond the integers a number holds exactly", async () => {
  for (const num of ["1e300", "9007199254740993"]) {
    const out = await runScript("scan.ts", ["--num", num]);
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, new RegExp(`Option --num needs a whole number of points .*"${num}"`));
  }
});

/** A scan's run, its stdout closed by the reader after the first chunk (as `| head -1`). */
async function scanIntoClosedPipe(dir: string, args: string[]) {
  const child = spawnScript("scan.ts", ["--num", "20", "--file", `${dir}/p.hdf`, ...args]);
  const reader = child.stdout.getReader();
  await reader.read();
  await reader.cancel();
  const status = await child.status;
  const stderr = await new Response(child.stderr).text();
  return { code: status.code, stderr };
}

Deno.test("deno task scan | head -1 finishes the run and writes its file and plot, exit 0", {
  ignore: ignoreWithoutH5py(),
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, stderr } = await scanIntoClosedPipe(dir, []);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /Broken pipe|BrokenPipe|Error/i);
    const summary = await checkNexusFile(`${dir}/p.hdf`);
    assert.equal((resolvePath(summary, "/entry/data/motor")?.value as number[]).length, 20);
    assert.match(await Deno.readTextFile(`${dir}/p.svg`), /^<svg/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan > /dev/full writes its file and plot, and says stdout failed", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const words = ["run", ...taskPermissions("scan.ts"), `${ROOT}scan.ts`, "--num", "3"];
    const quoted = [Deno.execPath(), ...words, "--file", `${dir}/f.hdf`]
      .map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(" ");
    const out = await new Deno.Command("sh", {
      args: ["-c", `exec ${quoted} > /dev/full`],
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(await Deno.stat(`${dir}/f.hdf`), stderr);
    assert.match(await Deno.readTextFile(`${dir}/f.svg`), /^<svg/);
    assert.equal(out.code, 1, stderr);
    assert.match(stderr, /Cannot write to standard output: .*: the output stops here/);
    assert.equal(stderr.match(/Cannot write to standard output/g)?.length, 1, "said once");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan never writes a plot through a symlink at F.svg", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/precious.txt`, "keep me");
    await Deno.symlink(`${dir}/precious.txt`, `${dir}/s.svg`);
    const refused = await runScript("scan.ts", [
      "--num",
      "2",
      "--no-table",
      "--file",
      `${dir}/s.hdf`,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /s\.svg" already exists: not overwritten \(use --overwrite\)/);
    assert.doesNotMatch(refused.stdout, /seq_num|Transient Scan ID/, "refused before the scan");
    const args = ["--num", "2", "--no-table", "--overwrite", "--file", `${dir}/s.hdf`];
    const replaced = await runScript("scan.ts", args);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/precious.txt`), "keep me");
    assert.equal((await Deno.lstat(`${dir}/s.svg`)).isSymlink, false);
    assert.match(await Deno.readTextFile(`${dir}/s.svg`), /^<svg/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan refuses to replace an existing plot without --overwrite, before the scan", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/q.svg`, "an older plot");
    const out = await runScript("scan.ts", ["--num", "2", "--file", `${dir}/q.hdf`]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /q\.svg" already exists: not overwritten \(use --overwrite\)/);
    assert.doesNotMatch(out.stdout, /Transient Scan ID/);
    assert.equal(await Deno.readTextFile(`${dir}/q.svg`), "an older plot");
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    assert.deepEqual(names, ["q.svg"], "no data file either");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan renames its plot with its data file under overwrite rename", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/nxdaq.config.ts`, 'export default { overwrite: "rename" };\n');
    await Deno.writeTextFile(`${dir}/r.svg`, "an older plot");
    const out = await runScript("scan.ts", ["--num", "2", "--no-table", "--file", "r.hdf"], {
      cwd: dir,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/r.svg`), "an older plot");
    assert.match(out.stdout, /^plot: (\.\/)?r-1\.svg$/m);
    assert.match(out.stdout, /file=(\.\/)?r-1\.hdf$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan --file in a folder that does not exist fails before the scan", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await runScript("scan.ts", ["--num", "2", "--file", `${dir}/missing/m.hdf`]);
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      new RegExp(`Cannot write "${dir}/missing/m.hdf": the folder "${dir}/missing" does not exist`),
    );
    assert.doesNotMatch(out.stdout, /Transient Scan ID/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task scan refuses an existing data file without --overwrite, before the scan", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/d.hdf`, "an older file");
    const out = await runScript("scan.ts", ["--num", "2", "--file", `${dir}/d.hdf`]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /d\.hdf" already exists: not overwritten \(use --overwrite\)/);
    assert.doesNotMatch(out.stdout, /Transient Scan ID/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
