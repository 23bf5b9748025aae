/**
 * For tests: the seed's IOC on free ports, with a client of its own, both closed after the
 * test. `withIoc()` serves it in-process from the project's soft IOC; the independent one,
 * caproto's, is `withCaprotoIoc()` of `../ca/_caproto_ioc.ts`, and `needsIoc` skips a test
 * where it cannot run.
 *
 * @module
 */

import { ignoreUnless } from "../../tests/_ci.ts";
import { caprotoAvailable, withCaprotoIoc } from "../ca/_caproto_ioc.ts";
import type { CAClient } from "../ca/client.ts";
import type { CAServer } from "../ca/server.ts";
import { type SeedIoc, seedIoc } from "../ca/records/seed_ioc.ts";
import { serveWithClient } from "../ca/_test_env.ts";

/** The `ignore` option of a test that needs caproto's IOC. */
export const needsIoc: boolean = ignoreUnless(
  caprotoAvailable(),
  "caproto's IOC (/usr/bin/python3 and ../shared/ca) is not available",
);

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
  try {
    await serveWithClient(ioc.database, (client, server) => test({ ioc, server }, client));
  } finally {
    ioc.close();
  }
}

/** An IOC a test can run against, with a client of its own. */
export interface TestIoc {
  /** Whose IOC, for the test's name. */
  label: string;
  /** The `ignore` option of a test that needs it. */
  ignore: boolean;
  /**
   * Run `test` with a client of this IOC.
   * @param test The test.
   * @returns When the test has run and everything is closed.
   */
  run(test: (client: CAClient) => Promise<void>): Promise<void>;
}

/**
 * The two IOCs a device test runs against: the project's own, in-process, and an independent
 * one (caproto's, `../shared/ca`).
 */
export const BOTH_IOCS: readonly TestIoc[] = [
  {
    label: "the project's soft IOC",
    ignore: false,
    run: (test) => withIoc((_ioc, client) => test(client)),
  },
  {
    label: "caproto's IOC",
    ignore: needsIoc,
    run: (test) => withCaprotoIoc((_ioc, client) => test(client)),
  },
];
