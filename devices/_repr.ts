/**
 * Python's `repr()` of values, devices and signals, so that they print as ophyd's do.
 *
 * @module
 */

import { isList } from "./_is_list.ts";

/**
 * Format a value as Python's `repr()` would: `None`, `True`, floats such as `1.0` or `1e-05`,
 * single-quoted strings, lists and dicts. Numbers print as floats, bigints as ints.
 *
 * @example Python literals
 * ```ts
 * import assert from "node:assert/strict";
 * import { pyRepr } from "./mod.ts";
 * assert.equal(pyRepr([0, 0.00001, "a", null, true]), "[0.0, 1e-05, 'a', None, True]");
 * ```
 *
 * @param value Any value.
 * @returns Its Python representation.
 */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyFloat(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return pyString(value);
  if (isList(value)) return `[${Array.from(value, pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value).map(([k, v]) => `${pyString(k)}: ${pyRepr(v)}`);
    return `{${items.join(", ")}}`;
  }
  return pyString(String(value));
}

/** `Name(key=value, ...)`. */
export function pyCall(name: string, kwargs: [string, unknown][]): string {
  return `${name}(${kwargs.map(([k, v]) => `${k}=${pyRepr(v)}`).join(", ")})`;
}

/** Python's float repr: the shortest round-trip digits, exponent outside [1e-4, 1e16). */
function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa = "", exponent = "0"] = x.toExponential().split("e");
  const e = Number(exponent);
  if (e < -4 || e >= 16) {
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  const whole = digits.slice(0, e + 1).padEnd(e + 1, "0");
  return `${sign}${whole}.${digits.slice(e + 1) || "0"}`;
}

function pyString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\" || ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}
