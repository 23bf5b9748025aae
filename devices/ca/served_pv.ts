/**
 * The server side's view of a PV: what a Channel Access server serves. A record (a motor, an
 * swait) is a set of {@linkcode ServedPv}s, one per field; the server asks a
 * {@linkcode PvDatabase} for them by name.
 *
 * @module
 */

import { DBE, type Elements, type Limits, type NativeType } from "./protocol.ts";

/** The full state of a PV: value and every piece of metadata a DBR can carry. */
export interface PvState {
  /** The elements, of the PV's native type. */
  elements: Elements;
  /** POSIX seconds of the value. */
  timestamp: number;
  /** Alarm status (0 none). */
  status?: number;
  /** Alarm severity (0 none to 3 invalid). */
  severity?: number;
  /** Engineering units. */
  units?: string;
  /** Decimal places. */
  precision?: number;
  /** Display, alarm and control limits. */
  limits?: Partial<Limits>;
  /** Enum state strings. */
  enumStrings?: readonly string[];
}

/** A PV as a server serves it. */
export interface ServedPv {
  /** Native type. */
  readonly nativeType: NativeType;
  /** Largest element count (the native count announced at channel creation). */
  readonly maxCount: number;
  /** Whether clients may write it. */
  readonly writable: boolean;
  /**
   * The current state.
   * @returns Value and metadata.
   */
  state(): PvState;
  /**
   * A client's write, already converted to the native type. Resolves when the processing it
   * starts is complete (a motor's move done), which is when a put with callback answers.
   * @param elements The elements written.
   * @returns When processing is complete.
   * @throws {Error} When the write is refused; the client gets ECA_PUTFAIL with the message.
   */
  write(elements: Elements): Promise<void> | void;
  /**
   * Be told of every change, with the event mask it matches (`DBE.*`).
   * @param listener Receives the new state and its mask.
   * @returns A function that stops telling.
   */
  subscribe(listener: (state: PvState, mask: number) => void): () => void;
}

/** Finds PVs by name. */
export interface PvDatabase {
  /**
   * The PV of a name, if served.
   * @param name PV name, for example `"gp:m10.RBV"`.
   * @returns The PV or `undefined`.
   */
  lookup(name: string): ServedPv | undefined;
}

/** Options of {@linkcode SoftPv}. */
export interface SoftPvOptions {
  /** Native type. */
  nativeType: NativeType;
  /** Initial value: one element or an array. */
  value: number | string | Elements;
  /** Largest element count (default: the initial value's length, at least 1). */
  maxCount?: number;
  /** Whether clients may write (default `true`). */
  writable?: boolean;
  /** Engineering units. */
  units?: string;
  /** Decimal places. */
  precision?: number;
  /** Limits. */
  limits?: Partial<Limits>;
  /** Enum state strings. */
  enumStrings?: readonly string[];
  /**
   * Called on a client's write instead of storing it; it may store with `set()` and return
   * a promise that resolves when the processing is complete.
   */
  onWrite?: (elements: Elements, pv: SoftPv) => Promise<void> | void;
  /** Source of POSIX seconds (default the wall clock). */
  clock?: () => number;
}

/**
 * A PV holding its own value and metadata: the building block of the soft IOC's records.
 *
 * @example A value that changes and tells its subscribers
 * ```ts
 * import assert from "node:assert/strict";
 * import { SoftPv } from "./served_pv.ts";
 * const pv = new SoftPv({ nativeType: "double", value: 1, units: "mm", precision: 3 });
 * const seen: number[] = [];
 * pv.subscribe((state) => seen.push(state.elements[0] as number));
 * pv.set(2);
 * assert.deepEqual(seen, [2]);
 * assert.equal(pv.state().units, "mm");
 * ```
 */
export class SoftPv implements ServedPv {
  readonly nativeType: NativeType;
  readonly maxCount: number;
  readonly writable: boolean;
  #state: PvState;
  #listeners = new Set<(state: PvState, mask: number) => void>();
  #onWrite: SoftPvOptions["onWrite"];
  #clock: () => number;

  /**
   * Make a PV holding its initial value.
   * @param options Type, value, metadata and write handler.
   */
  constructor(options: SoftPvOptions) {
    this.nativeType = options.nativeType;
    this.#clock = options.clock ?? (() => Date.now() / 1000);
    const elements = asElements(options.value);
    this.maxCount = options.maxCount ?? Math.max(1, elements.length);
    this.writable = options.writable ?? true;
    this.#onWrite = options.onWrite;
    this.#state = {
      elements,
      timestamp: this.#clock(),
      status: 0,
      severity: 0,
      ...(options.units === undefined ? {} : { units: options.units }),
      ...(options.precision === undefined ? {} : { precision: options.precision }),
      ...(options.limits === undefined ? {} : { limits: { ...options.limits } }),
      ...(options.enumStrings === undefined ? {} : { enumStrings: [...options.enumStrings] }),
    };
  }

  /** The first element. */
  get value(): number | string {
    return this.#state.elements[0] as number | string;
  }

  state(): PvState {
    return this.#state;
  }

  write(elements: Elements): Promise<void> | void {
    if (this.#onWrite) return this.#onWrite(elements, this);
    this.set(elements);
  }

  /**
   * Store a new value and tell subscribers (mask value and log, plus alarm when it changed).
   * @param value One element or an array.
   * @param alarm New alarm status and severity, when they change.
   */
  set(value: number | string | Elements, alarm?: { status: number; severity: number }): void {
    const previous = this.#state;
    let mask = DBE.VALUE | DBE.LOG;
    const next: PvState = { ...previous, elements: asElements(value), timestamp: this.#clock() };
    if (alarm && (alarm.status !== previous.status || alarm.severity !== previous.severity)) {
      next.status = alarm.status;
      next.severity = alarm.severity;
      mask |= DBE.ALARM;
    }
    this.#state = next;
    this.#post(mask);
  }

  /**
   * Change metadata (units, precision, limits, enum strings) and tell subscribers with
   * `DBE.PROPERTY`.
   * @param changes The metadata that changes.
   */
  setMetadata(changes: Pick<PvState, "units" | "precision" | "limits" | "enumStrings">): void {
    this.#state = { ...this.#state, ...changes };
    this.#post(DBE.PROPERTY);
  }

  subscribe(listener: (state: PvState, mask: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #post(mask: number): void {
    for (const listener of [...this.#listeners]) listener(this.#state, mask);
  }
}

function asElements(value: number | string | Elements): Elements {
  if (typeof value === "number") return [value];
  if (typeof value === "string") return [value];
  return value;
}

/**
 * A database that is a map from names to PVs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MapDatabase, SoftPv } from "./served_pv.ts";
 * const db = new MapDatabase();
 * db.add("x:temp", new SoftPv({ nativeType: "double", value: 20 }));
 * assert.ok(db.lookup("x:temp"));
 * assert.equal(db.lookup("x:other"), undefined);
 * ```
 */
export class MapDatabase implements PvDatabase {
  #pvs = new Map<string, ServedPv>();

  /**
   * Serve a PV under a name.
   * @param name PV name.
   * @param pv The PV.
   * @throws {TypeError} When the name is taken.
   */
  add(name: string, pv: ServedPv): void {
    if (this.#pvs.has(name)) throw new TypeError(`PV "${name}" is already served`);
    this.#pvs.set(name, pv);
  }

  lookup(name: string): ServedPv | undefined {
    return this.#pvs.get(name);
  }

  /** Names served, in the order added. */
  names(): string[] {
    return [...this.#pvs.keys()];
  }
}
