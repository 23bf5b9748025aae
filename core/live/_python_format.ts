/**
 * Numbers and values printed as Python prints them, so that a live table here reads the same
 * as bluesky's, digit for digit.
 *
 * @module
 */

/** Powers of ten a double holds exactly, by exponent. */
const POWERS = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
/** How close to a tie the scaled value may come before the exact path is taken. */
const TIE_MARGIN = 1e-6;

/** Python's `format(x, ".{p}f")`: ties to even, `nan`, `inf`, `-0.0`, no exponent. */
export function formatFixed(x: number, p: number): string {
  // A live table formats every value of every row: most are small and far from a tie, and
  // their rounding is then that of x * 10^p, whose error (below 2^-22 under 2^31) cannot
  // carry it across the half. Those are built from two integers, without toFixed().
  const power = POWERS[p];
  if (power !== undefined) {
    const scaled = x < 0 ? -x * power : x * power;
    if (scaled < 0x7fffffff) {
      const floor = Math.floor(scaled);
      const fraction = scaled - floor;
      if (fraction < 0.5 - TIE_MARGIN || fraction > 0.5 + TIE_MARGIN) {
        const n = fraction < 0.5 ? floor : floor + 1;
        const sign = x < 0 || (x === 0 && 1 / x < 0) ? "-" : "";
        if (p === 0) return sign + n;
        const whole = Math.floor(n / power);
        // The digits after the point, with their leading zeros: those of 10^p + fraction.
        return sign + whole + "." + String(n - whole * power + power).slice(1);
      }
    }
  }
  return exactFixed(x, p);
}

/** `formatFixed` by the exact path alone, for every value: digits from the exact decimal of x. */
export function exactFixed(x: number, p: number): string {
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
