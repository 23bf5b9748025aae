/**
 * How an EPICS signal turns what a channel gives into ophyd's shapes: values (scalars for one
 * element, arrays for more, strings when asked) and data keys built from DBR_CTRL metadata.
 *
 * @module
 */

import type { DataKey, Dtype, Limits } from "../../core/documents/types.ts";
import { convertElements, toElements } from "../ca/convert.ts";
import type { NativeType } from "../ca/protocol.ts";
import type { ConnectionInfo, PvValue } from "../ca/transport.ts";

/** A value an EPICS signal reads or writes: one number or string, or an array of them. */
export type EpicsValue = number | string | number[] | string[];

/** numpy's dtype of each native type, as pyepics hands the elements over. */
const NUMPY: Record<NativeType, string> = {
  string: "<U40",
  short: "<i2",
  float: "<f4",
  enum: "<u2",
  char: "|u1",
  long: "<i4",
  double: "<f8",
};

/** Whether a channel holds an array: its native count, not the length of one reading. */
function isArray(info: ConnectionInfo, value: PvValue): boolean {
  return (info.count ?? value.count) > 1;
}

/** The text of a char array: its bytes up to the first NUL, as pyepics' `as_string`. */
function charText(elements: ArrayLike<number>): string {
  const bytes: number[] = [];
  for (let i = 0; i < elements.length; i++) {
    const byte = elements[i]!;
    if (byte === 0) break;
    bytes.push(byte & 0xff);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * The value of a reading as the signal reports it.
 * @param value What the channel gave.
 * @param info The channel's native type and count.
 * @param asString Whether the signal reads strings (ophyd's `string=True`).
 * @param meta DBR_CTRL metadata, for enum states and precision when `asString`.
 * @returns A scalar for a one-element channel, an array otherwise.
 */
export function valueOf(
  value: PvValue,
  info: ConnectionInfo,
  asString: boolean,
  meta: PvValue | undefined,
): EpicsValue {
  const native = info.nativeType ?? "double";
  const array = isArray(info, value);
  const raw = value.value;
  if (asString && native === "char" && array && typeof raw !== "string") {
    return charText(raw as ArrayLike<number>);
  }
  let elements = toElements(raw);
  if (asString && native !== "string") {
    elements = convertElements(native, "string", elements, {
      precision: meta?.precision,
      enumStrings: meta?.enumStrings,
    });
  }
  if (array) return Array.from(elements as ArrayLike<number | string>) as number[] | string[];
  return elements[0] ?? (native === "string" || asString ? "" : 0);
}

/**
 * The data key of a signal, as ophyd's `EpicsSignalBase.describe()` makes it.
 * @param source `"PV:<read PV>"`.
 * @param info The read channel's native type and count.
 * @param meta DBR_CTRL metadata of the read channel.
 * @param limitsFrom DBR_CTRL metadata whose control limits apply (the write channel's).
 * @param asString Whether the signal reads strings.
 * @returns The data key, without `object_name`.
 */
export function dataKeyOf(
  source: string,
  info: ConnectionInfo,
  meta: PvValue,
  limitsFrom: PvValue,
  asString: boolean,
): DataKey {
  const native = info.nativeType ?? "double";
  const count = info.count ?? meta.count;
  let dtype: Dtype;
  let shape: number[] = [];
  let dtypeNumpy = NUMPY[native];
  if (asString && native === "char" && count > 1) {
    dtype = "string";
    dtypeNumpy = `<U${count}`;
  } else if (count > 1) {
    dtype = "array";
    shape = [count];
    if (asString) dtypeNumpy = "<U40";
  } else if (asString || native === "string") {
    dtype = "string";
    dtypeNumpy = "<U40";
  } else {
    dtype = native === "double" || native === "float" ? "number" : "integer";
  }
  const key: DataKey = { source, dtype, shape, dtype_numpy: dtypeNumpy, units: meta.units ?? null };
  const low = limitsFrom.limits?.lowerCtrl;
  const high = limitsFrom.limits?.upperCtrl;
  if (typeof low === "number") key.lower_ctrl_limit = low;
  if (typeof high === "number") key.upper_ctrl_limit = high;
  if (meta.precision !== undefined) key.precision = meta.precision;
  const limits = limitsOf(meta, limitsFrom);
  if (limits) key.limits = limits;
  if (meta.enumStrings && native === "enum") key.choices = [...meta.enumStrings];
  return key;
}

/** event-model's `limits` of a data key: control from `ctrl`, the others from `meta`. */
function limitsOf(meta: PvValue, ctrl: PvValue): Limits | undefined {
  const pair = (low: number | undefined, high: number | undefined) =>
    typeof low === "number" && typeof high === "number" ? { low, high } : undefined;
  const m = meta.limits ?? {};
  const c = ctrl.limits ?? {};
  const limits: Limits = {};
  const control = pair(c.lowerCtrl, c.upperCtrl);
  const display = pair(m.lowerDisp, m.upperDisp);
  const warning = pair(m.lowerWarning, m.upperWarning);
  const alarm = pair(m.lowerAlarm, m.upperAlarm);
  if (control) limits.control = control;
  if (display) limits.display = display;
  if (warning) limits.warning = warning;
  if (alarm) limits.alarm = alarm;
  return Object.keys(limits).length ? limits : undefined;
}
