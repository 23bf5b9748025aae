/**
 * `deno task ioc` end to end: the soft IOC started as a child process on free ports, read and
 * driven by pyepics (libca, a client the project did not write) and by the project's client,
 * and stopped by its process id.
 */

import assert from "node:assert/strict";
import dgram from "node:dgram";
import { IOC_USAGE, runIocCommand } from "../cli/ioc_command.ts";
import { type CommandIO, runCommand } from "../cli/_io.ts";
import { CAClient } from "../devices/ca/client.ts";
import { ignoreUnless } from "./_ci.ts";
import { memoryIO, ROOT } from "./_cli.ts";

/** The permissions `deno task ioc` grants, as deno.json has them. */
const PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-sys=hostname,networkInterfaces",
];
const PYTHON = "/usr/bin/python3";
const SERVING = /^nxdaq ioc: serving (\d+) PVs, prefix "([^"]*)", on 127\.0\.0\.1:(\d+) /m;

function pyepicsAvailable(): boolean {
  try {
    return new Deno.Command(PYTHON, {
      args: ["-c", "import epics"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket({ type: "udp4" });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A running `ioc.ts` child. */
interface IocChild {
  port: number;
  pvCount: number;
  /** What a client needs: loopback only, and the IOC's ports. */
  env: Record<string, string>;
  /** Stop it with SIGTERM; its exit code and everything it printed. */
  stop(): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Start `ioc.ts --port 0` and wait for its serving line (the port is read from it). */
async function startIoc(args: string[] = []): Promise<IocChild> {
  const repeaterPort = await freeUdpPort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, `${ROOT}ioc.ts`, "--port", "0", ...args],
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      // Beacons to this test's own port on loopback, never to 5065 or another host.
      EPICS_CA_REPEATER_PORT: String(repeaterPort),
      EPICS_CAS_BEACON_PORT: String(repeaterPort),
      EPICS_CAS_BEACON_ADDR_LIST: "127.0.0.1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  let serving: RegExpExecArray | null = null;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    while (!(serving = SERVING.exec(stdout))) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += value;
    }
  } finally {
    clearTimeout(deadline);
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stdout += value;
    }
  })();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    const status = await child.status;
    await rest;
    return { code: status.code, stdout, stderr: await stderr };
  };
  if (!serving) {
    const { stderr } = await stop();
    throw new Error(`ioc.ts did not serve:\n${stdout}\n${stderr}`);
  }
  const port = Number(serving[3]);
  return {
    port,
    pvCount: Number(serving[1]),
    env: {
      EPICS_CA_ADDR_LIST: "127.0.0.1",
      EPICS_CA_AUTO_ADDR_LIST: "NO",
      EPICS_CA_SERVER_PORT: String(port),
      EPICS_CA_REPEATER_PORT: String(repeaterPort),
    },
    stop,
  };
}

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
val = epics.PV(calc + ".VAL", form="time", callback=lambda value=None, **kw: values.append(value))
val.wait_for_connection(5)
time.sleep(0.3)
values.clear()
time.sleep(1.0)
out["values"] = values
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
    assert.ok(values.length >= 7 && values.length <= 12, `${values.length} values in 1 s`);
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
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const port = Number(SERVING.exec(out.join("\n"))![3]);
  const client = new CAClient({
    env: {
      EPICS_CA_ADDR_LIST: "127.0.0.1",
      EPICS_CA_AUTO_ADDR_LIST: "NO",
      EPICS_CA_SERVER_PORT: String(port),
      EPICS_CA_REPEATER_PORT: String(repeaterPort),
    },
  });
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
