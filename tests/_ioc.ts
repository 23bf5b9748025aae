/**
 * For tests: `deno task ioc` (the project's soft IOC) as a child process on free ports,
 * stopped by its process id.
 *
 * @module
 */

import { freeUdpPort, loopbackEnv } from "../devices/ca/_test_env.ts";
import { ROOT, taskPermissions } from "./_cli.ts";

/** The line `deno task ioc` prints once it serves: PV count, prefix and port. */
export const SERVING: RegExp =
  /^nxdaq ioc: serving (\d+) PVs, prefix "([^"]*)", on 127\.0\.0\.1:(\d+) /m;

/** A running `ioc.ts` child. */
export interface IocChild {
  /** TCP and UDP port it serves on. */
  port: number;
  /** Number of PVs, from its serving line. */
  pvCount: number;
  /** Its process id. */
  pid: number;
  /** What a client needs: loopback only, and the IOC's ports. */
  env: Record<string, string>;
  /** Stop it with SIGTERM (or `signal`); its exit code and everything it printed. */
  stop(signal?: Deno.Signal): Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * Start `ioc.ts --port 0` with the permissions of `deno task ioc`, and wait for its serving
 * line (the port is read from it). Beacons go to a free port of the test's own.
 * @param args Further arguments, for example `["--port", "0"]` is already given.
 * @returns The running IOC.
 */
export async function startIoc(args: string[] = []): Promise<IocChild> {
  const repeaterPort = await freeUdpPort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...taskPermissions("ioc.ts"), `${ROOT}ioc.ts`, "--port", "0", ...args],
    cwd: ROOT,
    env: {
      NO_COLOR: "1",
      // Beacons to this test's own port on loopback, never to 5065 or another host.
      EPICS_CA_REPEATER_PORT: String(repeaterPort),
      EPICS_CAS_BEACON_PORT: String(repeaterPort),
      EPICS_CAS_BEACON_ADDR_LIST: "127.0.0.1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  let serving: RegExpExecArray | null = null;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    while (!(serving = SERVING.exec(stdout))) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += value;
    }
  } finally {
    clearTimeout(deadline);
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stdout += value;
    }
  })();
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
    const status = await child.status;
    await rest;
    return { code: status.code, stdout, stderr: await stderr };
  };
  if (!serving) {
    const { stderr } = await stop();
    throw new Error(`ioc.ts did not serve:\n${stdout}\n${stderr}`);
  }
  const port = Number(serving[3]);
  return {
    port,
    pvCount: Number(serving[1]),
    pid: child.pid,
    env: loopbackEnv(port, repeaterPort),
    stop,
  };
}
