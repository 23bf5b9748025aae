/**
 * The server of the Channel Access benchmarks, run in its own process so that both clients
 * measured meet the same server under the same conditions: `bench:pv0` to `bench:pv999`
 * (doubles), `bench:fast` (a double renewed as fast as the event loop allows, 100 values per
 * millisecond tick) and `bench:put` (a double whose put completes at once).
 *
 * Prints `port N` once listening; stops on SIGTERM.
 *
 * @module
 */

import { CAServer } from "../devices/ca/server.ts";
import { MapDatabase, SoftPv } from "../devices/ca/served_pv.ts";

/** PVs `bench:pv<i>`. */
export const BENCH_PVS = 1000;

async function main(): Promise<void> {
  const database = new MapDatabase();
  for (let i = 0; i < BENCH_PVS; i++) {
    database.add(`bench:pv${i}`, new SoftPv({ nativeType: "double", value: i, precision: 3 }));
  }
  const fast = new SoftPv({ nativeType: "double", value: 0 });
  database.add("bench:fast", fast);
  database.add("bench:put", new SoftPv({ nativeType: "double", value: 0 }));
  const server = new CAServer(database, {
    port: 0,
    beaconPort: Number(Deno.args[0] ?? 0) || 1,
    maxArrayBytes: 1_000_000,
  });
  await server.start();
  let n = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 100; i++) fast.set(n++);
  }, 1);
  console.log(`port ${server.port}`);
  await new Promise<void>((resolve) => Deno.addSignalListener("SIGTERM", resolve));
  clearInterval(timer);
  await server.close();
}

if (import.meta.main) await main();
