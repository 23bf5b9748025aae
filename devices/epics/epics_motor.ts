/**
 * An EPICS motor record in the shape of ophyd's `EpicsMotor`.
 *
 * @module
 */

import { FailedStatusError, Status } from "../../core/engine/status.ts";
import { DisconnectedError } from "../ca/errors.ts";
import type { ConnectionInfo, PvChannel, PvTransport } from "../ca/transport.ts";
import type { Kind } from "../signal.ts";
import { EpicsDevice } from "./epics_device.ts";
import {
  EpicsSignal,
  epicsSignalDefaults,
  EpicsSignalRO,
  waitForChannels,
} from "./epics_signal.ts";

/**
 * Options of {@linkcode EpicsMotor}.
 *
 * @example A motor that must arrive within a minute and settle for 0.1 s
 * ```ts ignore
 * import { EpicsMotor, type EpicsMotorOptions } from "./epics_motor.ts";
 * const options: EpicsMotorOptions = { name: "theta", timeout: 60, settleTime: 0.1 };
 * const theta = new EpicsMotor("gp:m1", options);
 * ```
 */
export interface EpicsMotorOptions {
  /** Name of the motor and of its readback. */
  name: string;
  /** The protocol client (default the process-wide one). */
  transport?: PvTransport;
  /** Seconds a move may take before its status fails (default no limit). */
  timeout?: number;
  /** Seconds to wait after a move is done before its status finishes (default 0). */
  settleTime?: number;
}

/**
 * Defaults of {@linkcode EpicsMotorOptions}, as ophyd's.
 *
 * @example No settling
 * ```ts
 * import assert from "node:assert/strict";
 * import { epicsMotorDefaults } from "./epics_motor.ts";
 * assert.equal(epicsMotorDefaults.settleTime, 0);
 * ```
 */
export const epicsMotorDefaults = { settleTime: 0 } as const satisfies Partial<EpicsMotorOptions>;

/** A move under way: one `set()`, finished by its put callback and the record's DMOV. */
interface Move {
  target: number;
  status: Status;
  /** The write to `.VAL` has gone out. */
  sent: boolean;
  /** DMOV went to 0 after the write: the record took the move. */
  started: boolean;
  /** The put callback came while DMOV was still 0: the next DMOV = 1 finishes the move. */
  waiting: boolean;
}

/**
 * An EPICS motor record, as ophyd's `EpicsMotor`: readback `<name>` (`.RBV`, hinted),
 * setpoint `<name>_user_setpoint` (`.VAL`), configuration `user_offset` (`.OFF`),
 * `user_offset_dir` (`.DIR`), `velocity` (`.VELO`), `acceleration` (`.ACCL`) and `motor_egu`
 * (`.EGU`), and the omitted status and command fields ophyd has (`.DMOV`, `.MOVN`, `.STOP`,
 * limit switches, soft limits, homing), plus `soft_limit_violation` (`.LVIO`).
 *
 * `set(target)` writes `.VAL` with a put callback; its status finishes when the IOC has
 * answered the put and `.DMOV` is back to 1, whichever comes last, and fails when the record
 * refuses the target (`.LVIO` = 1), a limit switch stops it, the readback ends in an alarm
 * above {@linkcode EpicsMotor.toleratedAlarm}, or the connection is lost.
 *
 * @example The seed's motor
 * ```ts ignore
 * import { EpicsMotor } from "./epics_motor.ts";
 * const motor = new EpicsMotor("gp:m10", { name: "motor" });
 * await motor.waitForConnection();
 * await motor.set(0.25).wait(); // done when the put callback and DMOV say so
 * console.log(motor.position, motor.egu, motor.limits); // 0.25 degrees [-32000, 32000]
 * await motor.set(40000).wait(); // RangeError: ... soft limit violation, limits [-32000, 32000] ...
 * ```
 */
export class EpicsMotor extends EpicsDevice {
  /** `.RBV`, named after the motor. */
  readonly userReadback: EpicsSignalRO<number>;
  /** `.VAL`; writing it moves the motor. */
  readonly userSetpoint: EpicsSignal<number>;
  /** `.OFF`. */
  readonly userOffset: EpicsSignal<number>;
  /** `.DIR`, an enum read as its index. */
  readonly userOffsetDir: EpicsSignal<number>;
  /** `.FOFF`. */
  readonly offsetFreezeSwitch: EpicsSignal<number>;
  /** `.SET`: 1 redefines the position instead of moving. */
  readonly setUseSwitch: EpicsSignal<number>;
  /** `.VELO`. */
  readonly velocity: EpicsSignal<number>;
  /** `.ACCL`. */
  readonly acceleration: EpicsSignal<number>;
  /** `.EGU`. */
  readonly motorEgu: EpicsSignal<string>;
  /** `.MOVN`. */
  readonly motorIsMoving: EpicsSignalRO<number>;
  /** `.DMOV`. */
  readonly motorDoneMove: EpicsSignalRO<number>;
  /** `.HLS`. */
  readonly highLimitSwitch: EpicsSignalRO<number>;
  /** `.LLS`. */
  readonly lowLimitSwitch: EpicsSignalRO<number>;
  /** `.HLM`, the high soft limit. */
  readonly highLimitTravel: EpicsSignal<number>;
  /** `.LLM`, the low soft limit. */
  readonly lowLimitTravel: EpicsSignal<number>;
  /** `.TDIR`. */
  readonly directionOfTravel: EpicsSignalRO<number>;
  /** `.LVIO`: 1 when the last target was beyond the soft limits. */
  readonly softLimitViolation: EpicsSignalRO<number>;
  /** `.STOP`. */
  readonly motorStop: EpicsSignal<number>;
  /** `.HOMF`. */
  readonly homeForward: EpicsSignal<number>;
  /** `.HOMR`. */
  readonly homeReverse: EpicsSignal<number>;
  /** Seconds to wait after a move before its status finishes. */
  readonly settleTime: number;
  /** Seconds a move may take, if limited. */
  readonly moveTimeout: number | undefined;
  /**
   * The highest alarm severity of the readback that a finished move tolerates, as ophyd's
   * `tolerated_alarm` (default 0: any alarm fails the move).
   */
  toleratedAlarm = 0;
  readonly #val: PvChannel;
  readonly #dmov: PvChannel;
  readonly #lvio: PvChannel;
  #moves = new Set<Move>();
  #unlisten: (() => void)[] = [];
  #monitored = new Map<string, number | string>();
  #readbackSeverity = 0;

  /**
   * Create the motor and start connecting its PVs.
   * @param prefix The record, for example `"gp:m10"`.
   * @param options Name, transport, move timeout and settle time.
   */
  constructor(prefix: string, options: EpicsMotorOptions) {
    super(prefix, { name: options?.name, ...deviceOptions(options) });
    const settleTime = options.settleTime ?? epicsMotorDefaults.settleTime;
    if (!(settleTime >= 0)) {
      throw new RangeError(
        `Cannot create motor "${this.name}": settle time "${settleTime}" must be 0 or more`,
      );
    }
    this.settleTime = settleTime;
    this.moveTimeout = options.timeout;
    const common = { parent: this, transport: this.transport, timeout: this.timeout };
    const ro = (attr: string, field: string) =>
      this.add(
        attr,
        (name) =>
          new EpicsSignalRO<number>(`${prefix}.${field}`, { name, kind: "omitted", ...common }),
      );
    const rw = <T extends number | string>(attr: string, field: string, kind: Kind = "omitted") =>
      this.add(attr, (n) => new EpicsSignal<T>(`${prefix}.${field}`, { name: n, kind, ...common }));
    this.userReadback = this.add(
      "user_readback",
      () =>
        new EpicsSignalRO<number>(`${prefix}.RBV`, { name: this.name, kind: "hinted", ...common }),
    );
    this.userSetpoint = this.add(
      "user_setpoint",
      (name) =>
        new EpicsSignal<number>(`${prefix}.VAL`, { name, kind: "normal", limits: true, ...common }),
    );
    this.userOffset = rw("user_offset", "OFF", "config");
    this.userOffsetDir = rw("user_offset_dir", "DIR", "config");
    this.offsetFreezeSwitch = rw("offset_freeze_switch", "FOFF");
    this.setUseSwitch = rw("set_use_switch", "SET");
    this.velocity = rw("velocity", "VELO", "config");
    this.acceleration = rw("acceleration", "ACCL", "config");
    this.motorEgu = rw<string>("motor_egu", "EGU", "config");
    this.motorIsMoving = ro("motor_is_moving", "MOVN");
    this.motorDoneMove = ro("motor_done_move", "DMOV");
    this.highLimitSwitch = ro("high_limit_switch", "HLS");
    this.lowLimitSwitch = ro("low_limit_switch", "LLS");
    this.highLimitTravel = rw("high_limit_travel", "HLM");
    this.lowLimitTravel = rw("low_limit_travel", "LLM");
    this.directionOfTravel = ro("direction_of_travel", "TDIR");
    this.softLimitViolation = ro("soft_limit_violation", "LVIO");
    this.motorStop = rw("motor_stop", "STOP");
    this.homeForward = rw("home_forward", "HOMF");
    this.homeReverse = rw("home_reverse", "HOMR");
    this.#val = this.transport.channel(this.userSetpoint.pvname);
    this.#dmov = this.transport.channel(this.motorDoneMove.pvname);
    this.#lvio = this.transport.channel(this.softLimitViolation.pvname);
    this.#monitor();
  }

  /** The position, from the monitored readback. */
  get position(): number {
    return this.#known("RBV") as number;
  }

  /** Whether the record is moving (`.DMOV` is 0), from its monitor. */
  get moving(): boolean {
    return this.#monitored.get("DMOV") === 0;
  }

  /** The soft limits `[.LLM, .HLM]`, from their monitors. */
  get limits(): [number, number] {
    return [this.#known("LLM") as number, this.#known("HLM") as number];
  }

  /** Engineering units (`.EGU`), from its monitor. */
  get egu(): string {
    return String(this.#known("EGU"));
  }

  /**
   * Move to `target`. A non-finite target is a `TypeError`; anything the record refuses fails
   * the status.
   * @param target The position to reach, in engineering units.
   * @returns A status that finishes when the move is done.
   */
  set(target: number): Status {
    if (typeof target !== "number" || !Number.isFinite(target)) {
      throw new TypeError(
        `Cannot move "${this.name}" to "${String(target)}": the target must be a finite number`,
      );
    }
    const status = new Status({
      label: `Move of "${this.name}" to "${target}"`,
      ...(this.moveTimeout === undefined ? {} : { timeout: this.moveTimeout }),
    });
    const move: Move = { target, status, sent: false, started: false, waiting: false };
    this.#moves.add(move);
    status.addCallback(() => this.#moves.delete(move));
    this.#start(move).catch((error) => status.setException(error));
    return status;
  }

  /**
   * Stop: write 1 to `.STOP`, and finish the moves under way, as failures unless `success`.
   * @param options `success` (default `false`, as ophyd).
   * @returns When the stop is sent.
   */
  async stop(options: { success?: boolean } = {}): Promise<void> {
    const at = this.#monitored.get("RBV");
    for (const move of [...this.#moves]) {
      if (options.success) move.status.setFinished();
      else {
        move.status.setException(
          new FailedStatusError(`${move.status.label} did not finish: stopped at "${at}"`),
        );
      }
    }
    await this.motorStop.put(1);
  }

  /** Stop the monitors and listeners of the motor and its components. */
  override destroy(): void {
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
    super.destroy();
  }

  /**
   * The keyword arguments of `repr()`, as ophyd's `EpicsMotor` shows them.
   * @returns `[keyword, value]` pairs.
   */
  protected override reprArgs(): [string, unknown][] {
    const [prefix, name, ...attrs] = super.reprArgs();
    return [
      prefix!,
      name!,
      ["settle_time", this.settleTime],
      ["timeout", this.moveTimeout],
      ...attrs,
    ];
  }

  async #start(move: Move): Promise<void> {
    const channels = [this.#val, this.#dmov, this.#lvio];
    if (!channels.every((c) => c.connected)) await waitForChannels(channels, this.timeout);
    if (move.status.done) return;
    move.sent = true;
    await this.#val.put(move.target, { wait: true });
    if (move.status.done) return;
    // The put callback is the IOC's word that the record is done with this write; LVIO and
    // DMOV are asked afresh because their monitors may trail it.
    const [lvio, dmov] = await Promise.all([this.#lvio.get(), this.#dmov.get()]);
    if (Number(lvio.value) === 1 && !move.started) return await this.#refused(move);
    if (Number(dmov.value) === 1) this.#arrived(move);
    else move.waiting = true;
  }

  #monitor(): void {
    const watch = (signal: EpicsSignalRO<number | string>, field: string) =>
      signal.subscribe(({ value, severity }) => {
        const previous = this.#monitored.get(field);
        this.#monitored.set(field, value as number | string);
        if (field === "RBV") this.#readbackSeverity = severity;
        if (field === "DMOV") this.#doneMoveChanged(Number(value));
        if (field === "LVIO" && Number(value) === 1 && previous === 0) this.#violated();
      });
    watch(this.userReadback, "RBV");
    watch(this.motorDoneMove, "DMOV");
    watch(this.softLimitViolation, "LVIO");
    watch(this.highLimitTravel, "HLM");
    watch(this.lowLimitTravel, "LLM");
    watch(this.motorEgu, "EGU");
    watch(this.highLimitSwitch, "HLS");
    watch(this.lowLimitSwitch, "LLS");
    watch(this.directionOfTravel, "TDIR");
    for (const channel of [this.#val, this.#dmov]) {
      this.#unlisten.push(
        channel.onConnectionChange((info) => this.#connectionChanged(channel, info)),
      );
    }
  }

  #doneMoveChanged(dmov: number): void {
    for (const move of this.#moves) {
      if (!move.sent) continue;
      if (dmov === 0) move.started = true;
      else if (move.waiting) this.#arrived(move);
    }
  }

  /** LVIO went to 1: the write that did it is one the record has not taken. */
  #violated(): void {
    for (const move of this.#moves) {
      if (move.sent && !move.started) this.#refused(move).catch(() => {});
    }
  }

  async #refused(move: Move): Promise<void> {
    const [low, high] = await Promise.all([this.lowLimitTravel.get(), this.highLimitTravel.get()])
      .catch(() => [this.#monitored.get("LLM"), this.#monitored.get("HLM")]);
    move.status.setException(
      new RangeError(
        `Cannot move "${this.name}" to "${move.target}": soft limit violation, ` +
          `limits [${low}, ${high}] (PV "${this.#lvio.name}" on ${this.#lvio.info.server})`,
      ),
    );
  }

  #arrived(move: Move): void {
    const tdir = this.#monitored.get("TDIR");
    const switchField = tdir === 0 ? "LLS" : "HLS";
    if (this.#monitored.get(switchField) === 1) {
      const which = tdir === 0 ? "low" : "high";
      move.status.setException(
        new FailedStatusError(
          `${move.status.label} failed: stopped by the ${which} limit switch ` +
            `(PV "${this.prefix}.${switchField}") at "${this.#monitored.get("RBV")}"`,
        ),
      );
      return;
    }
    if (this.#readbackSeverity > this.toleratedAlarm) {
      move.status.setException(
        new FailedStatusError(
          `${move.status.label} failed: PV "${this.userReadback.pvname}" is in alarm ` +
            `(severity ${this.#readbackSeverity})`,
        ),
      );
      return;
    }
    if (this.settleTime > 0) {
      setTimeout(() => move.status.setFinished(), this.settleTime * 1000);
    } else move.status.setFinished();
  }

  #connectionChanged(channel: PvChannel, info: ConnectionInfo): void {
    if (info.connected) return;
    for (const move of this.#moves) {
      if (!move.sent) continue;
      move.status.setException(
        new DisconnectedError(
          `Lost the connection while moving "${this.name}" to "${move.target}"`,
          { pv: channel.name, server: info.server },
        ),
      );
    }
  }

  #known(field: string): number | string {
    const value = this.#monitored.get(field);
    if (value === undefined) {
      throw new DisconnectedError(`Cannot tell "${this.name}"'s ${field}: not connected yet`, {
        pv: `${this.prefix}.${field}`,
      });
    }
    return value;
  }
}

/** Only the options the device base takes, without explicit `undefined`s. */
function deviceOptions(options: EpicsMotorOptions): { transport?: PvTransport; timeout: number } {
  return {
    ...(options?.transport ? { transport: options.transport } : {}),
    timeout: epicsSignalDefaults.timeout,
  };
}
