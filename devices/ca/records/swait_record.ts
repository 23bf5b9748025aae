/**
 * The synApps swait record, as the xxx IOC's `userCalc1`..`userCalc10`: a calc expression over
 * the inputs `A`-`L` (constants, or links to other PVs of the IOC), processed on a periodic
 * SCAN, on a change of its inputs (I/O Intr), or on demand (PROC), with an optional output
 * link.
 *
 * @module
 */

import { convertElements } from "../convert.ts";
import { DBE } from "../protocol.ts";
import type { MapDatabase, ServedPv, SoftPv } from "../served_pv.ts";
import { CALC_VARIABLES, CalcError, type CalcExpression, compileCalc } from "./calc.ts";
import { ALARM_SEVERITY, ALARM_STATUS, SCAN_PERIODS } from "./_menus.ts";
import { type FieldWrite, fitUnits, RecordFields } from "./_record_fields.ts";

/** Options of {@linkcode SoftSwaitRecord}. */
export interface SoftSwaitRecordOptions {
  /** DESC. */
  description?: string;
  /** PREC: decimal places of VAL and the inputs. */
  precision?: number;
  /** Source of `RNDM`, uniform in `[0, 1)` (default `Math.random`). */
  random?: () => number;
  /**
   * Finds the PVs that the links (`INAN`..`INLN`, `DOLN`, `OUTN`, `SDIS`) name, for example
   * the IOC's database lookup. Without it every link is "PV BAD".
   */
  resolve?: (name: string) => ServedPv | undefined;
  /** Source of POSIX seconds for the timestamps (default the wall clock). */
  clock?: () => number;
}

/** Defaults of {@linkcode SoftSwaitRecordOptions}. */
export const softSwaitRecordDefaults = {
  description: "",
  precision: 5,
} satisfies SoftSwaitRecordOptions;

/** `swaitINAV`: the status of a link. */
const LINK_STATUS = ["PV OK", "PV BAD", "No PV"] as const;
const PV_OK = 0;
const PV_BAD = 1;
const NO_PV = 2;

/** `swaitOOPT`: when the output link is written. */
const OUTPUT_OPTIONS = [
  "Every Time",
  "On Change",
  "When Zero",
  "When Non-zero",
  "Transition To Zero",
  "Transition To Non-zero",
  "Never",
] as const;

const SCAN_IO_INTR = 2;

function shouldWrite(option: number, old: number, value: number): boolean {
  switch (option) {
    case 0:
      return true;
    case 1:
      return old !== value;
    case 2:
      return value === 0;
    case 3:
      return value !== 0;
    case 4:
      return old !== 0 && value === 0;
    case 5:
      return old === 0 && value !== 0;
    default:
      return false;
  }
}

function numberOf(pv: ServedPv): number {
  const element = pv.state().elements[0];
  if (typeof element === "number") return element;
  const x = Number(element);
  return Number.isFinite(x) ? x : 0;
}

/**
 * An swait record. Processing reads the linked inputs into `A`-`L`, evaluates CALC into VAL
 * (with the DBR_TIME stamp of the processing), keeps the previous inputs in `LA`-`LL` and the
 * previous result in OVAL, and writes the output link as OOPT says. A fresh record has CALC
 * "0" and SCAN "Passive", as on a freshly booted IOC; apstools' `setup_random_number_swait`
 * then makes it RNDM at ".1 second". A CALC that does not compile is refused (ECA_PUTFAIL,
 * with the reason), CLCV becomes -1 and processing raises a CALC alarm until it is fixed.
 * Writing an input `A`-`L` processes a Passive record; writing PROC processes any.
 *
 * DBR_CTRL of VAL gives units EGU (an addition to the real record, "" by default), precision
 * PREC and limits LOPR/HOPR (0/0 by default).
 *
 * @example A random number at 10 Hz, as the seed sets it up
 * ```ts
 * import assert from "node:assert/strict";
 * import { SoftSwaitRecord } from "./swait_record.ts";
 * const calc = new SoftSwaitRecord("gp:userCalc10");
 * await calc.field("CALC").write(["RNDM"]);
 * await calc.field("SCAN").write([9]); // ".1 second"
 * const values: number[] = [];
 * calc.field("VAL").subscribe((state) => values.push(state.elements[0] as number));
 * await new Promise((resolve) => setTimeout(resolve, 350));
 * calc.close();
 * assert.ok(values.length >= 2 && values.every((x) => x >= 0 && x < 1));
 * ```
 */
export class SoftSwaitRecord {
  /** Record name, for example `"gp:userCalc10"`. */
  readonly name: string;
  readonly #f: RecordFields;
  readonly #random: (() => number) | undefined;
  readonly #resolve: ((name: string) => ServedPv | undefined) | undefined;
  #calc: CalcExpression | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #outputTimers = new Set<ReturnType<typeof setTimeout>>();
  #watches: (() => void)[] = [];
  #active = false;
  #closed = false;

  /**
   * Create the record, as a freshly booted IOC has it.
   * @param name Record name, for example `"gp:userCalc10"`.
   * @param options Precision, random source, link resolver and clock.
   */
  constructor(name: string, options: SoftSwaitRecordOptions = {}) {
    const o = { ...softSwaitRecordDefaults, ...options };
    this.name = name;
    this.#random = o.random;
    this.#resolve = o.resolve;
    this.#f = new RecordFields(name, o.clock);
    this.#build(o.precision);
    this.#f.update("DESC", o.description);
    this.#calc = this.#compile("0");
  }

  /** Names of the fields, VAL first. */
  fields(): string[] {
    return this.#f.names();
  }

  /**
   * The PV of a field.
   * @param field Field name, for example `"CALC"`.
   * @returns Its PV.
   * @throws {RangeError} When the record has no such field.
   */
  field(field: string): SoftPv {
    return this.#f.pv(field);
  }

  /**
   * Serve the record: `name` and `name.VAL` for VAL, `name.FIELD` for each field.
   * @param database Where to add the PVs.
   */
  addTo(database: MapDatabase): void {
    this.#f.addTo(database);
  }

  /** Process once, as a write to PROC does. Does nothing while disabled or closed. */
  process(): void {
    if (this.#closed || this.#active) return;
    const f = this.#f;
    // An output or input link back to this record must not process it again from within.
    this.#active = true;
    try {
      this.#readDisable();
      if (f.number("DISA") === f.number("DISV")) return;
      this.#readInputs();
      const old = f.number("VAL");
      const calc = this.#calc;
      if (calc === undefined) {
        f.alarm(ALARM_STATUS.CALC, ALARM_SEVERITY.INVALID, "VAL", old);
        return;
      }
      const args = new Float64Array(CALC_VARIABLES.length + 1);
      CALC_VARIABLES.forEach((letter, i) => args[i] = f.number(letter));
      const value = calc.evaluate(args, old);
      for (const letter of calc.stores) f.update(letter, args[CALC_VARIABLES.indexOf(letter)]!);
      f.update("UDF", 0);
      f.alarm(ALARM_STATUS.NONE, ALARM_SEVERITY.NONE, "VAL", value);
      for (const letter of CALC_VARIABLES) f.update(`L${letter}`, f.number(letter));
      this.#output(old, value);
      f.update("OVAL", value);
    } finally {
      this.#active = false;
    }
  }

  /** Stop the periodic processing and the monitors of linked PVs. The fields stay readable. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const timer of this.#outputTimers) clearTimeout(timer);
    this.#outputTimers.clear();
    this.#unwatch();
  }

  // ---------------------------------------------------------------- fields

  #build(precision: number): void {
    const f = this.#f;
    const store = (field: string, then: () => void): FieldWrite => (value) => {
      f.post(field, value);
      then();
    };
    const link = { type: "enum", choices: LINK_STATUS, value: NO_PV, readOnly: true } as const;
    const input = { type: "double", value: 0, precision } as const;

    f.add("VAL", {
      type: "double",
      value: 0,
      precision,
      units: "",
      limits: { upperDisp: 0, lowerDisp: 0, upperCtrl: 0, lowerCtrl: 0 },
    });
    f.addCommon(
      "swait",
      ["Soft Channel"],
      store("SCAN", () => this.#rescan()),
      () => this.process(),
    );
    f.add("VERS", { type: "float", value: 1, precision: 2, readOnly: true });
    f.add("HOPR", { type: "float", value: 0 }, store("HOPR", () => this.#postLimits()));
    f.add("LOPR", { type: "float", value: 0 }, store("LOPR", () => this.#postLimits()));
    f.add("INIT", { type: "short", value: 1, readOnly: true });
    for (const letter of CALC_VARIABLES) {
      f.add(letter, input, (value) => this.#writeInput(letter, Number(value)));
      f.add(`L${letter}`, { ...input, readOnly: true });
      f.add(
        `IN${letter}N`,
        { type: "string", value: "" },
        store(`IN${letter}N`, () => this.#rewatch()),
      );
      f.add(
        `IN${letter}P`,
        { type: "enum", choices: ["No", "Yes"], value: 1 },
        store(`IN${letter}P`, () => this.#rewatch()),
      );
      f.add(`IN${letter}V`, link);
    }
    f.add("CALC", { type: "string", value: "0" }, (value) => this.#writeCalc(String(value)));
    f.add("CLCV", { type: "long", value: 0 });
    f.add("OVAL", { ...input, readOnly: true });
    f.add(
      "PREC",
      { type: "short", value: precision },
      (value) => this.#writePrecision(Number(value)),
    );
    f.add("EGU", { type: "string", value: "" }, (value) => {
      f.post("EGU", value);
      f.pv("VAL").setMetadata({ units: fitUnits(String(value)) });
    });
    f.add("DOLN", { type: "string", value: "" });
    f.add("DOLV", link);
    f.add("DOLD", input);
    f.add("DOPT", { type: "enum", choices: ["Use VAL", "Use DOL"], value: 0 });
    f.add("OUTN", { type: "string", value: "" });
    f.add("OUTV", link);
    f.add("OOPT", { type: "enum", choices: OUTPUT_OPTIONS, value: 0 });
    f.add("ODLY", { type: "float", value: 0, precision: 3, units: "sec" });
    f.add("OEVT", { type: "short", value: 0 });
    f.add("DLYA", { type: "short", value: 0, readOnly: true });
    f.add("ADEL", input);
    f.add("MDEL", input);
  }

  #compile(expression: string): CalcExpression {
    return compileCalc(expression, this.#random ? { random: this.#random } : {});
  }

  #writeCalc(expression: string): void {
    const f = this.#f;
    f.post("CALC", expression);
    try {
      this.#calc = this.#compile(expression);
      f.update("CLCV", 0);
    } catch (error) {
      this.#calc = undefined;
      f.update("CLCV", -1);
      if (error instanceof CalcError) {
        throw new Error(`Record "${this.name}" refuses CALC: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  #writeInput(letter: string, value: number): void {
    this.#f.post(letter, value);
    if (this.#f.number("SCAN") === 0) this.process();
  }

  #writePrecision(precision: number): void {
    const f = this.#f;
    f.post("PREC", precision);
    const fields = [
      "VAL",
      "OVAL",
      "DOLD",
      ...CALC_VARIABLES,
      ...CALC_VARIABLES.map((x) => `L${x}`),
    ];
    for (const field of fields) f.pv(field).setMetadata({ precision });
  }

  #postLimits(): void {
    const high = this.#f.number("HOPR");
    const low = this.#f.number("LOPR");
    this.#f.pv("VAL").setMetadata({
      limits: { upperDisp: high, lowerDisp: low, upperCtrl: high, lowerCtrl: low },
    });
  }

  // ---------------------------------------------------------------- links

  /** The PV a link names (its first word; `PP`, `MS` and the like are ignored), and its status. */
  #link(field: string): { pv: ServedPv | undefined; status: number } {
    const name = this.#f.string(field).trim().split(/\s+/)[0] ?? "";
    if (name === "") return { pv: undefined, status: NO_PV };
    const pv = this.#resolve?.(name);
    return { pv, status: pv ? PV_OK : PV_BAD };
  }

  #readDisable(): void {
    const { pv } = this.#link("SDIS");
    if (pv) this.#f.update("DISA", numberOf(pv));
  }

  #readInputs(): void {
    const f = this.#f;
    for (const letter of CALC_VARIABLES) {
      const { pv, status } = this.#link(`IN${letter}N`);
      f.update(`IN${letter}V`, status);
      if (pv) f.update(letter, numberOf(pv));
    }
  }

  #output(old: number, value: number): void {
    const f = this.#f;
    const out = this.#link("OUTN");
    f.update("OUTV", out.status);
    if (!out.pv || !shouldWrite(f.number("OOPT"), old, value)) return;
    let data = value;
    if (f.number("DOPT") === 1) {
      const dol = this.#link("DOLN");
      f.update("DOLV", dol.status);
      if (dol.pv) f.update("DOLD", numberOf(dol.pv));
      data = f.number("DOLD");
    }
    const target = out.pv;
    const write = () => {
      try {
        const done = target.write(convertElements("double", target.nativeType, [data]));
        // The target's refusal does not stop this record (a real one would raise a LINK alarm).
        if (done) done.catch(() => {});
      } catch {
        // As above.
      }
    };
    const delay = f.number("ODLY");
    if (!(delay > 0)) {
      write();
      return;
    }
    f.update("DLYA", 1);
    const timer = setTimeout(() => {
      this.#outputTimers.delete(timer);
      f.update("DLYA", 0);
      write();
    }, delay * 1000);
    this.#outputTimers.add(timer);
  }

  // ---------------------------------------------------------------- scanning

  #rescan(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#rewatch();
    const period = SCAN_PERIODS.get(this.#f.number("SCAN"));
    if (period === undefined || this.#closed) return;
    // Processing keeps to the period's grid, as a scan thread does, without bursts after a
    // stall.
    let next = performance.now() + period * 1000;
    const tick = () => {
      this.process();
      if (this.#closed) return;
      const now = performance.now();
      next += period * 1000;
      if (next < now) next = now + period * 1000;
      this.#timer = setTimeout(tick, next - now);
    };
    this.#timer = setTimeout(tick, period * 1000);
  }

  /** With SCAN "I/O Intr", process on every change of an input whose INxP is "Yes". */
  #rewatch(): void {
    this.#unwatch();
    const f = this.#f;
    if (this.#closed || f.number("SCAN") !== SCAN_IO_INTR) return;
    for (const letter of CALC_VARIABLES) {
      const { pv, status } = this.#link(`IN${letter}N`);
      f.update(`IN${letter}V`, status);
      if (!pv || f.number(`IN${letter}P`) !== 1) continue;
      this.#watches.push(pv.subscribe((_, mask) => {
        if (mask & DBE.VALUE) this.process();
      }));
    }
  }

  #unwatch(): void {
    for (const stop of this.#watches) stop();
    this.#watches = [];
  }
}
