/**
 * The fields of one record, each a {@linkcode SoftPv}, and the fields every record has
 * (`dbCommon`): what the motor and swait records build on.
 *
 * @module
 */

import type { Elements, Limits, NativeType } from "../protocol.ts";
import { type MapDatabase, SoftPv } from "../served_pv.ts";
import {
  MENU_ALARM_SEVR,
  MENU_ALARM_STAT,
  MENU_PINI,
  MENU_PRIORITY,
  MENU_SCAN,
  MENU_YES_NO,
} from "./_menus.ts";

/** A field's value: a number (numeric and enum fields) or a string. */
export type FieldValue = number | string;

/** How to make one field. */
export interface FieldSpec {
  /** Native type served. */
  type: NativeType;
  /** Initial value. */
  value: FieldValue;
  /** Choices of an enum field. */
  choices?: readonly string[];
  /** Clients may not write it (the record's `SPC_NOMOD` fields). */
  readOnly?: boolean;
  /** Engineering units. */
  units?: string;
  /** Decimal places. */
  precision?: number;
  /** Limits. */
  limits?: Partial<Limits>;
}

/**
 * A client's write to a field, as one value. It may store the value itself (otherwise nothing
 * is stored) and return a promise that resolves when the processing it starts is complete.
 */
export type FieldWrite = (value: FieldValue) => Promise<void> | void;

const INTEGER_TYPES: ReadonlySet<NativeType> = new Set(["short", "long", "char", "enum"]);

/** DBR units are char[8]: longer units lose their end, as on an IOC. */
export function fitUnits(units: string): string {
  return units.slice(0, 7);
}

/** The fields of one record, by name. */
export class RecordFields {
  /** Record name, for example `"gp:m10"`. */
  readonly name: string;
  readonly #pvs = new Map<string, SoftPv>();
  readonly #clock: (() => number) | undefined;

  /**
   * @param name Record name.
   * @param clock Source of POSIX seconds for the timestamps (default the PVs' own, the wall
   * clock).
   */
  constructor(name: string, clock?: () => number) {
    this.name = name;
    this.#clock = clock;
  }

  /**
   * Add a field.
   * @param field Field name, for example `"VELO"`.
   * @param spec Type, value and metadata.
   * @param onWrite What a client's write does (default: store the value).
   * @returns The field's PV.
   */
  add(field: string, spec: FieldSpec, onWrite?: FieldWrite): SoftPv {
    const pv: SoftPv = new SoftPv({
      nativeType: spec.type,
      value: spec.value,
      writable: !spec.readOnly,
      ...(this.#clock === undefined ? {} : { clock: this.#clock }),
      ...(spec.units === undefined ? {} : { units: fitUnits(spec.units) }),
      ...(spec.precision === undefined ? {} : { precision: spec.precision }),
      ...(spec.limits === undefined ? {} : { limits: spec.limits }),
      ...(spec.choices === undefined ? {} : { enumStrings: spec.choices }),
      onWrite: (elements) => this.#write(field, spec, pv, elements, onWrite),
    });
    this.#pvs.set(field, pv);
    return pv;
  }

  #write(
    field: string,
    spec: FieldSpec,
    pv: SoftPv,
    elements: Elements,
    onWrite: FieldWrite | undefined,
  ): Promise<void> | void {
    if (spec.readOnly) throw new Error(`Field "${this.name}.${field}" is read-only`);
    if (field !== "DISP" && this.#pvs.has("DISP") && this.number("DISP") !== 0) {
      throw new Error(`Record "${this.name}" refuses writes: DISP is set`);
    }
    let value = elements[0];
    if (value === undefined) throw new Error(`Write to "${this.name}.${field}" has no value`);
    if (typeof value === "number" && INTEGER_TYPES.has(spec.type)) value = Math.round(value);
    if (spec.choices && (typeof value !== "number" || value < 0 || value >= spec.choices.length)) {
      throw new Error(
        `Field "${this.name}.${field}" has no choice "${value}": it takes 0 to ${
          spec.choices.length - 1
        } (${spec.choices.join(", ")})`,
      );
    }
    if (onWrite) return onWrite(value);
    pv.set(value);
  }

  /**
   * A field's PV.
   * @param field Field name.
   * @returns The PV.
   * @throws {RangeError} When the record has no such field.
   */
  pv(field: string): SoftPv {
    const pv = this.#pvs.get(field);
    if (pv === undefined) throw new RangeError(`Record "${this.name}" has no field "${field}"`);
    return pv;
  }

  /**
   * A numeric field's value.
   * @param field Field name.
   * @returns The value.
   */
  number(field: string): number {
    return Number(this.pv(field).value);
  }

  /**
   * A string field's value.
   * @param field Field name.
   * @returns The value.
   */
  string(field: string): string {
    return String(this.pv(field).value);
  }

  /**
   * Store a value and post it, only when it changes.
   * @param field Field name.
   * @param value New value.
   */
  update(field: string, value: FieldValue): void {
    const pv = this.pv(field);
    if (pv.value !== value) pv.set(value);
  }

  /**
   * Store a value and post it, changed or not.
   * @param field Field name.
   * @param value New value.
   */
  post(field: string, value: FieldValue): void {
    this.pv(field).set(value);
  }

  /** Field names, in the order added. */
  names(): string[] {
    return [...this.#pvs.keys()];
  }

  /**
   * Serve the record: its name (for VAL) and `name.FIELD` for every field.
   * @param database Where to add the PVs.
   */
  addTo(database: MapDatabase): void {
    database.add(this.name, this.pv("VAL"));
    for (const [field, pv] of this.#pvs) database.add(`${this.name}.${field}`, pv);
  }

  /**
   * Add the fields of `dbCommon`.
   * @param recordType RTYP, for example `"motor"`.
   * @param deviceTypes DTYP choices; the first is the record's.
   * @param scanWrite What a write to SCAN does, beyond storing it.
   * @param procWrite What a write to PROC does.
   */
  addCommon(
    recordType: string,
    deviceTypes: readonly string[],
    scanWrite?: FieldWrite,
    procWrite?: FieldWrite,
  ): void {
    const sevr = { type: "enum", value: 0, choices: MENU_ALARM_SEVR } as const;
    const ro = { readOnly: true } as const;
    this.add("NAME", { type: "string", value: this.name, ...ro });
    this.add("RTYP", { type: "string", value: recordType, ...ro });
    this.add("DESC", { type: "string", value: "" });
    this.add("ASG", { type: "string", value: "" });
    this.add("SCAN", { type: "enum", value: 0, choices: MENU_SCAN }, scanWrite);
    this.add("PINI", { type: "enum", value: 0, choices: MENU_PINI });
    this.add("PHAS", { type: "short", value: 0 });
    this.add("EVNT", { type: "string", value: "" });
    this.add("TSE", { type: "short", value: 0 });
    this.add("TSEL", { type: "string", value: "" });
    this.add("DTYP", { type: "enum", value: 0, choices: deviceTypes, ...ro });
    this.add("DISV", { type: "short", value: 1 });
    this.add("DISA", { type: "short", value: 0 });
    this.add("SDIS", { type: "string", value: "" });
    this.add("DISS", sevr);
    this.add("LCNT", { type: "char", value: 0, ...ro });
    this.add("PACT", { type: "char", value: 0, ...ro });
    this.add("PUTF", { type: "char", value: 0, ...ro });
    this.add("RPRO", { type: "char", value: 0, ...ro });
    this.add("PROC", { type: "char", value: 0 }, procWrite ?? (() => {}));
    this.add("STAT", { type: "enum", value: 0, choices: MENU_ALARM_STAT, ...ro });
    this.add("SEVR", { ...sevr, ...ro });
    this.add("NSTA", { type: "enum", value: 0, choices: MENU_ALARM_STAT, ...ro });
    this.add("NSEV", { ...sevr, ...ro });
    this.add("ACKS", { ...sevr, ...ro });
    this.add("ACKT", { type: "enum", value: 1, choices: MENU_YES_NO });
    this.add("DISP", { type: "char", value: 0 });
    this.add("UDF", { type: "char", value: 0 });
    this.add("UDFS", { ...sevr, value: 3 });
    this.add("FLNK", { type: "string", value: "" });
    this.add("TPRO", { type: "char", value: 0 });
    this.add("PRIO", { type: "enum", value: 0, choices: MENU_PRIORITY });
  }

  /**
   * Set the record's alarm: STAT and SEVR, and the alarm of `field` (VAL) with its next value.
   * @param status Alarm status (`ALARM_STATUS`).
   * @param severity Alarm severity (`ALARM_SEVERITY`).
   * @param field The field whose value carries the alarm.
   * @param value That field's new value.
   */
  alarm(status: number, severity: number, field: string, value: FieldValue): void {
    this.update("STAT", status);
    this.update("SEVR", severity);
    this.pv(field).set(value, { status, severity });
  }
}
