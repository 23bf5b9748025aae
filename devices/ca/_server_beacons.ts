/**
 * A server's beacons (RSRV_IS_UP): sent fast after start, then ever slower, so that clients
 * notice a server that (re)appeared and search again at once.
 *
 * @module
 */

import { CA_MINOR_VERSION, Command, encodeMessage } from "./protocol.ts";

/** Where beacons go. */
export interface BeaconTarget {
  /** IPv4 address. */
  address: string;
  /** UDP port (the repeater's). */
  port: number;
}

/** What {@linkcode Beacons} needs. */
export interface BeaconOptions {
  /** Destinations. */
  targets: readonly BeaconTarget[];
  /** TCP port of the server, announced in each beacon. */
  tcpPort: number;
  /** Address of the server as a number; 0 lets clients take the sender's. */
  serverAddress: number;
  /** Seconds before the second beacon; the interval doubles from there (rsrv: 0.02). */
  firstPeriod: number;
  /** Longest interval, seconds (`EPICS_CAS_BEACON_PERIOD`). */
  period: number;
  /**
   * Sends one datagram.
   * @param bytes The beacon.
   * @param target Where to.
   */
  send(bytes: Uint8Array, target: BeaconTarget): void;
}

/** Sends beacons on a timer until stopped. */
export class Beacons {
  #options: BeaconOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #interval: number;
  #id = 0;
  #stopped = false;

  /**
   * @param options Targets, ports, periods and the send function.
   */
  constructor(options: BeaconOptions) {
    this.#options = options;
    this.#interval = Math.min(options.firstPeriod, options.period);
  }

  /** Beacons sent so far. */
  get sent(): number {
    return this.#id;
  }

  /** Send the first beacon now and the next ones on schedule. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#beacon();
  }

  /** Send no more. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #beacon(): void {
    if (this.#stopped) return;
    const { targets, tcpPort, serverAddress, period, send } = this.#options;
    const bytes = encodeMessage(Command.RSRV_IS_UP, {
      dataType: CA_MINOR_VERSION,
      dataCount: tcpPort,
      parameter1: this.#id++,
      parameter2: serverAddress,
    });
    for (const target of targets) send(bytes, target);
    this.#timer = setTimeout(() => this.#beacon(), this.#interval * 1000);
    this.#interval = Math.min(this.#interval * 2, period);
  }
}
