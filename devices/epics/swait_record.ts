/**
 * The synApps swait record (a userCalc) in the shape of apstools' `SwaitRecord`, and apstools'
 * `setup_random_number_swait`.
 *
 * @module
 */

import type { PvTransport } from "../ca/transport.ts";
import type { Kind } from "../signal.ts";
import { EpicsDevice } from "./epics_device.ts";
import { EpicsSignal, epicsSignalDefaults, EpicsSignalRO } from "./epics_signal.ts";

/** A menu field's value: written as its state string, read as its index. */
export type SwaitMenuValue = number | string;

/** The letters of the twelve input channels, A to L. */
export const SWAIT_CHANNEL_LETTERS = [
  "A",
  "B",
  "C",
  "D",
  "E",
  "F",
  "G",
  "H",
  "I",
  "J",
  "K",
  "L",
] as const;

/** One of the channel letters. */
export type SwaitChannelLetter = typeof SWAIT_CHANNEL_LETTERS[number];

/**
 * Options of {@linkcode SwaitRecord}.
 *
 * @example The seed's calc on a client of one's own
 * ```ts ignore
 * import { CAClient } from "../ca/client.ts";
 * import { SwaitRecord, type SwaitRecordOptions } from "./swait_record.ts";
 * const transport = new CAClient({ env: { EPICS_CA_ADDR_LIST: "127.0.0.1", EPICS_CA_AUTO_ADDR_LIST: "NO" } });
 * const options: SwaitRecordOptions = { name: "calc10", transport };
 * const calc10 = new SwaitRecord("gp:userCalc10", options);
 * ```
 */
export interface SwaitRecordOptions {
  /** Name of the record's device. */
  name: string;
  /** The protocol client (default the process-wide one). */
  transport?: PvTransport;
}

/** Options of {@linkcode SwaitRecordChannel}. */
export interface SwaitRecordChannelOptions extends SwaitRecordOptions {
  /** The device the channel belongs to. */
  parent?: EpicsDevice;
}

/**
 * One input channel of an swait record, as apstools' `SwaitRecordChannel`: `input_value`
 * (`.A`), `input_pv` (`.INAN`) and `input_trigger` (`.INAP`), all configuration.
 *
 * @example Read channel B's input PV
 * ```ts ignore
 * import { SwaitRecord } from "./swait_record.ts";
 * const calc1 = new SwaitRecord("gp:userCalc1", { name: "calc1" });
 * const b = calc1.channels.B; // a SwaitRecordChannel named "calc1_channels_B"
 * await b.inputPv.set("gp:m1.RBV").wait(); // .INBN
 * const value = await b.inputValue.get(); // .B
 * ```
 */
export class SwaitRecordChannel extends EpicsDevice {
  /** The channel's letter. */
  readonly letter: SwaitChannelLetter;
  /** `.A`: the input's value. */
  readonly inputValue: EpicsSignal<number>;
  /** `.INAN`: the PV the input is read from. */
  readonly inputPv: EpicsSignal<string>;
  /** `.INAP`: whether a change of the input PV processes the record ("Yes"/"No"). */
  readonly inputTrigger: EpicsSignal<SwaitMenuValue>;

  /**
   * Create the channel and start connecting its PVs.
   * @param prefix The record, for example `"gp:userCalc10"`.
   * @param letter The channel, `"A"` to `"L"`.
   * @param options Name, parent and transport.
   */
  constructor(prefix: string, letter: SwaitChannelLetter, options: SwaitRecordChannelOptions) {
    super(prefix, { ...options, timeout: epicsSignalDefaults.timeout });
    this.letter = letter;
    const common = { parent: this, transport: this.transport, kind: "config" as Kind };
    this.inputValue = this.add(
      "input_value",
      (name) => new EpicsSignal<number>(`${prefix}.${letter}`, { name, ...common }),
    );
    this.inputPv = this.add(
      "input_pv",
      (name) => new EpicsSignal<string>(`${prefix}.IN${letter}N`, { name, ...common }),
    );
    this.inputTrigger = this.add(
      "input_trigger",
      (name) => new EpicsSignal<SwaitMenuValue>(`${prefix}.IN${letter}P`, { name, ...common }),
    );
  }

  /**
   * Set the channel's fields to their defaults, as apstools' `reset()`.
   * @returns When the IOC has processed the writes.
   */
  async reset(): Promise<void> {
    await this.inputPv.set("").wait();
    await this.inputValue.set(0).wait();
    await this.inputTrigger.set("Yes").wait();
  }
}

/**
 * A synApps swait record (`$(P)userCalc$(N)`), as apstools' `SwaitRecord`: the fields common to
 * all records (`description` `.DESC`, `scanning_rate` `.SCAN`, `process_record` `.PROC`, alarm
 * fields...), `precision` (`.PREC`), `calculated_value` (`.VAL`, hinted), `calculation`
 * (`.CALC`), the output fields, and `channels.A` to `channels.L`.
 *
 * @example The seed's calc
 * ```ts ignore
 * import { setupRandomNumberSwait, SwaitRecord } from "./swait_record.ts";
 * const calc10 = new SwaitRecord("gp:userCalc10", { name: "calc10" });
 * await calc10.waitForConnection();
 * await setupRandomNumberSwait(calc10);
 * const value = await calc10.calculatedValue.get(); // uniform in [0, 1), new at 10 Hz
 * console.log(calc10.calculatedValue.name); // calc10_calculated_value
 * ```
 */
export class SwaitRecord extends EpicsDevice {
  /** `.DESC`. */
  readonly description: EpicsSignal<string>;
  /** `.PACT`. */
  readonly processingActive: EpicsSignalRO<number>;
  /** `.SCAN`, for example `"Passive"` or `".1 second"`. */
  readonly scanningRate: EpicsSignal<SwaitMenuValue>;
  /** `.DISV`. */
  readonly disableValue: EpicsSignal<number>;
  /** `.DISA`. */
  readonly scanDisableInputLinkValue: EpicsSignal<number>;
  /** `.SDIS`. */
  readonly scanDisableValueInputLink: EpicsSignal<string>;
  /** `.PROC`: writing 1 processes the record once. */
  readonly processRecord: EpicsSignal<number>;
  /** `.FLNK`. */
  readonly forwardLink: EpicsSignal<string>;
  /** `.TPRO`. */
  readonly traceProcessing: EpicsSignal<number>;
  /** `.DTYP`. */
  readonly deviceType: EpicsSignalRO<SwaitMenuValue>;
  /** `.STAT`. */
  readonly alarmStatus: EpicsSignalRO<number>;
  /** `.SEVR`. */
  readonly alarmSeverity: EpicsSignalRO<number>;
  /** `.NSTA`. */
  readonly newAlarmStatus: EpicsSignalRO<number>;
  /** `.NSEV`. */
  readonly newAlarmSeverity: EpicsSignalRO<number>;
  /** `.DISS`. */
  readonly disableAlarmSeverity: EpicsSignal<SwaitMenuValue>;
  /** `.PREC`. */
  readonly precision: EpicsSignal<number>;
  /** `.HOPR`. */
  readonly highOperatingRange: EpicsSignal<number>;
  /** `.LOPR`. */
  readonly lowOperatingRange: EpicsSignal<number>;
  /** `.VAL`: the result of the calculation. */
  readonly calculatedValue: EpicsSignal<number>;
  /** `.CALC`: the expression, for example `"RNDM"`. */
  readonly calculation: EpicsSignal<string>;
  /** `.OUTN`. */
  readonly outputLinkPv: EpicsSignal<string>;
  /** `.DOLN`. */
  readonly outputLocationName: EpicsSignal<string>;
  /** `.DOLD`. */
  readonly outputLocationData: EpicsSignal<number>;
  /** `.DOPT`. */
  readonly outputDataOption: EpicsSignal<SwaitMenuValue>;
  /** `.OOPT`. */
  readonly outputExecuteOption: EpicsSignal<SwaitMenuValue>;
  /** `.ODLY`. */
  readonly outputExecutionDelay: EpicsSignal<number>;
  /** `.OEVT`. */
  readonly eventToIssue: EpicsSignal<SwaitMenuValue>;
  /** The input channels, `channels.A` to `channels.L`. */
  readonly channels: Readonly<Record<SwaitChannelLetter, SwaitRecordChannel>>;

  /**
   * Create the record's device and start connecting its PVs.
   * @param prefix The record, for example `"gp:userCalc10"`.
   * @param options Name and transport.
   */
  constructor(prefix: string, options: SwaitRecordOptions) {
    super(prefix, { ...options, timeout: epicsSignalDefaults.timeout });
    const common = { parent: this, transport: this.transport };
    const ro = <T extends number | string>(attr: string, field: string, kind: Kind) =>
      this.add(
        attr,
        (name) => new EpicsSignalRO<T>(`${prefix}.${field}`, { name, kind, ...common }),
      );
    const rw = <T extends number | string>(attr: string, field: string, kind: Kind = "config") =>
      this.add(attr, (name) => new EpicsSignal<T>(`${prefix}.${field}`, { name, kind, ...common }));
    this.description = rw("description", "DESC");
    this.processingActive = ro("processing_active", "PACT", "omitted");
    this.scanningRate = rw("scanning_rate", "SCAN");
    this.disableValue = rw("disable_value", "DISV");
    this.scanDisableInputLinkValue = rw("scan_disable_input_link_value", "DISA");
    this.scanDisableValueInputLink = rw("scan_disable_value_input_link", "SDIS");
    this.processRecord = rw("process_record", "PROC", "omitted");
    this.forwardLink = rw("forward_link", "FLNK");
    this.traceProcessing = rw("trace_processing", "TPRO", "omitted");
    this.deviceType = ro("device_type", "DTYP", "config");
    this.alarmStatus = ro("alarm_status", "STAT", "config");
    this.alarmSeverity = ro("alarm_severity", "SEVR", "config");
    this.newAlarmStatus = ro("new_alarm_status", "NSTA", "config");
    this.newAlarmSeverity = ro("new_alarm_severity", "NSEV", "config");
    this.disableAlarmSeverity = rw("disable_alarm_severity", "DISS");
    this.precision = rw("precision", "PREC");
    this.highOperatingRange = rw("high_operating_range", "HOPR");
    this.lowOperatingRange = rw("low_operating_range", "LOPR");
    this.calculatedValue = rw("calculated_value", "VAL", "hinted");
    this.calculation = rw("calculation", "CALC");
    this.outputLinkPv = rw("output_link_pv", "OUTN");
    this.outputLocationName = rw("output_location_name", "DOLN");
    this.outputLocationData = rw("output_location_data", "DOLD");
    this.outputDataOption = rw("output_data_option", "DOPT");
    this.outputExecuteOption = rw("output_execute_option", "OOPT");
    this.outputExecutionDelay = rw("output_execution_delay", "ODLY");
    this.eventToIssue = rw("event_to_issue", "OEVT");
    // As apstools' DynamicDeviceComponent: one `channels` device holding A to L.
    const group = this.add("channels", (name) => new EpicsDevice(prefix, { name, ...common }));
    const channels = {} as Record<SwaitChannelLetter, SwaitRecordChannel>;
    for (const letter of SWAIT_CHANNEL_LETTERS) {
      channels[letter] = group.add(letter, (name) =>
        new SwaitRecordChannel(prefix, letter, {
          name,
          parent: group,
          transport: this.transport,
        }));
    }
    this.channels = channels;
  }

  /**
   * The calculated value (`.VAL`), as apstools' `value`.
   * @returns The value the IOC has now.
   */
  value(): Promise<number> {
    return this.calculatedValue.get();
  }

  /**
   * Set every field to its default, as apstools' `reset()`: description the record's name,
   * Passive, calculation "0", precision 5, outputs cleared, channels reset.
   * @returns When the IOC has processed the writes.
   */
  async reset(): Promise<void> {
    await this.description.set(this.prefix).wait();
    await this.scanningRate.set("Passive").wait();
    await this.calculation.set("0").wait();
    await this.precision.set(5).wait();
    await this.outputLocationData.set(0).wait();
    await this.outputLocationName.set("").wait();
    await this.outputDataOption.set("Use VAL").wait();
    await this.forwardLink.set("0").wait();
    await this.outputExecutionDelay.set(0).wait();
    await this.outputExecuteOption.set("Every Time").wait();
    await this.outputLinkPv.set("").wait();
    await Promise.all(SWAIT_CHANNEL_LETTERS.map((letter) => this.channels[letter].reset()));
  }
}

/**
 * Make an swait record a source of uniform random numbers in [0, 1) at 10 Hz, as apstools'
 * `setup_random_number_swait`: reset it, then Passive, description "uniform random numbers",
 * calculation "RNDM", and scan every ".1 second".
 *
 * @example Usage against an IOC
 * ```ts ignore
 * import { SwaitRecord, setupRandomNumberSwait } from "./swait_record.ts";
 * const calc10 = new SwaitRecord("gp:userCalc10", { name: "calc10" });
 * await calc10.waitForConnection();
 * await setupRandomNumberSwait(calc10);
 * ```
 *
 * @param swait The record.
 * @returns When the IOC has processed every write.
 */
export async function setupRandomNumberSwait(swait: SwaitRecord): Promise<void> {
  await swait.reset();
  await swait.scanningRate.set("Passive").wait();
  await swait.description.set("uniform random numbers").wait();
  await swait.calculation.set("RNDM").wait();
  await swait.scanningRate.set(".1 second").wait();
}
