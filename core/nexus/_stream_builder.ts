/**
 * One stream of a run as its documents arrive: descriptors, configuration, hints, and the
 * columns of its data keys.
 *
 * @module
 */

import type {
  Configuration,
  DataKeys,
  EventDescriptor,
  PerObjectHint,
} from "../documents/types.ts";
import { DocumentError } from "../errors.ts";
import type { Column, StreamData } from "./run_data.ts";
import { ColumnBuilder, GrowableFloat64, type Where } from "./_columns.ts";
import { safeName, uniqueNames } from "./layout.ts";

export class StreamBuilder implements StreamData {
  readonly name: string;
  readonly groupName: string;
  readonly descriptors: EventDescriptor[] = [];
  readonly dataKeys: DataKeys = {};
  readonly configuration: Record<string, Configuration> = {};
  readonly hints: Record<string, PerObjectHint> = {};
  readonly objectKeys: Record<string, string[]> = {};
  readonly #columns = new Map<string, ColumnBuilder>();
  readonly #time = new GrowableFloat64();
  readonly #seqNum = new GrowableFloat64();
  readonly #warn: (problem: DocumentError) => void;
  readonly #strays = new Set<string>();
  /** The column of each key of the last event, in its order: the next event's are the same. */
  readonly #order: (ColumnBuilder | undefined)[] = [];

  #names: Map<string, string> | undefined;

  constructor(name: string, groupName: string, warn: (problem: DocumentError) => void) {
    this.name = name;
    this.groupName = groupName;
    this.#warn = warn;
  }

  get length(): number {
    return this.#time.length;
  }

  addDescriptor(descriptor: EventDescriptor): void {
    this.descriptors.push(descriptor);
    for (const [key, dataKey] of Object.entries(descriptor.data_keys)) {
      if (this.#columns.has(key)) continue;
      this.dataKeys[key] = dataKey;
      const column = new ColumnBuilder(key, dataKey);
      column.padTo(this.length);
      this.#columns.set(key, column);
      this.#names = undefined;
    }
    Object.assign(this.configuration, descriptor.configuration ?? {});
    Object.assign(this.hints, descriptor.hints ?? {});
    Object.assign(this.objectKeys, descriptor.object_keys ?? {});
  }

  keys(): string[] {
    return [...this.#columns.keys()];
  }

  keyName(key: string): string {
    this.#names ??= uniqueNames(this.#columns.keys());
    return this.#names.get(key) ?? safeName(key);
  }

  column(key: string): Column | undefined {
    return this.#columns.get(key);
  }

  time(): Float64Array {
    return this.#time.view();
  }

  seqNum(): Float64Array {
    return this.#seqNum.view();
  }

  addEvent(
    data: Record<string, unknown>,
    timestamps: Record<string, unknown>,
    time: number,
    seqNum: number,
    uid: string,
    document: string,
  ): void {
    let seen = 0;
    // Made only for a value that needs a check: a number for a number key needs none.
    let where: Where | undefined;
    const order = this.#order;
    let index = 0;
    for (const key in data) {
      let column = order[index];
      if (column === undefined || column.key !== key) {
        column = this.#columns.get(key);
        order[index] = column;
      }
      index++;
      const value = data[key];
      // The common case first: a number for a number key, which needs no check.
      if (typeof value === "number" && column?.scalarNumbers) {
        column.pushNumber(value, timestamps[key]);
        seen++;
        continue;
      }
      if (!column) {
        // The event's other keys are still good: keep them, name the stray one.
        if (!this.#strays.has(key)) {
          this.#strays.add(key);
          this.#warn(
            new DocumentError(
              `key "${key}" is not in the descriptor's data_keys: left out` +
                " (of this and every later event)",
              { document, uid, field: `data.${key}` },
            ),
          );
        }
        continue;
      }
      const before = column.invalid;
      const problem = column.push(value, timestamps[key], where ??= { document, uid });
      // The first bad value of a key is told here; the streams plugin counts them all.
      if (problem && before === 0) this.#warn(problem);
      seen++;
    }
    this.#time.push(time);
    // A seq_num that goes back (bluesky repeats them after a rewind) is kept in arrival
    // order; the document gate in front of the writer reports it, once per run.
    this.#seqNum.push(seqNum);
    if (seen !== this.#columns.size) {
      const missing = [...this.#columns.keys()].filter((key) =>
        !(key in data) && !this.dataKeys[key]?.external?.startsWith("STREAM:")
      );
      if (missing.length > 0) {
        this.#warn(
          new DocumentError(
            `missing key(s) ${missing.map((k) => `"${k}"`).join(", ")}: written as missing values`,
            { document, uid, field: "data" },
          ),
        );
      }
      for (const column of this.#columns.values()) column.padTo(this.length);
    }
  }
}
