/**
 * For tests: the independent Channel Access server of `../shared/ca` (caproto, pure Python),
 * serving the seed's `gp:m10` motor and `gp:userCalc10` swait on 127.0.0.1, started as a
 * child process on free ports and stopped by its process id; `withCaprotoIoc()` runs a test
 * with one and a client of its own.
 *
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { withCaprotoIoc } from "./_caproto_ioc.ts";
 * await withCaprotoIoc(async (_ioc, client) => {
 *   const rbv = client.channel("gp:m10.RBV");
 *   assert.equal((await rbv.get({ family: "ctrl" })).units, "degrees");
 * });
 * ```
 *
 * @module
 */

import { CAClient, type CAClientOptions } from "./client.ts";
import { freeCaPort, freeUdpPort, loopbackEnv, PYTHON } from "./_test_env.ts";

/** The folder of the shared Channel Access test bed (`../shared/ca` beside the project). */
export const CAPROTO_DIR: URL = new URL("../../../shared/ca/", import.meta.url);

/** `start_ioc.sh` of the test bed. */
export const START_IOC: string = new URL("start_ioc.sh", CAPROTO_DIR).pathname;

/**
 * Whether the test bed can run here: its script and `/usr/bin/python3` exist.
 * @returns `true` when both exist.
 */
export function caprotoAvailable(): boolean {
  try {
    return Deno.statSync(START_IOC).isFile && Deno.statSync(PYTHON).isFile;
  } catch {
    return false;
  }
}

/** Options of {@linkcode startCaprotoIoc}. */
export interface CaprotoIocOptions {
  /** PV prefix (default `"gp:"`). */
  prefix?: string;
  /** TCP and UDP port (default: a free one). Give the old one to restart an IOC in place. */
  port?: number;
  /** UDP port the IOC sends beacons to (default: a free one). */
  repeaterPort?: number;
  /** Seconds to wait for the IOC to serve (default 20). */
  timeout?: number;
  /**
   * More variables for the IOC, for example `EPICS_CAS_BEACON_PERIOD`. The addresses stay
   * 127.0.0.1 whatever they say.
   */
  env?: Readonly<Record<string, string>>;
}

/** A running IOC. */
export interface CaprotoIoc {
  /** Its TCP and UDP port. */
  port: number;
  /** The port its beacons go to. */
  repeaterPort: number;
  /** PV prefix. */
  prefix: string;
  /**
   * The variables a client needs: `EPICS_CA_ADDR_LIST=127.0.0.1`,
   * `EPICS_CA_AUTO_ADDR_LIST=NO`, and the server and repeater ports.
   */
  env: Record<string, string>;
  /** Process id. */
  pid: number;
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Its exit code (128 when a signal ended it), once it exited. */
  exited: Promise<number>;
  /**
   * Send it a signal and return at once, for example `"SIGSTOP"` to freeze it (a server that
   * stops answering) and `"SIGCONT"` to thaw it.
   * @param signal The signal.
   */
  signal(signal: Deno.Signal): void;
  /**
   * Stop it with SIGTERM (its clean stop), SIGKILL after 5 s.
   * @returns Its exit code, once it exited.
   */
  stop(): Promise<number>;
  /**
   * Send it a signal that ends it, for example `"SIGKILL"` to make it vanish without a
   * goodbye, and wait until it exited.
   * @param signal The signal.
   * @returns Its exit code (128 when the signal ended it).
   */
  kill(signal: Deno.Signal): Promise<number>;
}

/**
 * Start the test bed's IOC and wait until it serves (its `seed_ioc: serving` line).
 * @param options Prefix, ports, timeout.
 * @returns The running IOC.
 * @throws {Error} When it exits or does not serve in time; the message has its output.
 */
export async function startCaprotoIoc(options: CaprotoIocOptions = {}): Promise<CaprotoIoc> {
  const prefix = options.prefix ?? "gp:";
  const port = options.port ?? await freeCaPort();
  const repeaterPort = options.repeaterPort ?? await freeUdpPort();
  const timeout = options.timeout ?? 20;
  const env = loopbackEnv(port, repeaterPort);
  const child = new Deno.Command("bash", {
    args: [START_IOC, prefix, String(port)],
    env: { ...options.env, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  let served: () => void = () => {};
  const serving = new Promise<void>((resolve) => (served = resolve));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes("seed_ioc: serving")) served();
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (status) => {
    await pumps;
    return status.signal ? 128 : status.code;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    serving.then(() => "serving" as const),
    exited.then(() => "exited" as const),
    new Promise<"timeout">((
      resolve,
    ) => (timer = setTimeout(() => resolve("timeout"), timeout * 1000))),
  ]);
  clearTimeout(timer);
  const send = (name: Deno.Signal) => {
    try {
      Deno.kill(child.pid, name);
    } catch { /* already gone */ }
  };
  const signal = async (name: Deno.Signal) => {
    send(name);
    return await exited;
  };
  if (outcome !== "serving") {
    const code = await signal("SIGKILL");
    throw new Error(
      `The caproto IOC on port ${port} ${
        outcome === "timeout" ? `did not serve within ${timeout} s` : `exited (${code})`
      }: ${text.trim()}`,
    );
  }
  return {
    port,
    repeaterPort,
    prefix,
    env,
    pid: child.pid,
    output: () => text,
    exited,
    signal: send,
    kill: signal,
    async stop() {
      let killer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => {
        killer = setTimeout(() => {
          try {
            Deno.kill(child.pid, "SIGKILL");
          } catch { /* gone */ }
          resolve();
        }, 5000);
      });
      const code = signal("SIGTERM");
      await Promise.race([code, late]);
      clearTimeout(killer);
      return await code;
    },
  };
}

/**
 * Run `test` with the test bed's IOC on free ports and a client of its own for it; both are
 * stopped after the test.
 * @param test Receives the IOC and the client.
 * @param options More options of the client; its `env` adds to the IOC's.
 * @returns When the test has run and both are stopped.
 */
export async function withCaprotoIoc(
  test: (ioc: CaprotoIoc, client: CAClient) => Promise<void>,
  options: CAClientOptions = {},
): Promise<void> {
  const ioc = await startCaprotoIoc();
  const client = new CAClient({ ...options, env: { ...ioc.env, ...options.env } });
  try {
    await test(ioc, client);
  } finally {
    await client.close();
    await ioc.stop();
  }
}
