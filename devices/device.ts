/**
 * Devices built from signals, in the shape of ophyd's `Device`: named components whose kind
 * decides whether a read, the configuration or nothing reports them.
 *
 * @module
 */

import type { DataKeys } from "../core/documents/types.ts";
import type { Readings } from "../core/engine/protocols.ts";
import { parents } from "./_parents.ts";
import { pyCall } from "./_repr.ts";
import type { Kind, SignalRO } from "./signal.ts";

/**
 * Options of {@linkcode Device}.
 */
export interface DeviceOptions {
  /** Address prefix shown by `repr()` (default `""`). */
  prefix?: string;
}

/**
 * A device made of signals, as ophyd's `Device`. Components are named `<device>_<attr>`;
 * `read()`/`describe()` cover the hinted and normal ones, `readConfiguration()` and
 * `describeConfiguration()` the config ones, and `hints.fields` the hinted ones.
 *
 * @example A device with two components
 * ```ts
 * import assert from "node:assert/strict";
 * import { Device } from "./device.ts";
 * import { Signal } from "./signal.ts";
 * const slit = new Device("slit");
 * slit.add("gap", (name) => new Signal({ name, value: 1.5, kind: "hinted" }));
 * slit.add("speed", (name) => new Signal({ name, value: 2, kind: "config" }));
 * assert.deepEqual(Object.keys(slit.read()), ["slit_gap"]);
 * assert.deepEqual(Object.keys(slit.readConfiguration()), ["slit_speed"]);
 * assert.deepEqual(slit.hints, { fields: ["slit_gap"] });
 * ```
 */
export class Device {
  /** Name of the device; it prefixes the names of its components. */
  readonly name: string;
  /** Address prefix shown by `repr()`. */
  readonly prefix: string;
  #components = new Map<string, SignalRO<unknown>>();
  /** Attribute names by kinds, worked out once: a scan reads the device at every point. */
  #attrsByKinds = new Map<string, readonly string[]>();
  #staged = false;

  /**
   * Create a device without components; `add()` adds them.
   * @param name Name of the device.
   * @param options Prefix.
   */
  constructor(name: string, options: DeviceOptions = {}) {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`Cannot create device: name must be a non-empty string, got "${name}"`);
    }
    this.name = name;
    this.prefix = options.prefix ?? "";
  }

  /**
   * Add a component.
   * @param attr Attribute name of the component, as ophyd's (for example `"user_setpoint"`).
   * @param create Makes the signal from its default name `<device>_<attr>`.
   * @returns The signal.
   */
  add<S extends SignalRO<unknown>>(attr: string, create: (name: string) => S): S {
    if (this.#components.has(attr)) {
      throw new TypeError(`Cannot add "${attr}" to device "${this.name}": it already has one`);
    }
    const signal = create(`${this.name}_${attr}`);
    this.#components.set(attr, signal as unknown as SignalRO<unknown>);
    this.#attrsByKinds.clear();
    parents.set(signal as unknown as SignalRO<unknown>, this);
    return signal;
  }

  /**
   * A component by attribute name.
   * @param attr Attribute name.
   * @returns The signal, or `undefined`.
   */
  component(attr: string): SignalRO<unknown> | undefined {
    return this.#components.get(attr);
  }

  /** Attribute names of the hinted and normal components, as ophyd's `read_attrs`. */
  get readAttrs(): string[] {
    return this.#attrs("hinted", "normal");
  }

  /** Attribute names of the config components, as ophyd's `configuration_attrs`. */
  get configurationAttrs(): string[] {
    return this.#attrs("config");
  }

  /** Hints: the names of the hinted components. */
  get hints(): { fields: string[] } {
    return { fields: this.#attrs("hinted").map((attr) => this.#components.get(attr)!.name) };
  }

  /** Whether the device is staged. */
  get staged(): boolean {
    return this.#staged;
  }

  /**
   * Read the hinted and normal components.
   * @returns Their readings.
   */
  read(): Readings {
    return this.#gather(this.readAttrs, (s) => s.read());
  }

  /**
   * Describe the hinted and normal components.
   * @returns Their data keys.
   */
  describe(): DataKeys {
    return this.#gather(this.readAttrs, (s) => s.describe());
  }

  /**
   * Read the config components.
   * @returns Their readings.
   */
  readConfiguration(): Readings {
    return this.#gather(this.configurationAttrs, (s) => s.read());
  }

  /**
   * Describe the config components.
   * @returns Their data keys.
   */
  describeConfiguration(): DataKeys {
    return this.#gather(this.configurationAttrs, (s) => s.describe());
  }

  /**
   * Prepare the device for a run (nothing to do for a simulation).
   * @returns The staged devices: this one.
   */
  stage(): Device[] {
    this.#staged = true;
    return [this];
  }

  /**
   * Restore the device after a run.
   * @returns The unstaged devices: this one.
   */
  unstage(): Device[] {
    this.#staged = false;
    return [this];
  }

  /**
   * A Python-style representation, as ophyd prints a device.
   * @returns For example
   * `Device(prefix='', name='slit', read_attrs=['gap'], configuration_attrs=[])`.
   */
  repr(): string {
    return pyCall(this.constructor.name, this.reprArgs());
  }

  /**
   * The keyword arguments of `repr()`; subclasses change them.
   * @returns `[keyword, value]` pairs.
   */
  protected reprArgs(): [string, unknown][] {
    return [
      ["prefix", this.prefix],
      ["name", this.name],
      ["read_attrs", this.readAttrs],
      ["configuration_attrs", this.configurationAttrs],
    ];
  }

  #attrs(...kinds: Kind[]): string[] {
    // A signal's kind is read-only and components are only added, so the list changes only
    // when one is added.
    // The key is one of three literals: a string made anew at each read is slow as a Map key.
    const key = kinds.length === 1 ? kinds[0]! : kinds[0] === "hinted" ? "read" : kinds.join();
    let attrs = this.#attrsByKinds.get(key);
    if (!attrs) {
      attrs = [...this.#components].filter(([, s]) => kinds.includes(s.kind)).map(([a]) => a);
      this.#attrsByKinds.set(key, attrs);
    }
    return attrs.slice();
  }

  #gather<V>(attrs: string[], get: (signal: SignalRO<unknown>) => Record<string, V>) {
    const out: Record<string, V> = {};
    const components = this.#components;
    for (let i = 0; i < attrs.length; i++) {
      const part = get(components.get(attrs[i]!)!);
      for (const key in part) out[key] = part[key]!;
    }
    return out;
  }
}
