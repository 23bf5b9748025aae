/**
 * Documents through Redis to files: a redis-server of the bench's own on 127.0.0.1, `nx worker`
 * processes (1, 2, then 3, started as `deno task nx worker` starts them) writing each run's
 * NeXus file to a fresh folder, and the project's publisher (`DocumentPublisher` with a
 * `RedisSink`, as `scan --publish` uses them) in the bench's process.
 *
 * - Throughput: the same 60 runs (three in four scans of 50 to 200 points, one in four counts
 *   of 10 to 30 readings; three detectors and the motor read) published at once, timed from
 *   the first document handed to the publisher to the moment every run's file is at its final
 *   path. Before the clock starts, the workers have joined their group (the line each prints
 *   on stderr), share the partitions as the group shares them (the leases in Redis say so),
 *   and have each written a warm-up run. Each run is checked to be written once.
 * - Latency: with the workers idle, 20 runs of 100 points one at a time: a run's documents up
 *   to the stop are sent and read by their worker (pending in Redis) first; then the stop
 *   document is handed to the publisher, and the clock runs until the file is at its final
 *   path (looked for every millisecond).
 * - References, in the same run: the same runs written in this process by the writer of
 *   `nx export` (no Redis, no JSON: the ceiling of documents per second, and the latency of a
 *   writer subscribed in-process), and published with no worker reading (the publisher's rate).
 *
 * Beside them: the machine's cores and load average, the CPU the workers used (more than one
 * core each at times: V8 collects garbage and compiles on threads of its own), and how much
 * faster than one worker 2 or 3 could be at most with the runs as their uids fall into
 * partitions.
 *
 * @module
 */

import { count, createNXWriter, type NamedDocument, RunEngine, scan } from "../mod.ts";
import { GaussianDetector, RandomSensor, SimMotor } from "../devices/mod.ts";
import {
  DocumentPublisher,
  partitionOf,
  redisDefaults,
  redisKeys,
  RedisSink,
} from "../core/transport/mod.ts";
import { redisCommand, type RedisServer, redisServerPath, startRedis } from "../tests/_redis.ts";
import { ROOT, taskPermissions } from "../tests/_cli.ts";
import type { Figure } from "./_figures.ts";

/** Runs of the throughput measurement. */
const RUNS = 60;
/** Runs of the latency measurement (the same for each number of workers). */
const LATENCY_RUNS = 20;
const WORKER_COUNTS = [1, 2, 3] as const;
const PARTITIONS = redisDefaults.partitions;
const GROUP = "writers";
/** The workers' lease time: short, so that a new member gets its partitions within a second. */
const CLAIM_AFTER = 3000;
/** A worker's read waits this long at most (the group's default `block`), in ms. */
const READ_BLOCK = 500;
/** Other processes using more CPU than this (in cores) while a figure is timed are reported. */
const BUSY = 0.1;
/** Give up on anything the bench waits for after this long, in ms. */
const PATIENCE = 60_000;

/** A run's documents and its uid. */
interface BenchRun {
  uid: string;
  docs: NamedDocument[];
}

/**
 * The documents of a run of the RunEngine with instant simulated devices: scans of a motor
 * with two Gaussian detectors, a sensor and the motor read, or a count of three detectors.
 */
async function makeRun(i: number, kind: "scan" | "count", points: number): Promise<BenchRun> {
  const motor = new SimMotor({ name: "motor", instant: true });
  const detectors = [
    new GaussianDetector({ motor, name: "det", sigma: 0.3, noise: "poisson", seed: i }),
    new GaussianDetector({ motor, name: "I0", center: 0.2, imax: 1e5, seed: i + 1 }),
    new RandomSensor({ name: "sensor", seed: i + 2 }),
  ];
  const RE = new RunEngine();
  const docs: NamedDocument[] = [];
  RE.subscribe("all", (name, doc) => void docs.push([name, doc] as NamedDocument));
  const md = { sample: `sample-${i % 7}`, operator: "bench" };
  await RE.run(
    kind === "scan"
      ? scan(detectors, [[motor, -1, 1]], { num: points, md })
      : count([...detectors, motor], { num: points, md }),
  );
  return { uid: (docs[0]![1] as { uid: string }).uid, docs };
}

/**
 * The throughput runs: three scans in four (50 to 200 points), one count (10 to 30 readings).
 * @param seed The seed of the first run's detectors.
 */
async function throughputRuns(seed: number): Promise<BenchRun[]> {
  const runs: BenchRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(
      i % 4 === 3
        ? await makeRun(seed + i, "count", 10 + (i * 7) % 21)
        : await makeRun(seed + i, "scan", 50 + (i * 37) % 151),
    );
  }
  return runs;
}

/**
 * The warm-up runs: one of 20 points in each partition, so that every worker writes one, then
 * as many runs as are timed, of the same mix: the workers' JIT has compiled what they run, as
 * in a worker that has run for a while.
 */
async function warmUpRuns(): Promise<BenchRun[]> {
  const byPartition = new Map<number, BenchRun>();
  for (let i = 0; byPartition.size < PARTITIONS; i++) {
    const run = await makeRun(1000 + i, "scan", 20);
    byPartition.set(partitionOf(run.uid, PARTITIONS), run);
  }
  return [...byPartition.values(), ...await throughputRuns(3000)];
}

async function latencyRuns(n: number): Promise<BenchRun[]> {
  const runs: BenchRun[] = [];
  for (let i = 0; i < n; i++) runs.push(await makeRun(2000 + i, "scan", 100));
  return runs;
}

function documentCount(runs: readonly BenchRun[]): number {
  return runs.reduce((sum, run) => sum + run.docs.length, 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wait until `check` holds, trying every `every` ms. */
async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  every = 5,
): Promise<void> {
  const end = Date.now() + PATIENCE;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`The transport bench gave up waiting: ${what}`);
    await sleep(every);
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A publisher, and its end: what it sent, or an error when it warned or could not send. */
interface BenchPublisher {
  publisher: DocumentPublisher;
  close(): Promise<number>;
}

/** A publisher to `url` that is connected, with its spool in `dir`. */
async function openPublisher(url: string, dir: string): Promise<BenchPublisher> {
  const sink = new RedisSink(url);
  if (!(await sink.ready())) throw new Error(`The bench cannot connect to ${url}`);
  const spool = await Deno.makeTempDir({ dir, prefix: "spool-" });
  const warnings: string[] = [];
  const publisher = new DocumentPublisher(sink, {
    spool,
    onWarning: (message) => void warnings.push(message),
  });
  return {
    publisher,
    async close() {
      const outcome = await publisher.close(PATIENCE);
      if (warnings.length > 0 || outcome.spooled > 0) {
        throw new Error(
          `The publisher to ${url} left ${outcome.spooled} documents unsent: ${
            warnings.join("; ")
          }`,
        );
      }
      return outcome.published;
    },
  };
}

/** An `nx worker` process, with what it printed so far. */
interface Worker {
  name: string;
  child: Deno.ChildProcess;
  out: string[];
  err: string[];
  /** Resolves when both its outputs are read to their end. */
  drained: Promise<void>;
}

/** Collect a stream's lines as they come. */
async function collect(stream: ReadableStream<Uint8Array>, lines: string[]): Promise<void> {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + text).split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
  }
  if (rest !== "") lines.push(rest);
}

/** Start a worker as `deno task nx worker` does (the task's flags, read from deno.json). */
function startWorker(name: string, url: string, dir: string, data: string): Worker {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...taskPermissions("nx.ts"),
      `${ROOT}nx.ts`,
      "worker",
      "--from",
      url,
      "--group",
      GROUP,
      "--dir",
      dir,
      "--name",
      name,
      "--claim-after",
      String(CLAIM_AFTER),
      "--no-config",
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1", XDG_DATA_HOME: data },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out: string[] = [];
  const err: string[] = [];
  const drained = Promise.all([collect(child.stdout, out), collect(child.stderr, err)])
    .then(() => {});
  return { name, child, out, err, drained };
}

/**
 * Wait until every worker has said it joined the group (its `worker NAME of group` line) and
 * the partitions are shared as the group shares them among live members (`p mod W` by rank),
 * then a little longer, for each worker's next read to take in the partitions it just got.
 */
async function settled(workers: readonly Worker[], port: number, key: string): Promise<void> {
  for (const worker of workers) {
    await until(
      `worker ${worker.name} joins`,
      () => worker.err.some((line) => line.startsWith(`worker ${worker.name} of group`)),
    );
  }
  const names = workers.map((w) => w.name).sort();
  const keys = redisKeys(key);
  await until("the workers share the partitions", async () => {
    for (let p = 0; p < PARTITIONS; p++) {
      const owner = await redisCommand(port, ["GET", keys.lease(GROUP, p)]);
      if (owner !== names[p % names.length]) return false;
    }
    return true;
  });
  await sleep(READ_BLOCK + 200);
}

/** Stop the workers with SIGTERM (they finish what they began), checking that they exit with 0. */
async function stopWorkers(workers: readonly Worker[]): Promise<void> {
  for (const worker of workers) {
    try {
      worker.child.kill("SIGTERM");
    } catch {
      // Ended already: its status says how.
    }
  }
  for (const worker of workers) {
    const status = await worker.child.status;
    await worker.drained;
    if (status.code !== 0) {
      throw new Error(
        `Worker ${worker.name} exited with ${status.code}: ${worker.err.join("\n")}`,
      );
    }
  }
}

/** Kill what is left of the workers (after a failure), by their process ids. */
async function killWorkers(workers: readonly Worker[]): Promise<void> {
  for (const worker of workers) {
    try {
      worker.child.kill("SIGKILL");
    } catch {
      // Ended already.
    }
    await worker.child.status;
    await worker.drained.catch(() => {});
  }
}

/**
 * CPU time used so far, in clock ticks: the machine's (every core's busy time) and some
 * processes'.
 */
interface CpuReading {
  machine: number;
  processes: Map<number, number>;
}

/**
 * Read the CPU time used so far from `/proc` (Linux, where its clock ticks are 1/100 s), by
 * `cat`: Deno lets only a process with every permission read `/proc` itself.
 * @returns The reading, or undefined where there is no `/proc`.
 */
async function readCpu(pids: readonly number[]): Promise<CpuReading | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("cat", {
      args: ["/proc/stat", ...pids.map((pid) => `/proc/${pid}/stat`)],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return undefined;
    let machine = 0;
    const processes = new Map<number, number>();
    for (const line of new TextDecoder().decode(stdout).split("\n")) {
      if (line.startsWith("cpu ")) {
        // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
        const t = line.split(/\s+/).slice(1).map(Number);
        machine = t[0]! + t[1]! + t[2]! + t[5]! + t[6]! + t[7]!;
      } else if (/^\d+ \(/.test(line)) {
        // The fields after the command's name (which ends with ") "): utime and stime are
        // fields 14 and 15 of the line.
        const fields = line.split(") ").at(-1)!.split(" ");
        processes.set(Number(line.split(" ")[0]), Number(fields[11]) + Number(fields[12]));
      }
    }
    return { machine, processes };
  } catch {
    return undefined;
  }
}

/** What used the CPU while something was timed, in cores on average. */
interface CpuUse {
  /** The processes watched (the workers, say). */
  watched: number;
  /** Every process but the watched ones, this one and redis-server: other users' work. */
  others: number;
}

/**
 * Start measuring the CPU time of processes and of the rest of the machine.
 * @param watched The processes measured.
 * @param ours The bench's other processes (this one, redis-server), not counted as others.
 * @returns A function that ends the measurement: undefined where there is no `/proc`.
 */
async function cpuMeter(
  watched: readonly number[],
  ours: readonly number[],
): Promise<() => Promise<CpuUse | undefined>> {
  const pids = [...watched, ...ours];
  const before = await readCpu(pids);
  const started = performance.now();
  return async () => {
    const after = await readCpu(pids);
    // The time between the readings in clock ticks (1/100 s): ticks used over it are cores.
    const ticks = (performance.now() - started) / 10;
    if (before === undefined || after === undefined) return undefined;
    const used = (list: readonly number[]) =>
      list.reduce((sum, pid) => {
        const [a, b] = [after.processes.get(pid), before.processes.get(pid)];
        return a === undefined || b === undefined ? sum : sum + a - b;
      }, 0);
    const all = after.machine - before.machine;
    return {
      watched: used(watched) / ticks,
      others: Math.max(0, all - used(watched) - used(ours)) / ticks,
    };
  };
}

/** This process and redis-server. */
function ourPids(server: RedisServer): number[] {
  return server.pid === undefined ? [Deno.pid] : [Deno.pid, server.pid];
}

/** Hand every document of the runs to the publisher, in run order. */
function publishAll(publisher: DocumentPublisher, runs: readonly BenchRun[]): void {
  for (const run of runs) {
    for (const [name, doc] of run.docs) publisher.receiver(name, doc as never, run.uid);
  }
}

/** Whether every run's file is in `dir`. */
async function allWritten(dir: string, runs: readonly BenchRun[]): Promise<boolean> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir(dir)) names.add(entry.name);
  return runs.every((run) => names.has(`${run.uid}.hdf`));
}

/** Entries of a partition that the group has delivered and not acknowledged. */
async function pendingIn(port: number, key: string, partition: number): Promise<number> {
  const reply = await redisCommand(port, ["XPENDING", redisKeys(key).stream(partition), GROUP]);
  return Number((reply as unknown[])[0]);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** What one number of workers measured. */
interface WorkersResult {
  /** Seconds from the first document published to the last file. */
  seconds: number;
  /** Milliseconds from each latency run's stop document to its file. */
  latencies: number[];
  /** The workers' CPU and other processes' over those seconds; undefined without `/proc`. */
  cpu: CpuUse | undefined;
  /** The same over the latency runs. */
  latencyCpu: CpuUse | undefined;
}

/** Throughput then latency with `n` workers, on a stream key and a folder of their own. */
async function withWorkers(
  n: number,
  server: RedisServer,
  scratch: string,
  runs: { timed: BenchRun[]; warmUp: BenchRun[]; latency: BenchRun[] },
): Promise<WorkersResult> {
  const key = `bench-${n}`;
  const url = server.url(key);
  const dir = await Deno.makeTempDir({ dir: scratch, prefix: `files-${n}-` });
  const workers: Worker[] = [];
  const { publisher, close } = await openPublisher(url, scratch);
  try {
    for (let w = 0; w < n; w++) workers.push(startWorker(`w${w + 1}`, url, dir, scratch));
    await settled(workers, server.port, key);
    publishAll(publisher, runs.warmUp);
    await until("the warm-up runs are written", () => allWritten(dir, runs.warmUp));
    const meter = await cpuMeter(workers.map((w) => w.child.pid), ourPids(server));
    const started = performance.now();
    publishAll(publisher, runs.timed);
    await until(`the ${RUNS} runs are written by ${n} workers`, () => allWritten(dir, runs.timed));
    const seconds = (performance.now() - started) / 1000;
    const cpu = await meter();
    const latencies: number[] = [];
    const latencyMeter = await cpuMeter(workers.map((w) => w.child.pid), ourPids(server));
    for (const run of runs.latency) {
      const partition = partitionOf(run.uid, PARTITIONS);
      await until(
        "the workers are idle",
        async () => (await pendingIn(server.port, key, partition)) === 0,
      );
      const [stop, ...before] = [...run.docs].reverse();
      for (const [name, doc] of before.reverse()) publisher.receiver(name, doc as never, run.uid);
      await publisher.flush(PATIENCE);
      // Every document before the stop is read by its worker: only the stop is left to send.
      await until(
        "the worker reads the run",
        async () => (await pendingIn(server.port, key, partition)) === before.length,
      );
      const file = `${dir}/${run.uid}.hdf`;
      const sent = performance.now();
      publisher.receiver(stop![0], stop![1] as never, run.uid);
      await until(`the file of run ${run.uid}`, () => exists(file), 1);
      latencies.push(performance.now() - sent);
    }
    const latencyCpu = await latencyMeter();
    await close();
    await stopWorkers(workers);
    // Each run written once, by one worker (its line names the run's uid).
    for (const run of [...runs.timed, ...runs.latency]) {
      const lines = workers.flatMap((w) => w.out).filter((line) => line.includes(run.uid));
      if (lines.length !== 1) {
        throw new Error(`Run ${run.uid} was handled ${lines.length} times: ${lines.join("; ")}`);
      }
    }
    workers.length = 0;
    return { seconds, latencies, cpu, latencyCpu };
  } finally {
    await killWorkers(workers);
  }
}

/**
 * The same runs written in this process by the writer of `nx export`, one after another.
 * @returns The seconds, and this process's CPU and other processes' over them (undefined
 *   without `/proc`).
 */
async function direct(
  runs: readonly BenchRun[],
  dir: string,
  server: RedisServer,
): Promise<{ seconds: number; cpu: CpuUse | undefined }> {
  const write = async (run: BenchRun) => {
    const writer = createNXWriter({ filePath: dir, fileName: `${run.uid}.hdf` });
    for (const [name, doc] of run.docs) writer.receiver(name, doc as never);
    await writer.wait();
  };
  const meter = await cpuMeter([Deno.pid], ourPids(server).slice(1));
  const started = performance.now();
  for (const run of runs) await write(run);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, cpu: await meter() };
}

/**
 * Milliseconds from the stop document to the file with the writer in this process, for each
 * run: its documents before the stop handed to the writer first, as for a run over Redis.
 */
async function directLatencies(runs: readonly BenchRun[], dir: string): Promise<number[]> {
  const latencies: number[] = [];
  for (const run of runs) {
    const writer = createNXWriter({ filePath: dir, fileName: `${run.uid}.hdf` });
    const [stop, ...before] = [...run.docs].reverse();
    for (const [name, doc] of before.reverse()) writer.receiver(name, doc as never);
    const file = `${dir}/${run.uid}.hdf`;
    const sent = performance.now();
    writer.receiver(stop![0], stop![1] as never);
    await until(`the file of run ${run.uid}`, () => exists(file), 1);
    latencies.push(performance.now() - sent);
    await writer.wait();
  }
  return latencies;
}

/**
 * How much faster than one worker `n` workers could be with the runs as the group splits
 * them (partition `p` to the member of rank `p mod n`): all documents over the busiest
 * worker's.
 */
function splitAllows(runs: readonly BenchRun[], n: number): number {
  const perWorker = new Array<number>(n).fill(0);
  for (const run of runs) perWorker[partitionOf(run.uid, PARTITIONS) % n]! += run.docs.length;
  return documentCount(runs) / Math.max(...perWorker);
}

/** Seconds to publish the runs with no worker reading: until Redis has stored every entry. */
async function publishOnly(server: RedisServer, scratch: string, runs: BenchRun[]) {
  const { publisher, close } = await openPublisher(server.url("publish-only"), scratch);
  const started = performance.now();
  publishAll(publisher, runs);
  await publisher.flush(PATIENCE);
  const seconds = (performance.now() - started) / 1000;
  const published = await close();
  if (published !== documentCount(runs)) {
    throw new Error(`Published ${published} of ${documentCount(runs)} documents`);
  }
  return seconds;
}

/** Every figure of the bench, with a redis-server of its own. */
async function measure(): Promise<Figure[]> {
  const cores = navigator.hardwareConcurrency;
  const load = Deno.loadavg()[0]!;
  const timed = await throughputRuns(0);
  const warmUp = await warmUpRuns();
  const latency = await latencyRuns(LATENCY_RUNS);
  const documents = documentCount(timed);
  const what = `${RUNS} runs, ${documents.toLocaleString("en-US")} documents`;
  const scratch = await Deno.makeTempDir({ prefix: "nxdaq-transport-bench-" });
  const server = await startRedis();
  const figures: Figure[] = [
    { name: "transport: CPU cores of this machine", value: cores, unit: "cores" },
    { name: "transport: load average (1 min) at the start", value: load, unit: "" },
  ];
  const rates = (label: string, seconds: number) => {
    figures.push(
      { name: `transport: ${label}, ${what}`, value: documents / seconds, unit: "documents/s" },
      { name: `transport: ${label}, runs`, value: RUNS / seconds, unit: "runs/s" },
    );
  };
  /** The CPU of what was timed (unless `watched` is undefined) and of other processes. */
  const cpuFigures = (label: string, cpu: CpuUse | undefined, watched?: string) => {
    if (cpu === undefined) return;
    if (watched !== undefined) {
      figures.push({
        name: `transport: ${label}, CPU of ${watched}`,
        value: cpu.watched,
        unit: "cores",
      });
    }
    figures.push({
      name: `transport: ${label}, CPU of other processes meanwhile`,
      value: cpu.others,
      unit: "cores",
    });
    if (cpu.others > BUSY) {
      console.error(
        `transport: other processes used ${cpu.others.toFixed(2)} cores during "${label}": ` +
          "not the figure of a quiet machine",
      );
    }
  };
  const latencyFigures = (label: string, latencies: number[]) => {
    figures.push(
      {
        name: `transport: ${label}, stop to file (median of ${LATENCY_RUNS} 100-point scans)`,
        value: quantile(latencies, 0.5),
        unit: "ms",
      },
      {
        name: `transport: ${label}, stop to file (p95)`,
        value: quantile(latencies, 0.95),
        unit: "ms",
      },
    );
  };
  try {
    // The reference first: one warm-up pass, so that its figure is the writer's, not h5wasm's start.
    const reference = await Deno.makeTempDir({ dir: scratch, prefix: "direct-" });
    await direct(warmUp, reference, server);
    const written = await direct(timed, reference, server);
    rates("reference, written directly in-process (no Redis)", written.seconds);
    cpuFigures("reference, written directly", written.cpu, "the process");
    const inProcess = await directLatencies(latency, reference);
    latencyFigures("reference, writer in-process (no Redis)", inProcess);
    await Deno.remove(reference, { recursive: true });
    await publishOnly(server, scratch, warmUp);
    rates("reference, published to Redis, no worker", await publishOnly(server, scratch, timed));
    const perWorkers = new Map<number, number>();
    for (const n of WORKER_COUNTS) {
      const result = await withWorkers(n, server, scratch, { timed, warmUp, latency });
      perWorkers.set(n, result.seconds);
      const label = `Redis to files, ${n} worker${n === 1 ? "" : "s"}`;
      rates(label, result.seconds);
      cpuFigures(label, result.cpu, "the workers");
      latencyFigures(label, result.latencies);
      cpuFigures(`${label}, latency runs`, result.latencyCpu);
    }
    for (const n of WORKER_COUNTS.slice(1)) {
      figures.push({
        name: `transport: ${n} workers / 1 worker, documents/s (${cores} cores)`,
        value: perWorkers.get(1)! / perWorkers.get(n)!,
        unit: "x",
      }, {
        name: `transport: ${n} workers / 1 worker, at most (as the runs' partitions fall)`,
        value: splitAllows(timed, n),
        unit: "x",
      });
    }
    return figures;
  } finally {
    await server.close();
    await Deno.remove(scratch, { recursive: true });
  }
}

/** The transport's benchmark; skipped, with the reason printed, without redis-server. */
export const transportBenchmarks = [{
  name: "transport",
  run(): Promise<Figure[]> {
    if (redisServerPath() === null) {
      console.error("redis-server is not installed: skipping the transport benchmark");
      return Promise.resolve([]);
    }
    return measure();
  },
}];

if (import.meta.main) {
  const { formatTable } = await import("./_figures.ts");
  console.log(formatTable(await transportBenchmarks[0]!.run()));
}
