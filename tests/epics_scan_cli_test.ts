/**
 * The seed as written, from the command line: `deno task scan --ioc gp:` against the project's
 * soft IOC (`deno task ioc`) and against an independent one (caproto's, `../shared/ca`), each a
 * child process on free ports, and what happens when PVs do not connect or the IOC dies.
 */

import assert from "node:assert/strict";
import { Catalog } from "../core/catalog/mod.ts";
import { caprotoAvailable, startCaprotoIoc } from "../devices/ca/_caproto_ioc.ts";
import { ignoreUnless } from "./_ci.ts";
import { readUntil, runScript, spawnScript, tableRows } from "./_cli.ts";
import { startIoc } from "./_ioc.ts";
import { CountedWarnings } from "../cli/_epics_seed.ts";
import { checkNexusFile, ignoreWithoutH5py, resolvePath } from "./_interop.ts";

const STREAM = "/entry/instrument/bluesky/streams/primary";

/** Run the seed's scan against the IOC whose client variables are `env`; check table and file. */
async function seedScan(env: Record<string, string>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/nxwriter.h5`;
    const { code, stdout, stderr } = await runScript("scan.ts", ["--ioc", "gp:", "--file", file], {
      env,
    });
    assert.equal(code, 0, stderr);
    const rows = tableRows(stdout);
    assert.deepEqual(rows.map((r) => r[2]), [
      "-0.50000",
      "-0.25000",
      "0.00000",
      "0.25000",
      "0.50000",
    ]);
    for (const row of rows) {
      const sensor = Number(row[3]);
      assert.ok(sensor >= 0 && sensor < 1, `sensor value ${row[3]}`);
    }
    // The random number generator was set up: the sensor changes (a fresh calc holds 0).
    assert.ok(new Set(rows.map((r) => r[3])).size >= 4, `sensor values ${rows.map((r) => r[3])}`);
    assert.match(stdout, /^\| {3}seq_num \| {7}time \| {6}motor \| {5}sensor \|$/m);
    assert.match(stdout, /^generator scan \['[0-9a-f]{8}'\] \(scan num: 1\)$/m);
    assert.match(stdout, new RegExp(`^exists=true  file=${file}$`, "m"));
    const summary = await checkNexusFile(file);
    const attrs = (path: string) =>
      Object.fromEntries(
        Object.entries(resolvePath(summary, path)?.attrs ?? {}).map(([k, a]) => [k, a.value]),
      );
    const pick = (a: Record<string, unknown>) => ({
      source: a.source,
      units: a.units,
      precision: a.precision,
      lower: a.lower_ctrl_limit,
      upper: a.upper_ctrl_limit,
    });
    assert.deepEqual(pick(attrs(`${STREAM}/motor/value`)), {
      source: "PV:gp:m10.RBV",
      units: "degrees",
      precision: 5,
      lower: -32000,
      upper: 32000,
    });
    assert.equal(attrs(`${STREAM}/motor_user_setpoint/value`).source, "PV:gp:m10.VAL");
    assert.deepEqual(pick(attrs(`${STREAM}/sensor/value`)), {
      source: "PV:gp:userCalc10.VAL",
      units: "",
      precision: 5,
      lower: 0,
      upper: 0,
    });
    const sensor = resolvePath(summary, "/entry/data/sensor")?.value as number[];
    assert.deepEqual(sensor.map((v) => v.toFixed(5)), rows.map((r) => r[3]));
    // The sensor's times are the IOC's: five different stamps of the 10 Hz record.
    const stamps = resolvePath(summary, `${STREAM}/sensor/EPOCH`)?.value as number[];
    assert.equal(new Set(stamps).size, 5, `sensor stamps ${stamps}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "deno task scan --ioc gp: against deno task ioc prints the seed's table and PV metadata",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    const ioc = await startIoc();
    try {
      await seedScan(ioc.env);
    } finally {
      await ioc.stop();
    }
  },
});

Deno.test({
  name: "deno task scan --ioc gp: against caproto's IOC does the same",
  ignore: ignoreWithoutH5py() ||
    ignoreUnless(caprotoAvailable(), "caproto's IOC (/usr/bin/python3 and ../shared/ca)"),
  fn: async () => {
    const ioc = await startCaprotoIoc();
    try {
      await seedScan(ioc.env);
    } finally {
      await ioc.stop();
    }
  },
});

Deno.test("PVs that never connect fail the scan within --timeout, before any run opens", async () => {
  const ioc = await startIoc();
  const dir = await Deno.makeTempDir();
  try {
    const started = performance.now();
    const { code, stdout, stderr } = await runScript(
      "scan.ts",
      ["--ioc", "nope:", "--timeout", "1", "--catalog", `${dir}/catalog`, "--file", "x.h5"],
      { env: ioc.env, cwd: dir },
    );
    const seconds = (performance.now() - started) / 1000;
    assert.equal(code, 1);
    assert.match(stderr, /PVs did not connect within 1 s: /);
    for (const pv of ["nope:m10.RBV", "nope:m10.VAL", "nope:m10.DMOV", "nope:userCalc10.VAL"]) {
      assert.ok(stderr.includes(pv), `${pv} is listed`);
    }
    assert.doesNotMatch(stdout, /Transient Scan ID/);
    assert.ok(seconds < 10, `failed after ${seconds.toFixed(1)} s`);
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names.filter((n) => n.endsWith(".h5")), []);
    const catalog = Catalog.open(`${dir}/catalog`);
    try {
      assert.equal(catalog.size, 0);
    } finally {
      catalog.close();
    }
  } finally {
    await ioc.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "An IOC killed mid-scan fails the run with the PV named; what was recorded is kept",
  ignore: ignoreWithoutH5py(),
  fn: async () => {
    const ioc = await startIoc();
    const dir = await Deno.makeTempDir();
    const file = `${dir}/run.h5`;
    const scan = spawnScript(
      "scan.ts",
      ["--ioc", "gp:", "--num", "40", "--catalog", `${dir}/catalog`, "--file", file],
      { env: ioc.env },
    );
    const stderr = new Response(scan.stderr).text();
    try {
      const output = await readUntil(scan, (text) => tableRows(text).length >= 3);
      assert.equal(tableRows(output.stdout).length, 3, output.stdout);
      await ioc.stop("SIGKILL");
      const stdout = await output.rest();
      const status = await scan.status;
      const errors = await stderr;
      assert.equal(status.code, 1, `stdout:\n${stdout}\nstderr:\n${errors}`);
      assert.match(errors, /exit status "fail": .*PV "gp:(m10|userCalc10)\.\w+"/);
      // A lost circuit is told at most once, however many channels it carried.
      const warned = errors.split("\n").filter((l) => l.startsWith("warning: "));
      assert.equal(new Set(warned).size, warned.length, `no warning repeated: ${warned}`);
      const catalog = Catalog.open(`${dir}/catalog`);
      let events: number;
      try {
        const run = catalog.byIndex(-1);
        assert.equal(run.stop?.exit_status, "fail");
        assert.match(run.stop?.reason ?? "", /PV "gp:(m10|userCalc10)\.\w+"/);
        events = [...run.documents()].filter(([name]) => name === "event").length;
      } finally {
        catalog.close();
      }
      const rows = tableRows(stdout).length;
      assert.ok(rows >= 3 && rows < 40, `${rows} rows printed`);
      assert.equal(events, rows);
      const summary = await checkNexusFile(file);
      assert.equal((resolvePath(summary, "/entry/data/motor")?.value as number[]).length, rows);
    } finally {
      try {
        scan.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await scan.status;
      await ioc.stop("SIGKILL");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("CountedWarnings shows a warning once and sums up its repeats at the end", () => {
  const lines: string[] = [];
  const warnings = new CountedWarnings((line) => lines.push(line));
  for (let i = 0; i < 3; i++) warnings.add(new Error("cannot send a search to 10.0.0.255:5064"));
  warnings.add(new Error("127.0.0.1:5064 closed the connection"));
  assert.deepEqual(lines, [
    "warning: cannot send a search to 10.0.0.255:5064",
    "warning: 127.0.0.1:5064 closed the connection",
  ]);
  warnings.summarize();
  assert.equal(lines.at(-1), "warning: 2 more times: cannot send a search to 10.0.0.255:5064");
  assert.equal(lines.length, 3);
});
