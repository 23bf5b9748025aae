/**
 * EPICS signals in the shape of ophyd's `EpicsSignalRO` and `EpicsSignal`: one PV read (and
 * possibly another written) through a {@linkcode PvTransport}, with the IOC's timestamps and
 * alarm severities, and data keys from the PV's DBR_CTRL metadata.
 *
 * @module
 */

import type { DataKeys } from "../../core/documents/types.ts";
import type { Readings } from "../../core/engine/protocols.ts";
import { Status } from "../../core/engine/status.ts";
import { ConnectionTimeoutError } from "../ca/errors.ts";
import type { PvChannel, PvTransport, PvValue, Subscription } from "../ca/transport.ts";
import { pyCall } from "../_repr.ts";
import { type Kind, type TimedValue, wallClock } from "../signal.ts";
import { dataKeyOf, type EpicsValue, valueOf } from "./_pv_value.ts";
import { defaultTransport } from "./default_transport.ts";

export type { EpicsValue } from "./_pv_value.ts";

/**
 * Options of {@linkcode EpicsSignalRO}.
 *
 * @example A monitored readback on a client of one's own
 * ```ts ignore
 * import { CAClient } from "../ca/client.ts";
 * import { EpicsSignalRO, type EpicsSignalROOptions } from "./epics_signal.ts";
 * const transport = new CAClient({ env: { EPICS_CA_ADDR_LIST: "127.0.0.1", EPICS_CA_AUTO_ADDR_LIST: "NO" } });
 * const options: EpicsSignalROOptions = { name: "rbv", autoMonitor: true, timeout: 5, transport };
 * const rbv = new EpicsSignalRO<number>("gp:m10.RBV", options);
 * await rbv.waitForConnection();
 * const position = await rbv.get(); // the latest monitored value
 * await transport.close();
 * ```
 */
export interface EpicsSignalROOptions {
  /** Name of the signal, which is also its data key. */
  name: string;
  /** Where the value ends up when a device reads it (default `"hinted"`, as ophyd). */
  kind?: Kind;
  /** Read the latest monitored value instead of asking the IOC each time (default `false`). */
  autoMonitor?: boolean;
  /** Read values as strings: enum states, char arrays as text (default `false`). */
  string?: boolean;
  /** The protocol client (default the process-wide one of `default_transport.ts`). */
  transport?: PvTransport;
  /** Seconds to wait for the connection and for each read (default 2). */
  timeout?: number;
  /** The device this signal is a component of, if any. */
  parent?: EpicsParent;
}

/**
 * Options of {@linkcode EpicsSignal}: those of {@linkcode EpicsSignalROOptions} and the PV to
 * write.
 *
 * @example A setpoint read back from another PV
 * ```ts ignore
 * import { EpicsSignal, type EpicsSignalOptions } from "./epics_signal.ts";
 * const options: EpicsSignalOptions = { name: "theta", writePv: "gp:m10.VAL", limits: true };
 * const theta = new EpicsSignal<number>("gp:m10.RBV", options);
 * await theta.set(0.5).wait(); // refused with a RangeError beyond .VAL's control limits
 * ```
 */
export interface EpicsSignalOptions extends EpicsSignalROOptions {
  /** The PV to write (default the read PV). */
  writePv?: string;
  /** Refuse values outside the write PV's control limits before writing (default `false`). */
  limits?: boolean;
}

/**
 * Defaults of {@linkcode EpicsSignalROOptions}, as ophyd's.
 *
 * @example Signals are hinted unless told otherwise
 * ```ts
 * import assert from "node:assert/strict";
 * import { epicsSignalDefaults } from "./epics_signal.ts";
 * assert.equal(epicsSignalDefaults.kind, "hinted");
 * ```
 */
export const epicsSignalDefaults = {
  kind: "hinted",
  autoMonitor: false,
  string: false,
  timeout: 2,
} as const satisfies Partial<EpicsSignalROOptions>;

/** The device a signal belongs to: it shows in the signal's `repr()` and `object_name`. */
export interface EpicsParent {
  /** Name of the device. */
  readonly name: string;
}

/**
 * A value with its IOC timestamp and alarm, as subscribers of an EPICS signal receive it.
 *
 * @example What an update carries
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EpicsUpdate } from "./epics_signal.ts";
 * const update: EpicsUpdate<number> = { value: 0.5, timestamp: 1660343258.42, severity: 0 };
 * assert.equal(update.severity, 0);
 * ```
 */
export interface EpicsUpdate<T> extends TimedValue<T> {
  /** Alarm severity, 0 none to 3 invalid. */
  severity: number;
}

/**
 * A read-only EPICS signal, as ophyd's `EpicsSignalRO`. Its channel connects as soon as the
 * signal is made; `read()` asks the IOC (DBR_TIME) unless `autoMonitor`, `describe()` reports
 * the PV's DBR_CTRL metadata, fetched once per connection.
 *
 * @example The seed's sensor
 * ```ts ignore
 * import { EpicsSignalRO } from "./epics_signal.ts";
 * const sensor = new EpicsSignalRO<number>("gp:userCalc10.VAL", { name: "sensor" });
 * await sensor.waitForConnection();
 * const { sensor: reading } = await sensor.read(); // {value, timestamp (the IOC's), alarm_severity}
 * const { sensor: key } = await sensor.describe(); // source "PV:gp:userCalc10.VAL", units, precision
 * console.log(sensor.repr()); // EpicsSignalRO(read_pv='gp:userCalc10.VAL', name='sensor', ...)
 * ```
 *
 * @typeParam T Type of the value.
 */
export class EpicsSignalRO<T extends EpicsValue = EpicsValue> {
  /** Name of the signal and its data key. */
  readonly name: string;
  /** The PV read. */
  readonly readPv: string;
  /** Where the value ends up when a device reads it. */
  readonly kind: Kind;
  /** Whether reads return the latest monitored value. */
  readonly autoMonitor: boolean;
  /** Whether values are read as strings. */
  readonly string: boolean;
  /** Seconds to wait for the connection and for each read. */
  readonly timeout: number;
  /** The device this signal is a component of, if any. */
  readonly parent: EpicsParent | undefined;
  /** The protocol client. */
  readonly transport: PvTransport;
  /** The channel of the read PV. */
  protected readonly readChannel: PvChannel;
  #metadata = new Map<PvChannel, Promise<PvValue>>();
  #cleanups: (() => void)[] = [];
  #last: EpicsUpdate<T> | undefined;
  #timestamp: number;
  #monitored = false;

  /**
   * Create the signal and start connecting its channel.
   * @param readPv The PV to read, for example `"gp:userCalc10.VAL"`.
   * @param options Name, kind, monitoring, transport and timeout.
   */
  constructor(readPv: string, options: EpicsSignalROOptions) {
    if (typeof options?.name !== "string" || options.name === "") {
      throw new TypeError(
        `Cannot create signal: name must be a non-empty string, got "${options?.name}"`,
      );
    }
    if (typeof readPv !== "string" || readPv === "") {
      throw new TypeError(
        `Cannot create signal "${options.name}": the PV must be a non-empty string, ` +
          `got "${readPv}"`,
      );
    }
    const o = { ...epicsSignalDefaults, ...definedOnly(options) };
    this.name = o.name;
    this.readPv = readPv;
    this.kind = o.kind;
    this.autoMonitor = o.autoMonitor;
    this.string = o.string;
    this.timeout = o.timeout;
    this.parent = o.parent;
    this.transport = o.transport ?? defaultTransport();
    this.#timestamp = wallClock();
    this.readChannel = this.transport.channel(readPv);
    this.watch(this.readChannel);
    if (this.autoMonitor) {
      this.subscribe((update) => {
        this.#last = update;
        this.#timestamp = update.timestamp;
      });
      this.#monitored = true;
    }
  }

  /** The PV read, as ophyd's `pvname`. */
  get pvname(): string {
    return this.readPv;
  }

  /** Whether every channel of the signal is connected. */
  get connected(): boolean {
    return this.pvChannels().every((channel) => channel.connected);
  }

  /** Timestamp of the latest value read or monitored (creation time before any). */
  get timestamp(): number {
    return this.#timestamp;
  }

  /** Hints: the signal's own name when it is hinted. */
  get hints(): { fields: string[] } {
    return { fields: this.kind === "hinted" ? [this.name] : [] };
  }

  /**
   * The channels the signal uses: the read PV's, and the write PV's when it differs.
   * @returns The channels.
   */
  pvChannels(): PvChannel[] {
    return [this.readChannel];
  }

  /**
   * Wait until every channel is connected.
   * @param timeout Seconds to wait (default the signal's `timeout`).
   * @returns When connected.
   * @throws {ConnectionTimeoutError} Listing every PV that did not connect.
   */
  waitForConnection(timeout: number = this.timeout): Promise<void> {
    return waitForChannels(this.pvChannels(), timeout);
  }

  /**
   * The current value: asked from the IOC, or the monitored one when `autoMonitor`.
   * @returns The value.
   */
  async get(): Promise<T> {
    return (await this.#reading()).value;
  }

  /**
   * Read the signal, with the IOC's timestamp and alarm severity.
   * @returns `{[name]: {value, timestamp, alarm_severity}}`.
   */
  async read(): Promise<Readings> {
    const { value, timestamp, severity } = await this.#reading();
    return { [this.name]: { value, timestamp, alarm_severity: severity } };
  }

  /**
   * Describe the signal from its DBR_CTRL metadata: source `PV:<read PV>`, dtype and shape
   * from the native type and count, units, precision, control limits and enum choices.
   * @returns `{[name]: DataKey}`.
   */
  async describe(): Promise<DataKeys> {
    await this.ensureConnected();
    const [meta, limits] = await Promise.all([
      this.metadata(this.readChannel),
      this.metadata(this.limitChannel),
    ]);
    const key = dataKeyOf(`PV:${this.readPv}`, this.readChannel.info, meta, limits, this.string);
    key.object_name = this.parent?.name ?? this.name;
    return { [this.name]: key };
  }

  /**
   * Read the signal as configuration, which for a lone signal is the same as `read()`.
   * @returns `{[name]: {value, timestamp, alarm_severity}}`.
   */
  readConfiguration(): Promise<Readings> {
    return this.read();
  }

  /**
   * Describe the signal as configuration, the same as `describe()`.
   * @returns `{[name]: DataKey}`.
   */
  describeConfiguration(): Promise<DataKeys> {
    return this.describe();
  }

  /**
   * Refused: the signal is read-only.
   * @param _value Ignored.
   * @returns Never.
   */
  set(_value: T): Status {
    throw new TypeError(`Cannot set "${this.name}": the signal is read-only`);
  }

  /**
   * Refused: the signal is read-only.
   * @param _value Ignored.
   * @returns Never.
   */
  put(_value: T): Promise<void> {
    throw new TypeError(`Cannot put to "${this.name}": the signal is read-only`);
  }

  /**
   * Call `callback` with every update of the read PV (a monitor), starting with the current
   * value. The monitor survives reconnections.
   * @param callback Receives the value, its IOC timestamp and alarm severity.
   * @returns A function that unsubscribes.
   */
  subscribe(callback: (update: EpicsUpdate<T>) => void): () => void {
    let chain = Promise.resolve();
    const subscription: Subscription = this.readChannel.subscribe((value) => {
      if (!this.string) return callback(this.#toUpdate(value, undefined));
      // Strings of enums need the states, which arrive separately; keep the order.
      chain = chain.then(async () => {
        const meta = await this.metadata(this.readChannel).catch(() => undefined);
        callback(this.#toUpdate(value, meta));
      }).catch(reportError);
    });
    const unsubscribe = () => subscription.cancel();
    this.#cleanups.push(unsubscribe);
    return unsubscribe;
  }

  /** Stop the monitors and connection listeners this signal made (its channels stay open). */
  destroy(): void {
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
  }

  /**
   * A Python-style representation, as ophyd prints an EPICS signal.
   * @returns For example `EpicsSignalRO(read_pv='gp:userCalc10.VAL', name='sensor',
   * timestamp=1660343258.421057, auto_monitor=False, string=False)`.
   */
  repr(): string {
    return pyCall(this.constructor.name, this.reprArgs());
  }

  /**
   * The keyword arguments of `repr()`, in ophyd's order; subclasses add theirs.
   * @returns `[keyword, value]` pairs.
   */
  protected reprArgs(): [string, unknown][] {
    const args: [string, unknown][] = [["read_pv", this.readPv], ["name", this.name]];
    if (this.parent) args.push(["parent", this.parent.name]);
    if (this.#last) args.push(["value", this.#last.value]);
    args.push(["timestamp", this.#timestamp]);
    args.push(["auto_monitor", this.autoMonitor], ["string", this.string]);
    return args;
  }

  /** The channel whose control limits the data key reports: the write PV's when there is one. */
  protected get limitChannel(): PvChannel {
    return this.readChannel;
  }

  /**
   * Wait for the connection unless every channel is connected already.
   * @returns When connected.
   */
  protected async ensureConnected(): Promise<void> {
    if (!this.connected) await this.waitForConnection();
  }

  /**
   * DBR_CTRL metadata of a channel, asked once per connection.
   * @param channel One of the signal's channels.
   * @returns Units, precision, limits and enum states.
   */
  protected metadata(channel: PvChannel): Promise<PvValue> {
    let meta = this.#metadata.get(channel);
    if (!meta) {
      meta = channel.get({ family: "ctrl", timeout: this.timeout });
      this.#metadata.set(channel, meta);
      const asked = meta;
      asked.catch(() => {
        if (this.#metadata.get(channel) === asked) this.#metadata.delete(channel);
      });
    }
    return meta;
  }

  /**
   * Forget a channel's metadata whenever its connection changes, so that it is asked again
   * of the IOC it reconnects to.
   * @param channel One of the signal's channels.
   */
  protected watch(channel: PvChannel): void {
    this.#cleanups.push(channel.onConnectionChange(() => this.#metadata.delete(channel)));
  }

  async #reading(): Promise<EpicsUpdate<T>> {
    if (this.#monitored && this.#last && this.readChannel.connected) return this.#last;
    await this.ensureConnected();
    const value = await this.readChannel.get({ family: "time", timeout: this.timeout });
    const meta = this.string ? await this.metadata(this.readChannel) : undefined;
    const update = this.#toUpdate(value, meta);
    if (!this.#monitored || !this.#last) {
      this.#last = update;
      this.#timestamp = update.timestamp;
    }
    return update;
  }

  #toUpdate(value: PvValue, meta: PvValue | undefined): EpicsUpdate<T> {
    return {
      value: valueOf(value, this.readChannel.info, this.string, meta) as T,
      timestamp: value.timestamp ?? wallClock(),
      severity: value.severity ?? 0,
    };
  }
}

/**
 * A read-write EPICS signal, as ophyd's `EpicsSignal`: reads one PV and writes another (or
 * the same). `set()` writes with a put callback and finishes when the IOC has processed the
 * write; `put()` only sends it. Control limits in the data key are the write PV's.
 *
 * @example Change a calc's expression
 * ```ts ignore
 * import { EpicsSignal } from "./epics_signal.ts";
 * const calc = new EpicsSignal<string>("gp:userCalc10.CALC", { name: "calc", kind: "config" });
 * await calc.set("RNDM").wait(); // finished once the IOC has processed the write
 * await calc.put("A+B"); // sent, not waited for
 * ```
 *
 * @typeParam T Type of the value.
 */
export class EpicsSignal<T extends EpicsValue = EpicsValue> extends EpicsSignalRO<T> {
  /** The PV written. */
  readonly writePv: string;
  /** Whether values outside the write PV's control limits are refused before writing. */
  readonly useLimits: boolean;
  /** The channel of the write PV (the read channel when they are the same PV). */
  protected readonly writeChannel: PvChannel;

  /**
   * Create the signal and start connecting its channels.
   * @param readPv The PV to read.
   * @param options Those of {@linkcode EpicsSignalRO}, the PV to write and `limits`.
   */
  constructor(readPv: string, options: EpicsSignalOptions) {
    super(readPv, options);
    this.writePv = options.writePv ?? readPv;
    this.useLimits = options.limits ?? false;
    if (this.writePv === readPv) this.writeChannel = this.readChannel;
    else {
      this.writeChannel = this.transport.channel(this.writePv);
      this.watch(this.writeChannel);
    }
  }

  /** The PV written, as ophyd's `setpoint_pvname`. */
  get setpointPvname(): string {
    return this.writePv;
  }

  /**
   * The channels the signal uses: the read PV's, and the write PV's when it differs.
   * @returns The channels.
   */
  override pvChannels(): PvChannel[] {
    return this.writeChannel === this.readChannel
      ? [this.readChannel]
      : [this.readChannel, this.writeChannel];
  }

  /**
   * Write `value` with a put callback.
   * @param value The value.
   * @param options `timeout`: seconds after which the status fails (default none).
   * @returns A status that finishes when the IOC has processed the write, or fails with the
   * error (a `RangeError` outside the limits when `limits` is set).
   */
  override set(value: T, options: { timeout?: number } = {}): Status {
    const status = new Status({
      label: `Set of "${this.name}" to "${value}"`,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    });
    this.#write(value, true).then(
      () => status.setFinished(),
      (error) => status.setException(error),
    );
    return status;
  }

  /**
   * Write `value` without waiting for the IOC to process it.
   * @param value The value.
   * @returns When the write is sent.
   */
  override async put(value: T): Promise<void> {
    await this.#write(value, false);
  }

  /**
   * The keyword arguments of `repr()`: the read-only ones, `write_pv`, `limits` and
   * `put_complete` (`set()` always waits for the put callback).
   * @returns `[keyword, value]` pairs.
   */
  protected override reprArgs(): [string, unknown][] {
    return [
      ...super.reprArgs(),
      ["write_pv", this.writePv],
      ["limits", this.useLimits],
      ["put_complete", true],
    ];
  }

  /** The write PV's channel. */
  protected override get limitChannel(): PvChannel {
    return this.writeChannel;
  }

  async #write(value: T, wait: boolean): Promise<void> {
    await this.ensureConnected();
    if (this.useLimits && typeof value === "number") {
      const limits = (await this.metadata(this.writeChannel)).limits;
      const low = limits?.lowerCtrl;
      const high = limits?.upperCtrl;
      // As EPICS: equal limits mean "no limits".
      if (
        low !== undefined && high !== undefined && low < high && !(value >= low && value <= high)
      ) {
        throw new RangeError(
          `Cannot put "${value}" to "${this.name}": outside the limits [${low}, ${high}] ` +
            `of PV "${this.writePv}"`,
        );
      }
    }
    await this.writeChannel.put(value, { wait });
  }
}

/**
 * Wait for channels to connect, all at once.
 * @param channels The channels.
 * @param timeout Seconds to wait.
 * @returns When every one is connected.
 * @throws {ConnectionTimeoutError} Listing every PV that did not connect in time.
 */
export async function waitForChannels(
  channels: readonly PvChannel[],
  timeout: number,
): Promise<void> {
  const pending = [...new Map(channels.map((c) => [c.name, c])).values()].filter((c) =>
    !c.connected
  );
  const results = await Promise.allSettled(pending.map((c) => c.waitForConnection(timeout)));
  const missing: string[] = [];
  results.forEach((result, i) => {
    if (result.status === "fulfilled") return;
    if (!(result.reason instanceof ConnectionTimeoutError)) throw result.reason;
    missing.push(pending[i]!.name);
  });
  if (missing.length > 0) throw new ConnectionTimeoutError(missing, timeout);
}

/** The options that are set, so that an explicit `undefined` does not override a default. */
function definedOnly<O extends object>(options: O): O {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as O;
}
