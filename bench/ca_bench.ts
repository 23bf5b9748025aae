/**
 * Channel Access rates: connecting 1,000 PVs, gets per second (one at a time, and 1,000 at
 * once), monitor updates per second from a fast PV, and the round trip of a put with
 * callback. The project's client and pyepics (libca, EPICS' reference C client) are measured
 * against the same server, the project's own, in a process of its own, in the same run.
 *
 * @module
 */

import { CAClient } from "../devices/ca/client.ts";
import type { PvChannel } from "../devices/ca/transport.ts";
import type { Figure } from "./_figures.ts";
import { BENCH_PVS } from "./_bench_ioc.ts";
import { freePort } from "../tests/_local.ts";

/** Results of one client, in the order measured. */
interface Rates {
  connectSeconds: number;
  /** Our client only: the connection of a client after the first in the process. */
  warmConnectSeconds?: number;
  sequentialGets: number;
  batchGets: number;
  monitorUpdates: number;
  putCallbackMs: number;
}

const GETS = 3000;
const BATCHES = 5;
const PUTS = 500;
const MONITOR_SECONDS = 2;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  return text.split("\n")[0]!;
}

/**
 * Seconds a fresh client takes to connect every `bench:pv<i>`: the first time in this process
 * (as libca's figure, measured once), and the median of three more.
 */
async function connectSeconds(
  env: Record<string, string>,
  names: string[],
): Promise<{ first: number; warm: number }> {
  const times: number[] = [];
  let first = 0;
  // The first round warms up the code; the next three are measured.
  for (let round = 0; round < 4; round++) {
    const client = new CAClient({ env });
    try {
      const started = performance.now();
      await client.connect(names, 10);
      const seconds = (performance.now() - started) / 1000;
      if (round === 0) first = seconds;
      else times.push(seconds);
    } finally {
      await client.close();
    }
  }
  return { first, warm: median(times) };
}

async function ours(env: Record<string, string>): Promise<Rates> {
  const names = Array.from({ length: BENCH_PVS }, (_, i) => `bench:pv${i}`);
  const connect = await connectSeconds(env, names);
  const client = new CAClient({ env });
  try {
    const channels = await client.connect(names, 10);
    let started: number;
    const first = channels[0]!;
    for (let i = 0; i < 200; i++) await first.get({ family: "plain" });
    started = performance.now();
    for (let i = 0; i < GETS; i++) await first.get({ family: "plain" });
    const sequentialGets = GETS / ((performance.now() - started) / 1000);
    started = performance.now();
    for (let b = 0; b < BATCHES; b++) {
      await Promise.all(channels.map((c) => c.get({ family: "plain" })));
    }
    const batchGets = (BATCHES * BENCH_PVS) / ((performance.now() - started) / 1000);
    const [fast, put] = await client.connect(["bench:fast", "bench:put"], 10) as [
      PvChannel,
      PvChannel,
    ];
    let updates = 0;
    const subscription = fast.subscribe(() => void updates++, { family: "plain" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    updates = 0;
    started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, MONITOR_SECONDS * 1000));
    const monitorUpdates = updates / ((performance.now() - started) / 1000);
    subscription.cancel();
    for (let i = 0; i < 50; i++) await put.put(i, { wait: true });
    const times: number[] = [];
    for (let i = 0; i < PUTS; i++) {
      const t = performance.now();
      await put.put(i, { wait: true });
      times.push(performance.now() - t);
    }
    return {
      connectSeconds: connect.first,
      warmConnectSeconds: connect.warm,
      sequentialGets,
      batchGets,
      monitorUpdates,
      putCallbackMs: median(times),
    };
  } finally {
    await client.close();
  }
}

// The same measurements through pyepics' thin layer over libca (epics.ca).
const PYEPICS = `
import json, sys, time
from epics import ca
N, GETS, BATCHES, PUTS, MONITOR = ${BENCH_PVS}, ${GETS}, ${BATCHES}, ${PUTS}, ${MONITOR_SECONDS}
ca.initialize_libca()
t0 = time.perf_counter()
chids = [ca.create_channel("bench:pv%d" % i, connect=False, auto_cb=False) for i in range(N)]
for c in chids:
    if not ca.connect_channel(c, timeout=10):
        sys.exit("bench:pv did not connect")
connect = time.perf_counter() - t0
first = chids[0]
for _ in range(200):
    ca.get(first)
t0 = time.perf_counter()
for _ in range(GETS):
    ca.get(first)
sequential = GETS / (time.perf_counter() - t0)
t0 = time.perf_counter()
for _ in range(BATCHES):
    for c in chids:
        ca.get(c, wait=False)
    ca.pend_io(10)
    for c in chids:
        ca.get_complete(c)
batch = BATCHES * N / (time.perf_counter() - t0)
fast = ca.create_channel("bench:fast")
put = ca.create_channel("bench:put")
ca.connect_channel(fast, timeout=10)
ca.connect_channel(put, timeout=10)
count = [0]
def on_update(**kw):
    count[0] += 1
subscription = ca.create_subscription(fast, callback=on_update)
time.sleep(0.5)
count[0] = 0
t0 = time.perf_counter()
time.sleep(MONITOR)
monitor = count[0] / (time.perf_counter() - t0)
ca.clear_subscription(subscription[2])
for i in range(50):
    ca.put(put, float(i), wait=True)
times = []
for i in range(PUTS):
    t = time.perf_counter()
    ca.put(put, float(i), wait=True)
    times.append(time.perf_counter() - t)
times.sort()
json.dump({"connectSeconds": connect, "sequentialGets": sequential, "batchGets": batch,
           "monitorUpdates": monitor, "putCallbackMs": times[len(times) // 2] * 1000}, sys.stdout)
`;

async function pyepics(env: Record<string, string>): Promise<Rates | string> {
  let output;
  try {
    output = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", PYEPICS],
      env: { ...env, PYEPICS_LIBCA: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "/usr/bin/python3 is not installed";
    throw error;
  }
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    if (/No module named .?epics/.test(stderr)) return "pyepics is not installed";
    throw new Error(`The pyepics benchmark failed: ${stderr.trim()}`);
  }
  return JSON.parse(new TextDecoder().decode(output.stdout)) as Rates;
}

function figuresOf(label: string, rates: Rates): Figure[] {
  const warm = rates.warmConnectSeconds === undefined ? [] : [{
    name: `CA connect ${BENCH_PVS} PVs, another client, ${label}`,
    value: rates.warmConnectSeconds,
    unit: "s",
  }];
  return [
    { name: `CA connect ${BENCH_PVS} PVs, ${label}`, value: rates.connectSeconds, unit: "s" },
    ...warm,
    { name: `CA gets one at a time, ${label}`, value: rates.sequentialGets, unit: "gets/s" },
    { name: `CA gets ${BENCH_PVS} at once, ${label}`, value: rates.batchGets, unit: "gets/s" },
    { name: `CA monitor of a fast PV, ${label}`, value: rates.monitorUpdates, unit: "updates/s" },
    { name: `CA put with callback, ${label}`, value: rates.putCallbackMs, unit: "ms" },
  ];
}

async function measure(): Promise<Figure[]> {
  const repeaterPort = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      new URL("./_bench_ioc.ts", import.meta.url).pathname,
      String(repeaterPort),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const line = await firstLine(child.stdout);
    const port = /^port (\d+)$/.exec(line)?.[1];
    if (!port) throw new Error(`The benchmark server did not start: "${line}"`);
    const env = {
      EPICS_CA_ADDR_LIST: "127.0.0.1",
      EPICS_CA_AUTO_ADDR_LIST: "NO",
      EPICS_CA_SERVER_PORT: port,
      EPICS_CA_REPEATER_PORT: String(repeaterPort),
    };
    const figures = figuresOf("nxdaq", await ours(env));
    const reference = await pyepics(env);
    if (typeof reference === "string") {
      console.error(`CA benchmarks: no libca figures: ${reference}`);
      return figures;
    }
    return [...figures, ...figuresOf("pyepics (libca)", reference)];
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

/** The Channel Access benchmarks. */
export const caBenchmarks = [{ name: "channel access", run: measure }];
