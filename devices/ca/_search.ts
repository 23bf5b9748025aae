/**
 * Name searches over UDP: the client's one datagram socket, which sends SEARCH requests in
 * batches with libca's kind of back-off and receives the replies, the beacons a repeater
 * forwards and the repeater's confirmation.
 *
 * @module
 */

import dgram from "node:dgram";
import { concatBytes } from "./_concat_bytes.ts";
import { granted } from "./_permission.ts";
import type { CaAddress } from "./environment.ts";
import {
  CA_MINOR_VERSION,
  Command,
  DONT_REPLY,
  encodeMessage,
  MessageReader,
  numberToIpv4,
  paddedString,
} from "./protocol.ts";

/** Seconds between the first and the second search for a name. */
export const FIRST_SEARCH_INTERVAL = 0.032;

/** Bytes of one search datagram at most (libca's `MAX_UDP_SEND`). */
export const MAX_SEARCH_DATAGRAM = 1024;

/** Datagrams sent in one go at most; the rest follow a few milliseconds later. */
const MAX_DATAGRAMS_PER_ROUND = 64;

/**
 * Seconds to wait after a name's `attempt`-th search before the next one: 32 ms, doubling at
 * each attempt, never more than `maxPeriod`. A few fast tries find a server that is there;
 * after that the searches thin out to one every `maxPeriod` seconds, for as long as the name
 * is not found.
 *
 * @example The first intervals, and the cap
 * ```ts
 * import assert from "node:assert/strict";
 * import { searchDelay } from "./_search.ts";
 * assert.deepEqual([1, 2, 3].map((n) => searchDelay(n, 5)), [0.032, 0.064, 0.128]);
 * assert.equal(searchDelay(30, 5), 5);
 * ```
 *
 * @param attempt Searches sent so far, from 1.
 * @param maxPeriod The cap, seconds (`EPICS_CA_MAX_SEARCH_PERIOD`).
 * @returns Seconds.
 */
export function searchDelay(attempt: number, maxPeriod: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 40));
  return Math.min(FIRST_SEARCH_INTERVAL * 2 ** exponent, maxPeriod);
}

/** What the socket receives, for the client. */
export interface SearchEvents {
  /** A server has the PV searched with `id`. */
  found(id: number, host: string, port: number): void;
  /** A server beacon, forwarded by the repeater. */
  beacon(host: string, port: number, id: number): void;
  /** The repeater confirmed the registration. */
  repeaterConfirmed(): void;
  /** A failure to send or receive. */
  error(error: Error): void;
}

/** Settings of a {@linkcode Searcher}. */
export interface SearcherOptions {
  /** Where searches go. */
  destinations: readonly CaAddress[];
  /** Longest interval between searches of one name, seconds. */
  maxSearchPeriod: number;
  /** Local address to bind (`127.0.0.1` when every destination is on loopback). */
  bindHost: string;
}

interface Entry {
  message: Uint8Array;
  attempt: number;
  due: number;
}

/** The client's UDP socket and its searches. */
export class Searcher {
  #options: SearcherOptions;
  #events: SearchEvents;
  #entries = new Map<number, Entry>();
  #socket: dgram.Socket | undefined;
  #ready: Promise<void> | undefined;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #sequence = 0;
  #failedDestinations = new Set<string>();

  /**
   * @param options Destinations, back-off cap and local address.
   * @param events Receives replies, beacons and errors.
   */
  constructor(options: SearcherOptions, events: SearchEvents) {
    this.#options = options;
    this.#events = events;
  }

  /**
   * Bind the socket (once).
   * @returns When bound.
   */
  start(): Promise<void> {
    this.#ready ??= new Promise<void>((resolve, reject) => {
      const host = this.#options.bindHost;
      if (!granted({ name: "net", host })) {
        reject(new Error(`No permission to bind a UDP socket on ${host}`));
        return;
      }
      const socket = dgram.createSocket({ type: "udp4" });
      const failed = (error: Error) => {
        try {
          socket.close();
        } catch { /* never bound */ }
        reject(error);
      };
      socket.once("error", failed);
      socket.bind(0, host, () => {
        socket.removeListener("error", failed);
        socket.on("error", (error: Error) => this.#events.error(error));
        socket.on("message", (data: Uint8Array, from: dgram.RemoteInfo) => {
          this.#receive(data, from.address);
        });
        if (host !== "127.0.0.1") socket.setBroadcast(true);
        if (this.#closed) {
          socket.close();
          reject(new Error("The client closed while its UDP socket was being bound"));
          return;
        }
        this.#socket = socket;
        this.#schedule(0);
        resolve();
      });
    });
    return this.#ready;
  }

  /** The local port, once bound. */
  get port(): number | undefined {
    return this.#socket?.address().port;
  }

  /**
   * Search for a name now, and again with back-off until {@linkcode remove}.
   * @param id Search id (the channel's cid), echoed by the reply.
   * @param name PV name.
   * @param fresh Start the back-off anew (default); `false` keeps a slow pace for a name that
   * a server just refused.
   */
  add(id: number, name: string, fresh = true): void {
    const previous = this.#entries.get(id);
    const message = previous?.message ?? encodeMessage(Command.SEARCH, {
      dataType: DONT_REPLY,
      dataCount: CA_MINOR_VERSION,
      parameter1: id,
      parameter2: id,
    }, paddedString(name));
    const now = performance.now();
    const attempt = fresh ? 0 : Math.max(previous?.attempt ?? 0, 4);
    const delay = fresh ? 0 : searchDelay(attempt, this.#options.maxSearchPeriod) * 1000;
    this.#entries.set(id, { message, attempt, due: now + delay });
    this.#schedule(delay);
  }

  /**
   * Stop searching for a name.
   * @param id Search id.
   */
  remove(id: number): void {
    this.#entries.delete(id);
  }

  /**
   * After a beacon anomaly: search at once, with the fast back-off again, for every name whose
   * searches had slowed down.
   */
  resetBackoff(): void {
    const now = performance.now();
    let any = false;
    for (const entry of this.#entries.values()) {
      if (entry.attempt < 3) continue;
      entry.attempt = 0;
      entry.due = now;
      any = true;
    }
    if (any) this.#schedule(0);
  }

  /**
   * Send a datagram from the socket (for the repeater registration).
   * @param bytes The datagram.
   * @param host IPv4 address.
   * @param port UDP port.
   */
  sendTo(bytes: Uint8Array, host: string, port: number): void {
    this.#socket?.send(bytes, port, host, (error) => {
      if (error && !this.#closed) this.#events.error(error);
    });
  }

  /**
   * Stop searching and close the socket.
   * @returns When closed.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#entries.clear();
    if (this.#ready) await this.#ready.catch(() => {});
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #schedule(delayMs: number): void {
    if (this.#closed || !this.#socket) return;
    const at = performance.now() + Math.max(0, delayMs);
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#round(), Math.max(0, delayMs));
  }

  #round(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const socket = this.#socket;
    if (!socket || this.#closed) return;
    const now = performance.now();
    const datagrams: Uint8Array[][] = [];
    let current: Uint8Array[] = [];
    let size = 0;
    let next = Number.POSITIVE_INFINITY;
    let full = false;
    for (const entry of this.#entries.values()) {
      if (entry.due > now + 1 || full) {
        next = Math.min(next, entry.due);
        continue;
      }
      if (size === 0 || size + entry.message.length > MAX_SEARCH_DATAGRAM) {
        if (datagrams.length === MAX_DATAGRAMS_PER_ROUND) {
          full = true;
          next = Math.min(next, now + 5);
          continue;
        }
        current = [this.#versionMessage()];
        size = current[0]!.length;
        datagrams.push(current);
      }
      current.push(entry.message);
      size += entry.message.length;
      entry.attempt += 1;
      entry.due = now + searchDelay(entry.attempt, this.#options.maxSearchPeriod) * 1000;
      next = Math.min(next, entry.due);
    }
    for (const parts of datagrams) {
      const bytes = concatBytes(parts);
      for (const to of this.#options.destinations) this.#send(socket, bytes, to);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#schedule(next - now);
  }

  #versionMessage(): Uint8Array {
    this.#sequence = (this.#sequence + 1) >>> 0;
    return encodeMessage(Command.VERSION, {
      dataCount: CA_MINOR_VERSION,
      parameter1: this.#sequence,
    });
  }

  #send(socket: dgram.Socket, bytes: Uint8Array, to: CaAddress): void {
    socket.send(bytes, to.port, to.host, (error) => {
      const key = `${to.host}:${to.port}`;
      if (!error || this.#closed || this.#failedDestinations.has(key)) return;
      this.#failedDestinations.add(key);
      this.#events.error(
        new Error(`Cannot send a Channel Access search to ${key}: ${error.message}`, {
          cause: error,
        }),
      );
    });
  }

  #receive(data: Uint8Array, from: string): void {
    let messages;
    try {
      messages = new MessageReader(0xffff).push(data);
    } catch {
      return; // Not Channel Access: ignored, as libca does.
    }
    for (const { header } of messages) {
      switch (header.command) {
        case Command.SEARCH: {
          if (!this.#entries.has(header.parameter2)) break;
          const host = header.parameter1 === 0xffffffff || header.parameter1 === 0
            ? from
            : numberToIpv4(header.parameter1);
          this.#events.found(header.parameter2, host, header.dataType);
          break;
        }
        case Command.RSRV_IS_UP: {
          const host = header.parameter2 === 0 ? from : numberToIpv4(header.parameter2);
          this.#events.beacon(host, header.dataCount, header.parameter1);
          break;
        }
        case Command.REPEATER_CONFIRM:
          this.#events.repeaterConfirmed();
          break;
      }
    }
  }
}
