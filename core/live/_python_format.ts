/**
 * Numbers and values printed as Python prints them, so that a live table here reads the same
 * as bluesky's, digit for digit.
 *
 * @module
 */

/** Python's `format(x, ".{p}f")`: ties to even, `nan`, `inf`, `-0.0`, no exponent. */
export function formatFixed(x: number, p: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (Math.abs(x) >= 1e21) return BigInt(x).toString() + (p > 0 ? "." + "0".repeat(p) : "");
  let s = x.toFixed(p);
  // toFixed() rounds exact ties away from zero; a tie is x = odd / 2^(p+1).
  const scaled = x * 2 ** (p + 1);
  if (Number.isInteger(scaled) && scaled % 2 !== 0 && (s.charCodeAt(s.length - 1) & 1) === 1) {
    const digits = (BigInt(s.replace(/[-.]/g, "")) - 1n).toString().padStart(p + 1, "0");
    s = (x < 0 ? "-" : "") + (p > 0 ? digits.slice(0, -p) + "." + digits.slice(-p) : digits);
  }
  return Object.is(x, -0) ? "-" + s : s;
}

/** Python's `str()` of an integer: no exponent, however large. */
export function formatInteger(x: number): string {
  return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString();
}

/** Python's `str()` of a value that is not a number: `True`/`False`, JSON for objects. */
export function text(value: unknown): string {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}
