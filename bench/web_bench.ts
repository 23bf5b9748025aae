/**
 * Live view figures: the rate of a 2,000-point `scan` with instant simulated devices writing to
 * a catalog, with and without 20 SSE clients watching it through the server (in this process,
 * on 127.0.0.1), and the latency from an event's `time` to its arrival at a client. Each rate
 * is the median of five scans after two warm-up scans.
 *
 * @module
 */

import { RunEngine, scan } from "../mod.ts";
import { RandomSensor, SimMotor } from "../devices/mod.ts";
import { Catalog } from "../core/catalog/mod.ts";
import { createApi } from "../web/api.ts";
import { sseEvents } from "../web/_sse_client.ts";
import type { Figure } from "./_figures.ts";

const POINTS = 2000;
const CLIENTS = 20;

/** One client: waits for the next run on /api/live, then follows it to its end. */
async function watchNextRun(base: string, latencies: number[]): Promise<number> {
  const live = sseEvents(await fetch(`${base}/api/live`));
  const start = (await live.next()).value!;
  await live.return(undefined);
  const { uid } = JSON.parse(start.data);
  let events = 0;
  let last = -1;
  for await (const message of sseEvents(await fetch(`${base}/api/runs/${uid}/events`))) {
    if (message.event !== "document") continue;
    const { name, doc } = JSON.parse(message.data);
    if (name !== "event") continue;
    latencies.push(Date.now() - doc.time * 1000);
    if (doc.seq_num !== last + 1 && last >= 0) throw new Error(`Event ${doc.seq_num} out of order`);
    last = doc.seq_num;
    events++;
  }
  return events;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** The live view's benchmarks. */
export const webBenchmarks = [{
  name: "web",
  async run(): Promise<Figure[]> {
    const dir = await Deno.makeTempDir();
    const writer = Catalog.open(`${dir}/catalog`);
    writer.flush();
    const reader = Catalog.open(`${dir}/catalog`, { readOnly: true });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      createApi(reader),
    );
    const base = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
    const motor = new SimMotor({ name: "motor", instant: true });
    const sensor = new RandomSensor({ name: "sensor", seed: 1 });
    const RE = new RunEngine();
    RE.subscribe("all", writer.insert);
    const latencies: number[] = [];
    const measure = async (clients: number): Promise<number> => {
      const rates: number[] = [];
      for (let i = 0; i < 7; i++) {
        const watching = Array.from({ length: clients }, () => watchNextRun(base, latencies));
        // The clients are subscribed to /api/live before the run starts.
        await new Promise((resolve) => setTimeout(resolve, 100));
        const started = performance.now();
        await RE.run(scan([sensor], [[motor, -1, 1]], { num: POINTS }));
        writer.flush();
        rates.push(POINTS / ((performance.now() - started) / 1000));
        for (const events of await Promise.all(watching)) {
          if (events !== POINTS) throw new Error(`A client got ${events} of ${POINTS} events`);
        }
        if (i < 2) latencies.length = 0;
      }
      return rates.slice(2).sort((a, b) => a - b)[2]!;
    };
    try {
      // A first round warms up the code both variants share.
      await measure(CLIENTS);
      latencies.length = 0;
      const bare = await measure(0);
      const watched = await measure(CLIENTS);
      latencies.sort((a, b) => a - b);
      return [
        {
          name: `live view, scan rate, ${POINTS} points, no clients`,
          value: bare,
          unit: "points/s",
        },
        {
          name: `live view, scan rate, ${POINTS} points, ${CLIENTS} clients`,
          value: watched,
          unit: "points/s",
        },
        { name: `live view, latency, median`, value: quantile(latencies, 0.5), unit: "ms" },
        {
          name: `live view, latency, 99th percentile`,
          value: quantile(latencies, 0.99),
          unit: "ms",
        },
      ];
    } finally {
      await server.shutdown();
      writer.close();
      reader.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}];
