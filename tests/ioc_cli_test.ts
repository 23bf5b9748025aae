/**
 * `deno task ioc` end to end: the soft IOC started as a child process on free ports, read and
 * driven by pyepics (libca, a client the project did not write) and by the project's client,
 * and stopped by its process id.
 */

import assert from "node:assert/strict";
import { IOC_USAGE, runIocCommand } from "../cli/ioc_command.ts";
import { type CommandIO, runCommand } from "../cli/_io.ts";
import { CAClient } from "../devices/ca/client.ts";
import { seedIoc } from "../devices/ca/records/seed_ioc.ts";
import { ignoreUnless } from "./_ci.ts";
import { memoryIO } from "./_cli.ts";
import { SERVING, startIoc } from "./_ioc.ts";
import {
  freeUdpPort,
  loopbackEnv,
  pyepicsAvailable,
  PYTHON,
  sleep,
} from "../devices/ca/_test_env.ts";

// pyepics drives the seed's PVs as ophyd would: a put with callback to the motor, the
// random-number setup of apstools on the swait, then monitors of its VAL for a second.
const PYEPICS_SCRIPT = `
import json, time, epics
out = {}
out["egu"] = epics.caget("gp:m10.EGU")
out["rtyp"] = epics.caget("gp:m10.RTYP")
rbv = epics.PV("gp:m10.RBV", form="ctrl")
rbv.wait_for_connection(5)
ctrl = rbv.get_ctrlvars()
out["rbv_ctrl"] = [ctrl["lower_ctrl_limit"], ctrl["upper_ctrl_limit"], ctrl["precision"], ctrl["units"]]
dmov = []
monitor = epics.PV("gp:m10.DMOV", callback=lambda value=None, **kw: dmov.append(value))
monitor.wait_for_connection(5)
time.sleep(0.2)
start = time.time()
epics.caput("gp:m10.VAL", 0.25, wait=True, timeout=10)
out["move_seconds"] = time.time() - start
out["rbv"] = epics.caget("gp:m10.RBV")
time.sleep(0.1)
out["dmov"] = dmov
calc = "gp:userCalc10"
out["fresh_calc"] = epics.caget(calc + ".CALC")
epics.caput(calc + ".SCAN", "Passive", wait=True)
epics.caput(calc + ".DESC", "uniform random numbers", wait=True)
epics.caput(calc + ".CALC", "RNDM", wait=True)
epics.caput(calc + ".SCAN", ".1 second", wait=True)
values = []
stamps = []
def on_value(value=None, timestamp=None, **kw):
    values.append(value)
    stamps.append(timestamp)
val = epics.PV(calc + ".VAL", form="time", callback=on_value)
val.wait_for_connection(5)
time.sleep(0.3)
values.clear()
stamps.clear()
time.sleep(1.0)
out["values"] = values
out["stamps"] = stamps
vctrl = epics.PV(calc + ".VAL", form="ctrl")
vctrl.wait_for_connection(5)
c = vctrl.get_ctrlvars()
out["val_ctrl"] = [c["lower_ctrl_limit"], c["upper_ctrl_limit"], c["precision"], c["units"]]
print("RESULT " + json.dumps(out))
`;

Deno.test({
  name: "deno task ioc serves the seed's motor and swait to pyepics, and SIGTERM stops it (exit 0)",
  ignore: ignoreUnless(pyepicsAvailable(), "pyepics (/usr/bin/python3 -c 'import epics')"),
  async fn() {
    const ioc = await startIoc();
    let result: Record<string, unknown>;
    try {
      const python = await new Deno.Command(PYTHON, {
        args: ["-c", PYEPICS_SCRIPT],
        env: ioc.env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(python.stdout);
      const line = text.split("\n").find((l) => l.startsWith("RESULT "));
      assert.ok(
        line,
        `pyepics printed no result:\n${text}\n${new TextDecoder().decode(python.stderr)}`,
      );
      result = JSON.parse(line.slice("RESULT ".length));
    } finally {
      const stopped = await ioc.stop();
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.match(stopped.stdout, /^nxdaq ioc: stopped$/m);
      assert.match(stopped.stdout, /^export EPICS_CA_ADDR_LIST=127\.0\.0\.1$/m);
      assert.match(stopped.stdout, /^export EPICS_CA_AUTO_ADDR_LIST=NO$/m);
      assert.match(stopped.stdout, new RegExp(`^export EPICS_CA_SERVER_PORT=${ioc.port}$`, "m"));
    }
    assert.equal(result.egu, "degrees");
    assert.equal(result.rtyp, "motor");
    assert.deepEqual(result.rbv_ctrl, [-32000, 32000, 5, "degrees"]);
    // 0.25 at VELO 1 with ACCL 0.2: 0.45 s.
    const seconds = result.move_seconds as number;
    assert.ok(seconds > 0.4 && seconds < 1.5, `the move took ${seconds} s`);
    assert.equal(result.rbv, 0.25);
    assert.deepEqual(result.dmov, [1, 0, 1]);
    assert.equal(result.fresh_calc, "0");
    const values = result.values as number[];
    // 10 Hz by the IOC's own timestamps, not by this machine's clock under the test suite's load.
    const stamps = result.stamps as number[];
    assert.ok(values.length >= 4 && values.length <= 12, `${values.length} values in 1 s`);
    const steps = stamps.slice(1).map((t, i) => t - stamps[i]!).sort((a, b) => a - b);
    const median = steps[Math.floor(steps.length / 2)]!;
    assert.ok(median > 0.08 && median < 0.13, `updates ${median} s apart (median)`);
    assert.ok(values.every((x) => x >= 0 && x < 1));
    assert.deepEqual(result.val_ctrl, [0, 0, 5, ""]);
  },
});

Deno.test("deno task ioc serves the project's client, with prefix and PV count", async () => {
  const ioc = await startIoc(["--prefix", "t1:"]);
  const client = new CAClient({ env: ioc.env });
  try {
    assert.ok(ioc.pvCount > 3000, `${ioc.pvCount} PVs`);
    const [rbv, val, calc] = await client.connect(
      ["t1:m10.RBV", "t1:m10.VAL", "t1:userCalc10.CALC"],
      10,
    );
    const ctrl = await rbv!.get({ family: "ctrl" });
    assert.equal(ctrl.value, 0);
    assert.equal(ctrl.units, "degrees");
    assert.equal(ctrl.precision, 5);
    assert.equal(ctrl.limits?.lowerCtrl, -32000);
    assert.equal(ctrl.limits?.upperCtrl, 32000);
    await val!.put(-0.1, { wait: true, timeout: 10 });
    assert.equal((await rbv!.get()).value, -0.1);
    assert.equal((await calc!.get()).value, "0");
  } finally {
    await client.close();
    const stopped = await ioc.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
  }
});

Deno.test("runIocCommand() serves in-process until interrupted, then closes", async () => {
  const out: string[] = [];
  let interrupt = () => {};
  const io: CommandIO = {
    out: (line) => void out.push(line),
    err: (line) => void out.push(line),
    isTerminal: false,
    columns: 80,
    onInterrupt(handler) {
      interrupt = handler;
      return () => interrupt = () => {};
    },
  };
  const repeaterPort = await freeUdpPort();
  const env = { EPICS_CAS_BEACON_PORT: String(repeaterPort) };
  const running = runIocCommand(["--port", "0", "--prefix", "t2:"], io, env);
  while (!out.some((line) => SERVING.test(line))) {
    await sleep(10);
  }
  const port = Number(SERVING.exec(out.join("\n"))![3]);
  const client = new CAClient({ env: loopbackEnv(port, repeaterPort) });
  try {
    const [dmov] = await client.connect(["t2:m1.DMOV"], 10);
    assert.equal((await dmov!.get()).value, 1);
  } finally {
    await client.close();
    interrupt();
  }
  assert.equal(await running, 0);
  assert.equal(out.at(-1), "nxdaq ioc: stopped");
});

Deno.test("deno task ioc --list-pvs lists every PV, sorted, and exits", async () => {
  const { io, out } = memoryIO();
  assert.equal(await runCommand(runIocCommand, ["--list-pvs"], IOC_USAGE, io), 0);
  assert.ok(out.includes("gp:m10"));
  assert.ok(out.includes("gp:m10.RBV"));
  assert.ok(out.includes("gp:m16.DMOV"));
  assert.ok(out.includes("gp:userCalc10.VAL"));
  assert.ok(out.includes("gp:userCalc10.SCAN"));
  assert.ok(out.includes("gp:userCalcEnable"));
  assert.deepEqual(out, [...out].sort());
  assert.equal(new Set(out).size, out.length);
});

Deno.test("deno task ioc refuses bad options with exit status 2 and the usage", async () => {
  for (
    const args of [["--port", "70000"], ["--port", "x"], ["--host", "example.org"], ["extra"], [
      "--bogus",
    ]]
  ) {
    const { io, err } = memoryIO();
    assert.equal(await runCommand(runIocCommand, args, IOC_USAGE, io), 2, args.join(" "));
    assert.match(err[0]!, /^[A-Z]/);
    assert.equal(err[1], IOC_USAGE);
  }
  const { io, out } = memoryIO();
  assert.equal(await runCommand(runIocCommand, ["--help"], IOC_USAGE, io), 0);
  assert.equal(out[0], IOC_USAGE);
});

// Every field of the seed's two records, read by libca with DBR_CTRL (and the value as libca
// converts it), for comparison with what a fresh soft IOC holds.
const PYEPICS_CTRL_SCRIPT = `
import json, sys
from epics import ca, dbr
names = json.load(sys.stdin)
chids = [ca.create_channel(n, connect=False, auto_cb=False) for n in names]
out = {}
for name, chid in zip(names, chids):
    if not ca.connect_channel(chid, timeout=5):
        out[name] = None
        continue
    ctrl = ca.get_ctrlvars(chid) or {}
    value = ca.get(chid, as_string=False)
    if hasattr(value, "tolist"):
        value = value.tolist()
    out[name] = {
        "type": dbr.Name(ca.field_type(chid)),
        "count": ca.element_count(chid),
        "value": value,
        "units": ctrl.get("units"),
        "precision": ctrl.get("precision"),
        "enum_strs": list(ctrl.get("enum_strs") or []),
        "ctrl": "lower_ctrl_limit" in ctrl or "enum_strs" in ctrl,
    }
print("RESULT " + json.dumps(out))
`;

Deno.test({
  name:
    "pyepics reads every field of the seed's motor and swait with DBR_CTRL, as the IOC holds it",
  ignore: ignoreUnless(pyepicsAvailable(), "pyepics (/usr/bin/python3 -c 'import epics')"),
  async fn() {
    const fresh = seedIoc({ motors: [10], calcs: [10] });
    const names = fresh.database.names().filter((n) => /^gp:(m10|userCalc10)\./.test(n));
    assert.ok(names.length > 250, `${names.length} fields`);
    const ioc = await startIoc();
    let result: Record<string, Record<string, unknown> | null>;
    try {
      const child = new Deno.Command(PYTHON, {
        args: ["-c", PYEPICS_CTRL_SCRIPT],
        env: ioc.env,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(JSON.stringify(names)));
      await writer.close();
      const output = await child.output();
      const text = new TextDecoder().decode(output.stdout);
      const line = text.split("\n").find((l) => l.startsWith("RESULT "));
      assert.ok(line, `pyepics printed no result:\n${new TextDecoder().decode(output.stderr)}`);
      result = JSON.parse(line.slice("RESULT ".length));
    } finally {
      await ioc.stop();
      fresh.close();
    }
    const NATIVE: Record<string, string> = {
      string: "STRING",
      short: "INT",
      float: "FLOAT",
      enum: "ENUM",
      char: "CHAR",
      long: "LONG",
      double: "DOUBLE",
    };
    for (const name of names) {
      const read = result[name];
      assert.ok(read, `${name} connected`);
      const pv = fresh.database.lookup(name)!;
      const state = pv.state();
      assert.equal(read.type, NATIVE[pv.nativeType], `${name} native type`);
      assert.equal(read.count, pv.maxCount, `${name} element count`);
      assert.ok(read.ctrl || pv.nativeType === "string", `${name} has DBR_CTRL metadata`);
      if (pv.nativeType === "enum") {
        // DBR_CTRL_ENUM carries 16 states at most (STAT has 22).
        const states = [...(state.enumStrings ?? [])].slice(0, 16);
        assert.deepEqual(read.enum_strs, states, `${name} enum strings`);
      }
      if (pv.nativeType === "double" || pv.nativeType === "float") {
        assert.equal(read.precision, state.precision ?? 0, `${name} precision`);
        assert.equal(read.units, state.units ?? "", `${name} units`);
      }
      // Time-varying fields aside, libca sees the value the IOC holds.
      if (pv.maxCount === 1 && !/\.(VAL|RBV|DRBV|RRBV|DVAL|RVAL)$/.test(name)) {
        const expected = state.elements[0];
        if (typeof expected === "number" && pv.nativeType === "float") {
          assert.ok(Math.abs((read.value as number) - expected) < 1e-6, `${name} value`);
        } else if (pv.nativeType === "char") {
          assert.ok(read.value !== null, `${name} value`);
        } else assert.deepEqual(read.value, expected, `${name} value`);
      }
    }
  },
});
