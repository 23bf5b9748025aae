/**
 * The columns of a stream: one per data key, numbers in a typed array grown in place (never
 * one object per event), and the check of each value against its data key.
 *
 * @module
 */

import type { DataKey } from "../documents/types.ts";
import { DocumentError } from "../errors.ts";
import type { Column, ColumnKind } from "./run_data.ts";

export class GrowableFloat64 {
  #data: Float64Array;
  length = 0;
  constructor(capacity = 64) {
    this.#data = new Float64Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.#data.length) this.#grow(this.length + 1);
    this.#data[this.length++] = value;
  }
  pushMany(values: ArrayLike<number>): void {
    if (this.length + values.length > this.#data.length) this.#grow(this.length + values.length);
    this.#data.set(values, this.length);
    this.length += values.length;
  }
  fill(value: number, until: number): void {
    if (until > this.#data.length) this.#grow(until);
    this.#data.fill(value, this.length, until);
    this.length = until;
  }
  view(): Float64Array {
    return this.#data.subarray(0, this.length);
  }
  #grow(needed: number): void {
    let capacity = this.#data.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Float64Array(capacity);
    next.set(this.#data.subarray(0, this.length));
    this.#data = next;
  }
}

export function columnKind(dataKey: DataKey): ColumnKind {
  if (dataKey.external) return "string";
  switch (dataKey.dtype) {
    case "number":
      return "number";
    case "integer":
      return "integer";
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    case "array": {
      const shape = dataKey.shape ?? [];
      return shape.length > 0 && shape.every((n) => typeof n === "number" && n > 0)
        ? "array"
        : "other";
    }
    default:
      return "other";
  }
}

/** Where a value came from, for the warning about a bad one. */
export interface Where {
  document: string;
  uid: string;
}

/** The numpy type msgpack-numpy recorded for an array (see core/readers/_msgpack_numpy.ts). */
const NUMPY_TYPE = Symbol.for("nxdaq.numpy_type");

export class ColumnBuilder implements Column {
  readonly key: string;
  readonly dataKey: DataKey;
  readonly kind: ColumnKind;
  readonly shape: number[];
  readonly #size: number;
  readonly #numbers: GrowableFloat64 | undefined;
  readonly #others: unknown[] | undefined;
  readonly #timestamps = new GrowableFloat64();
  /** Integers a float cannot hold exactly, by index into the numbers. */
  readonly #exact = new Map<number, bigint>();
  #invalid = 0;
  #numpyType: string | undefined;
  /** Whether the column holds one number per event (a number, integer or boolean key). */
  readonly scalarNumbers: boolean;

  constructor(key: string, dataKey: DataKey) {
    this.key = key;
    this.dataKey = dataKey;
    this.kind = columnKind(dataKey);
    this.shape = this.kind === "array" ? (dataKey.shape as number[]) : [];
    this.#size = this.shape.reduce((a, b) => a * b, 1);
    const numeric = this.kind !== "string" && this.kind !== "other";
    this.#numbers = numeric ? new GrowableFloat64() : undefined;
    this.#others = numeric ? undefined : [];
    this.scalarNumbers = numeric && this.kind !== "array";
    this.#numpyType = typeof dataKey.dtype_numpy === "string" ? dataKey.dtype_numpy : undefined;
  }

  get length(): number {
    return this.#timestamps.length;
  }

  get invalid(): number {
    return this.#invalid;
  }

  get numpyType(): string | undefined {
    return this.#numpyType;
  }

  /**
   * Why `value` cannot be stored in this column, or undefined when it can. A bad value is
   * stored as missing (NaN), so that the event's other keys are kept.
   */
  problem(value: unknown, where: Where): DocumentError | undefined {
    if (!this.#numbers) return undefined;
    const field = `data.${this.key}`;
    if (this.kind === "array") {
      const flat = Array.isArray(value) ? value.flat(this.shape.length) : undefined;
      if (!flat || flat.length !== this.#size) {
        return new DocumentError(
          `expected an array of shape [${this.shape.join(", ")}] as the descriptor says: ` +
            "written as missing values",
          { ...where, field },
        );
      }
      const bad = flat.find((item) => !isScalar(item));
      if (bad === undefined) return undefined;
      return this.#scalarProblem(bad, where);
    }
    return isScalar(value) ? undefined : this.#scalarProblem(value, where);
  }

  /**
   * Store a value; one that {@linkcode ColumnBuilder.problem} refuses is stored as missing
   * and counted.
   * @returns Why the value was bad, or undefined.
   */
  push(value: unknown, timestamp: unknown, where: Where): DocumentError | undefined {
    const numbers = this.#numbers;
    if (typeof value === "number" && this.scalarNumbers) {
      this.pushNumber(value, timestamp);
      return undefined;
    }
    let bad: DocumentError | undefined;
    if (numbers) {
      bad = this.problem(value, where);
      if (bad) {
        numbers.fill(NaN, numbers.length + this.#size);
      } else if (this.kind === "array") {
        if (this.#numpyType === undefined) {
          const recorded = (value as Record<symbol, unknown>)[NUMPY_TYPE];
          if (typeof recorded === "string") this.#numpyType = recorded;
        }
        for (const item of (value as unknown[]).flat(this.shape.length)) this.#number(item);
      } else {
        this.#number(value);
      }
    } else {
      this.#others!.push(this.kind === "string" ? (value == null ? "" : String(value)) : value);
    }
    if (bad) this.#invalid++;
    this.#timestamps.push(typeof timestamp === "number" ? timestamp : NaN);
    return bad;
  }

  /**
   * Store a number in a column of {@linkcode ColumnBuilder.scalarNumbers}: the common case,
   * which needs no check.
   */
  pushNumber(value: number, timestamp: unknown): void {
    this.#numbers!.push(value);
    this.#timestamps.push(typeof timestamp === "number" ? timestamp : NaN);
  }

  /** Pad with missing values up to `length` events. */
  padTo(length: number): void {
    if (this.length >= length) return;
    const missing = length - this.length;
    if (this.#numbers) this.#numbers.fill(NaN, this.#numbers.length + missing * this.#size);
    else for (let i = 0; i < missing; i++) this.#others!.push(this.kind === "string" ? "" : null);
    this.#timestamps.fill(NaN, length);
  }

  values(): Float64Array | string[] | unknown[] {
    return this.#numbers ? this.#numbers.view() : this.#others!;
  }

  exactValues(): BigInt64Array | BigUint64Array | undefined {
    if (this.#exact.size === 0) return undefined;
    const numbers = this.#numbers!.view();
    let unsigned = false;
    for (const big of this.#exact.values()) if (big > 2n ** 63n - 1n) unsigned = true;
    if (unsigned && numbers.some((v) => v < 0)) return undefined;
    if (!numbers.every(Number.isInteger)) return undefined;
    const out = unsigned ? new BigUint64Array(numbers.length) : new BigInt64Array(numbers.length);
    for (let i = 0; i < numbers.length; i++) out[i] = this.#exact.get(i) ?? BigInt(numbers[i]!);
    return out;
  }

  timestamps(): Float64Array {
    return this.#timestamps.view();
  }

  #number(value: unknown): void {
    const numbers = this.#numbers!;
    if (typeof value === "bigint") {
      if (value >= -(2n ** 63n) && value < 2n ** 64n) this.#exact.set(numbers.length, value);
      numbers.push(Number(value));
    } else {
      numbers.push(toNumber(value));
    }
  }

  #scalarProblem(value: unknown, where: Where): DocumentError {
    return new DocumentError(
      `expected a ${this.dataKey.dtype} as the descriptor says: got ${shown(value)}: ` +
        "written as a missing value",
      { ...where, field: `data.${this.key}` },
    );
  }
}

function isScalar(value: unknown): boolean {
  return typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" ||
    value == null;
}

function shown(value: unknown): string {
  if (typeof value === "bigint") return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return Number(value);
  return NaN;
}
