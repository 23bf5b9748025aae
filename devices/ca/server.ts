/**
 * The Channel Access server (protocol 4.13) of a soft IOC: it answers name searches on UDP,
 * serves a {@linkcode PvDatabase} over one TCP circuit per client, and sends beacons, so that
 * libca clients (pyepics, the EPICS command line tools) and the project's own client can use
 * its PVs.
 *
 * @module
 */

import dgram from "node:dgram";
import { CAError } from "./errors.ts";
import { CA_REPEATER_PORT, CA_SERVER_PORT, ipv4ToNumber } from "./protocol.ts";
import type { PvDatabase } from "./served_pv.ts";
import { Beacons, type BeaconTarget } from "./_server_beacons.ts";
import { ServerCircuit } from "./_server_circuit.ts";
import type { SendCounters, SendQueueLimits } from "./_server_queue.ts";
import { answerSearch } from "./_server_search.ts";

/**
 * What happened on a server, for its owner to log or count: the server itself never prints.
 *
 * @example Count the clients that connect
 * ```ts
 * import type { CAServerEvent } from "./server.ts";
 * let clients = 0;
 * const onEvent = (event: CAServerEvent) => {
 *   if (event.type === "connect") clients++;
 * };
 * onEvent({ type: "connect", client: "127.0.0.1:40000" });
 * if (clients !== 1) throw new Error("not counted");
 * ```
 */
export type CAServerEvent =
  /** Listening on `host:port` (TCP and UDP). */
  | { type: "listening"; host: string; port: number }
  /** A client opened a circuit. */
  | { type: "connect"; client: string }
  /** A client said who it is (CLIENT_NAME, HOST_NAME). */
  | { type: "identify"; client: string; user: string; host: string }
  /** A circuit closed, and why. */
  | { type: "disconnect"; client: string; reason: string }
  /** Something failed: a client broke the protocol, a send failed, a PV threw. */
  | { type: "error"; client?: string; error: Error };

/**
 * Options of {@linkcode CAServer}. Each setting is taken from the option, else from the
 * `EPICS_*` variable of `env`, else from {@linkcode caServerDefaults}.
 *
 * @example A server on a free port with large arrays
 * ```ts
 * import type { CAServerOptions } from "./server.ts";
 * const options: CAServerOptions = { port: 0, maxArrayBytes: 10_000_000 };
 * if (options.host !== undefined) throw new Error("loopback is the default");
 * ```
 */
export interface CAServerOptions {
  /** IPv4 address to serve on (default `"127.0.0.1"`; `"0.0.0.0"` for every interface). */
  host?: string;
  /**
   * TCP and UDP port (`EPICS_CAS_SERVER_PORT`, `EPICS_CA_SERVER_PORT`, default 5064). 0 picks
   * a free port for both: CA clients search and connect on the same number.
   */
  port?: number;
  /** UDP port beacons go to (`EPICS_CAS_BEACON_PORT`, `EPICS_CA_REPEATER_PORT`, 5065). */
  beaconPort?: number;
  /**
   * Where beacons go, `"address"` or `"address:port"` (`EPICS_CAS_BEACON_ADDR_LIST`). Default
   * `127.0.0.1` on loopback or every interface, else the host itself: the server never
   * broadcasts unless told to.
   */
  beaconAddresses?: readonly string[];
  /** Longest seconds between beacons (`EPICS_CAS_BEACON_PERIOD`, default 15). */
  beaconPeriod?: number;
  /**
   * Largest DBR payload, in bytes, sent or accepted (`EPICS_CA_MAX_ARRAY_BYTES`, default
   * 16384; as libca, less counts as 16384). A larger read gets `ECA_TOLARGE`.
   */
  maxArrayBytes?: number;
  /** Updates of one subscription queued for a client that is behind (default 64). */
  monitorQueue?: number;
  /** The `EPICS_*` variables to obey, for example `Deno.env.toObject()` (default none). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Told of connections, disconnections and errors. */
  onEvent?: (event: CAServerEvent) => void;
}

/**
 * Defaults of {@linkcode CAServerOptions}.
 *
 * @example
 * ```ts
 * import { caServerDefaults } from "./server.ts";
 * if (caServerDefaults.port !== 5064) throw new Error("the EPICS port");
 * ```
 */
export const caServerDefaults = {
  host: "127.0.0.1",
  port: CA_SERVER_PORT,
  beaconPort: CA_REPEATER_PORT,
  beaconPeriod: 15,
  maxArrayBytes: 16384,
  monitorQueue: 64,
} satisfies CAServerOptions;

/** Counters of a running server. */
export interface CAServerStats {
  /** Circuits open. */
  circuits: number;
  /** Channels open, over all circuits. */
  channels: number;
  /** Subscriptions open. */
  subscriptions: number;
  /** Writes to clients (system calls), since start. */
  writes: number;
  /** Bytes written to clients, since start. */
  bytes: number;
  /** Monitor updates replaced by a newer one before a slow client got them. */
  dropped: number;
  /** Replies and updates waiting to be sent now. */
  queued: number;
  /** Beacons sent. */
  beacons: number;
}

/** Seconds between the first two beacons, as rsrv. */
const FIRST_BEACON_PERIOD = 0.02;
/** Estimated bytes of monitor updates queued for one client before each keeps only its last. */
const EVENT_BUDGET = 8 * 1024 * 1024;
/** Free ports tried when port 0 finds its UDP twin taken. */
const PORT_ATTEMPTS = 20;

interface Settings {
  host: string;
  port: number;
  beaconTargets: BeaconTarget[];
  beaconPeriod: number;
  maxArrayBytes: number;
  limits: SendQueueLimits;
}

/**
 * A Channel Access server. `start()` binds the TCP and UDP ports; `close()` closes them, every
 * circuit and the beacon timer.
 *
 * @example Serve a PV on a free port
 * ```ts
 * import assert from "node:assert/strict";
 * import { CAServer } from "./server.ts";
 * import { MapDatabase, SoftPv } from "./served_pv.ts";
 * const database = new MapDatabase();
 * database.add("demo:temperature", new SoftPv({ nativeType: "double", value: 21.5 }));
 * const server = new CAServer(database, { port: 0, beaconPort: 1 });
 * await server.start();
 * assert.ok(server.port > 0);
 * await server.close();
 * ```
 */
export class CAServer {
  #database: PvDatabase;
  #settings: Settings;
  #onEvent: ((event: CAServerEvent) => void) | undefined;
  #listener: Deno.TcpListener | undefined;
  #udp: dgram.Socket | undefined;
  #beacons: Beacons | undefined;
  #accepting: Promise<void> | undefined;
  #circuits = new Map<ServerCircuit, Promise<void>>();
  #retired: SendCounters = { writes: 0, bytes: 0, dropped: 0 };
  #port = 0;
  #phase: "new" | "starting" | "running" | "closed" = "new";
  #closing: Promise<void> | undefined;

  /**
   * Make a server; nothing is bound until `start()`.
   * @param database The PVs to serve.
   * @param options Host, ports, beacons, array size, environment and event callback.
   * @throws {RangeError} For a bad port, period or size, in the options or in `env`.
   * @throws {TypeError} For a host or beacon address that is not IPv4.
   */
  constructor(database: PvDatabase, options: CAServerOptions = {}) {
    this.#database = database;
    this.#settings = settle(options);
    this.#onEvent = options.onEvent;
    this.#port = this.#settings.port;
  }

  /** The port served (TCP and UDP): the one picked once started with port 0. */
  get port(): number {
    return this.#port;
  }

  /** The address served. */
  get host(): string {
    return this.#settings.host;
  }

  /** Counters: circuits, channels, writes, dropped updates. */
  get stats(): CAServerStats {
    const stats: CAServerStats = {
      circuits: this.#circuits.size,
      channels: 0,
      subscriptions: 0,
      ...this.#retired,
      queued: 0,
      beacons: this.#beacons?.sent ?? 0,
    };
    for (const circuit of this.#circuits.keys()) {
      stats.channels += circuit.channels;
      stats.subscriptions += circuit.subscriptions;
      stats.writes += circuit.counters.writes;
      stats.bytes += circuit.counters.bytes;
      stats.dropped += circuit.counters.dropped;
      stats.queued += circuit.queued;
    }
    return stats;
  }

  /**
   * Bind the ports and serve.
   * @returns When listening.
   * @throws {CAError} When a port is taken or the network permission is missing.
   */
  async start(): Promise<void> {
    if (this.#phase !== "new") {
      throw new CAError(`The server cannot start twice (it is ${this.#phase})`, {
        server: this.#address(),
      });
    }
    this.#phase = "starting";
    const { host } = this.#settings;
    const { listener, udp } = await bindPorts(host, this.#settings.port);
    this.#listener = listener;
    this.#udp = udp;
    this.#port = (listener.addr as Deno.NetAddr).port;
    if (this.#phase !== "starting") {
      // Closed while binding.
      await this.#release();
      return;
    }
    this.#phase = "running";
    const searchAddress = host === "0.0.0.0" ? 0xffffffff : ipv4ToNumber(host);
    udp.on("error", (error) => this.#emit({ type: "error", error }));
    udp.on("message", (message, sender) => {
      const bytes = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      const answers = answerSearch(bytes, {
        tcpPort: this.#port,
        serverAddress: searchAddress,
        has: (name) => this.#database.lookup(name) !== undefined,
      });
      for (const answer of answers) this.#sendUdp(answer, sender.address, sender.port);
    });
    this.#beacons = new Beacons({
      targets: this.#settings.beaconTargets,
      tcpPort: this.#port,
      serverAddress: host === "0.0.0.0" ? 0 : ipv4ToNumber(host),
      firstPeriod: FIRST_BEACON_PERIOD,
      period: this.#settings.beaconPeriod,
      send: (bytes, target) => this.#sendUdp(bytes, target.address, target.port),
    });
    this.#beacons.start();
    this.#accepting = this.#accept(listener);
    this.#emit({ type: "listening", host, port: this.#port });
  }

  /**
   * Stop serving: close the ports, every circuit and the beacon timer.
   * @returns When everything is closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#release();
    return this.#closing;
  }

  /**
   * Close, for `await using`.
   * @returns When closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #release(): Promise<void> {
    this.#phase = "closed";
    this.#beacons?.stop();
    try {
      this.#listener?.close();
    } catch {
      // Already closed.
    }
    await this.#accepting;
    for (const circuit of this.#circuits.keys()) circuit.close();
    await Promise.all(this.#circuits.values());
    const udp = this.#udp;
    this.#udp = undefined;
    if (udp) {
      await new Promise<void>((resolve) => {
        try {
          udp.close(() => resolve());
        } catch {
          resolve();
        }
      });
    }
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    const context = {
      database: this.#database,
      maxArrayBytes: this.#settings.maxArrayBytes,
      limits: this.#settings.limits,
      emit: (event: CAServerEvent) => this.#emit(event),
    };
    try {
      for await (const conn of listener) {
        if (this.#phase !== "running") {
          conn.close();
          continue;
        }
        try {
          conn.setNoDelay(true);
        } catch {
          // Not every platform lets it be set; batching still applies.
        }
        const circuit = new ServerCircuit(conn, context);
        this.#emit({ type: "connect", client: circuit.client });
        const done = circuit.run().catch((error) => this.#emitError(error, circuit.client))
          .finally(() => {
            this.#circuits.delete(circuit);
            this.#retired.writes += circuit.counters.writes;
            this.#retired.bytes += circuit.counters.bytes;
            this.#retired.dropped += circuit.counters.dropped;
          });
        this.#circuits.set(circuit, done);
      }
    } catch (error) {
      if (this.#phase === "running") this.#emitError(error);
    }
  }

  #sendUdp(bytes: Uint8Array, address: string, port: number): void {
    const udp = this.#udp;
    if (!udp || this.#phase !== "running") return;
    try {
      udp.send(bytes, port, address, (error) => {
        if (error) this.#emitError(error);
      });
    } catch (error) {
      this.#emitError(error);
    }
  }

  #emitError(error: unknown, client?: string): void {
    const cause = error instanceof Error ? error : new Error(String(error));
    this.#emit(
      client === undefined
        ? { type: "error", error: cause }
        : { type: "error", client, error: cause },
    );
  }

  #emit(event: CAServerEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // The owner's callback must not take the server down.
    }
  }

  #address(): string {
    return `${this.#settings.host}:${this.#port}`;
  }
}

/** Bind TCP, then UDP on the same number; with port 0, retry while the UDP twin is taken. */
async function bindPorts(
  host: string,
  port: number,
): Promise<{ listener: Deno.TcpListener; udp: dgram.Socket }> {
  for (let attempt = 1;; attempt++) {
    let listener: Deno.TcpListener;
    try {
      listener = Deno.listen({ hostname: host, port, transport: "tcp" });
    } catch (error) {
      throw new CAError(`Cannot listen on TCP port "${port}": ${messageOf(error)}`, {
        server: `${host}:${port}`,
      }, { cause: error });
    }
    const tcpPort = (listener.addr as Deno.NetAddr).port;
    try {
      return { listener, udp: await bindUdp(host, tcpPort) };
    } catch (error) {
      listener.close();
      if (port !== 0 || attempt >= PORT_ATTEMPTS) {
        throw new CAError(`Cannot bind UDP port "${tcpPort}": ${messageOf(error)}`, {
          server: `${host}:${tcpPort}`,
        }, { cause: error });
      }
    }
  }
}

function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  // Without the permission node:dgram throws outside any promise; ask first.
  const permission = Deno.permissions.querySync({ name: "net", host: `${host}:${port}` });
  if (permission.state !== "granted") {
    return Promise.reject(new Error(`the net permission for "${host}:${port}" is not granted`));
  }
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: false });
    const failed = (error: Error) => {
      try {
        socket.close();
      } catch {
        // Never bound.
      }
      reject(error);
    };
    socket.once("error", failed);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off("error", failed);
      resolve(socket);
    });
  });
}

function settle(options: CAServerOptions): Settings {
  const env = options.env ?? {};
  const host = options.host ?? caServerDefaults.host;
  ipv4ToNumber(host);
  const port = options.port ??
    envInteger(env, "EPICS_CAS_SERVER_PORT", 1, 65535) ??
    envInteger(env, "EPICS_CA_SERVER_PORT", 1, 65535) ??
    caServerDefaults.port;
  checkInteger("port", port, 0, 65535);
  const beaconPort = options.beaconPort ??
    envInteger(env, "EPICS_CAS_BEACON_PORT", 1, 65535) ??
    envInteger(env, "EPICS_CA_REPEATER_PORT", 1, 65535) ??
    caServerDefaults.beaconPort;
  checkInteger("beaconPort", beaconPort, 1, 65535);
  const beaconPeriod = options.beaconPeriod ??
    envPositive(env, "EPICS_CAS_BEACON_PERIOD") ??
    caServerDefaults.beaconPeriod;
  if (!(beaconPeriod > 0 && Number.isFinite(beaconPeriod))) {
    throw new RangeError(`beaconPeriod must be a positive number of seconds: "${beaconPeriod}"`);
  }
  const maxArrayBytes = options.maxArrayBytes ??
    envInteger(env, "EPICS_CA_MAX_ARRAY_BYTES", 1, Number.MAX_SAFE_INTEGER) ??
    caServerDefaults.maxArrayBytes;
  checkInteger("maxArrayBytes", maxArrayBytes, 1, Number.MAX_SAFE_INTEGER);
  const monitorQueue = options.monitorQueue ?? caServerDefaults.monitorQueue;
  checkInteger("monitorQueue", monitorQueue, 1, 1_000_000);
  const listed = options.beaconAddresses ?? words(env["EPICS_CAS_BEACON_ADDR_LIST"]);
  const addresses = listed.length > 0
    ? listed
    : [host === "0.0.0.0" || host.startsWith("127.") ? "127.0.0.1" : host];
  return {
    host,
    port,
    beaconTargets: addresses.map((entry) => beaconTarget(entry, beaconPort)),
    beaconPeriod,
    maxArrayBytes: Math.max(maxArrayBytes, 16384),
    limits: { perSubscription: monitorQueue, eventBytes: EVENT_BUDGET },
  };
}

function beaconTarget(entry: string, defaultPort: number): BeaconTarget {
  const [address = "", portText] = entry.split(":");
  ipv4ToNumber(address);
  const port = portText === undefined ? defaultPort : Number(portText);
  checkInteger(`the port of beacon address "${entry}"`, port, 1, 65535);
  return { address, port };
}

function words(text: string | undefined): string[] {
  return (text ?? "").split(/\s+/).filter((word) => word !== "");
}

function checkInteger(what: string, value: number, low: number, high: number): void {
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new RangeError(`${what} must be an integer from ${low} to ${high}: got "${value}"`);
  }
}

function envInteger(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  low: number,
  high: number,
): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text)) {
    throw new RangeError(`${name} must be an integer from ${low} to ${high}: got "${text}"`);
  }
  checkInteger(name, value, low, high);
  return value;
}

function envPositive(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!(value > 0 && Number.isFinite(value))) {
    throw new RangeError(`${name} must be a positive number: got "${text}"`);
  }
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
