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

export class ColumnBuilder implements Column {
  readonly key: string;
  readonly dataKey: DataKey;
  readonly kind: ColumnKind;
  readonly shape: number[];
  readonly #size: number;
  readonly #numbers: GrowableFloat64 | undefined;
  readonly #others: unknown[] | undefined;
  readonly #timestamps = new GrowableFloat64();

  constructor(key: string, dataKey: DataKey) {
    this.key = key;
    this.dataKey = dataKey;
    this.kind = columnKind(dataKey);
    this.shape = this.kind === "array" ? (dataKey.shape as number[]) : [];
    this.#size = this.shape.reduce((a, b) => a * b, 1);
    const numeric = this.kind !== "string" && this.kind !== "other";
    this.#numbers = numeric ? new GrowableFloat64() : undefined;
    this.#others = numeric ? undefined : [];
  }

  get length(): number {
    return this.#timestamps.length;
  }

  /**
   * Throw when `value` cannot be stored in this column, before anything of the event is
   * stored, so a bad event leaves no trace.
   */
  check(value: unknown, where: { document: string; uid: string }): void {
    if (!this.#numbers) return;
    if (this.kind === "array") {
      const flat = Array.isArray(value) ? value.flat(this.shape.length) : undefined;
      if (!flat || flat.length !== this.#size) {
        throw new DocumentError(
          `expected an array of shape [${this.shape.join(", ")}] as the descriptor says`,
          { ...where, field: `data.${this.key}` },
        );
      }
      for (const item of flat) this.#scalar(item, where);
    } else {
      this.#scalar(value, where);
    }
  }

  /** Store a value that {@linkcode ColumnBuilder.check} accepted. */
  push(value: unknown, timestamp: unknown): void {
    const numbers = this.#numbers;
    if (numbers) {
      if (this.kind === "array") {
        for (const item of (value as unknown[]).flat(this.shape.length)) {
          numbers.push(toNumber(item));
        }
      } else {
        numbers.push(toNumber(value));
      }
    } else {
      this.#others!.push(this.kind === "string" ? (value == null ? "" : String(value)) : value);
    }
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

  timestamps(): Float64Array {
    return this.#timestamps.view();
  }

  #scalar(value: unknown, where: { document: string; uid: string }): void {
    if (typeof value === "number" || typeof value === "boolean" || value == null) return;
    throw new DocumentError(
      `expected a ${this.dataKey.dtype} as the descriptor says: got ${JSON.stringify(value)}`,
      { ...where, field: `data.${this.key}` },
    );
  }
}

export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return NaN;
}
