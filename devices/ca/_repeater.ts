/**
 * The repeater: servers send beacons to one UDP port per host (`EPICS_CA_REPEATER_PORT`), and
 * the repeater bound to it forwards them to every client on the host that registered. When no
 * repeater runs, a client runs this small one itself, as libca would start `caRepeater`.
 *
 * @module
 */

import dgram from "node:dgram";
import { granted } from "./_permission.ts";
import { isLoopback } from "./environment.ts";
import { Command, encodeMessage, ipv4ToNumber } from "./protocol.ts";

/** Seconds between registrations until the repeater confirms. */
const RETRY_INTERVAL = 1;
/** Seconds between checks that the confirmed repeater is still there. */
const REFRESH_INTERVAL = 30;

function bind(host: string, port: number): Promise<dgram.Socket | undefined> {
  if (!granted({ name: "net", host: `${host}:${port}` })) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let socket: dgram.Socket;
    try {
      socket = dgram.createSocket({ type: "udp4" });
    } catch {
      resolve(undefined);
      return;
    }
    const failed = () => {
      try {
        socket.close();
      } catch { /* never bound */ }
      resolve(undefined);
    };
    socket.once("error", failed);
    try {
      socket.bind(port, host, () => {
        socket.removeListener("error", failed);
        resolve(socket);
      });
    } catch {
      failed();
    }
  });
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** A repeater running in this process. */
export class Repeater {
  #socket: dgram.Socket;
  #clients = new Map<string, { address: string; port: number }>();
  #probes = new Set<Promise<void>>();
  #closed = false;

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on("message", (data: Uint8Array, from: dgram.RemoteInfo) => this.#receive(data, from));
    socket.on("error", () => {/* a datagram that could not be sent: the client is gone */});
  }

  /**
   * Bind the repeater port and serve, unless the port is taken (another repeater runs) or
   * cannot be bound here.
   * @param host Local address (`127.0.0.1`, or `0.0.0.0` for beacons from other hosts).
   * @param port The repeater port.
   * @returns The repeater, or `undefined` when the port could not be bound.
   */
  static async start(host: string, port: number): Promise<Repeater | undefined> {
    const socket = await bind(host, port);
    return socket ? new Repeater(socket) : undefined;
  }

  /** Registered clients, `host:port`. */
  get clients(): string[] {
    return [...this.#clients.keys()];
  }

  /**
   * Stop forwarding and free the port.
   * @returns When closed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#probes]);
    await closeSocket(this.#socket);
  }

  #receive(data: Uint8Array, from: dgram.RemoteInfo): void {
    if (this.#closed) return;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const command = data.length >= 16 ? view.getUint16(0) : -1;
    // An empty datagram is how clients before protocol 4.1 register.
    if (command === Command.REPEATER_REGISTER || data.length === 0) {
      this.#register(from.address, from.port);
      return;
    }
    let out = data;
    if (command === Command.RSRV_IS_UP && view.getUint32(12) === 0) {
      // The server left its address out: it is the sender's.
      out = data.slice();
      new DataView(out.buffer).setUint32(12, ipv4ToNumber(from.address));
    }
    for (const client of this.#clients.values()) {
      if (client.address === from.address && client.port === from.port) continue;
      this.#socket.send(out, client.port, client.address);
    }
  }

  #register(address: string, port: number): void {
    // Only clients of this host are served, and so nothing is ever sent elsewhere.
    if (!isLoopback(address)) return;
    const key = `${address}:${port}`;
    const known = this.#clients.has(key);
    this.#clients.set(key, { address, port });
    const confirm = encodeMessage(Command.REPEATER_CONFIRM, {
      parameter2: ipv4ToNumber(address),
    });
    this.#socket.send(confirm, port, address);
    if (!known) this.#verifyClients(key);
  }

  /** Drop clients whose port is free again: they are gone (caRepeater's way to tell). */
  #verifyClients(except: string): void {
    for (const [key, client] of this.#clients) {
      if (key === except) continue;
      const probe = bind(client.address, client.port).then(async (socket) => {
        if (!socket) return;
        this.#clients.delete(key);
        await closeSocket(socket);
      }).catch(() => {});
      this.#probes.add(probe);
      probe.finally(() => this.#probes.delete(probe));
    }
  }
}

/** How a {@linkcode RepeaterLink} reaches the network. */
export interface RepeaterLinkOptions {
  /** The repeater port. */
  port: number;
  /** Local address for an in-process repeater. */
  bindHost: string;
  /** Send a datagram to `127.0.0.1:port` from the client's socket. */
  send(bytes: Uint8Array): void;
}

/**
 * A client's registration with the repeater of its host: it registers until confirmed, starts
 * an in-process {@linkcode Repeater} when the port is free, and checks now and then that the
 * repeater it relies on is still there (it may have been another client's, now closed).
 */
export class RepeaterLink {
  #options: RepeaterLinkOptions;
  #repeater: Repeater | undefined;
  #starting: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #confirmed = false;
  #closed = false;

  /**
   * @param options Port, local address and the way to send.
   */
  constructor(options: RepeaterLinkOptions) {
    this.#options = options;
  }

  /** Whether the repeater confirmed the registration. */
  get confirmed(): boolean {
    return this.#confirmed;
  }

  /** Whether this process runs the repeater. */
  get runsRepeater(): boolean {
    return this.#repeater !== undefined;
  }

  /** Start registering. */
  start(): void {
    this.#attempt();
  }

  /** The repeater confirmed. */
  confirm(): void {
    if (this.#closed) return;
    this.#confirmed = true;
    this.#arm(REFRESH_INTERVAL, () => {
      this.#confirmed = false;
      this.#register();
      this.#arm(RETRY_INTERVAL, () => this.#attempt());
    });
  }

  /**
   * Stop, and close the in-process repeater.
   * @returns When closed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#starting;
    await this.#repeater?.close();
    this.#repeater = undefined;
  }

  #attempt(): void {
    if (this.#closed || this.#confirmed) return;
    this.#starting ??= (async () => {
      if (!this.#repeater) {
        const repeater = await Repeater.start(this.#options.bindHost, this.#options.port);
        if (repeater && this.#closed) await repeater.close();
        else this.#repeater = repeater;
      }
    })().catch(() => {}).finally(() => {
      this.#starting = undefined;
      if (this.#closed || this.#confirmed) return;
      try {
        this.#register();
      } catch { /* the socket is closing */ }
      this.#arm(RETRY_INTERVAL, () => this.#attempt());
    });
  }

  #register(): void {
    if (this.#closed) return;
    this.#options.send(encodeMessage(Command.REPEATER_REGISTER, {
      parameter2: ipv4ToNumber("127.0.0.1"),
    }));
  }

  #arm(seconds: number, then: () => void): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      then();
    }, seconds * 1000);
  }
}
