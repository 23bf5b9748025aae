/**
 * What the EPICS devices need from a control-system protocol: named channels that connect by
 * themselves, read with metadata, write with or without completion, and post monitors. The
 * Channel Access client implements it; a PV Access client can implement it too without any
 * device changing.
 *
 * @module
 */

import type { Family, Limits, NativeType } from "./protocol.ts";

/** A value read from a channel, with as much metadata as was asked for. */
export interface PvValue {
  /**
   * The value: a number or string for one element, a typed array (numbers) or a string array
   * for more. An enum is its index unless read as strings.
   */
  value: number | string | ArrayLike<number> | readonly string[];
  /** Number of elements received. */
  count: number;
  /** Alarm status (STS and above). */
  status?: number;
  /** Alarm severity, 0 none to 3 invalid (STS and above). */
  severity?: number;
  /** POSIX seconds of the value, from the server (TIME). */
  timestamp?: number;
  /** Engineering units (GR, CTRL). */
  units?: string;
  /** Decimal places (GR, CTRL of float and double). */
  precision?: number;
  /** Limits (GR, CTRL). */
  limits?: Partial<Limits>;
  /** Enum state strings (GR, CTRL of an enum). */
  enumStrings?: readonly string[];
}

/** Options of {@linkcode PvChannel.get}. */
export interface GetOptions {
  /** Type family to ask for (default `"time"`). */
  family?: Family;
  /** Ask for this type instead of the native one, for example `"string"`. */
  as?: NativeType;
  /** Elements to ask for; 0 (the default) asks for the current length. */
  count?: number;
  /** Seconds to wait for the answer (default the client's operation timeout). */
  timeout?: number;
}

/** Options of {@linkcode PvChannel.put}. */
export interface PutOptions {
  /**
   * Wait for the server to finish processing (a put with callback, WRITE_NOTIFY), for example
   * until a motor's move is done. Default `false`: the put returns once it is sent.
   */
  wait?: boolean;
  /** Seconds to wait for the completion when `wait` is set (default no limit). */
  timeout?: number;
}

/** Options of {@linkcode PvChannel.subscribe}. */
export interface SubscribeOptions {
  /** Type family of the updates (default `"time"`). */
  family?: Family;
  /** Ask for this type instead of the native one, for example `"string"` for enum states. */
  as?: NativeType;
  /** Event mask, a sum of `DBE.*` (default value and alarm). */
  mask?: number;
  /** Elements per update; 0 (the default) for the current length. */
  count?: number;
}

/** A monitor: cancel it to stop the updates. */
export interface Subscription {
  /** Stop the updates (idempotent). */
  cancel(): void;
}

/** What a channel knows about its connection. */
export interface ConnectionInfo {
  /** Whether the channel is connected now. */
  connected: boolean;
  /** `host:port` of the server, once found. */
  server?: string | undefined;
  /** Native type, once connected. */
  nativeType?: NativeType | undefined;
  /** Native element count, once connected. */
  count?: number | undefined;
  /** Read access. */
  read?: boolean;
  /** Write access. */
  write?: boolean;
}

/**
 * A named process variable. It connects by itself, as soon as it is made, and again after a
 * lost connection; its subscriptions survive that. Operations on a disconnected channel fail
 * with an error naming the PV.
 */
export interface PvChannel {
  /** Name of the PV. */
  readonly name: string;
  /** Whether it is connected now. */
  readonly connected: boolean;
  /** Connection details. */
  readonly info: ConnectionInfo;
  /**
   * Wait until connected.
   * @param timeout Seconds to wait.
   * @returns When connected.
   * @throws {import("./errors.ts").ConnectionTimeoutError} When it did not connect in time.
   */
  waitForConnection(timeout: number): Promise<void>;
  /**
   * Read the value.
   * @param options Family, type, count and timeout.
   * @returns The value and metadata.
   */
  get(options?: GetOptions): Promise<PvValue>;
  /**
   * Write a value.
   * @param value A number, string, or array of them.
   * @param options Whether to wait for completion, and how long.
   * @returns When sent, or when completed if `wait`.
   */
  put(
    value: number | string | ArrayLike<number> | readonly string[],
    options?: PutOptions,
  ): Promise<void>;
  /**
   * Post every update to `callback`, starting with the current value. Survives reconnection.
   * @param callback Receives each update.
   * @param options Family, mask and count.
   * @returns The subscription.
   */
  subscribe(callback: (value: PvValue) => void, options?: SubscribeOptions): Subscription;
  /**
   * Be told of connection changes.
   * @param callback Receives the new connection state.
   * @returns A function that stops telling.
   */
  onConnectionChange(callback: (info: ConnectionInfo) => void): () => void;
  /** Drop the channel; its subscriptions end. */
  close(): void;
}

/** Makes channels: a client of one protocol. */
export interface PvTransport {
  /**
   * The channel of a PV; the same name gives the same channel while it is open.
   * @param name Name of the PV.
   * @returns The channel, connecting.
   */
  channel(name: string): PvChannel;
  /** Close every channel and connection. */
  close(): Promise<void>;
}
