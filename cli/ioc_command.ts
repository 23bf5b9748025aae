/**
 * `deno task ioc`: a soft IOC serving the seed's PVs over Channel Access, so that the seed's
 * scan can run against `gp:m10` and `gp:userCalc10` without any hardware or EPICS install.
 *
 * @module
 */

import { CAServer, type CAServerEvent } from "../devices/ca/server.ts";
import { seedIoc, seedIocDefaults } from "../devices/ca/records/seed_ioc.ts";
import { type CommandIO, parseCommandArgs, UsageError } from "./_io.ts";

/** Usage text of the ioc command. */
export const IOC_USAGE = `Usage: deno task ioc [options]

Serve the seed's IOC over Channel Access until Ctrl-C (or SIGTERM): motor
records <prefix>m1 to m16 (simulated stepping motors: EGU degrees, VELO 1,
ACCL 0.2, limits -32000 to 32000) and swait records <prefix>userCalc1 to 10,
fresh (CALC "0", SCAN Passive) until a client sets one up, as the seed does
with apstools' setup_random_number_swait (RNDM at ".1 second").

Options:
  --prefix P      PV prefix (default gp:)
  --port N        TCP and UDP port (default: EPICS_CAS_SERVER_PORT, else
                  EPICS_CA_SERVER_PORT, else 5064); 0 picks a free one
  --host H        IPv4 address to serve on (default 127.0.0.1, this machine
                  only; 0.0.0.0 for every interface)
  --list-pvs      print the name of every PV served, and exit
  --verbose       print the clients that connect and leave
  --help          show this text

Beacons go to EPICS_CAS_BEACON_ADDR_LIST (default 127.0.0.1), port
EPICS_CAS_BEACON_PORT or EPICS_CA_REPEATER_PORT (default 5065).`;

interface IocArgs {
  prefix: string;
  port: number | undefined;
  host: string;
  listPvs: boolean;
  verbose: boolean;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function parse(args: string[]): IocArgs | "help" {
  const parsed = parseCommandArgs(args, {
    prefix: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "list-pvs": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  });
  if (parsed === "help") return "help";
  if (parsed.positionals.length) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[0]}"`);
  }
  const v = parsed.values;
  let port: number | undefined;
  if (typeof v.port === "string") {
    port = Number(v.port);
    if (v.port.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`Option --port needs a port number from 0 to 65535: got "${v.port}"`);
    }
  }
  const host = typeof v.host === "string" ? v.host : "127.0.0.1";
  if (!IPV4.test(host)) {
    throw new UsageError(`Option --host needs an IPv4 address such as 127.0.0.1: got "${host}"`);
  }
  const prefix = typeof v.prefix === "string" ? v.prefix : seedIocDefaults.prefix;
  if (/\s/.test(prefix)) {
    throw new UsageError(`Option --prefix cannot hold spaces: got "${prefix}"`);
  }
  return { prefix, port, host, listPvs: v["list-pvs"] === true, verbose: v.verbose === true };
}

function processEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    // Without --allow-env the defaults apply.
    return {};
  }
}

function describe(event: CAServerEvent): string | undefined {
  switch (event.type) {
    case "connect":
      return `client ${event.client} connected`;
    case "identify":
      return `client ${event.client} is ${event.user} on ${event.host}`;
    case "disconnect":
      return `client ${event.client} left: ${event.reason}`;
    default:
      return undefined;
  }
}

/**
 * Run the ioc command: serve until interrupted.
 * @param args Command-line arguments.
 * @param io Where output goes, and the interrupt (Ctrl-C, and SIGTERM from `ioc.ts`) that
 *   stops the server.
 * @param env The `EPICS_*` variables the server obeys (default: the process's).
 * @returns The exit code: 0 once stopped cleanly.
 */
export async function runIocCommand(
  args: string[],
  io: CommandIO,
  env: Readonly<Record<string, string | undefined>> = processEnv(),
): Promise<number> {
  const options = parse(args);
  if (options === "help") {
    io.out(IOC_USAGE);
    return 0;
  }
  const ioc = seedIoc({ prefix: options.prefix });
  try {
    const names = ioc.database.names();
    if (options.listPvs) {
      for (const name of [...names].sort()) io.out(name);
      return 0;
    }
    const server = new CAServer(ioc.database, {
      host: options.host,
      ...(options.port === undefined ? {} : { port: options.port }),
      env,
      onEvent(event) {
        if (event.type === "error") {
          const from = event.client === undefined ? "" : ` (client ${event.client})`;
          io.err(`nxdaq ioc: error${from}: ${event.error.message}`);
          return;
        }
        const line = options.verbose ? describe(event) : undefined;
        if (line !== undefined) io.out(`nxdaq ioc: ${line}`);
      },
    });
    let stopInterrupt = () => {};
    const interrupted = new Promise<void>((resolve) => {
      stopInterrupt = io.onInterrupt(() => resolve());
    });
    try {
      await server.start();
      const clientHost = options.host === "0.0.0.0" ? "127.0.0.1" : options.host;
      io.out("# A Channel Access client needs:");
      io.out(`export EPICS_CA_ADDR_LIST=${clientHost}`);
      io.out("export EPICS_CA_AUTO_ADDR_LIST=NO");
      io.out(`export EPICS_CA_SERVER_PORT=${server.port}`);
      io.out(
        `nxdaq ioc: serving ${names.length} PVs, prefix "${options.prefix}", on ` +
          `${server.host}:${server.port} (TCP and UDP); Ctrl-C stops it`,
      );
      await interrupted;
    } finally {
      stopInterrupt();
      await server.close();
    }
    io.out("nxdaq ioc: stopped");
    return 0;
  } finally {
    ioc.close();
  }
}
