/**
 * The base of EPICS devices, in the shape of ophyd's `Device`: named components (signals or
 * sub-devices) whose kind decides whether a read, the configuration or nothing reports them.
 * Unlike the simulated {@linkcode Device}, every read goes to an IOC, so reads and
 * descriptions are gathered concurrently and returned as promises.
 *
 * @module
 */

import type { DataKeys } from "../../core/documents/types.ts";
import type { Readings } from "../../core/engine/protocols.ts";
import type { PvChannel, PvTransport } from "../ca/transport.ts";
import { pyCall } from "../_repr.ts";
import type { Kind } from "../signal.ts";
import { type EpicsSignalRO, type EpicsValue, waitForChannels } from "./epics_signal.ts";
import { defaultTransport } from "./default_transport.ts";

/**
 * Options of {@linkcode EpicsDevice}.
 *
 * @example A device on a client of one's own
 * ```ts ignore
 * import { CAClient } from "../ca/client.ts";
 * import { EpicsDevice, type EpicsDeviceOptions } from "./epics_device.ts";
 * const transport = new CAClient({ env: { EPICS_CA_ADDR_LIST: "127.0.0.1", EPICS_CA_AUTO_ADDR_LIST: "NO" } });
 * const options: EpicsDeviceOptions = { name: "slit", timeout: 5, transport };
 * const slit = new EpicsDevice("gp:slit1", options);
 * ```
 */
export interface EpicsDeviceOptions {
  /** Name of the device; it prefixes the names of its components. */
  name: string;
  /** Where the device's values end up when a parent device reads it (default `"normal"`). */
  kind?: Kind;
  /** The protocol client of its signals (default the process-wide one). */
  transport?: PvTransport;
  /** Seconds to wait for connections and reads (default 2). */
  timeout?: number;
  /** The device this one is a component of, if any. */
  parent?: EpicsDevice;
}

/** A component: a signal or a sub-device. */
export type EpicsComponent = EpicsSignalRO<EpicsValue> | EpicsDevice;

/**
 * A device of EPICS signals, as ophyd's `Device`. Components are named `<device>_<attr>`;
 * `read()`/`describe()` cover the hinted and normal ones, `readConfiguration()` and
 * `describeConfiguration()` the config ones, `hints.fields` the hinted ones, and
 * `waitForConnection()` every PV, omitted ones included.
 *
 * @example A device with two components
 * ```ts ignore
 * import { EpicsDevice } from "./epics_device.ts";
 * import { EpicsSignal, EpicsSignalRO } from "./epics_signal.ts";
 * const slit = new EpicsDevice("gp:slit1", { name: "slit" });
 * const common = { parent: slit, transport: slit.transport };
 * slit.add("gap", (name) => new EpicsSignalRO("gp:slit1:gap", { name, ...common }));
 * slit.add("speed", (name) => new EpicsSignal("gp:slit1:speed", { name, kind: "config", ...common }));
 * await slit.waitForConnection(); // lists every PV that did not connect
 * const readings = await slit.read(); // {slit_gap: {...}}
 * const config = await slit.readConfiguration(); // {slit_speed: {...}}
 * ```
 */
export class EpicsDevice {
  /** Name of the device; it prefixes the names of its components. */
  readonly name: string;
  /** The PV prefix of the device. */
  readonly prefix: string;
  /** Where the device's values end up when a parent device reads it. */
  readonly kind: Kind;
  /** The protocol client of its signals. */
  readonly transport: PvTransport;
  /** Seconds to wait for connections and reads. */
  readonly timeout: number;
  /** The device this one is a component of, if any. */
  readonly parent: EpicsDevice | undefined;
  #components = new Map<string, EpicsComponent>();
  #staged = false;

  /**
   * Create a device without components; `add()` adds them.
   * @param prefix PV prefix, for example `"gp:m10"`.
   * @param options Name, kind, transport and timeout.
   */
  constructor(prefix: string, options: EpicsDeviceOptions) {
    if (typeof options?.name !== "string" || options.name === "") {
      throw new TypeError(
        `Cannot create device: name must be a non-empty string, got "${options?.name}"`,
      );
    }
    this.name = options.name;
    this.prefix = prefix;
    this.kind = options.kind ?? "normal";
    this.transport = options.transport ?? defaultTransport();
    this.timeout = options.timeout ?? 2;
    this.parent = options.parent;
  }

  /**
   * Add a component.
   * @param attr Attribute name, as ophyd's (for example `"user_setpoint"`).
   * @param create Makes the component from its default name `<device>_<attr>`.
   * @returns The component.
   */
  add<C extends EpicsComponent>(attr: string, create: (name: string) => C): C {
    if (this.#components.has(attr)) {
      throw new TypeError(`Cannot add "${attr}" to device "${this.name}": it already has one`);
    }
    const component = create(`${this.name}_${attr}`);
    this.#components.set(attr, component);
    return component;
  }

  /**
   * A component by attribute name.
   * @param attr Attribute name.
   * @returns The component, or `undefined`.
   */
  component(attr: string): EpicsComponent | undefined {
    return this.#components.get(attr);
  }

  /** Attribute names of every component, in the order they were added. */
  get componentNames(): string[] {
    return [...this.#components.keys()];
  }

  /**
   * Attribute names of what `read()` covers, as ophyd's `read_attrs`: the hinted and normal
   * signals, and the dotted names of what read-kind sub-devices cover.
   */
  get readAttrs(): string[] {
    return this.#attrs((c) => isRead(c.kind) ? c.readAttrs : [], "hinted", "normal");
  }

  /** Attribute names of the configuration, as ophyd's `configuration_attrs`. */
  get configurationAttrs(): string[] {
    return this.#attrs((c) => c.kind === "omitted" ? [] : c.configurationAttrs, "config");
  }

  /** Hints: the names of the hinted signals, and those of the sub-devices read. */
  get hints(): { fields: string[] } {
    const fields: string[] = [];
    for (const component of this.#components.values()) {
      if (isDevice(component) && isRead(component.kind)) fields.push(...component.hints.fields);
      else if (!isDevice(component) && component.kind === "hinted") fields.push(component.name);
    }
    return { fields };
  }

  /** Whether every PV of the device is connected. */
  get connected(): boolean {
    return this.pvChannels().every((channel) => channel.connected);
  }

  /** Whether the device is staged. */
  get staged(): boolean {
    return this.#staged;
  }

  /**
   * Every channel of the device and its sub-devices, omitted components included.
   * @returns The channels, each once.
   */
  pvChannels(): PvChannel[] {
    const all = [...this.#components.values()].flatMap((c) => c.pvChannels());
    return [...new Set(all)];
  }

  /**
   * Wait until every PV of the device is connected.
   * @param timeout Seconds to wait (default the device's `timeout`).
   * @returns When connected.
   * @throws {import("../ca/errors.ts").ConnectionTimeoutError} Listing every PV not
   * connected.
   */
  waitForConnection(timeout: number = this.timeout): Promise<void> {
    return waitForChannels(this.pvChannels(), timeout);
  }

  /**
   * Read the hinted and normal components, concurrently.
   * @returns Their readings, in component order.
   */
  read(): Promise<Readings> {
    return this.#gather(this.#readSet(), (c) => c.read());
  }

  /**
   * Describe the hinted and normal components.
   * @returns Their data keys.
   */
  describe(): Promise<DataKeys> {
    return this.#gather(this.#readSet(), (c) => c.describe());
  }

  /**
   * Read the config components (and the configuration of sub-devices).
   * @returns Their readings.
   */
  readConfiguration(): Promise<Readings> {
    return this.#gather(this.#configSet(), (c, sub) => sub ? c.readConfiguration() : c.read());
  }

  /**
   * Describe the config components (and the configuration of sub-devices).
   * @returns Their data keys.
   */
  describeConfiguration(): Promise<DataKeys> {
    return this.#gather(
      this.#configSet(),
      (c, sub) => sub ? c.describeConfiguration() : c.describe(),
    );
  }

  /**
   * Prepare the device for a run (nothing to do here; subclasses may change settings).
   * @returns The staged devices: this one.
   */
  stage(): EpicsDevice[] {
    this.#staged = true;
    return [this];
  }

  /**
   * Restore the device after a run.
   * @returns The unstaged devices: this one.
   */
  unstage(): EpicsDevice[] {
    this.#staged = false;
    return [this];
  }

  /** Stop the monitors and listeners of every component (the channels stay open). */
  destroy(): void {
    for (const component of this.#components.values()) component.destroy();
  }

  /**
   * A Python-style representation, as ophyd prints a device.
   * @returns For example
   * `EpicsDevice(prefix='gp:slit', name='slit', read_attrs=['gap'], configuration_attrs=[])`.
   */
  repr(): string {
    return pyCall(this.constructor.name, this.reprArgs());
  }

  /**
   * The keyword arguments of `repr()`; subclasses change them.
   * @returns `[keyword, value]` pairs.
   */
  protected reprArgs(): [string, unknown][] {
    const args: [string, unknown][] = [["prefix", this.prefix], ["name", this.name]];
    if (this.parent) args.push(["parent", this.parent.name]);
    args.push(["read_attrs", this.readAttrs], ["configuration_attrs", this.configurationAttrs]);
    return args;
  }

  #readSet(): EpicsComponent[] {
    return [...this.#components.values()].filter((c) => isRead(c.kind));
  }

  #configSet(): EpicsComponent[] {
    return [...this.#components.values()].filter((c) =>
      isDevice(c) ? c.kind !== "omitted" : c.kind === "config"
    );
  }

  #attrs(sub: (device: EpicsDevice) => string[], ...kinds: Kind[]): string[] {
    const attrs: string[] = [];
    for (const [attr, c] of this.#components) {
      if (isDevice(c)) attrs.push(...sub(c).map((inner) => `${attr}.${inner}`));
      else if (kinds.includes(c.kind)) attrs.push(attr);
    }
    return attrs;
  }

  async #gather<V>(
    components: EpicsComponent[],
    get: (component: EpicsComponent, sub: boolean) => Promise<Record<string, V>>,
  ): Promise<Record<string, V>> {
    const parts = await Promise.all(components.map((c) => get(c, isDevice(c))));
    return Object.assign({}, ...parts);
  }
}

function isDevice(component: EpicsComponent): component is EpicsDevice {
  return component instanceof EpicsDevice;
}

function isRead(kind: Kind): boolean {
  return kind === "hinted" || kind === "normal";
}
