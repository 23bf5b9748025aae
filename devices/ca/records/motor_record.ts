/**
 * A motor record simulating a stepping motor, as the synApps xxx IOC's `m1`..`m16` that the
 * seed drives through ophyd's `EpicsMotor`: each field a PV, moves on a trapezoidal profile in
 * real time.
 *
 * @module
 */

import type { MapDatabase, SoftPv } from "../served_pv.ts";
import { MENU_ALARM_SEVR, MENU_OMSL, MENU_YES_NO } from "./_menus.ts";
import {
  type FieldSpec,
  type FieldValue,
  type FieldWrite,
  fitUnits,
  RecordFields,
} from "./_record_fields.ts";
import { type Trapezoid, trapezoid, travelled } from "./_trapezoid.ts";

/** Options of {@linkcode MotorRecord}. */
export interface MotorRecordOptions {
  /** DESC. */
  description?: string;
  /** EGU. */
  units?: string;
  /** PREC: decimal places of every position and speed. */
  precision?: number;
  /** VELO, units per second. */
  velocity?: number;
  /** VBAS, units per second at the start and end of a move. */
  baseVelocity?: number;
  /** ACCL, seconds from VBAS to VELO. */
  acceleration?: number;
  /** HLM (and DHLM). Equal limits mean none. */
  highLimit?: number;
  /** LLM (and DLLM). */
  lowLimit?: number;
  /** Dial position at start. */
  position?: number;
  /** MRES, units per step. */
  resolution?: number;
  /** Readback updates per second while moving. */
  updateRate?: number;
  /** Source of POSIX seconds for the timestamps (default the wall clock). */
  clock?: () => number;
}

/** Defaults of {@linkcode MotorRecordOptions}: those the seed's IOC recorded for `gp:m10`. */
export const motorRecordDefaults = {
  description: "",
  units: "degrees",
  precision: 5,
  velocity: 1,
  baseVelocity: 0,
  acceleration: 0.2,
  highLimit: 32000,
  lowLimit: -32000,
  position: 0,
  resolution: 0.0001,
  updateRate: 20,
} satisfies MotorRecordOptions;

/** Bits of MSTA. */
const MSTA = {
  DIRECTION: 0x1,
  DONE: 0x2,
  PRESENT: 0x100,
  MOVING: 0x400,
  GAIN_SUPPORT: 0x800,
  HOMED: 0x4000,
} as const;

const SPMG = { STOP: 0, PAUSE: 1, MOVE: 2, GO: 3 } as const;

/** How a field's units follow EGU (the motor record's `get_units`). */
const UNITS: Record<string, (egu: string) => string> = {
  VELO: (e) => `${e}/sec`,
  VBAS: (e) => `${e}/sec`,
  VMAX: (e) => `${e}/sec`,
  BVEL: (e) => `${e}/sec`,
  HVEL: (e) => `${e}/sec`,
  JVEL: (e) => `${e}/sec`,
  JAR: (e) => `${e}/s/s`,
  ACCL: () => "sec",
  BACC: () => "sec",
  DLY: () => "sec",
  S: () => "rev/sec",
  SBAS: () => "rev/sec",
  SMAX: () => "rev/sec",
  SREV: () => "steps/rev",
  UREV: (e) => `${e}/rev`,
};

/** Fields in units of EGU. */
const EGU_FIELDS = (
  "VAL RBV LVAL DVAL DRBV LDVL OFF HLM LLM DHLM DLLM HOPR LOPR TWV RDBD SPDB DIFF BDST RLV " +
  "MRES ERES HIHI LOLO HIGH LOW MDEL ADEL ALST MLST"
).split(" ");

/** Fields that stop after a move (their move ends when it does). */
const ONE_SHOT = ["TWF", "TWR", "HOMF", "HOMR", "JOGF", "JOGR"] as const;

interface Motion {
  /** Dial position at the start. */
  from: number;
  /** Dial target. */
  to: number;
  /** `performance.now()` at the start, ms. */
  started: number;
  profile: Trapezoid;
}

/**
 * A motor record: VAL the user setpoint, RBV the readback, DMOV done-moving, and the rest of
 * the record's fields (`fields()` lists them). A write to VAL starts a move at VELO, speeding up
 * in ACCL seconds, with RBV posted `updateRate` times a second; DMOV goes to 0 when the move is
 * taken and back to 1 last, once RBV is on target; MOVN is 1 in between. A put with callback to
 * VAL completes when DMOV returns to 1. A VAL beyond HLM/LLM (when they differ) sets LVIO,
 * restores VAL and does not move, and its put with callback completes at once. STOP halts at
 * once, leaving VAL where the motor stopped.
 *
 * User and dial positions: `user = dial * (DIR ? -1 : 1) + OFF`. With SET at "Set", a write
 * to VAL redefines the position instead of moving: OFF changes, or (FOFF "Frozen") the dial.
 *
 * Differences from a real motor: no backlash, retries or encoder; positions are not rounded
 * to steps; STOP and limits do not decelerate; HLS and LLS stay 0.
 *
 * @example A move, seen through the fields
 * ```ts
 * import assert from "node:assert/strict";
 * import { MotorRecord } from "./motor_record.ts";
 * const motor = new MotorRecord("gp:m10", { velocity: 10, acceleration: 0.01 });
 * const dmov: number[] = [];
 * motor.field("DMOV").subscribe((state) => dmov.push(state.elements[0] as number));
 * await motor.field("VAL").write([0.5]);
 * assert.equal(motor.field("RBV").value, 0.5);
 * assert.deepEqual(dmov, [0, 1]);
 * assert.equal(motor.field("RBV").state().limits?.upperCtrl, 32000);
 * motor.close();
 * ```
 */
export class MotorRecord {
  /** Record name, for example `"gp:m10"`. */
  readonly name: string;
  readonly #f: RecordFields;
  readonly #tickMs: number;
  /** Dial position at rest, or where a pause left it. */
  #dial: number;
  /** Dial target of the current (or last) move. */
  #target: number;
  #motion: Motion | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #speedOverride: number | undefined;
  #paused = false;
  #homed = false;
  #direction = 1;
  #pending: (() => void)[] = [];
  #oneShots = new Set<string>();
  #closed = false;

  /**
   * Create the record at rest.
   * @param name Record name, for example `"gp:m10"`.
   * @param options Units, speeds, limits, position and clock.
   * @throws {RangeError} When a speed, acceleration, resolution or rate is out of range.
   */
  constructor(name: string, options: MotorRecordOptions = {}) {
    const o = { ...motorRecordDefaults, ...options };
    const check = (what: string, value: number, ok: boolean) => {
      if (!ok || !Number.isFinite(value)) {
        throw new RangeError(`Cannot create motor record "${name}": ${what} "${value}" is invalid`);
      }
    };
    check("velocity", o.velocity, o.velocity > 0);
    check("base velocity", o.baseVelocity, o.baseVelocity >= 0);
    check("acceleration", o.acceleration, o.acceleration >= 0);
    check("resolution", o.resolution, o.resolution !== 0);
    check("update rate", o.updateRate, o.updateRate > 0);
    check("position", o.position, true);
    this.name = name;
    this.#tickMs = 1000 / o.updateRate;
    this.#dial = o.position;
    this.#target = o.position;
    this.#f = new RecordFields(name, o.clock);
    this.#build(o);
    this.#f.update("DESC", o.description);
    this.#postLimits();
    this.#postReadback(this.#dial);
  }

  /** Names of the fields, VAL first. */
  fields(): string[] {
    return this.#f.names();
  }

  /**
   * The PV of a field.
   * @param field Field name, for example `"RBV"`.
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

  /** User readback position now (RBV as it would be posted). */
  get position(): number {
    return this.#user(this.#dialNow());
  }

  /** Whether a move is under way (DMOV is 0). */
  get moving(): boolean {
    return this.#f.number("DMOV") === 0;
  }

  /** Stop the timers and complete any put waiting for the move. The record stays readable. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer();
    if (this.#motion) {
      this.#dial = this.#dialNow();
      this.#motion = undefined;
    }
    this.#release();
  }

  // ---------------------------------------------------------------- fields

  #build(o: typeof motorRecordDefaults): void {
    const f = this.#f;
    const egu = o.units;
    const prec = o.precision;
    const unitsOf = (field: string) => fitUnits(UNITS[field]?.(egu) ?? egu);
    const double = (field: string, value: number, write?: FieldWrite, readOnly = false) =>
      f.add(
        field,
        { type: "double", value, units: unitsOf(field), precision: prec, readOnly },
        write,
      );
    const ro = (field: string, type: FieldSpec["type"], value: FieldValue) =>
      f.add(field, { type, value, readOnly: true });
    const plain = (field: string, type: FieldSpec["type"], value: FieldValue, write?: FieldWrite) =>
      f.add(field, { type, value }, write);
    const menu = (field: string, choices: readonly string[], value: number, write?: FieldWrite) =>
      f.add(field, { type: "enum", value, choices }, write);
    const action = (write: (value: number) => void | Promise<void>): FieldWrite => (value) =>
      write(Number(value));
    // A write of non-zero does something; the field itself stays 0, as the record resets it.
    const trigger = (then: () => void): FieldWrite => (value) => {
      if (Number(value)) then();
    };
    const store = (field: string, then: () => void): FieldWrite => (value) => {
      f.post(field, value);
      then();
    };
    const urev = o.resolution * 200;
    // OFF is 0 and DIR "Pos" at start: user and dial positions agree.
    const at = o.position;
    const raw = Math.round(at / o.resolution);

    double("VAL", at, action((v) => this.#writeVal(v)));
    f.addCommon("motor", ["asynMotor"], undefined, () => {});
    f.add("VERS", { type: "float", value: 7.2, precision: 2, readOnly: true });
    double("OFF", 0, store("OFF", () => this.#userFrameChanged()));
    menu("FOFF", ["Variable", "Frozen"], 0);
    plain("FOF", "short", 0);
    plain("VOF", "short", 0);
    menu("DIR", ["Pos", "Neg"], 0, store("DIR", () => this.#userFrameChanged()));
    menu("SET", ["Use", "Set"], 0);
    plain("SSET", "short", 0, trigger(() => f.post("SET", 1)));
    plain("SUSE", "short", 0, trigger(() => f.post("SET", 0)));
    double("VELO", o.velocity, action((v) => this.#writeSpeed("VELO", v)));
    double("VBAS", o.baseVelocity, action((v) => this.#writeSpeed("VBAS", v)));
    double("VMAX", 0, action((v) => this.#writeSpeed("VMAX", v)));
    double("S", o.velocity / urev, action((v) => this.#writeSpeed("S", v)));
    double("SBAS", o.baseVelocity / urev, action((v) => this.#writeSpeed("SBAS", v)));
    double("SMAX", 0, action((v) => this.#writeSpeed("SMAX", v)));
    double("MRES", o.resolution, action((v) => this.#writeResolution("MRES", v)));
    double("ERES", 0);
    f.add("RRES", { type: "double", value: 0, precision: prec });
    plain("SREV", "long", 200, action((v) => this.#writeResolution("SREV", v)));
    double("UREV", urev, action((v) => this.#writeResolution("UREV", v)));
    menu("UEIP", ["No", "Yes"], 0);
    menu("URIP", ["No", "Yes"], 0);
    plain("PREC", "short", prec, action((v) => this.#writePrecision(v)));
    plain("EGU", "string", egu, (v) => this.#writeUnits(String(v)));
    double("HLM", o.highLimit, store("HLM", () => this.#dialLimitsFromUser()));
    double("LLM", o.lowLimit, store("LLM", () => this.#dialLimitsFromUser()));
    double("DHLM", o.highLimit, store("DHLM", () => this.#userLimitsFromDial()));
    double("DLLM", o.lowLimit, store("DLLM", () => this.#userLimitsFromDial()));
    double("HOPR", 0);
    double("LOPR", 0);
    ro("HLS", "short", 0);
    ro("LLS", "short", 0);
    ro("RHLS", "short", 0);
    ro("RLLS", "short", 0);
    menu("HLSV", MENU_ALARM_SEVR, 0);
    for (const field of ["HIHI", "LOLO", "HIGH", "LOW"]) double(field, 0);
    for (const field of ["HHSV", "LLSV", "HSV", "LSV"]) menu(field, MENU_ALARM_SEVR, 0);
    double("RDBD", o.resolution);
    double("SPDB", 0);
    ro("RCNT", "short", 0);
    plain("RTRY", "short", 10);
    ro("MISS", "short", 0);
    const spmg = ["Stop", "Pause", "Move", "Go"];
    menu("SPMG", spmg, SPMG.GO, action((v) => this.#writeSpmg(v)));
    f.add("LSPG", { type: "enum", value: SPMG.GO, choices: spmg, readOnly: true });
    plain("STOP", "short", 0, trigger(() => this.#halt()));
    for (const field of ONE_SHOT) {
      plain(
        field,
        "short",
        0,
        action((v) => this.#writeOneShot(field, v)),
      );
    }
    double("TWV", 1);
    double("LVAL", at, undefined, true);
    double("DVAL", at, action((v) => this.#writeDial(v)));
    double("LDVL", at, undefined, true);
    plain("RVAL", "long", raw, action((v) => this.#writeDial(v * this.#mres())));
    ro("LRVL", "long", raw);
    double("RLV", 0, action((v) => this.#writeRelative(v)));
    double("RBV", at, undefined, true);
    double("DRBV", at, undefined, true);
    double("DIFF", 0, undefined, true);
    ro("RDIF", "long", 0);
    ro("RRBV", "long", raw);
    ro("RMP", "long", raw);
    ro("REP", "long", 0);
    ro("RVEL", "long", 0);
    ro("MSTA", "double", MSTA.DONE | MSTA.PRESENT | MSTA.GAIN_SUPPORT);
    ro("DMOV", "short", 1);
    ro("MOVN", "short", 0);
    ro("TDIR", "short", 0);
    ro("CDIR", "short", 0);
    ro("MIP", "short", 0);
    ro("MMAP", "double", 0);
    ro("NMAP", "double", 0);
    ro("ATHM", "short", 0);
    ro("LVIO", "short", 0);
    ro("CARD", "short", 0);
    for (const field of ["PREM", "POST", "DINP", "RINP", "RLNK", "STOO", "DOL", "RDBL"]) {
      plain(field, "string", "");
    }
    plain("OUT", "string", "");
    menu("OMSL", MENU_OMSL, 0);
    double("ACCL", o.acceleration, action((v) => this.#writeNonNegative("ACCL", v)));
    double("BACC", 0.5, action((v) => this.#writeNonNegative("BACC", v)));
    double("BDST", 0);
    double("BVEL", o.velocity);
    f.add("FRAC", { type: "float", value: 1, precision: prec });
    double("HVEL", o.velocity, action((v) => this.#writeNonNegative("HVEL", v)));
    double("JVEL", o.velocity, action((v) => this.#writeNonNegative("JVEL", v)));
    double("JAR", 0);
    double("DLY", 0);
    menu("NTM", MENU_YES_NO, 1);
    plain("NTMF", "short", 2);
    menu("CNEN", ["Disable", "Enable"], 1);
    menu("RMOD", ["Default", "Arithmetic", "Geometric", "In-Position"], 0);
    for (const field of ["PCOF", "ICOF", "DCOF"]) {
      f.add(field, { type: "double", value: 0, precision: prec });
    }
    plain("SYNC", "short", 0, trigger(() => this.#sync()));
    plain("IGSET", "short", 0);
    menu("STUP", ["OFF", "ON", "BUSY"], 0);
    menu("LOCK", MENU_YES_NO, 0);
    for (const field of ["MDEL", "ADEL"]) double(field, 0);
    for (const field of ["ALST", "MLST"]) double(field, 0, undefined, true);
  }

  // ---------------------------------------------------------------- frames

  get #sign(): number {
    return this.#f.number("DIR") === 1 ? -1 : 1;
  }

  #user(dial: number): number {
    return this.#sign * dial + this.#f.number("OFF");
  }

  #toDial(user: number): number {
    return (user - this.#f.number("OFF")) * this.#sign;
  }

  #mres(): number {
    return this.#f.number("MRES") || motorRecordDefaults.resolution;
  }

  #raw(dial: number): number {
    return Math.round(dial / this.#mres());
  }

  #withinLimits(dial: number): boolean {
    const high = this.#f.number("DHLM");
    const low = this.#f.number("DLLM");
    return high === low || (dial >= low && dial <= high);
  }

  #dialNow(): number {
    const m = this.#motion;
    if (!m) return this.#dial;
    const gone = travelled(m.profile, (performance.now() - m.started) / 1000);
    return m.from + Math.sign(m.to - m.from) * gone;
  }

  // ---------------------------------------------------------------- posting

  #postLimits(): void {
    const f = this.#f;
    const user = { upperCtrl: f.number("HLM"), lowerCtrl: f.number("LLM") };
    const dial = { upperCtrl: f.number("DHLM"), lowerCtrl: f.number("DLLM") };
    const raw = [this.#raw(dial.upperCtrl), this.#raw(dial.lowerCtrl)].sort((a, b) => a - b);
    const rawLimits = { upperCtrl: raw[1]!, lowerCtrl: raw[0]! };
    const withDisplay = (l: { upperCtrl: number; lowerCtrl: number }) => ({
      ...l,
      upperDisp: l.upperCtrl,
      lowerDisp: l.lowerCtrl,
    });
    for (const field of ["VAL", "RBV", "LVAL"]) {
      f.pv(field).setMetadata({ limits: withDisplay(user) });
    }
    for (const field of ["DVAL", "DRBV", "LDVL"]) {
      f.pv(field).setMetadata({ limits: withDisplay(dial) });
    }
    for (const field of ["RVAL", "RRBV"]) {
      f.pv(field).setMetadata({ limits: withDisplay(rawLimits) });
    }
  }

  #postReadback(dial: number): void {
    const f = this.#f;
    const raw = this.#raw(dial);
    f.post("RBV", this.#user(dial));
    f.post("DRBV", dial);
    f.update("RRBV", raw);
    f.update("RMP", raw);
    const diff = f.number("DVAL") - dial;
    f.update("DIFF", diff);
    f.update("RDIF", Math.round(diff / this.#mres()));
    this.#postStatus();
  }

  #postSetpoint(always = false): void {
    const f = this.#f;
    const user = this.#user(this.#target);
    if (always) f.post("VAL", user);
    else f.update("VAL", user);
    f.update("DVAL", this.#target);
    f.update("RVAL", this.#raw(this.#target));
  }

  #postStatus(): void {
    let msta = MSTA.PRESENT | MSTA.GAIN_SUPPORT;
    if (this.#direction > 0) msta |= MSTA.DIRECTION;
    msta |= this.#motion ? MSTA.MOVING : MSTA.DONE;
    if (this.#homed) msta |= MSTA.HOMED;
    this.#f.update("MSTA", msta);
  }

  #userFrameChanged(): void {
    this.#userLimitsFromDial();
    this.#postReadback(this.#dialNow());
    this.#postSetpoint();
    this.#rememberSetpoint();
  }

  #userLimitsFromDial(): void {
    const f = this.#f;
    const off = f.number("OFF");
    const high = f.number("DHLM");
    const low = f.number("DLLM");
    if (this.#sign > 0) {
      f.update("HLM", high + off);
      f.update("LLM", low + off);
    } else {
      f.update("HLM", off - low);
      f.update("LLM", off - high);
    }
    this.#postLimits();
  }

  #dialLimitsFromUser(): void {
    const f = this.#f;
    const off = f.number("OFF");
    const high = f.number("HLM");
    const low = f.number("LLM");
    if (this.#sign > 0) {
      f.update("DHLM", high - off);
      f.update("DLLM", low - off);
    } else {
      f.update("DHLM", off - low);
      f.update("DLLM", off - high);
    }
    this.#postLimits();
  }

  #rememberSetpoint(): void {
    const f = this.#f;
    f.update("LVAL", f.number("VAL"));
    f.update("LDVL", f.number("DVAL"));
    f.update("LRVL", f.number("RVAL"));
  }

  // ---------------------------------------------------------------- writes

  #writeVal(value: number): Promise<void> | void {
    if (!Number.isFinite(value)) {
      throw new Error(`Motor "${this.name}" cannot move to "${value}"`);
    }
    if (this.#f.number("SET") === 1) return this.#redefine(value, "user");
    return this.#moveTo(this.#toDial(value));
  }

  #writeDial(dial: number): Promise<void> | void {
    if (!Number.isFinite(dial)) throw new Error(`Motor "${this.name}" cannot move to "${dial}"`);
    if (this.#f.number("SET") === 1) return this.#redefine(dial, "dial");
    return this.#moveTo(dial);
  }

  #writeRelative(delta: number): Promise<void> | void {
    this.#f.post("RLV", delta);
    const target = this.#user(this.#target) + delta;
    this.#f.post("RLV", 0);
    return this.#writeVal(target);
  }

  #writeOneShot(field: (typeof ONE_SHOT)[number], value: number): void {
    const f = this.#f;
    if (field === "JOGF" || field === "JOGR") {
      if (!value) {
        if (this.#oneShots.has(field)) this.#halt();
        return;
      }
    } else if (!value) {
      return;
    }
    let target: number;
    let speed: number | undefined;
    if (field === "TWF" || field === "TWR") {
      const step = Math.abs(f.number("TWV"));
      target = this.#toDial(this.#user(this.#target) + (field === "TWF" ? step : -step));
    } else if (field === "HOMF" || field === "HOMR") {
      target = 0;
      speed = f.number("HVEL") || undefined;
    } else {
      const high = f.number("DHLM");
      const low = f.number("DLLM");
      // "Forward" is in user coordinates: with DIR "Neg" it is towards the low dial limit.
      const up = (field === "JOGF") === (this.#sign > 0);
      target = high === low ? this.#dialNow() + (up ? 1e6 : -1e6) : up ? high : low;
      speed = f.number("JVEL") || undefined;
    }
    if (!this.#withinLimits(target)) {
      f.post("LVIO", 1);
      return;
    }
    f.post(field, 1);
    this.#oneShots.add(field);
    void this.#moveTo(target, speed, false);
    if (!this.moving) {
      // Refused (SPMG "Stop"): the field does not stay set.
      this.#oneShots.delete(field);
      f.update(field, 0);
    }
  }

  #writeSpeed(field: "VELO" | "VBAS" | "VMAX" | "S" | "SBAS" | "SMAX", value: number): void {
    const f = this.#f;
    if (
      !Number.isFinite(value) || value < 0 || (value === 0 && (field === "VELO" || field === "S"))
    ) {
      throw new Error(`Field "${this.name}.${field}" cannot be "${value}": it must be > 0`);
    }
    const urev = Math.abs(f.number("UREV")) || 1;
    const pairs = { VELO: "S", VBAS: "SBAS", VMAX: "SMAX" } as const;
    let linear: "VELO" | "VBAS" | "VMAX";
    let speed = value;
    if (field === "S" || field === "SBAS" || field === "SMAX") {
      linear = ({ S: "VELO", SBAS: "VBAS", SMAX: "VMAX" } as const)[field];
      speed = value * urev;
    } else {
      linear = field;
    }
    if (linear === "VELO") {
      const vmax = f.number("VMAX");
      if (vmax > 0) speed = Math.min(speed, vmax);
      speed = Math.max(speed, f.number("VBAS"));
    }
    f.post(linear, speed);
    f.post(pairs[linear], speed / urev);
  }

  #writeNonNegative(field: string, value: number): void {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new Error(`Field "${this.name}.${field}" cannot be "${value}": it must be >= 0`);
    }
    this.#f.post(field, value);
  }

  #writeResolution(field: "MRES" | "SREV" | "UREV", value: number): void {
    const f = this.#f;
    if (!Number.isFinite(value) || value === 0 || (field === "SREV" && value < 0)) {
      throw new Error(`Field "${this.name}.${field}" cannot be "${value}"`);
    }
    f.post(field, value);
    if (field === "UREV") f.update("MRES", value / f.number("SREV"));
    else f.update("UREV", f.number("MRES") * f.number("SREV"));
    const urev = Math.abs(f.number("UREV"));
    f.update("S", f.number("VELO") / urev);
    f.update("SBAS", f.number("VBAS") / urev);
    f.update("SMAX", f.number("VMAX") / urev);
    this.#postLimits();
    this.#postReadback(this.#dialNow());
    this.#postSetpoint();
  }

  #writePrecision(value: number): void {
    const f = this.#f;
    f.post("PREC", value);
    for (const field of f.names()) {
      const pv = f.pv(field);
      if (pv.nativeType !== "double" && pv.nativeType !== "float") continue;
      if (field === "VERS" || field === "MSTA" || field === "MMAP" || field === "NMAP") continue;
      pv.setMetadata({ precision: value });
    }
  }

  #writeUnits(egu: string): void {
    const f = this.#f;
    f.post("EGU", egu);
    for (const field of [...EGU_FIELDS, ...Object.keys(UNITS)]) {
      f.pv(field).setMetadata({ units: fitUnits(UNITS[field]?.(egu) ?? egu) });
    }
  }

  #writeSpmg(value: number): void {
    const f = this.#f;
    f.post("LSPG", f.number("SPMG"));
    f.post("SPMG", value);
    if (value === SPMG.STOP) {
      this.#halt();
    } else if (value === SPMG.PAUSE) {
      if (this.#motion) {
        this.#dial = this.#dialNow();
        this.#motion = undefined;
        this.#cancelTimer();
        this.#postReadback(this.#dial);
        f.update("MOVN", 0);
      }
      this.#paused = true;
    } else {
      this.#paused = false;
      if (!this.#motion && this.moving) this.#run();
    }
  }

  // ---------------------------------------------------------------- motion

  /**
   * Take a move to a dial position: refused (LVIO) beyond the limits, held while paused.
   * @returns When DMOV is back to 1, if `wait`.
   */
  #moveTo(dial: number, speed?: number, wait = true): Promise<void> | void {
    const f = this.#f;
    if (this.#closed) throw new Error(`Motor "${this.name}" is closed`);
    if (!this.#withinLimits(dial)) {
      f.post("LVIO", 1);
      this.#postSetpoint(true);
      return;
    }
    if (f.number("SPMG") === SPMG.STOP) {
      this.#postSetpoint(true);
      return;
    }
    const from = this.#dialNow();
    this.#target = dial;
    this.#speedOverride = speed;
    f.update("LVIO", 0);
    if (speed === undefined) f.update("ATHM", 0);
    this.#postSetpoint(true);
    this.#rememberSetpoint();
    if (dial !== from) {
      const direction = dial > from ? 1 : 0;
      f.update("CDIR", direction);
      f.update("TDIR", direction);
    }
    const done = wait ? new Promise<void>((resolve) => this.#pending.push(resolve)) : undefined;
    f.update("DMOV", 0);
    if (!this.#paused) this.#run();
    return done;
  }

  /** Start (or restart, from where it is) the motion towards the target. */
  #run(): void {
    const f = this.#f;
    const from = this.#dialNow();
    this.#dial = from;
    const speed = this.#speedOverride ?? f.number("VELO");
    const base = Math.min(f.number("VBAS"), speed);
    const profile = trapezoid(this.#target - from, speed, base, f.number("ACCL"));
    this.#motion = { from, to: this.#target, started: performance.now(), profile };
    if (this.#target !== from) {
      this.#direction = this.#target > from ? 1 : -1;
      f.update("MOVN", 1);
    }
    this.#schedule();
  }

  #schedule(): void {
    this.#cancelTimer();
    const m = this.#motion;
    if (!m || this.#closed) return;
    const left = m.profile.duration * 1000 - (performance.now() - m.started);
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, Math.min(this.#tickMs, left)));
  }

  #tick(): void {
    this.#timer = undefined;
    const m = this.#motion;
    if (!m) return;
    if (performance.now() - m.started >= m.profile.duration * 1000) {
      this.#finish();
      return;
    }
    this.#postReadback(this.#dialNow());
    this.#schedule();
  }

  #finish(): void {
    const f = this.#f;
    this.#cancelTimer();
    this.#motion = undefined;
    this.#dial = this.#target;
    this.#speedOverride = undefined;
    this.#postReadback(this.#dial);
    f.update("MOVN", 0);
    for (const field of this.#oneShots) {
      if (field === "HOMF" || field === "HOMR") {
        f.update("ATHM", 1);
        this.#homed = true;
        this.#postStatus();
      }
      f.update(field, 0);
    }
    this.#oneShots.clear();
    if (f.number("SPMG") === SPMG.MOVE) {
      f.post("LSPG", SPMG.MOVE);
      f.post("SPMG", SPMG.PAUSE);
      this.#paused = true;
    }
    f.post("DMOV", 1);
    this.#release();
  }

  /** Stop at once where the motor is; VAL becomes that position. */
  #halt(): void {
    this.#dial = this.#dialNow();
    this.#target = this.#dial;
    this.#motion = undefined;
    this.#cancelTimer();
    this.#paused = this.#f.number("SPMG") === SPMG.PAUSE;
    this.#postSetpoint(true);
    this.#rememberSetpoint();
    if (this.moving) this.#finish();
    else this.#postReadback(this.#dial);
  }

  #sync(): void {
    if (this.moving) return;
    this.#target = this.#dial;
    this.#postSetpoint(true);
    this.#rememberSetpoint();
  }

  /**
   * SET mode: make the current position read as `value` (a user or a dial position); no
   * motion. A new user position changes OFF, or with FOFF "Frozen" the dial position; a new
   * dial position keeps the user position (OFF changes) unless the offset is frozen.
   */
  #redefine(value: number, given: "user" | "dial"): void {
    const f = this.#f;
    if (this.moving) {
      throw new Error(`Motor "${this.name}" cannot redefine its position while moving`);
    }
    const frozen = f.number("FOFF") === 1;
    const user = this.#user(this.#dial);
    if (given === "user" && frozen) {
      this.#dial = this.#toDial(value);
      this.#dialLimitsFromUser();
    } else if (given === "user") {
      f.update("OFF", value - this.#sign * this.#dial);
      this.#userLimitsFromDial();
    } else {
      this.#dial = value;
      if (!frozen) f.update("OFF", user - this.#sign * value);
      this.#userLimitsFromDial();
    }
    this.#target = this.#dial;
    this.#postSetpoint(true);
    this.#rememberSetpoint();
    this.#postReadback(this.#dial);
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #release(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const resolve of pending) resolve();
  }
}
