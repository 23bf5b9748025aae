/**
 * Test helper: a real redis-server of the test's own, on 127.0.0.1 at a free port, in a
 * temporary folder, with nothing saved to disk (`--save "" --appendonly no`), stopped by its
 * process id; it can be stopped and started again on the same port.
 *
 * @module
 */

import { ignoreUnless } from "./_ci.ts";
import { freePort, installedAt } from "./_local.ts";

/** Where redis-server is, or null when it is not installed. */
export function redisServerPath(): string | null {
  return installedAt(["/usr/bin/redis-server", "/usr/local/bin/redis-server"]);
}

/**
 * The `ignore` option of a test that needs redis-server: skipped, with the reason printed,
 * when it is not installed, unless under CI (where its absence fails the test).
 * @returns Whether to skip.
 */
export function ignoreWithoutRedis(): boolean {
  return ignoreUnless(redisServerPath() !== null, "redis-server is not installed");
}

/** A redis-server the test started. */
export interface RedisServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** Its temporary folder. */
  readonly dir: string;
  /** Its process id while it runs (a new one after `start()`), else undefined. */
  readonly pid: number | undefined;
  /**
   * A `redis://127.0.0.1:PORT/KEY` URL of it.
   * @param key The stream key.
   */
  url(key: string): string;
  /** Stop it (SIGKILL to its process id), keeping its folder and port for `start()`. */
  stop(): Promise<void>;
  /** Start it again on the same port (its data is gone: nothing is saved). */
  start(): Promise<void>;
  /** Stop it and remove its folder. */
  close(): Promise<void>;
}

/**
 * Start a redis-server on 127.0.0.1 at a free port.
 * @returns The server, accepting connections.
 * @throws {Error} When redis-server is missing or does not come up.
 */
export async function startRedis(): Promise<RedisServer> {
  const binary = redisServerPath();
  if (binary === null) throw new Error("redis-server is not installed");
  const dir = await Deno.makeTempDir({ prefix: "nxdaq-redis-" });
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    child = new Deno.Command(binary, {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--logfile",
        `${dir}/redis.log`,
      ],
      cwd: dir,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    for (let i = 0; i < 200; i++) {
      try {
        const connection = await Deno.connect({ hostname: "127.0.0.1", port });
        connection.close();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    throw new Error(`redis-server did not listen on 127.0.0.1:${port}: see ${dir}/redis.log`);
  };
  const stop = async () => {
    if (child === undefined) return;
    const running = child;
    child = undefined;
    try {
      Deno.kill(running.pid, "SIGKILL");
    } catch {
      // Ended already.
    }
    await running.status;
  };
  await start();
  return {
    port,
    dir,
    get pid() {
      return child?.pid;
    },
    url: (key) => `redis://127.0.0.1:${port}/${key}`,
    stop,
    start,
    close: async () => {
      await stop();
      await Deno.remove(dir, { recursive: true }).catch(() => undefined);
    },
  };
}

/**
 * Send one command to a server with redis-cli-free plain RESP, for checks from a test.
 * @param port The server's port on 127.0.0.1.
 * @param args The command and its arguments.
 * @returns The reply, parsed (arrays as arrays, nulls as null).
 */
export async function redisCommand(port: number, args: string[]): Promise<unknown> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const encoder = new TextEncoder();
    let request = `*${args.length}\r\n`;
    for (const arg of args) request += `$${encoder.encode(arg).length}\r\n${arg}\r\n`;
    await connection.write(encoder.encode(request));
    let buffer = new Uint8Array(0);
    for (;;) {
      const parsed = parseReply(buffer, 0);
      if (parsed !== undefined) return parsed[0];
      const chunk = new Uint8Array(65536);
      const n = await connection.read(chunk);
      if (n === null) throw new Error(`redis on port ${port} closed the connection`);
      const joined = new Uint8Array(buffer.length + n);
      joined.set(buffer);
      joined.set(chunk.subarray(0, n), buffer.length);
      buffer = joined;
    }
  } finally {
    connection.close();
  }
}

/** One RESP2 reply from `at`, and where it ends; undefined when more bytes are needed. */
function parseReply(bytes: Uint8Array, at: number): [unknown, number] | undefined {
  const end = bytes.indexOf(13, at);
  if (end < 0 || end + 1 >= bytes.length) return undefined;
  const head = new TextDecoder().decode(bytes.subarray(at + 1, end));
  const next = end + 2;
  switch (String.fromCharCode(bytes[at]!)) {
    case "+":
      return [head, next];
    case "-":
      return [new Error(head), next];
    case ":":
      return [Number(head), next];
    case "$": {
      const length = Number(head);
      if (length < 0) return [null, next];
      if (bytes.length < next + length + 2) return undefined;
      return [new TextDecoder().decode(bytes.subarray(next, next + length)), next + length + 2];
    }
    case "*": {
      const count = Number(head);
      if (count < 0) return [null, next];
      const items: unknown[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(bytes, position);
        if (item === undefined) return undefined;
        items.push(item[0]);
        position = item[1];
      }
      return [items, position];
    }
    default:
      throw new Error(`Not a RESP reply: "${head}"`);
  }
}
