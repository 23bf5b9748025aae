/**
 * For tests: what a Channel Access test needs to run beside others on 127.0.0.1: free ports,
 * the environment of a client that finds a server only there, the project's server with such
 * a client, a PV whose writes take time, the system Python and waiting for a condition.
 *
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { serveWithClient } from "./_test_env.ts";
 * import { MapDatabase, SoftPv } from "./served_pv.ts";
 * const database = new MapDatabase();
 * database.add("t:x", new SoftPv({ nativeType: "double", value: 1.5 }));
 * await serveWithClient(database, async (client) => {
 *   assert.equal((await client.channel("t:x").get()).value, 1.5);
 * });
 * ```
 *
 * @module
 */

import dgram from "node:dgram";
import { CAClient } from "./client.ts";
import { type PvDatabase, SoftPv } from "./served_pv.ts";
import { CAServer, type CAServerOptions } from "./server.ts";

/** The system Python, with Debian's packages: caproto's test bed and pyepics run on it. */
export const PYTHON = "/usr/bin/python3";

/**
 * Whether pyepics can be imported by {@linkcode PYTHON}.
 * @returns `true` when it can.
 */
export function pyepicsAvailable(): boolean {
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

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: "udp4" });
    socket.once("error", () => {
      try {
        socket.close();
      } catch { /* never bound */ }
      resolve(false);
    });
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
  });
}

/**
 * A port free on 127.0.0.1 for both TCP and UDP (a Channel Access server needs both).
 * @returns The port.
 */
export async function freeCaPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (await udpFree(port)) return port;
  }
  throw new Error("No port free for both TCP and UDP on 127.0.0.1");
}

/**
 * A UDP port free on 127.0.0.1, for a repeater.
 * @returns The port.
 */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket({ type: "udp4" });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * The variables of a client that searches 127.0.0.1 only, for a server on `serverPort`.
 * @param serverPort The server's TCP and UDP port.
 * @param repeaterPort The repeater's port (the test's own, never 5065).
 * @param more Further variables, for example `EPICS_CA_MAX_SEARCH_PERIOD`.
 * @returns The variables, for a client's `env` option.
 */
export function loopbackEnv(
  serverPort: number,
  repeaterPort: number,
  more: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    EPICS_CA_ADDR_LIST: "127.0.0.1",
    EPICS_CA_AUTO_ADDR_LIST: "NO",
    EPICS_CA_SERVER_PORT: String(serverPort),
    EPICS_CA_REPEATER_PORT: String(repeaterPort),
    ...more,
  };
}

/** Options of {@linkcode serveWithClient}. */
export interface ServeWithClientOptions {
  /** More options of the server; its port is a free one, its beacons go to the repeater's. */
  server?: CAServerOptions;
  /** More variables of the client, for example `EPICS_CA_MAX_ARRAY_BYTES`. */
  clientEnv?: Readonly<Record<string, string>>;
}

/**
 * Run `test` with the project's server on a free port and a client of its own for it, which
 * runs its own repeater on a free port; both are closed after the test.
 * @param database The PVs served.
 * @param test Receives the client and the server.
 * @param options More options of the server and the client.
 * @returns When the test has run and both are closed.
 */
export async function serveWithClient(
  database: PvDatabase,
  test: (client: CAClient, server: CAServer) => Promise<void>,
  options: ServeWithClientOptions = {},
): Promise<void> {
  const repeaterPort = await freeUdpPort();
  const server = new CAServer(database, { port: 0, beaconPort: repeaterPort, ...options.server });
  await server.start();
  const client = new CAClient({ env: loopbackEnv(server.port, repeaterPort, options.clientEnv) });
  try {
    await test(client, server);
  } finally {
    await client.close();
    await server.close();
  }
}

/**
 * A double PV, 0 at first, that stores a client's write only `ms` later: a write whose
 * completion a put with callback waits for.
 * @param ms Milliseconds a write takes.
 * @param onStored Called once a write is stored, before its completion is answered.
 * @returns The PV.
 */
export function slowPv(ms: number, onStored?: () => void): SoftPv {
  return new SoftPv({
    nativeType: "double",
    value: 0,
    onWrite: async (elements, pv) => {
      await sleep(ms);
      pv.set(elements);
      onStored?.();
    },
  });
}

/**
 * Resolve after `ms` milliseconds.
 * @param ms Milliseconds.
 * @returns When they have passed.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolve once `predicate` holds, polling it every 10 ms.
 * @param predicate What to wait for.
 * @param timeout Seconds before giving up.
 * @param what What is waited for, for the error.
 * @returns When it holds.
 * @throws {Error} When it does not hold within `timeout`.
 */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeout: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeout * 1000;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeout} s: ${what}`);
    await sleep(10);
  }
}
