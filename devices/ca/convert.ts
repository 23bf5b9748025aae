/**
 * Conversion of elements between native types, as a server does when a client asks for a type
 * other than the native one, and as a client does before a put.
 *
 * @module
 */

import { type Elements, type NativeType, newTypedArray } from "./protocol.ts";

/** What a conversion may need to know about the PV. */
export interface ConvertContext {
  /** Decimal places of a number shown as a string. */
  precision?: number | undefined;
  /** Enum state strings. */
  enumStrings?: readonly string[] | undefined;
}

/** A conversion that has no sensible result, for example `"abc"` to a double. */
export class ConversionError extends TypeError {
  override name = "ConversionError";
}

function numberToString(x: number, native: NativeType, context: ConvertContext): string {
  if (native === "enum") {
    const strings = context.enumStrings;
    if (strings && x >= 0 && x < strings.length) return strings[x]!;
    return String(x);
  }
  if ((native === "double" || native === "float") && context.precision !== undefined) {
    const digits = Math.max(0, Math.min(17, context.precision));
    return Number.isFinite(x) ? x.toFixed(digits) : String(x);
  }
  return String(x);
}

function stringToNumber(text: string, to: NativeType, context: ConvertContext): number {
  if (to === "enum" && context.enumStrings) {
    const index = context.enumStrings.indexOf(text);
    if (index >= 0) return index;
  }
  const trimmed = text.trim();
  const x = trimmed === "" ? Number.NaN : Number(trimmed);
  if (Number.isNaN(x) && trimmed.toLowerCase() !== "nan") {
    throw new ConversionError(`Cannot convert "${text}" to a ${to}`);
  }
  return x;
}

/**
 * Convert elements of type `from` to type `to`.
 *
 * @example A double shown as a string with its precision, and an enum by its state
 * ```ts
 * import assert from "node:assert/strict";
 * import { convertElements } from "./convert.ts";
 * assert.deepEqual(convertElements("double", "string", [0.5], { precision: 3 }), ["0.500"]);
 * const enumStrings = ["Passive", "Event"];
 * const index = convertElements("string", "enum", ["Event"], { enumStrings });
 * assert.equal(index[0], 1);
 * ```
 *
 * @param from Native type of the elements.
 * @param to Type wanted.
 * @param elements The elements.
 * @param context Precision and enum strings.
 * @returns Elements of type `to`: strings, or a typed array.
 * @throws {ConversionError} When a string is not a number (nor an enum state).
 */
export function convertElements(
  from: NativeType,
  to: NativeType,
  elements: Elements,
  context: ConvertContext = {},
): Elements {
  if (from === to) return elements;
  const n = elements.length;
  if (to === "string") {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(numberToString(elements[i] as number, from, context));
    return out;
  }
  const out = newTypedArray(to, n);
  for (let i = 0; i < n; i++) {
    const element = elements[i];
    out[i] = typeof element === "string" ? stringToNumber(element, to, context) : element!;
  }
  return out;
}

/**
 * JavaScript values for a put, as elements: a number, string, or array of either.
 * @param value What the caller gives.
 * @returns Elements.
 * @throws {TypeError} For anything else.
 */
export function toElements(
  value: number | string | boolean | ArrayLike<number> | readonly string[],
): Elements {
  if (typeof value === "number") return [value];
  if (typeof value === "boolean") return [value ? 1 : 0];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return value as Elements;
  throw new TypeError(`Cannot write "${String(value)}": not a number, string or array`);
}
