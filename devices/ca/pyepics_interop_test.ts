/**
 * The server checked by an independent client: pyepics, whose libca is EPICS' own C client
 * library, run in a child process against the server in this process.
 */

import assert from "node:assert/strict";
import { ignoreUnless } from "../../tests/_ci.ts";
import { SimMotor } from "../motor.ts";
import { Command, encodeMessage, ipv4ToNumber, MessageReader } from "./protocol.ts";
import { publishDevice } from "./publish.ts";
import { MapDatabase, SoftPv } from "./served_pv.ts";
import { CAServer, type CAServerOptions } from "./server.ts";
import { loopbackEnv, pyepicsAvailable, PYTHON, slowPv } from "./_test_env.ts";
import { udpSocket } from "./_test_raw_client.ts";

const ignore = ignoreUnless(
  pyepicsAvailable(),
  "pyepics (/usr/bin/python3 -c 'import epics') is absent",
);

/** Output of a Python run: its lines, and the JSON after its `RESULT ` line. */
interface PythonRun {
  lines: string[];
  result: unknown;
  stderr: string;
}

/**
 * A server on a free port and a stand-in repeater on a free port of its own: libca finds the
 * repeater port taken, so it starts no `caRepeater` of its own; the stand-in confirms libca's
 * registration and receives the server's beacons. `run` runs a Python script against them.
 */
async function withServer(
  database: MapDatabase,
  options: CAServerOptions,
  body: (run: (script: string, onLine?: (line: string) => void) => Promise<PythonRun>) => Promise<
    void
  >,
): Promise<void> {
  const repeater = await udpSocket();
  repeater.socket.on("message", (message, sender) => {
    try {
      const bytes = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      for (const { header } of new MessageReader().push(bytes)) {
        if (header.command !== Command.REPEATER_REGISTER) continue;
        const confirm = encodeMessage(Command.REPEATER_CONFIRM, {
          parameter2: ipv4ToNumber("127.0.0.1"),
        });
        if (sender.address === "127.0.0.1") repeater.socket.send(confirm, sender.port, "127.0.0.1");
      }
    } catch {
      // Not a repeater message.
    }
  });
  const server = new CAServer(database, { port: 0, beaconPort: repeater.port, ...options });
  await server.start();
  const env = {
    PATH: "/usr/bin:/bin",
    PYTHONUNBUFFERED: "1",
    // Where pyepics may be installed beside the system's packages (as .ci/run does).
    ...pythonPath(),
    ...loopbackEnv(server.port, repeater.port, { EPICS_CA_MAX_ARRAY_BYTES: "10000000" }),
  };
  try {
    await body((script, onLine) => runPython(script, env, onLine));
  } finally {
    await server.close();
    await repeater.close();
  }
}

/** The caller's PYTHONPATH, when it has one. */
function pythonPath(): { PYTHONPATH?: string } {
  const path = Deno.env.get("PYTHONPATH");
  return path === undefined ? {} : { PYTHONPATH: path };
}

/** Run a script, line by line, killing it by its pid if it outlives 30 s. */
async function runPython(
  script: string,
  env: Record<string, string>,
  onLine?: (line: string) => void,
): Promise<PythonRun> {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", script],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const timer = setTimeout(() => {
    if (!exited) child.kill("SIGKILL");
  }, 30_000);
  const stderr = new Response(child.stderr).text();
  const lines: string[] = [];
  let rest = "";
  try {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        onLine?.(line);
      }
    }
    if (rest !== "") lines.push(rest);
    const status = await child.status;
    exited = true;
    const errors = await stderr;
    assert.ok(status.success, `python exited with ${status.code}: ${errors}`);
    const resultLine = lines.find((line) => line.startsWith("RESULT "));
    assert.ok(resultLine, `no RESULT line in ${JSON.stringify(lines)}: ${errors}`);
    return { lines, result: JSON.parse(resultLine.slice(7)), stderr: errors };
  } finally {
    clearTimeout(timer);
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
      await stderr.catch(() => "");
    }
  }
}

/** Python that turns numpy values into JSON. */
const PRELUDE = `
import epics, json, sys, time
def plain(x):
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, (tuple, list)):
        return [plain(y) for y in x]
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    return x
`;

Deno.test({
  name: "pyepics reads every PV with its DBR_CTRL metadata and TIME stamps close to now",
  ignore,
  async fn() {
    const database = new MapDatabase();
    const limits = {
      lowerDisp: -100,
      upperDisp: 100,
      lowerAlarm: -90,
      upperAlarm: 90,
      lowerWarning: -80,
      upperWarning: 80,
      lowerCtrl: -50,
      upperCtrl: 50,
    };
    database.add(
      "py:double",
      new SoftPv({ nativeType: "double", value: 1.2345, units: "mm", precision: 4, limits }),
    );
    database.add(
      "py:float",
      new SoftPv({ nativeType: "float", value: 0.5, units: "V", precision: 2, limits }),
    );
    database.add("py:long", new SoftPv({ nativeType: "long", value: -12, units: "cts", limits }));
    database.add("py:short", new SoftPv({ nativeType: "short", value: 7, limits }));
    database.add(
      "py:enum",
      new SoftPv({ nativeType: "enum", value: 2, enumStrings: ["Idle", "Busy", "Fault"] }),
    );
    database.add("py:string", new SoftPv({ nativeType: "string", value: "sample A" }));
    database.add("py:char", new SoftPv({ nativeType: "char", value: 65 }));
    const script = PRELUDE + `
out = {}
for name in NAMES:
    pv = epics.PV(name, auto_monitor=False)
    assert pv.wait_for_connection(5), name
    native = pv.type
    meta = pv.get_with_metadata(form="time", timeout=5)
    out[name] = {"type": native, "count": pv.count, "value": plain(pv.get(timeout=5)),
                 "ctrl": plain(pv.get_ctrlvars(timeout=5)), "timestamp": meta["timestamp"],
                 "write": pv.write_access}
print("RESULT " + json.dumps(out))
`.replace("NAMES", JSON.stringify(database.names()));
    await withServer(database, {}, async (run) => {
      const before = Date.now() / 1000;
      const { result } = await run(script);
      const out = result as Record<string, {
        type: string;
        value: unknown;
        ctrl: Record<string, unknown>;
        timestamp: number;
        write: boolean;
      }>;
      assert.deepEqual(Object.keys(out).sort(), database.names().sort());
      const d = out["py:double"]!;
      assert.equal(d.type, "time_double", "the native type in pyepics' default TIME form");
      assert.equal(d.value, 1.2345);
      assert.equal(d.ctrl.units, "mm");
      assert.equal(d.ctrl.precision, 4);
      assert.deepEqual(
        [
          d.ctrl.lower_disp_limit,
          d.ctrl.upper_disp_limit,
          d.ctrl.lower_alarm_limit,
          d.ctrl.upper_alarm_limit,
          d.ctrl.lower_warning_limit,
          d.ctrl.upper_warning_limit,
          d.ctrl.lower_ctrl_limit,
          d.ctrl.upper_ctrl_limit,
        ],
        [-100, 100, -90, 90, -80, 80, -50, 50],
      );
      assert.ok(d.write);
      assert.equal(out["py:float"]!.type, "time_float");
      assert.equal(out["py:float"]!.ctrl.units, "V");
      assert.equal(out["py:long"]!.value, -12);
      assert.equal(out["py:long"]!.ctrl.units, "cts");
      assert.equal(out["py:long"]!.ctrl.upper_ctrl_limit, 50);
      assert.equal(out["py:short"]!.type, "time_short");
      assert.equal(out["py:enum"]!.value, 2);
      assert.deepEqual(out["py:enum"]!.ctrl.enum_strs, ["Idle", "Busy", "Fault"]);
      assert.equal(out["py:string"]!.value, "sample A");
      assert.equal(out["py:char"]!.type, "time_char");
      assert.equal(out["py:char"]!.value, 65);
      for (const [name, pv] of Object.entries(out)) {
        assert.ok(
          Math.abs(pv.timestamp - before) < 10,
          `${name}: timestamp ${pv.timestamp}, now ${before}`,
        );
      }
    });
  },
});

Deno.test({
  name: "pyepics caput(wait=True) waits until a write that takes 0.4 s completes",
  ignore,
  async fn() {
    const database = new MapDatabase();
    let completedAt = 0;
    database.add("py:slow", slowPv(400, () => completedAt = Date.now() / 1000));
    const script = PRELUDE + `
pv = epics.PV("py:slow")
assert pv.wait_for_connection(5)
t0 = time.time()
status = pv.put(3.5, wait=True, timeout=10)
t1 = time.time()
print("RESULT " + json.dumps({"status": status, "elapsed": t1 - t0, "returned": t1,
                              "value": pv.get(use_monitor=False)}))
`;
    await withServer(database, {}, async (run) => {
      const { result } = await run(script);
      const out = result as { status: number; elapsed: number; returned: number; value: number };
      assert.equal(out.status, 1);
      assert.ok(out.elapsed >= 0.38, `caput returned after ${out.elapsed} s`);
      assert.ok(completedAt > 0 && out.returned >= completedAt - 0.01, "after the completion");
      assert.equal(out.value, 3.5);
    });
  },
});

Deno.test({
  name: "pyepics monitors a PV updated every 100 ms and gets each update in order",
  ignore,
  async fn() {
    const database = new MapDatabase();
    const pv = new SoftPv({ nativeType: "long", value: 0 });
    database.add("py:counter", pv);
    const script = PRELUDE + `
seen = []
def changed(pvname=None, value=None, timestamp=None, **kw):
    seen.append((int(value), timestamp))
pv = epics.PV("py:counter", callback=changed, form="time")
assert pv.wait_for_connection(5)
deadline = time.time() + 5
while not seen and time.time() < deadline:
    time.sleep(0.01)
print("READY", flush=True)
while (not seen or seen[-1][0] != 10) and time.time() < deadline:
    time.sleep(0.01)
print("RESULT " + json.dumps({"values": [v for v, t in seen], "times": [t for v, t in seen]}))
`;
    await withServer(database, {}, async (run) => {
      let timer: ReturnType<typeof setInterval> | undefined;
      try {
        const { result } = await run(script, (line) => {
          if (line !== "READY") return;
          let n = 0;
          timer = setInterval(() => {
            pv.set(++n);
            if (n === 10) clearInterval(timer);
          }, 100);
        });
        const { values, times } = result as { values: number[]; times: number[] };
        assert.deepEqual(values, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        const gaps = times.slice(2).map((t, i) => t - times[i + 1]!);
        const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
        assert.ok(mean > 0.08 && mean < 0.15, `updates ${mean.toFixed(3)} s apart`);
      } finally {
        clearInterval(timer);
      }
    });
  },
});

Deno.test({
  name: "pyepics reads and writes arrays (1,000,000 doubles too), char strings and enums",
  ignore,
  async fn() {
    const database = new MapDatabase();
    const wave = new SoftPv({
      nativeType: "double",
      value: new Float64Array([1, 2, 3, 4, 5]),
      maxCount: 100,
    });
    database.add("py:wave", wave);
    database.add(
      "py:big",
      new SoftPv({ nativeType: "double", value: Float64Array.from({ length: 1e6 }, (_, i) => i) }),
    );
    database.add(
      "py:text",
      new SoftPv({ nativeType: "char", value: new TextEncoder().encode("hello\0"), maxCount: 64 }),
    );
    const mode = new SoftPv({ nativeType: "enum", value: 0, enumStrings: ["Idle", "Busy"] });
    database.add("py:mode", mode);
    const label = new SoftPv({ nativeType: "string", value: "a" });
    database.add("py:label", label);
    const script = PRELUDE + `
wave = epics.PV("py:wave", auto_monitor=False)
out = {"wave": plain(wave.get(timeout=5)), "nelm": wave.nelm}
big = epics.PV("py:big", auto_monitor=False).get(timeout=10)
out["big"] = [len(big), float(big[0]), float(big[-1])]
out["text"] = epics.PV("py:text").get(as_string=True, timeout=5)
out["put_wave"] = epics.caput("py:wave", [9.5, 8.5, 7.5], wait=True, timeout=5)
out["wave_after"] = plain(wave.get(timeout=5, use_monitor=False))
out["put_mode"] = epics.caput("py:mode", "Busy", wait=True, timeout=5)
out["mode"] = epics.caget("py:mode", as_string=True, use_monitor=False)
out["put_label"] = epics.caput("py:label", "sample B", wait=True, timeout=5)
out["label"] = epics.caget("py:label", use_monitor=False)
print("RESULT " + json.dumps(out))
`;
    await withServer(database, { maxArrayBytes: 9_000_000 }, async (run) => {
      const { result } = await run(script);
      const out = result as Record<string, unknown>;
      assert.deepEqual(out.wave, [1, 2, 3, 4, 5]);
      assert.equal(out.nelm, 100);
      assert.deepEqual(out.big, [1e6, 0, 999_999]);
      assert.equal(out.text, "hello");
      assert.deepEqual(out.wave_after, [9.5, 8.5, 7.5]);
      assert.deepEqual([...wave.state().elements as Float64Array], [9.5, 8.5, 7.5]);
      assert.equal(out.mode, "Busy");
      assert.equal(mode.value, 1);
      assert.equal(out.label, "sample B");
      assert.equal(label.value, "sample B");
    });
  },
});

Deno.test({
  name: "pyepics moves a published SimMotor: .VAL put waits for the move, .DMOV goes 0 then 1",
  ignore,
  async fn() {
    const database = new MapDatabase();
    const motor = new SimMotor({ name: "m1", velocity: 2, acceleration: 0, units: "mm" });
    publishDevice(database, motor, { prefix: "py:m1" });
    const script = PRELUDE + `
dmov = []
d = epics.PV("py:m1.DMOV", callback=lambda value=None, **kw: dmov.append(int(value)))
assert d.wait_for_connection(5)
egu = epics.caget("py:m1.EGU")
t0 = time.time()
epics.caput("py:m1.VAL", 0.5, wait=True, timeout=10)
elapsed = time.time() - t0
time.sleep(0.1)
print("RESULT " + json.dumps({"elapsed": elapsed, "rbv": epics.caget("py:m1.RBV", use_monitor=False),
                              "dmov": dmov, "egu": egu}))
`;
    await withServer(database, {}, async (run) => {
      const { result } = await run(script);
      const out = result as { elapsed: number; rbv: number; dmov: number[]; egu: string };
      assert.ok(out.elapsed >= 0.2, `the put took ${out.elapsed} s for a 0.25 s move`);
      assert.equal(out.rbv, 0.5);
      assert.deepEqual(out.dmov, [1, 0, 1]);
      assert.equal(out.egu, "mm");
    });
  },
});
