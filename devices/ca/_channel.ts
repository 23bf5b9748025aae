/**
 * A Channel Access channel: one PV on one circuit, with its pending reads and writes and its
 * subscriptions, which it re-creates on every new connection.
 *
 * @module
 */

import type { Circuit } from "./_circuit.ts";
import { toElements } from "./convert.ts";
import {
  AccessDeniedError,
  ArrayTooLargeError,
  ClosedError,
  ConnectionTimeoutError,
  DisconnectedError,
  OperationError,
  OperationTimeoutError,
} from "./errors.ts";
import {
  ACCESS_READ,
  ACCESS_WRITE,
  Command,
  DBE,
  dbrSize,
  dbrType,
  decodeDbr,
  ECA,
  ecaMessage,
  ecaSuccess,
  type Elements,
  encodeDbr,
  encodeMessage,
  type Family,
  type Message,
  NATIVE_TYPES,
  type NativeType,
  paddedString,
  splitDbrType,
} from "./protocol.ts";
import type {
  ConnectionInfo,
  GetOptions,
  PutOptions,
  PvChannel,
  PvValue,
  SubscribeOptions,
  Subscription,
} from "./transport.ts";

/** A request waiting for its answer. */
export interface Operation {
  /** The channel it is on. */
  readonly channel: CAChannel;
  /** The answer arrived. */
  complete(message: Message): void;
  /** It failed (server error, lost circuit, timeout, close). */
  fail(error: Error): void;
}

/** What a channel needs from its client. */
export interface ChannelHost {
  /** Default seconds of an operation. */
  readonly operationTimeout: number;
  /** `EPICS_CA_MAX_ARRAY_BYTES`. */
  readonly maxArrayBytes: number;
  /** A fresh id for an operation or a subscription. */
  nextId(): number;
  /** Route answers with `id` to `operation`. */
  addOperation(id: number, operation: Operation): void;
  /** Stop routing `id`. */
  removeOperation(id: number): void;
  /** Route updates with `id` to `subscription`. */
  addSubscription(id: number, subscription: ChannelSubscription): void;
  /** Stop routing `id`. */
  removeSubscription(id: number): void;
  /** The channel closed: forget it. */
  release(channel: CAChannel): void;
  /** An error nobody awaits (a failed monitor, a callback that threw). */
  report(error: Error): void;
}

const ECA_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ECA).map(([name, code]) => [code, `ECA_${name}`]),
);

/**
 * How a status code reads in an error message: its name, number and text, and what the server
 * added.
 * @param code `ECA_*` code.
 * @param text The server's message, if any.
 * @returns For example `ECA_PUTFAIL (160): Could not perform a database value put for that
 * channel`.
 */
export function describeStatus(code: number, text = ""): string {
  const name = ECA_NAMES[code] ?? "status";
  const said = text.trim() ? ` (the server says "${text.trim()}")` : "";
  return `${name} (${code}): ${ecaMessage(code)}${said}`;
}

/** Name of a DBR type, for example `DBR_TIME_DOUBLE`. */
function typeName(type: number): string {
  const { native, family } = splitDbrType(type);
  const prefix = family === "plain" ? "DBR_" : `DBR_${family.toUpperCase()}_`;
  return prefix + native.toUpperCase();
}

/** A timer, or none for an infinite delay (setTimeout would fire at once). */
function later(ms: number, callback: () => void): ReturnType<typeof setTimeout> | undefined {
  if (!Number.isFinite(ms)) return undefined;
  return setTimeout(callback, Math.min(Math.max(0, ms), 0x7fffffff));
}

function checkCount(count: number | undefined, name: string): number {
  const n = count ?? 0;
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`PV "${name}": count must be a whole number from 0: got "${count}"`);
  }
  return n;
}

/** A monitor on a channel; it outlives connections. */
export class ChannelSubscription implements Subscription {
  readonly id: number;
  readonly family: Family;
  readonly as: NativeType | undefined;
  readonly mask: number;
  readonly count: number;
  #channel: CAChannel;
  #callback: (value: PvValue) => void;
  #live: { type: number; count: number; circuit: Circuit<CAChannel> } | undefined;
  #cancelled = false;

  /**
   * @param channel Its channel.
   * @param id Subscription id.
   * @param callback Receives the updates.
   * @param options Family, type, mask and count.
   */
  constructor(
    channel: CAChannel,
    id: number,
    callback: (value: PvValue) => void,
    options: SubscribeOptions,
  ) {
    this.#channel = channel;
    this.id = id;
    this.#callback = callback;
    this.family = options.family ?? "time";
    this.as = options.as;
    this.mask = options.mask ?? DBE.VALUE | DBE.ALARM;
    this.count = checkCount(options.count, channel.name);
    if (!Number.isInteger(this.mask) || this.mask <= 0 || this.mask > 0xffff) {
      throw new RangeError(`PV "${channel.name}": mask must be a sum of DBE values: ${this.mask}`);
    }
  }

  /** Whether cancelled. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#channel.unsubscribe(this);
    const live = this.#live;
    this.#live = undefined;
    if (live && !live.circuit.closed) {
      live.circuit.send(encodeMessage(Command.EVENT_CANCEL, {
        dataType: live.type,
        dataCount: live.count,
        parameter1: this.#channel.sid,
        parameter2: this.id,
      }));
    }
  }

  /**
   * Ask the server for updates on the channel's current circuit.
   * @param circuit The circuit.
   * @param native Native type.
   * @param sid Server id of the channel.
   * @param nativeCount Native element count.
   * @param maxArrayBytes The size limit.
   * @throws {ArrayTooLargeError} When updates would be too large.
   */
  start(
    circuit: Circuit<CAChannel>,
    native: NativeType,
    sid: number,
    nativeCount: number,
    maxArrayBytes: number,
  ): void {
    if (this.#cancelled) return;
    const type = dbrType(this.as ?? native, this.family);
    const count = this.count === 0 ? 0 : Math.min(this.count, nativeCount);
    this.#channel.checkSize(type, count || nativeCount, maxArrayBytes);
    const payload = new Uint8Array(16);
    new DataView(payload.buffer).setUint16(12, this.mask);
    circuit.send(encodeMessage(Command.EVENT_ADD, {
      dataType: type,
      dataCount: count,
      parameter1: sid,
      parameter2: this.id,
    }, payload));
    this.#live = { type, count, circuit };
  }

  /** The circuit went away; updates resume after {@linkcode start}. */
  stop(): void {
    this.#live = undefined;
  }

  /**
   * An EVENT_ADD answer.
   * @param message The update.
   * @param report Where errors go.
   */
  deliver(message: Message, report: (error: Error) => void): void {
    if (this.#cancelled || !this.#live) return;
    const { header } = message;
    if (!ecaSuccess(header.parameter1)) {
      report(
        this.#channel.error(
          OperationError,
          `monitor failed: ${describeStatus(header.parameter1)}`,
          header.parameter1,
        ),
      );
      return;
    }
    let value: PvValue;
    try {
      value = this.#channel.toValue(message);
    } catch (error) {
      report(
        this.#channel.error(
          OperationError,
          `unreadable monitor update: ${(error as Error).message}`,
        ),
      );
      return;
    }
    try {
      this.#callback(value);
    } catch (error) {
      report(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

type ErrorClass = new (
  message: string,
  where: { pv?: string; server?: string | undefined; code?: number | undefined },
) => Error;

/** A channel of a {@linkcode import("./client.ts").CAClient}. */
export class CAChannel implements PvChannel {
  readonly name: string;
  /** Client id, also the search id. */
  readonly cid: number;
  /** Server id, while connected. */
  sid = 0;
  #host: ChannelHost;
  #state: "searching" | "creating" | "connected" | "closed" = "searching";
  #circuit: Circuit<CAChannel> | undefined;
  #server: string | undefined;
  #native: NativeType | undefined;
  #count = 0;
  #access = 0;
  #everConnected = false;
  #operations = new Map<number, Operation>();
  #subscriptions = new Set<ChannelSubscription>();
  #listeners = new Set<(info: ConnectionInfo) => void>();
  #waiters = new Set<{ resolve(): void; reject(error: Error): void }>();

  /**
   * @param name PV name.
   * @param cid Client id.
   * @param host The client.
   */
  constructor(name: string, cid: number, host: ChannelHost) {
    this.name = name;
    this.cid = cid;
    this.#host = host;
  }

  /** Where the channel is: searching, creating on a circuit, connected, closed. */
  get state(): "searching" | "creating" | "connected" | "closed" {
    return this.#state;
  }

  /** The circuit, once assigned. */
  get circuit(): Circuit<CAChannel> | undefined {
    return this.#circuit;
  }

  get connected(): boolean {
    return this.#state === "connected";
  }

  get info(): ConnectionInfo {
    const info: ConnectionInfo = { connected: this.connected, server: this.#server };
    if (this.connected) {
      info.nativeType = this.#native;
      info.count = this.#count;
      info.read = (this.#access & ACCESS_READ) !== 0;
      info.write = (this.#access & ACCESS_WRITE) !== 0;
    }
    return info;
  }

  /**
   * An error about this channel, naming it and its server.
   * @param Kind Error class.
   * @param message What went wrong.
   * @param code Status code.
   * @returns The error.
   */
  error(Kind: ErrorClass, message: string, code?: number): Error {
    return new Kind(message, { pv: this.name, server: this.#server, code });
  }

  waitForConnection(timeout: number): Promise<void> {
    if (this.#state === "closed") {
      return Promise.reject(this.error(ClosedError, "the channel is closed"));
    }
    if (this.connected) return Promise.resolve();
    return this.#untilConnected(timeout, () => new ConnectionTimeoutError([this.name], timeout));
  }

  async get(options: GetOptions = {}): Promise<PvValue> {
    const timeout = options.timeout ?? this.#host.operationTimeout;
    const started = performance.now();
    if (this.#state === "closed") throw this.error(ClosedError, "the channel is closed");
    if (!this.connected) await this.#ready(timeout, "read");
    if ((this.#access & ACCESS_READ) === 0) {
      throw this.error(AccessDeniedError, "read access denied", ECA.NORDACCESS);
    }
    const requested = checkCount(options.count, this.name);
    if (requested > this.#count) {
      throw new RangeError(
        `PV "${this.name}": count ${requested} is above its ${this.#count} elements`,
      );
    }
    const type = dbrType(options.as ?? this.#native!, options.family ?? "time");
    this.checkSize(type, requested || this.#count, this.#host.maxArrayBytes);
    const remaining = Math.max(0, timeout * 1000 - (performance.now() - started));
    const id = this.#host.nextId();
    return new Promise<PvValue>((resolve, reject) => {
      const timer = later(remaining, () => {
        operation.fail(
          this.error(OperationTimeoutError, `no answer to a read within ${timeout} s`),
        );
      });
      const operation = this.#begin(id, {
        complete: (message) => {
          clearTimeout(timer);
          const status = message.header.parameter1;
          if (!ecaSuccess(status)) {
            reject(this.error(OperationError, `read failed: ${describeStatus(status)}`, status));
            return;
          }
          try {
            resolve(this.toValue(message));
          } catch (error) {
            reject(this.error(OperationError, `unreadable answer: ${(error as Error).message}`));
          }
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#circuit!.send(encodeMessage(Command.READ_NOTIFY, {
        dataType: type,
        dataCount: requested,
        parameter1: this.sid,
        parameter2: id,
      }));
    });
  }

  async put(
    value: number | string | ArrayLike<number> | readonly string[],
    options: PutOptions = {},
  ): Promise<void> {
    const elements = toElements(value);
    if (elements.length === 0) {
      throw new RangeError(`PV "${this.name}": nothing to write (an empty array)`);
    }
    if (this.#state === "closed") throw this.error(ClosedError, "the channel is closed");
    if (!this.connected) await this.#ready(options.timeout ?? this.#host.operationTimeout, "write");
    if ((this.#access & ACCESS_WRITE) === 0) {
      throw this.error(AccessDeniedError, "write access denied", ECA.NOWTACCESS);
    }
    const count = elements.length;
    if (count > this.#count) {
      throw new RangeError(
        `PV "${this.name}": ${count} elements are more than its ${this.#count}`,
      );
    }
    let sent: NativeType = this.#native!;
    let data: Elements = elements;
    if (typeof elements[0] === "string") sent = "string";
    else if (sent === "string") data = Array.from(elements as ArrayLike<number>, String);
    const type = dbrType(sent, "plain");
    this.checkSize(type, count, this.#host.maxArrayBytes);
    const payload = encodeDbr(type, count, { elements: data });
    const id = this.#host.nextId();
    const command = options.wait ? Command.WRITE_NOTIFY : Command.WRITE;
    const message = encodeMessage(command, {
      dataType: type,
      dataCount: count,
      parameter1: this.sid,
      parameter2: id,
    }, payload);
    if (!options.wait) {
      this.#circuit!.send(message);
      return;
    }
    return new Promise<void>((resolve, reject) => {
      const timeout = options.timeout;
      const timer = timeout === undefined ? undefined : later(timeout * 1000, () => {
        operation.fail(
          this.error(OperationTimeoutError, `the write did not complete within ${timeout} s`),
        );
      });
      const operation = this.#begin(id, {
        complete: ({ header }) => {
          clearTimeout(timer);
          if (ecaSuccess(header.parameter1)) resolve();
          else {
            reject(this.error(
              OperationError,
              `write failed: ${describeStatus(header.parameter1)}`,
              header.parameter1,
            ));
          }
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#circuit!.send(message);
    });
  }

  subscribe(callback: (value: PvValue) => void, options: SubscribeOptions = {}): Subscription {
    if (this.#state === "closed") throw this.error(ClosedError, "the channel is closed");
    const subscription = new ChannelSubscription(this, this.#host.nextId(), callback, options);
    if (this.connected) {
      subscription.start(
        this.#circuit!,
        this.#native!,
        this.sid,
        this.#count,
        this.#host.maxArrayBytes,
      );
    }
    this.#subscriptions.add(subscription);
    this.#host.addSubscription(subscription.id, subscription);
    return subscription;
  }

  onConnectionChange(callback: (info: ConnectionInfo) => void): () => void {
    this.#listeners.add(callback);
    return () => this.#listeners.delete(callback);
  }

  close(): void {
    if (this.#state === "closed") return;
    if (this.connected && !this.#circuit!.closed) {
      this.#circuit!.send(encodeMessage(Command.CLEAR_CHANNEL, {
        parameter1: this.sid,
        parameter2: this.cid,
      }));
    }
    this.shutdown(this.error(ClosedError, "the channel is closed"));
    this.#host.release(this);
  }

  /**
   * End everything: operations and waiters fail with `error`, subscriptions end.
   * @param error Why.
   */
  shutdown(error: Error): void {
    this.#state = "closed";
    this.#failAll(error);
    for (const waiter of [...this.#waiters]) waiter.reject(error);
    for (const subscription of this.#subscriptions) {
      subscription.stop();
      this.#host.removeSubscription(subscription.id);
    }
    this.#subscriptions.clear();
    this.#listeners.clear();
  }

  /**
   * Forget a cancelled subscription.
   * @param subscription It.
   */
  unsubscribe(subscription: ChannelSubscription): void {
    this.#subscriptions.delete(subscription);
    this.#host.removeSubscription(subscription.id);
  }

  /**
   * A server has the PV: create the channel on its circuit.
   * @param circuit The circuit.
   */
  attach(circuit: Circuit<CAChannel>): void {
    this.#state = "creating";
    this.#circuit = circuit;
    this.#server = circuit.server;
    circuit.byCid.set(this.cid, this);
    circuit.send(encodeMessage(Command.CREATE_CHAN, {
      parameter1: this.cid,
      parameter2: 13,
    }, paddedString(this.name)));
  }

  /**
   * ACCESS_RIGHTS.
   * @param bits Read and write bits.
   */
  accessRights(bits: number): void {
    const changed = bits !== this.#access;
    this.#access = bits;
    if (changed && this.connected) this.#tell();
  }

  /**
   * The CREATE_CHAN answer: connected.
   * @param nativeType DBR code of the native type.
   * @param count Native element count.
   * @param sid Server id.
   * @returns `false` when the native type is not one of the seven.
   */
  created(nativeType: number, count: number, sid: number): boolean {
    const native = NATIVE_TYPES[nativeType];
    if (native === undefined) return false;
    this.#native = native;
    this.#count = count;
    this.sid = sid;
    this.#state = "connected";
    this.#everConnected = true;
    this.#circuit!.bySid.set(sid, this);
    for (const subscription of this.#subscriptions) {
      try {
        subscription.start(this.#circuit!, native, sid, count, this.#host.maxArrayBytes);
      } catch (error) {
        this.#host.report(error as Error);
      }
    }
    for (const waiter of [...this.#waiters]) waiter.resolve();
    this.#tell();
    return true;
  }

  /**
   * The circuit or the server dropped the channel: back to searching.
   * @param reason Why, for the errors of pending operations.
   */
  lost(reason: string): void {
    const wasConnected = this.connected;
    const circuit = this.#circuit;
    if (circuit) {
      circuit.byCid.delete(this.cid);
      if (circuit.bySid.get(this.sid) === this) circuit.bySid.delete(this.sid);
    }
    this.#circuit = undefined;
    this.#state = "searching";
    for (const subscription of this.#subscriptions) subscription.stop();
    this.#failAll(this.error(DisconnectedError, reason, ECA.DISCONN));
    if (wasConnected) this.#tell();
  }

  /**
   * Refuse a request whose data would be above the limit.
   * @param type DBR type.
   * @param count Elements.
   * @param limit `EPICS_CA_MAX_ARRAY_BYTES`.
   * @throws {ArrayTooLargeError} When it would be.
   */
  checkSize(type: number, count: number, limit: number): void {
    const size = dbrSize(type, count);
    if (size > limit) {
      throw this.error(
        ArrayTooLargeError,
        `${size} bytes of ${typeName(type)} exceed EPICS_CA_MAX_ARRAY_BYTES=${limit}`,
        ECA.TOLARGE,
      );
    }
  }

  /**
   * A READ_NOTIFY or EVENT_ADD answer as a value.
   * @param message The answer.
   * @returns The value and its metadata.
   */
  toValue(message: Message): PvValue {
    const { header, payload } = message;
    const data = decodeDbr(header.dataType, header.dataCount, payload);
    const elements = data.elements;
    // One element is a scalar, as the interface says (and as pyepics does), whatever the
    // channel's native count.
    const out: PvValue = {
      value: elements.length === 1 ? elements[0]! : elements,
      count: elements.length,
    };
    if (data.status !== undefined) out.status = data.status;
    if (data.severity !== undefined) out.severity = data.severity;
    if (data.timestamp !== undefined) out.timestamp = data.timestamp;
    if (data.units !== undefined) out.units = data.units;
    if (data.precision !== undefined) out.precision = data.precision;
    if (data.limits !== undefined) out.limits = data.limits;
    if (data.enumStrings !== undefined) out.enumStrings = data.enumStrings;
    return out;
  }

  /**
   * Fail an operation by id (an ERROR message names it).
   * @param id Operation id.
   * @param error The error.
   * @returns Whether it was this channel's.
   */
  failOperation(id: number, error: Error): boolean {
    const operation = this.#operations.get(id);
    operation?.fail(error);
    return operation !== undefined;
  }

  #begin(id: number, handlers: Omit<Operation, "channel">): Operation {
    let done = false;
    const finish = () => {
      done = true;
      this.#operations.delete(id);
      this.#host.removeOperation(id);
    };
    const operation: Operation = {
      channel: this,
      complete: (message) => {
        if (done) return;
        finish();
        handlers.complete(message);
      },
      fail: (error) => {
        if (done) return;
        finish();
        handlers.fail(error);
      },
    };
    this.#operations.set(id, operation);
    this.#host.addOperation(id, operation);
    return operation;
  }

  #failAll(error: Error): void {
    for (const operation of [...this.#operations.values()]) operation.fail(error);
  }

  #tell(): void {
    const info = this.info;
    for (const listener of [...this.#listeners]) {
      try {
        listener(info);
      } catch (error) {
        this.#host.report(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /** Wait for the connection before an operation, up to `timeout` seconds. */
  #ready(timeout: number, what: string): Promise<void> {
    if (this.#state === "closed") {
      return Promise.reject(this.error(ClosedError, "the channel is closed"));
    }
    if (this.connected) return Promise.resolve();
    return this.#untilConnected(
      timeout,
      () =>
        this.#everConnected
          ? this.error(DisconnectedError, `disconnected; no ${what} possible within ${timeout} s`)
          : new ConnectionTimeoutError([this.name], timeout),
    );
  }

  #untilConnected(timeout: number, onTimeout: () => Error): Promise<void> {
    if (!(timeout >= 0)) {
      return Promise.reject(
        new RangeError(`PV "${this.name}": timeout must be seconds: got "${timeout}"`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(error);
        },
      };
      const timer = later(timeout * 1000, () => waiter.reject(onTimeout()));
      this.#waiters.add(waiter);
    });
  }
}
