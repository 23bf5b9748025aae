/**
 * Live view figures, laid out as the live view is used: a scan writing to a catalog in its own
 * process (`deno task scan --catalog`), the web server (`nx serve`) in this one, and 20 SSE
 * clients in two more processes, ten each, at the lowest priority (they stand in for browsers,
 * which are processes of their own, mostly on other machines), all on 127.0.0.1.
 *
 * - The rate of a 10,000-point `scan` with instant simulated devices (the engine benchmark's
 *   scan), timed in the writing process, with no client and with 20 clients following the run
 *   through the server. After a warm-up of both kinds, they come in pairs whose order
 *   alternates (watched first in every other pair), so that neither a drift (the catalog
 *   growing, the machine busy) nor the slot of a pair weighs on one kind; each rate is the
 *   median of its scans, the ratio the median of the ratios of the pairs, with their quartiles
 *   to show how far one pair can be off; and the CPU time of the server (this process) over a
 *   watched scan, from its start until every client has the stop.
 * - The latency from an event's `time` (stamped by the engine) to its arrival at a client, over
 *   every event of 2,000-point watched scans: its median and 99th percentile. Such a scan never
 *   gives the event loop a turn, so the writer commits every 1,000 documents, not on its timer.
 *   (Over the longer scans the clients, which take what the writer and the server leave of the
 *   two cores, fall behind until the scan ends.)
 * - The same latency for a paced run, a reading every 10 ms (`count` with a delay), where the
 *   writer's commit timer runs as with real devices.
 *
 * The processes talk over their standard input and output, one JSON object a line; this file
 * is both the benchmark and, with `writer` or `clients` as argument, its two helper processes.
 *
 * @module
 */

import process from "node:process";
import { count, RunEngine, scan } from "../mod.ts";
import { RandomSensor, SimMotor } from "../devices/mod.ts";
import { Catalog } from "../core/catalog/mod.ts";
import { createApi } from "../web/api.ts";
import { sseBatches, sseEvents } from "../web/_sse_client.ts";
import type { Figure } from "./_figures.ts";

const POINTS = 10_000;
/** The scans whose latency is measured at full speed. */
const LATENCY = { points: 2000, runs: 3 };
const CLIENTS = 20;
/** Processes the clients are shared out to: as many as the machine has cores. */
const CLIENT_PROCESSES = 2;
/** Pairs of scans run first, not counted: the writer's code is compiled by then. */
const WARM_UP = 3;
const ROUNDS = 20;
/** The paced run: a reading every 10 ms, as a scan with real devices gives the event loop. */
const PACED = { num: 100, delay: 0.01, runs: 3 };

/** A helper process: send it a line, read its lines. */
class Helper {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: AsyncIterator<string>;

  constructor(args: string[]) {
    // The clients stand in for browsers, which are elsewhere: at the lowest priority they
    // take what the writer and the server leave, and the scan rate shows the server's cost.
    const nice = args[0] === "clients";
    this.#child = new Deno.Command(nice ? "nice" : Deno.execPath(), {
      args: [
        ...(nice ? ["-n", "19", Deno.execPath()] : []),
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-net=127.0.0.1",
        new URL(import.meta.url).pathname,
        ...args,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = lines(this.#child.stdout);
  }

  async send(command: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(`${command}\n`));
  }

  async receive<T>(): Promise<T> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error(`Benchmark helper "${Deno.args[0] ?? "web"}" ended early`);
    return JSON.parse(value) as T;
  }

  async close(): Promise<void> {
    await this.#writer.close();
    while (!(await this.#lines.next()).done) { /* drain */ }
    const status = await this.#child.status;
    if (!status.success) throw new Error(`A benchmark helper failed: exit code ${status.code}`);
  }
}

/** The lines of a stream of text. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (buffer + text).split("\n");
    buffer = parts.pop()!;
    yield* parts;
  }
}

/** The lines of this process's standard input. */
function commands(): AsyncIterator<string> {
  return lines(Deno.stdin.readable);
}

function reply(value: unknown): void {
  console.log(JSON.stringify(value));
}

/**
 * The writing process: per `scan N` line a scan of N points into the catalog, per `count` line
 * the paced run; replies with its rate.
 */
async function writerProcess(dir: string): Promise<void> {
  const catalog = Catalog.open(dir);
  catalog.flush();
  const motor = new SimMotor({ name: "motor", instant: true });
  const sensor = new RandomSensor({ name: "sensor", seed: 1 });
  const RE = new RunEngine();
  RE.subscribe("all", catalog.insert);
  reply({ ready: true });
  const lines = commands();
  while (true) {
    const { value, done } = await lines.next();
    if (done) break;
    const started = performance.now();
    const points = value === "count" ? PACED.num : Number(value.split(" ")[1]);
    await RE.run(
      value === "count"
        ? count([sensor], { num: PACED.num, delay: PACED.delay })
        : scan([sensor], [[motor, -1, 1]], { num: points }),
    );
    catalog.flush();
    reply({ rate: points / ((performance.now() - started) / 1000) });
  }
  catalog.close();
}

/** The number after `"key":` in a document's JSON text (the first such key). */
function numberAfter(json: string, key: string): number {
  const at = json.indexOf(`"${key}":`);
  if (at < 0) return NaN;
  const from = at + key.length + 3;
  let to = from;
  while (to < json.length && ",}]".indexOf(json[to]!) < 0) to++;
  return Number(json.slice(from, to));
}

/**
 * One client: follows a run from its first document to its end, checking that its events come
 * each once and in order. It reads each event's `seq_num` and `time` without parsing the whole
 * document: ten clients share one thread here, where each browser would have its own, and their
 * parsing would otherwise delay the reading of the others' streams. The first client of each
 * process parses every document whole and checks those two numbers against it.
 */
async function followRun(
  base: string,
  uid: string,
  latencies: number[],
  check: boolean,
): Promise<number> {
  let events = 0;
  let last = 0;
  let lastId = 0;
  const response = await fetch(`${base}/api/runs/${uid}/events`);
  for await (const batch of sseBatches(response)) {
    const arrived = Date.now();
    for (const message of batch) {
      if (message.event !== "document") continue;
      const id = Number(message.id);
      if (!(id > lastId)) throw new Error(`Run "${uid}": document ${id} after ${lastId}`);
      lastId = id;
      if (!message.data.startsWith('{"name":"event",')) continue;
      const seqNum = numberAfter(message.data, "seq_num");
      const time = numberAfter(message.data, "time");
      if (check) {
        const { doc } = JSON.parse(message.data);
        if (doc.seq_num !== seqNum || doc.time !== time) {
          throw new Error(`Run "${uid}": event ${doc.seq_num} misread as ${seqNum} at ${time}`);
        }
      }
      if (seqNum !== last + 1) throw new Error(`Run "${uid}": event ${seqNum} after ${last}`);
      latencies.push(arrived - time * 1000);
      last = seqNum;
      events++;
    }
  }
  return events;
}

/**
 * A clients' process: per `watch` line, its clients subscribe to `/api/live` (replying once
 * they are), each follows the next run to its end; then the reply holds their counts of events
 * and, after `watch latencies`, their latencies (a megabyte of numbers for a long scan, not
 * sent when only the rate counts, so that the server's CPU time is its own).
 */
async function clientsProcess(base: string, clients: number): Promise<void> {
  const lines = commands();
  while (true) {
    const { value, done } = await lines.next();
    if (done) break;
    const lives = await Promise.all(
      Array.from({ length: clients }, async () => sseEvents(await fetch(`${base}/api/live`))),
    );
    reply({ ready: true });
    const latencies: number[] = [];
    const counts = await Promise.all(lives.map(async (live, i) => {
      const start = (await live.next()).value!;
      await live.return(undefined);
      return followRun(base, JSON.parse(start.data).uid, latencies, i === 0);
    }));
    reply({ counts, latencies: value === "watch latencies" ? latencies : [] });
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function median(values: number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 100));

/** The live view's benchmarks. */
export const webBenchmarks = [{
  name: "web",
  async run(): Promise<Figure[]> {
    const dir = await Deno.makeTempDir();
    const writer = new Helper(["writer", `${dir}/catalog`]);
    await writer.receive();
    const reader = Catalog.open(`${dir}/catalog`, { readOnly: true });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      createApi(reader),
    );
    const base = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
    const clients = Array.from(
      { length: CLIENT_PROCESSES },
      () => new Helper(["clients", base, String(CLIENTS / CLIENT_PROCESSES)]),
    );
    const runRate = async (plan: "scan" | "count", points: number) => {
      await writer.send(plan === "scan" ? `scan ${points}` : plan);
      return (await writer.receive<{ rate: number }>()).rate;
    };
    /** A run followed by the clients: its rate, and every event's latency at every client. */
    const watchedRun = async (plan: "scan" | "count", points: number, timed = false) => {
      await Promise.all(clients.map((helper) => helper.send(timed ? "watch latencies" : "watch")));
      await Promise.all(clients.map((helper) => helper.receive()));
      await pause();
      const cpu = process.cpuUsage();
      const rate = await runRate(plan, points);
      const latencies: number[] = [];
      let watching = 0;
      for (const helper of clients) {
        const seen = await helper.receive<{ counts: number[]; latencies: number[] }>();
        for (const events of seen.counts) {
          if (events !== points) throw new Error(`A client got ${events} of ${points} events`);
        }
        watching += seen.counts.length;
        for (const latency of seen.latencies) latencies.push(latency);
      }
      if (watching !== CLIENTS) throw new Error(`${watching} of ${CLIENTS} clients watched`);
      const { user, system } = process.cpuUsage(cpu);
      return { rate, latencies, serverMs: (user + system) / 1000 };
    };
    const bare: number[] = [];
    const watched: number[] = [];
    const ratios: number[] = [];
    const latencies: number[] = [];
    const paced: number[] = [];
    const serverMs: number[] = [];
    const bareScan = async () => {
      await pause();
      return await runRate("scan", POINTS);
    };
    try {
      for (let i = 0; i < WARM_UP + ROUNDS; i++) {
        const watchedFirst = i % 2 === 1;
        const first = watchedFirst ? await watchedRun("scan", POINTS) : await bareScan();
        const second = watchedFirst ? await bareScan() : await watchedRun("scan", POINTS);
        const [bareRate, run] = watchedFirst
          ? [second as number, first as Exclude<typeof first, number>]
          : [first as number, second as Exclude<typeof second, number>];
        if (i < WARM_UP) continue;
        bare.push(bareRate);
        watched.push(run.rate);
        ratios.push(run.rate / bareRate);
        serverMs.push(run.serverMs);
      }
      for (let i = 0; i < LATENCY.runs; i++) {
        latencies.push(...(await watchedRun("scan", LATENCY.points, true)).latencies);
      }
      for (let i = 0; i < PACED.runs; i++) {
        paced.push(...(await watchedRun("count", PACED.num, true)).latencies);
      }
      paced.sort((a, b) => a - b);
      latencies.sort((a, b) => a - b);
      ratios.sort((a, b) => a - b);
      return [
        {
          name: `live view, scan rate, ${POINTS} points, no clients`,
          value: median(bare),
          unit: "points/s",
        },
        {
          name: `live view, scan rate, ${POINTS} points, ${CLIENTS} clients`,
          value: median(watched),
          unit: "points/s",
        },
        {
          name: `live view, scan rate with ${CLIENTS} clients / without, median of pairs`,
          value: median(ratios),
          unit: "",
        },
        {
          name: `live view, scan rate with ${CLIENTS} clients / without, lower quartile`,
          value: quantile(ratios, 0.25),
          unit: "",
        },
        {
          name: `live view, scan rate with ${CLIENTS} clients / without, upper quartile`,
          value: quantile(ratios, 0.75),
          unit: "",
        },
        {
          name: `live view, server CPU per watched scan, median`,
          value: median(serverMs),
          unit: "ms",
        },
        {
          name: `live view, latency, ${LATENCY.points}-point scans, median`,
          value: quantile(latencies, 0.5),
          unit: "ms",
        },
        {
          name: `live view, latency, ${LATENCY.points}-point scans, 99th percentile`,
          value: quantile(latencies, 0.99),
          unit: "ms",
        },
        {
          name: `live view, latency at ${1 / PACED.delay} points/s, median`,
          value: quantile(paced, 0.5),
          unit: "ms",
        },
        {
          name: `live view, latency at ${1 / PACED.delay} points/s, 99th percentile`,
          value: quantile(paced, 0.99),
          unit: "ms",
        },
      ];
    } finally {
      for (const helper of clients) await helper.close().catch(() => {});
      await writer.close().catch(() => {});
      await server.shutdown();
      reader.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}];

if (import.meta.main) {
  const [role, where, count] = Deno.args;
  if (role === "writer" && where !== undefined) await writerProcess(where);
  else if (role === "clients" && where !== undefined) await clientsProcess(where, Number(count));
  else {throw new TypeError(
      `Unknown benchmark helper "${role}": give "writer DIR" or "clients URL N"`,
    );}
}
