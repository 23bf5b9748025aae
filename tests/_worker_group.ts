/**
 * Test helper: `nx worker` processes of a consumer group, and what a test asks of them and of
 * their redis-server (the entries each member has read and not acknowledged), for the tests
 * that kill workers and check that the others take their runs over.
 *
 * @module
 */

import { spawnScript } from "./_cli.ts";
import { redisCommand } from "./_redis.ts";

/** What makes one `nx worker`. */
export interface WorkerOptions {
  /** The stream's URL (`redis://127.0.0.1:PORT/KEY`). */
  from: string;
  /** The consumer group (default: the command's, `writers`). */
  group?: string;
  /** Its name in the group (default: a random one). */
  name?: string;
  /** The folder of the runs' files. */
  dir?: string;
  /** The catalog the runs go to. */
  catalog?: string;
  /** Its `--claim-after`, in ms. */
  claimAfter: number;
}

/**
 * Start `deno task nx worker` (without a config file) as a child process.
 * @param options The stream, group, name, targets and claim time.
 * @param process Its environment, beside `NO_COLOR=1`.
 * @returns The child, with piped output: read it (see {@linkcode output}) while it runs, so that
 *   a worker with much to say never waits on a full pipe.
 */
export function spawnWorker(
  options: WorkerOptions,
  process: { env?: Record<string, string> } = {},
): Deno.ChildProcess {
  const args = ["worker", "--from", options.from, "--claim-after", String(options.claimAfter)];
  if (options.group !== undefined) args.push("--group", options.group);
  if (options.name !== undefined) args.push("--name", options.name);
  if (options.dir !== undefined) args.push("--dir", options.dir);
  if (options.catalog !== undefined) args.push("--catalog", options.catalog);
  return spawnScript("nx.ts", [...args, "--no-config"], process);
}

/** What a child printed, and its exit code. */
export interface ChildOutput {
  code: number;
  out: string;
  err: string;
}

/**
 * Everything a child prints, once it has ended.
 * @param child A child with piped output.
 * @returns Its exit code and output.
 */
export async function output(child: Deno.ChildProcess): Promise<ChildOutput> {
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, out: decoder.decode(stdout), err: decoder.decode(stderr) };
}

/**
 * Entries read and not acknowledged, per consumer, over the partitions of a stream.
 * @param port The server's port on 127.0.0.1.
 * @param key The stream key.
 * @param group The consumer group.
 * @param partitions How many partitions the key has.
 * @returns The count of each consumer that has any.
 */
export async function pendingEntries(
  port: number,
  key: string,
  group: string,
  partitions: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let p = 0; p < partitions; p++) {
    const reply = await redisCommand(port, ["XPENDING", `${key}:${p}`, group]);
    // A partition nobody has read yet has no group.
    if (reply instanceof Error) continue;
    for (const [consumer, count] of ((reply as unknown[])[3] ?? []) as [string, string][]) {
      counts.set(consumer, (counts.get(consumer) ?? 0) + Number(count));
    }
  }
  return counts;
}

/**
 * Wait until `check` holds, looking every 50 ms.
 * @param what What is waited for, for the error; a function is asked only on failure.
 * @param check The condition.
 * @param ms How long to wait at most.
 * @throws {Error} `Gave up waiting: <what>` after `ms`.
 */
export async function until(
  what: string | (() => string | Promise<string>),
  check: () => boolean | Promise<boolean>,
  ms = 60_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) {
      throw new Error(`Gave up waiting: ${typeof what === "string" ? what : await what()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * End the children still running (SIGKILL, by process id) and release their pipes, for a
 * test's `finally`.
 * @param children The children the test started.
 */
export async function endChildren(children: readonly Deno.ChildProcess[]): Promise<void> {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Ended already.
    }
    await child.status;
    for (const stream of [child.stdout, child.stderr]) {
      // Taken by output() already, or still to release.
      await stream.cancel().catch(() => undefined);
    }
  }
}
