/**
 * A virtual circuit: the one TCP connection to a server that all channels on it share. It says
 * hello (VERSION, CLIENT_NAME, HOST_NAME), writes every message sent in one turn of the event
 * loop as one write, splits what it reads into messages, and probes a silent server with an
 * echo.
 *
 * @module
 */

import { concatBytes } from "./_concat_bytes.ts";
import {
  CA_MINOR_VERSION,
  Command,
  encodeMessage,
  type Message,
  MessageReader,
  paddedString,
} from "./protocol.ts";

/** What a circuit tells the client. */
export interface CircuitEvents<C> {
  /** A message arrived. */
  message(circuit: Circuit<C>, message: Message): void;
  /**
   * The circuit is gone for a reason other than {@linkcode Circuit.close}: the server closed
   * or reset it, it could not be opened, it stopped answering, or it sent something unreadable.
   */
  lost(circuit: Circuit<C>, reason: Error): void;
}

/** Settings of a {@linkcode Circuit}. */
export interface CircuitOptions {
  /** Server address. */
  host: string;
  /** Server TCP port. */
  port: number;
  /** User name sent in CLIENT_NAME. */
  clientName: string;
  /** Host name sent in HOST_NAME. */
  hostName: string;
  /** Largest payload accepted, bytes. */
  maxPayload: number;
  /** Seconds of silence before an echo (`EPICS_CA_CONN_TMO`). */
  connTimeout: number;
  /** Seconds to wait for the echo's answer. */
  echoTimeout: number;
}

const READ_BUFFER = 256 * 1024;

/**
 * One TCP connection to a server. `C` is the client's channel type, kept here by cid and sid.
 */
export class Circuit<C> {
  /** `host:port`. */
  readonly server: string;
  /** Channels on the circuit, by client id. */
  readonly byCid: Map<number, C> = new Map();
  /** Channels on the circuit, by server id. */
  readonly bySid: Map<number, C> = new Map();
  /** The server's minor protocol version, once it said. */
  minorVersion: number | undefined;
  #options: CircuitOptions;
  #events: CircuitEvents<C>;
  #state: "connecting" | "connected" | "closed" = "connecting";
  #conn: Deno.TcpConn | undefined;
  #queue: Uint8Array[] = [];
  #flushing: Promise<void> | undefined;
  #tasks = new Set<Promise<void>>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastHeard = 0;
  #echoSentAt: number | undefined;
  #openedAt: number | undefined;
  #abort = new AbortController();

  /**
   * Open the connection; messages sent before it is open wait for it.
   * @param options Server, names and limits.
   * @param events Receives messages and the loss of the circuit.
   */
  constructor(options: CircuitOptions, events: CircuitEvents<C>) {
    this.#options = options;
    this.#events = events;
    this.server = `${options.host}:${options.port}`;
    this.send(encodeMessage(Command.VERSION, { dataType: 0, dataCount: CA_MINOR_VERSION }));
    this.send(encodeMessage(Command.CLIENT_NAME, {}, paddedString(options.clientName)));
    this.send(encodeMessage(Command.HOST_NAME, {}, paddedString(options.hostName)));
    this.#track(this.#open());
  }

  /** Whether the connection is open. */
  get connected(): boolean {
    return this.#state === "connected";
  }

  /** Whether the circuit is closed or lost. */
  get closed(): boolean {
    return this.#state === "closed";
  }

  /** Milliseconds the connection has been (or was) open; 0 when it never opened. */
  get age(): number {
    return this.#openedAt === undefined ? 0 : performance.now() - this.#openedAt;
  }

  /**
   * Queue a message; all messages queued in one turn go out in one write.
   * @param bytes The encoded message.
   */
  send(bytes: Uint8Array): void {
    if (this.#state === "closed") return;
    this.#queue.push(bytes);
    if (this.#state === "connected") this.#startFlush();
  }

  /** Ask the server for an echo now, as after a beacon anomaly. */
  probe(): void {
    if (this.#state !== "connected" || this.#echoSentAt !== undefined) return;
    this.#echo(performance.now());
  }

  /**
   * Close the connection, without telling the client.
   * @param flush Write what is queued first.
   * @returns When everything the circuit started has ended.
   */
  async close(flush = false): Promise<void> {
    if (flush && this.#state === "connected") {
      while (this.#flushing) await this.#flushing;
    }
    this.#shut();
    while (this.#tasks.size) await Promise.all([...this.#tasks]);
  }

  #track(task: Promise<void>): void {
    const tracked = task.catch(() => {});
    this.#tasks.add(tracked);
    tracked.finally(() => this.#tasks.delete(tracked));
  }

  #shut(): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#queue = [];
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    try {
      this.#conn?.close();
    } catch { /* already closed */ }
  }

  #lose(reason: Error): void {
    if (this.#state === "closed") return;
    this.#shut();
    this.#events.lost(this, reason);
  }

  async #open(): Promise<void> {
    let conn: Deno.TcpConn;
    const { connTimeout } = this.#options;
    const timer = setTimeout(() => this.#abort.abort(), connTimeout * 1000);
    try {
      conn = await Deno.connect({
        hostname: this.#options.host,
        port: this.#options.port,
        signal: this.#abort.signal,
      });
    } catch (error) {
      const why = this.#abort.signal.aborted
        ? `no connection within ${connTimeout} s`
        : (error as Error).message;
      this.#lose(new Error(`Cannot connect to ${this.server}: ${why}`, { cause: error }));
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.#state === "closed") {
      conn.close();
      return;
    }
    try {
      conn.setNoDelay(true);
      conn.setKeepAlive(true);
    } catch { /* options are an optimisation */ }
    this.#conn = conn;
    this.#state = "connected";
    this.#openedAt = this.#lastHeard = performance.now();
    this.#arm(this.#options.connTimeout * 1000);
    this.#startFlush();
    this.#track(this.#read(conn));
  }

  #startFlush(): void {
    if (this.#flushing || this.#queue.length === 0) return;
    this.#flushing = Promise.resolve().then(() => this.#flush());
    this.#track(this.#flushing);
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length && this.#state === "connected") {
        const parts = this.#queue;
        this.#queue = [];
        const data = parts.length === 1 ? parts[0]! : concatBytes(parts);
        let offset = 0;
        while (offset < data.length) offset += await this.#conn!.write(data.subarray(offset));
      }
    } catch (error) {
      this.#lose(new Error(`Cannot write to ${this.server}: ${(error as Error).message}`));
    } finally {
      this.#flushing = undefined;
    }
  }

  async #read(conn: Deno.TcpConn): Promise<void> {
    const reader = new MessageReader(this.#options.maxPayload);
    const buffer = new Uint8Array(READ_BUFFER);
    while (this.#state === "connected") {
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch (error) {
        this.#lose(new Error(`Connection to ${this.server} failed: ${(error as Error).message}`));
        return;
      }
      if (n === null) {
        this.#lose(new Error(`${this.server} closed the connection`));
        return;
      }
      this.#lastHeard = performance.now();
      let messages: Message[];
      try {
        messages = reader.push(buffer.subarray(0, n));
      } catch (error) {
        this.#lose(error as Error);
        return;
      }
      for (const message of messages) {
        if (this.#state !== "connected") return;
        this.#events.message(this, message);
      }
    }
  }

  #arm(delayMs: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#watch(), Math.max(0, delayMs));
  }

  #echo(now: number): void {
    this.#echoSentAt = now;
    this.send(encodeMessage(Command.ECHO, {}));
    this.#arm(this.#options.echoTimeout * 1000);
  }

  #watch(): void {
    this.#timer = undefined;
    if (this.#state !== "connected") return;
    const now = performance.now();
    const echoMs = this.#options.echoTimeout * 1000;
    if (this.#echoSentAt !== undefined) {
      if (this.#lastHeard >= this.#echoSentAt) {
        this.#echoSentAt = undefined;
      } else if (now - this.#echoSentAt >= echoMs) {
        this.#lose(
          new Error(
            `${this.server} did not answer an echo within ${this.#options.echoTimeout} s`,
          ),
        );
        return;
      } else {
        this.#arm(this.#echoSentAt + echoMs - now);
        return;
      }
    }
    const silence = now - this.#lastHeard;
    const limit = this.#options.connTimeout * 1000;
    if (silence >= limit) this.#echo(now);
    else this.#arm(limit - silence);
  }
}
