/**
 * A PV's state as the DBR payload a client asked for: the type it wants, converted from the
 * native one, and the count it wants (0 for the current length).
 *
 * @module
 */

import { convertElements } from "./convert.ts";
import {
  type DbrData,
  dbrSize,
  ECA,
  type Elements,
  encodeDbr,
  type NativeType,
  pad8,
  splitDbrType,
} from "./protocol.ts";
import type { PvState } from "./served_pv.ts";

/** What to answer: a status, the element count, and the payload (empty-ish on failure). */
export interface DbrReply {
  /** `ECA.NORMAL`, or why the value could not be sent. */
  status: number;
  /** Element count of the payload. */
  count: number;
  /** The payload, padded; 8 zero bytes when `status` is a failure. */
  payload: Uint8Array;
}

/** The PV's part of a reply: its native type and largest count. */
export interface DbrSource {
  /** Native type. */
  nativeType: NativeType;
  /** Largest element count. */
  maxCount: number;
}

/**
 * Bytes of a reply of `type` and `count` for a state, before encoding.
 * @param state The state.
 * @param source Native type and largest count.
 * @param type DBR type wanted.
 * @param count Count wanted, 0 for the current length.
 * @returns Payload bytes, padded.
 */
export function replySize(state: PvState, source: DbrSource, type: number, count: number): number {
  return pad8(dbrSize(type, elementCount(state, source, count)));
}

/**
 * Encode a state as the DBR type a client wants.
 * @param state The state.
 * @param source Native type and largest count.
 * @param type DBR type wanted, 0 to 34.
 * @param count Count wanted, 0 for the current length.
 * @param maxArrayBytes Largest payload allowed.
 * @returns Status, count and payload.
 */
export function dbrReply(
  state: PvState,
  source: DbrSource,
  type: number,
  count: number,
  maxArrayBytes: number,
): DbrReply {
  const n = elementCount(state, source, count);
  if (pad8(dbrSize(type, n)) > maxArrayBytes) {
    return { status: ECA.TOLARGE, count: n, payload: new Uint8Array(8) };
  }
  const { native } = splitDbrType(type);
  try {
    const elements = convertElements(source.nativeType, native, headElements(state.elements, n), {
      precision: state.precision,
      enumStrings: state.enumStrings,
    });
    const data: DbrData = { ...state, elements };
    return { status: ECA.NORMAL, count: n, payload: encodeDbr(type, n, data) };
  } catch (error) {
    const status = error instanceof TypeError ? ECA.NOCONVERT : ECA.GETFAIL;
    return { status, count: n, payload: new Uint8Array(8) };
  }
}

function elementCount(state: PvState, source: DbrSource, count: number): number {
  return count === 0 ? Math.min(state.elements.length, source.maxCount) : count;
}

/**
 * The first `n` elements, without copying a typed array.
 * @param elements The elements.
 * @param n How many to keep.
 * @returns The first `n` (all of them when there are fewer).
 */
export function headElements(elements: Elements, n: number): Elements {
  if (elements.length <= n) return elements;
  if (ArrayBuffer.isView(elements)) return (elements as Float64Array).subarray(0, n);
  return Array.prototype.slice.call(elements, 0, n) as Elements;
}
