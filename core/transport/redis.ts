/**
 * Documents over Redis Streams: where a `redis://HOST[:PORT]/KEY` URL points, the keys the
 * transport keeps under KEY, and the publisher side ({@linkcode RedisSink}). The consumer
 * side is `redis_group.ts`.
 *
 * Under KEY: `KEY:meta`, a hash that records the number of partitions (`partitions`); one
 * stream per partition, `KEY:0` to `KEY:P-1`, whose entries have the fields `run`, `seq`,
 * `name` and `json`; and, per consumer group G, `KEY:group:G:lease:N` (the owner of
 * partition N), `KEY:group:G:alive:NAME` (a live member's heartbeat) and
 * `KEY:group:G:members` (the members seen).
 *
 * @module
 */

import { createClient } from "redis";
import { type DocumentSink, partitionOf, type TransportEntry } from "./transport.ts";

/** A client of the `redis` package, as {@linkcode openRedisClient} makes it. */
export type RedisClient = ReturnType<typeof newClient>;

/**
 * A `redis://` URL that names a stream key, taken apart.
 *
 * @example What a URL names
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRedisUrl, type RedisLocation } from "./redis.ts";
 * const where: RedisLocation = parseRedisUrl("redis://127.0.0.1:6380/beamline");
 * assert.equal(where.port, 6380);
 * assert.equal(where.key, "beamline");
 * ```
 */
export interface RedisLocation {
  /** The URL as given, for messages (without its password). */
  readonly url: string;
  /** Host name or address (an IPv6 address without its brackets). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** The stream key: the URL's path without its first slash. */
  readonly key: string;
  /** Redis database number (`?db=N`), 0 by default. */
  readonly database: number;
  /** The number of partitions of a stream key made anew (`?partitions=N`), if given. */
  readonly partitions?: number;
  /** `rediss://`: TLS. */
  readonly tls: boolean;
  /** User name, if the URL has one. */
  readonly username?: string;
  /** Password, if the URL has one. */
  readonly password?: string;
}

/** The default port of Redis. */
const REDIS_PORT = 6379;

/**
 * Options of the transport, with their defaults: how many partitions a stream key made anew
 * gets, and the longest wait between two tries to reconnect.
 */
export const redisDefaults = {
  partitions: 8,
  maxReconnectDelay: 2000,
  connectTimeout: 5000,
} as const;

/**
 * Take a `redis://HOST[:PORT]/KEY` URL apart (`rediss://` for TLS; `?db=N` picks a database,
 * `?partitions=N` the number of partitions of a key made anew).
 *
 * @example A URL without a port
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRedisUrl } from "./redis.ts";
 * const where = parseRedisUrl("redis://daq.example/scans");
 * assert.equal(where.port, 6379);
 * assert.throws(() => parseRedisUrl("redis://daq.example"), /no stream key/);
 * ```
 *
 * @param text The URL.
 * @returns Its parts.
 * @throws {TypeError} When it is not such a URL; the message names it.
 */
export function parseRedisUrl(text: string): RedisLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`Invalid Redis URL "${text}": expected redis://HOST[:PORT]/KEY`);
  }
  const shown = url.password ? text.replace(`:${url.password}@`, ":***@") : text;
  const bad = (why: string) => new TypeError(`Invalid Redis URL "${shown}": ${why}`);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw bad(`the scheme is "${url.protocol.slice(0, -1)}", not redis or rediss`);
  }
  if (url.hostname === "") throw bad("no host");
  const port = url.port === "" ? REDIS_PORT : Number(url.port);
  let key: string;
  try {
    key = decodeURIComponent(url.pathname.slice(1));
  } catch {
    throw bad("the stream key is not valid percent-encoding");
  }
  if (key === "") throw bad("no stream key: expected redis://HOST[:PORT]/KEY");
  const whole = (name: string, min: number): number | undefined => {
    const value = url.searchParams.get(name);
    if (value === null) return undefined;
    const n = Number(value);
    if (value.trim() === "" || !Number.isSafeInteger(n) || n < min) {
      throw bad(`${name} is a whole number >= ${min}: got "${value}"`);
    }
    return n;
  };
  for (const name of url.searchParams.keys()) {
    if (name !== "db" && name !== "partitions") {
      throw bad(`unknown parameter "${name}" (db and partitions are known)`);
    }
  }
  const partitions = whole("partitions", 1);
  return {
    url: shown,
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    key,
    database: whole("db", 0) ?? 0,
    ...(partitions === undefined ? {} : { partitions }),
    tls: url.protocol === "rediss:",
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

/**
 * The names of the keys the transport keeps under a stream key.
 *
 * @example The keys of a group
 * ```ts
 * import assert from "node:assert/strict";
 * import { redisKeys } from "./redis.ts";
 * assert.equal(redisKeys("scans").stream(3), "scans:3");
 * assert.equal(redisKeys("scans").lease("writers", 3), "scans:group:writers:lease:3");
 * ```
 *
 * @param key The stream key.
 * @returns Functions that name each key.
 */
export function redisKeys(key: string): {
  meta: string;
  stream(partition: number): string;
  lease(group: string, partition: number): string;
  alive(group: string, member: string): string;
  members(group: string): string;
} {
  return {
    meta: `${key}:meta`,
    stream: (partition) => `${key}:${partition}`,
    lease: (group, partition) => `${key}:group:${group}:lease:${partition}`,
    alive: (group, member) => `${key}:group:${group}:alive:${member}`,
    members: (group) => `${key}:group:${group}:members`,
  };
}

/**
 * Make a client for a location and start connecting it, without waiting: it reconnects by
 * itself, waiting longer each time (up to `maxReconnectDelay`), and a command given while it
 * is not connected fails at once instead of waiting in a queue.
 *
 * @param where The location.
 * @param onError Receives each connection error (a listener is needed, or an error would end
 *   the process).
 * @returns The client, connecting.
 */
export function openRedisClient(
  where: RedisLocation,
  onError: (error: Error) => void,
): RedisClient {
  const client = newClient(where);
  client.on("error", (error: Error) => onError(error));
  // connect() settles once connected; until then the client keeps trying.
  client.connect().catch((error: Error) => onError(error));
  return client;
}

function newClient(where: RedisLocation) {
  return createClient({
    socket: {
      host: where.host,
      port: where.port,
      ...(where.tls ? { tls: true as const } : {}),
      connectTimeout: redisDefaults.connectTimeout,
      reconnectStrategy: (retries: number) =>
        Math.min(50 * 2 ** Math.min(retries, 10), redisDefaults.maxReconnectDelay),
    },
    database: where.database,
    ...(where.username === undefined ? {} : { username: where.username }),
    ...(where.password === undefined ? {} : { password: where.password }),
    disableOfflineQueue: true,
    // The maintenance notices are Redis Enterprise's; their code reads environment variables.
    maintNotifications: "disabled",
  });
}

/**
 * The number of partitions of a stream key: the one recorded in `KEY:meta`, or, for a key
 * made anew, `wanted`, which is recorded then.
 *
 * @param client A connected client.
 * @param where The location.
 * @param wanted The number for a new key.
 * @returns The number of partitions.
 * @throws {Error} When `KEY:meta` holds no valid number.
 */
export async function redisPartitions(
  client: RedisClient,
  where: RedisLocation,
  wanted: number = where.partitions ?? redisDefaults.partitions,
): Promise<number> {
  const meta = redisKeys(where.key).meta;
  await client.hSetNX(meta, "partitions", String(wanted));
  const recorded = await client.hGet(meta, "partitions");
  const n = Number(recorded);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(
      `Redis key "${meta}" at ${where.url} has field "partitions" = "${recorded}": ` +
        `not a number of partitions`,
    );
  }
  return n;
}

/**
 * The publisher side over Redis Streams: each batch goes in one MULTI/EXEC transaction, every
 * entry appended (XADD) to the stream of its run's partition.
 *
 * @example Publish a run (a Redis server must listen there)
 * ```ts ignore
 * import { RedisSink } from "./redis.ts";
 * const sink = new RedisSink("redis://127.0.0.1:6379/scans");
 * await sink.ready();
 * await sink.publish([{ run: "r1", seq: 0, name: "start", json: '{"uid":"r1","time":0}' }]);
 * await sink.close();
 * ```
 */
export class RedisSink implements DocumentSink {
  /** Where the stream is. */
  readonly location: RedisLocation;
  readonly #client: RedisClient;
  #partitions: number | undefined;
  #lastError: Error | undefined;

  /**
   * Make the sink and start connecting; publishing fails until it is connected.
   * @param url `redis://HOST[:PORT]/KEY`, or its parts.
   * @param options `onError` receives each connection error.
   * @throws {TypeError} When the URL is not valid.
   */
  constructor(url: string | RedisLocation, options: { onError?: (error: Error) => void } = {}) {
    this.location = typeof url === "string" ? parseRedisUrl(url) : url;
    this.#client = openRedisClient(this.location, (error) => {
      this.#lastError = error;
      options.onError?.(error);
    });
  }

  /** The URL. */
  get target(): string {
    return this.location.url;
  }

  /** Whether the connection is up now. */
  get connected(): boolean {
    return this.#client.isReady;
  }

  /**
   * Wait until connected.
   * @param timeout Give up after this many ms.
   * @returns Whether it is connected.
   */
  async ready(timeout = 10_000): Promise<boolean> {
    const until = Date.now() + timeout;
    while (!this.#client.isReady && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.#client.isReady;
  }

  /**
   * Append the entries in order, in one transaction.
   * @param entries The entries.
   * @throws {Error} When Redis is not reachable or refuses them; the message names the URL.
   */
  async publish(entries: readonly TransportEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const where = this.location;
    if (!this.#client.isReady) {
      const why = this.#lastError?.message ?? "not connected";
      throw new Error(`Redis at ${where.url} is not reachable: ${why}`);
    }
    try {
      this.#partitions ??= await redisPartitions(this.#client, where);
      const keys = redisKeys(where.key);
      const multi = this.#client.multi();
      // Recorded again with each batch: a server restarted without its data has lost it.
      multi.hSetNX(keys.meta, "partitions", String(this.#partitions));
      for (const entry of entries) {
        multi.xAdd(keys.stream(partitionOf(entry.run, this.#partitions)), "*", {
          run: entry.run,
          seq: String(entry.seq),
          name: entry.name,
          json: entry.json,
        });
      }
      await multi.exec();
    } catch (error) {
      throw new Error(
        `Cannot publish to Redis at ${where.url}: ${(error as Error).message ?? error}`,
        { cause: error },
      );
    }
  }

  /** Close the connection (at once: nothing is left to send). */
  close(): Promise<void> {
    this.#client.destroy();
    return Promise.resolve();
  }
}
