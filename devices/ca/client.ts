/**
 * A Channel Access client (protocol 4.13, as libca speaks it) behind the
 * {@linkcode PvTransport} interface: name searches over UDP with back-off, one TCP circuit per
 * server shared by its channels, beacons through the host's repeater (run in-process when
 * none runs), reads, writes with and without completion, and monitors that survive
 * reconnection.
 *
 * @module
 */

import { BeaconTracker } from "./_beacons.ts";
import {
  CAChannel,
  type ChannelHost,
  type ChannelSubscription,
  describeStatus,
  type Operation,
} from "./_channel.ts";
import { Circuit } from "./_circuit.ts";
import { granted } from "./_permission.ts";
import { RepeaterLink } from "./_repeater.ts";
import { MAX_SEARCH_DATAGRAM, Searcher } from "./_search.ts";
import {
  type CaEnvironment,
  caVariablesFromProcess,
  isLoopback,
  readCaEnvironment,
  searchAddresses,
} from "./environment.ts";
import { ClosedError, ConnectionTimeoutError, OperationError } from "./errors.ts";
import { Command, type Message, pad8, readFixedString } from "./protocol.ts";
import type { PvChannel, PvTransport } from "./transport.ts";

/** Options of {@linkcode CAClient}. */
export interface CAClientOptions {
  /**
   * The `EPICS_CA_*` variables (default: those of the process that may be read without a
   * prompt). Tests pass their own, with `EPICS_CA_AUTO_ADDR_LIST: "NO"`.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default seconds of {@linkcode CAClient.connect}. */
  connectionTimeout?: number;
  /**
   * Default seconds of a get, and of the wait for a connection before a put. A put with
   * `wait` waits for its completion without limit unless its own timeout says otherwise.
   */
  operationTimeout?: number;
  /** Seconds to wait for the answer to an echo before a circuit counts as lost. */
  echoTimeout?: number;
  /** User name sent to servers (default `USER` or `LOGNAME`, else `"nxdaq"`). */
  clientName?: string;
  /** Host name sent to servers (default `Deno.hostname()`, else `"localhost"`). */
  hostName?: string;
  /**
   * Receives errors that no caller awaits: a monitor the server refused, a callback that
   * threw, a search that could not be sent. Default: ignored.
   */
  onError?: (error: Error) => void;
}

/** Defaults of {@linkcode CAClientOptions}. */
export const caClientDefaults = {
  connectionTimeout: 5,
  operationTimeout: 5,
  echoTimeout: 5,
} satisfies CAClientOptions;

function processUser(): string | undefined {
  for (const variable of ["USER", "LOGNAME"]) {
    if (!granted({ name: "env", variable })) continue;
    try {
      const value = Deno.env.get(variable);
      if (value) return value;
    } catch { /* not readable */ }
  }
  return undefined;
}

function processHost(): string | undefined {
  if (!granted({ name: "sys", kind: "hostname" })) return undefined;
  try {
    return Deno.hostname();
  } catch {
    return undefined;
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0)) throw new RangeError(`${name} must be a positive number of seconds: ${value}`);
  return value;
}

/**
 * A Channel Access client.
 *
 * @example Read a PV of a server on this host
 * ```ts ignore
 * import { CAClient } from "./client.ts";
 * const client = new CAClient({
 *   env: { EPICS_CA_ADDR_LIST: "127.0.0.1", EPICS_CA_AUTO_ADDR_LIST: "NO" },
 * });
 * const [rbv] = await client.connect(["gp:m10.RBV"]);
 * const { value, timestamp, units } = await rbv!.get({ family: "ctrl" });
 * await client.close();
 * ```
 */
export class CAClient implements PvTransport {
  /** The settings read from the environment. */
  readonly environment: CaEnvironment;
  /** Default seconds of {@linkcode connect}. */
  readonly connectionTimeout: number;
  /** Default seconds of an operation. */
  readonly operationTimeout: number;
  #echoTimeout: number;
  #clientName: string;
  #hostName: string;
  #onError: ((error: Error) => void) | undefined;
  #channels = new Map<string, CAChannel>();
  #byCid = new Map<number, CAChannel>();
  #operations = new Map<number, Operation>();
  #subscriptions = new Map<number, ChannelSubscription>();
  #circuits = new Map<string, Circuit<CAChannel>>();
  #closing = new Set<Promise<void>>();
  #beacons = new BeaconTracker();
  #searcher: Searcher | undefined;
  #repeater: RepeaterLink | undefined;
  #nextId = 0;
  #closed: Promise<void> | undefined;
  #host: ChannelHost;

  /**
   * Read the environment and the options. Nothing opens before the first channel.
   * @param options Environment, timeouts, names and the error sink.
   * @throws {RangeError} For a bad timeout or environment value.
   * @throws {TypeError} For a malformed environment value.
   */
  constructor(options: CAClientOptions = {}) {
    this.environment = readCaEnvironment(options.env ?? caVariablesFromProcess());
    this.connectionTimeout = positive(
      options.connectionTimeout ?? caClientDefaults.connectionTimeout,
      "connectionTimeout",
    );
    this.operationTimeout = positive(
      options.operationTimeout ?? caClientDefaults.operationTimeout,
      "operationTimeout",
    );
    this.#echoTimeout = positive(
      options.echoTimeout ?? caClientDefaults.echoTimeout,
      "echoTimeout",
    );
    this.#clientName = options.clientName ?? processUser() ?? "nxdaq";
    this.#hostName = options.hostName ?? processHost() ?? "localhost";
    this.#onError = options.onError;
    this.#host = {
      operationTimeout: this.operationTimeout,
      maxArrayBytes: this.environment.maxArrayBytes,
      nextId: () => this.#id(),
      addOperation: (id, operation) => this.#operations.set(id, operation),
      removeOperation: (id) => this.#operations.delete(id),
      addSubscription: (id, subscription) => this.#subscriptions.set(id, subscription),
      removeSubscription: (id) => this.#subscriptions.delete(id),
      release: (channel) => this.#release(channel),
      report: (error) => this.#report(error),
    };
  }

  /**
   * The channel of a PV, connecting by itself; the same name gives the same channel while it
   * is open.
   * @param name PV name.
   * @returns The channel.
   * @throws {ClosedError} After {@linkcode close}.
   * @throws {RangeError} For an empty name or one too long for a search datagram.
   */
  channel(name: string): PvChannel {
    if (this.#closed) throw new ClosedError("the client is closed", { pv: name });
    const known = this.#channels.get(name);
    if (known) return known;
    if (typeof name !== "string" || name.length === 0) {
      throw new RangeError(`A PV name must be a non-empty string: got "${String(name)}"`);
    }
    if (32 + pad8(new TextEncoder().encode(name).length + 1) > MAX_SEARCH_DATAGRAM) {
      throw new RangeError(`PV name "${name.slice(0, 40)}..." is too long to search for`);
    }
    const channel = new CAChannel(name, this.#id(), this.#host);
    this.#channels.set(name, channel);
    this.#byCid.set(channel.cid, channel);
    this.#searcherStarted().add(channel.cid, name);
    return channel;
  }

  /**
   * The channels of several PVs, once all are connected.
   *
   * @param names PV names.
   * @param timeout Seconds to wait (default {@linkcode connectionTimeout}).
   * @returns The channels, in the order of `names`.
   * @throws {ConnectionTimeoutError} Listing every PV that did not connect in time.
   */
  async connect(names: readonly string[], timeout = this.connectionTimeout): Promise<PvChannel[]> {
    const channels = names.map((name) => this.channel(name));
    const results = await Promise.allSettled(channels.map((c) => c.waitForConnection(timeout)));
    const missing: string[] = [];
    for (const [i, result] of results.entries()) {
      if (result.status === "fulfilled") continue;
      if (!(result.reason instanceof ConnectionTimeoutError)) throw result.reason;
      missing.push(names[i]!);
    }
    if (missing.length) throw new ConnectionTimeoutError(missing, timeout);
    return channels;
  }

  /**
   * Close every channel, circuit and socket and stop every timer; pending operations reject
   * with {@linkcode ClosedError}, and so does everything after.
   * @returns When all is closed.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    for (const channel of [...this.#channels.values()]) {
      channel.shutdown(channel.error(ClosedError, "the client is closed"));
    }
    this.#channels.clear();
    this.#byCid.clear();
    const closing = [...this.#closing];
    for (const circuit of this.#circuits.values()) closing.push(circuit.close());
    this.#circuits.clear();
    if (this.#searcher) closing.push(this.#searcher.close());
    if (this.#repeater) closing.push(this.#repeater.close());
    await Promise.all(closing);
    while (this.#closing.size) await Promise.all([...this.#closing]);
  }

  #id(): number {
    this.#nextId = this.#nextId >= 0xfffffffe ? 1 : this.#nextId + 1;
    return this.#nextId;
  }

  #report(error: Error): void {
    try {
      this.#onError?.(error);
    } catch { /* the sink's own failure has nowhere to go */ }
  }

  #searcherStarted(): Searcher {
    if (this.#searcher) return this.#searcher;
    const destinations = searchAddresses(this.environment);
    const bindHost = destinations.every((d) => isLoopback(d.host)) ? "127.0.0.1" : "0.0.0.0";
    const searcher = new Searcher({
      destinations,
      maxSearchPeriod: this.environment.maxSearchPeriod,
      bindHost,
    }, {
      found: (cid, host, port) => this.#found(cid, host, port),
      beacon: (host, port, id) => this.#beacon(host, port, id),
      repeaterConfirmed: () => this.#repeater?.confirm(),
      error: (error) => this.#report(error),
    });
    this.#searcher = searcher;
    const repeaterPort = this.environment.repeaterPort;
    this.#repeater = new RepeaterLink({
      port: repeaterPort,
      bindHost,
      send: (bytes) => searcher.sendTo(bytes, "127.0.0.1", repeaterPort),
    });
    searcher.start().then(
      () => {
        if (!this.#closed) this.#repeater?.start();
      },
      (error: Error) => {
        if (!this.#closed) this.#report(error);
      },
    );
    return searcher;
  }

  #found(cid: number, host: string, port: number): void {
    const channel = this.#byCid.get(cid);
    this.#searcher?.remove(cid);
    if (!channel || channel.state !== "searching") return;
    channel.attach(this.#circuitFor(host, port));
  }

  #beacon(host: string, port: number, id: number): void {
    const server = `${host}:${port}`;
    if (!this.#beacons.observe(server, id, performance.now())) return;
    this.#searcher?.resetBackoff();
    this.#circuits.get(server)?.probe();
  }

  #circuitFor(host: string, port: number): Circuit<CAChannel> {
    const server = `${host}:${port}`;
    const known = this.#circuits.get(server);
    if (known && !known.closed) return known;
    const circuit = new Circuit<CAChannel>({
      host,
      port,
      clientName: this.#clientName,
      hostName: this.#hostName,
      maxPayload: pad8(this.environment.maxArrayBytes),
      connTimeout: this.environment.connTimeout,
      echoTimeout: this.#echoTimeout,
    }, {
      message: (c, message) => this.#dispatch(c, message),
      lost: (c, reason) => this.#lost(c, reason),
    });
    this.#circuits.set(server, circuit);
    return circuit;
  }

  #lost(circuit: Circuit<CAChannel>, reason: Error): void {
    if (this.#circuits.get(circuit.server) === circuit) this.#circuits.delete(circuit.server);
    this.#beacons.forget(circuit.server);
    this.#report(reason);
    // A server that answers searches but does not keep a circuit up is not searched for in a
    // tight loop.
    const fresh = circuit.age > 1000;
    for (const channel of [...circuit.byCid.values()]) {
      channel.lost(`lost the circuit: ${reason.message}`);
      if (channel.state === "searching") this.#searcher?.add(channel.cid, channel.name, fresh);
    }
    this.#after(circuit.close());
  }

  #after(task: Promise<void>): void {
    const settled = task.catch(() => {});
    this.#closing.add(settled);
    settled.finally(() => this.#closing.delete(settled));
  }

  #release(channel: CAChannel): void {
    if (this.#channels.get(channel.name) === channel) this.#channels.delete(channel.name);
    this.#byCid.delete(channel.cid);
    this.#searcher?.remove(channel.cid);
    const circuit = channel.circuit;
    if (!circuit) return;
    circuit.byCid.delete(channel.cid);
    if (circuit.bySid.get(channel.sid) === channel) circuit.bySid.delete(channel.sid);
    if (circuit.byCid.size === 0 && this.#circuits.get(circuit.server) === circuit) {
      // As libca: a circuit without channels is closed (after writing what is queued).
      this.#circuits.delete(circuit.server);
      this.#after(circuit.close(true));
    }
  }

  #dispatch(circuit: Circuit<CAChannel>, message: Message): void {
    const { header } = message;
    switch (header.command) {
      case Command.READ_NOTIFY:
      case Command.WRITE_NOTIFY:
        this.#operations.get(header.parameter2)?.complete(message);
        break;
      case Command.EVENT_ADD:
        this.#subscriptions.get(header.parameter2)?.deliver(message, (e) => this.#report(e));
        break;
      case Command.VERSION:
        circuit.minorVersion = header.dataCount;
        break;
      case Command.ACCESS_RIGHTS:
        circuit.byCid.get(header.parameter1)?.accessRights(header.parameter2);
        break;
      case Command.CREATE_CHAN: {
        const channel = circuit.byCid.get(header.parameter1);
        if (channel?.state !== "creating") break;
        if (!channel.created(header.dataType, header.dataCount, header.parameter2)) {
          this.#createFailed(circuit, channel, `native type ${header.dataType} is unknown`);
        }
        break;
      }
      case Command.CREATE_CH_FAIL: {
        const channel = circuit.byCid.get(header.parameter1);
        if (channel) this.#createFailed(circuit, channel, "the server refused the channel");
        break;
      }
      case Command.SERVER_DISCONN: {
        const channel = circuit.byCid.get(header.parameter1);
        if (!channel) break;
        channel.lost("the server dropped the channel");
        this.#searcher?.add(channel.cid, channel.name);
        break;
      }
      case Command.ERROR:
        this.#serverError(circuit, message);
        break;
    }
  }

  #createFailed(circuit: Circuit<CAChannel>, channel: CAChannel, why: string): void {
    this.#report(channel.error(OperationError, `cannot create the channel: ${why}`));
    channel.lost(why);
    circuit.byCid.delete(channel.cid);
    // Searched again, but slowly: the server that has the name may keep refusing it.
    this.#searcher?.add(channel.cid, channel.name, false);
  }

  #serverError(circuit: Circuit<CAChannel>, message: Message): void {
    const { header, payload } = message;
    const code = header.parameter2;
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    if (payload.length < 16) return;
    const command = view.getUint16(0);
    const p1 = view.getUint32(8);
    const p2 = view.getUint32(12);
    const text = readFixedString(payload, 16, payload.length - 16);
    const what: Record<number, string> = {
      [Command.READ_NOTIFY]: "read",
      [Command.WRITE_NOTIFY]: "write",
      [Command.WRITE]: "write",
      [Command.EVENT_ADD]: "monitor",
      [Command.EVENT_CANCEL]: "monitor cancel",
      [Command.CREATE_CHAN]: "channel creation",
      [Command.CLEAR_CHANNEL]: "channel clear",
    };
    const failed = `${what[command] ?? `request ${command}`} failed: ${describeStatus(code, text)}`;
    switch (command) {
      case Command.READ_NOTIFY:
      case Command.WRITE_NOTIFY: {
        const operation = this.#operations.get(p2);
        const channel = operation?.channel ?? circuit.bySid.get(p1);
        const error = channel?.error(OperationError, failed, code) ??
          new OperationError(failed, { server: circuit.server, code });
        if (operation) operation.fail(error);
        else this.#report(error);
        return;
      }
      case Command.EVENT_ADD: {
        const subscription = this.#subscriptions.get(p2);
        const channel = circuit.bySid.get(p1) ?? circuit.byCid.get(header.parameter1);
        this.#report(
          channel?.error(OperationError, failed, code) ??
            new OperationError(failed, { server: circuit.server, code }),
        );
        subscription?.stop();
        return;
      }
      case Command.CREATE_CHAN: {
        const channel = circuit.byCid.get(p1);
        if (channel) this.#createFailed(circuit, channel, describeStatus(code, text));
        return;
      }
      default: {
        const channel = circuit.bySid.get(p1) ?? circuit.byCid.get(header.parameter1);
        this.#report(
          channel?.error(OperationError, failed, code) ??
            new OperationError(failed, { server: circuit.server, code }),
        );
      }
    }
  }
}
