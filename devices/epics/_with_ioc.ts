/**
 * For tests: the seed's IOC on free ports, with a client of its own, both closed after the
 * test. `withIoc()` serves it in-process from the project's soft IOC; `withCaprotoIoc()` starts
 * the independent one (caproto's, `../shared/ca`) as a child process.
 *
 * @module
 */

import { ignoreUnless } from "../../tests/_ci.ts";
import {
  caprotoAvailable,
  type CaprotoIoc,
  type CaprotoIocOptions,
  startCaprotoIoc,
} from "../ca/_caproto_ioc.ts";
import { CAClient } from "../ca/client.ts";
import { freeUdpPort } from "../ca/_caproto_ioc.ts";
import { CAServer } from "../ca/server.ts";
import { type SeedIoc, seedIoc } from "../ca/records/seed_ioc.ts";

/** The `ignore` option of a test that needs the IOC. */
export const needsIoc: boolean = ignoreUnless(
  caprotoAvailable(),
  "caproto's IOC (/usr/bin/python3 and ../shared/ca) is not available",
);

/**
 * Run `test` with an IOC and a client of its own.
 * @param test Receives the IOC and the client.
 * @param options Prefix and ports of the IOC.
 * @returns When the test has run and both are closed.
 */
export async function withCaprotoIoc(
  test: (ioc: CaprotoIoc, client: CAClient) => Promise<void>,
  options: CaprotoIocOptions = {},
): Promise<void> {
  const ioc = await startCaprotoIoc(options);
  const client = new CAClient({ env: ioc.env });
  try {
    await test(ioc, client);
  } finally {
    await client.close();
    await ioc.stop();
  }
}

/** The project's soft IOC serving in this process. */
export interface SoftIoc {
  /** The records. */
  ioc: SeedIoc;
  /** The server, on a free port. */
  server: CAServer;
}

/**
 * Run a test against the seed's IOC served in-process by the project's soft IOC, set up as the
 * seed's IOC is found (userCalc10 already a 10 Hz random number generator, as caproto's), with
 * a client of its own.
 * @param test The test.
 * @returns When the test is done and everything is closed.
 */
export async function withIoc(
  test: (ioc: SoftIoc, client: CAClient) => Promise<void>,
): Promise<void> {
  const ioc = seedIoc({ prefix: "gp:", motors: [10], calcs: [10] });
  const calc = ioc.records.calcs.get(10)!;
  const scan = calc.field("SCAN");
  await calc.field("CALC").write(["RNDM"]);
  await calc.field("PREC").write([5]);
  await scan.write([scan.state().enumStrings!.indexOf(".1 second")]);
  const repeaterPort = await freeUdpPort();
  const server = new CAServer(ioc.database, { port: 0, beaconPort: repeaterPort });
  await server.start();
  const client = new CAClient({
    env: {
      EPICS_CA_ADDR_LIST: "127.0.0.1",
      EPICS_CA_AUTO_ADDR_LIST: "NO",
      EPICS_CA_SERVER_PORT: String(server.port),
      EPICS_CA_REPEATER_PORT: String(repeaterPort),
    },
  });
  try {
    await test({ ioc, server }, client);
  } finally {
    await client.close();
    await server.close();
    ioc.close();
  }
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
 * Resolve once `predicate` holds, polling it.
 * @param predicate What to wait for.
 * @param timeout Seconds before giving up.
 * @param what What is waited for, for the error.
 * @returns When it holds.
 */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeout: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeout * 1000;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeout} s: ${what}`);
    await sleep(20);
  }
}
