/**
 * Python's and numpy's ways of printing values, which `punx tree` inherits: `repr()` of
 * floats and bytes, and numpy's `str()` of arrays.
 *
 * @module
 */

/**
 * How numpy prints the items of an array: by their kind.
 */
export type NumpyKind = "float32" | "float64" | "int" | "bool" | "object";

type Scalar = number | bigint | string;

const NUMPY_LINE_WIDTH = 75;
const NUMPY_THRESHOLD = 1000;
const NUMPY_EDGE_ITEMS = 3;

/**
 * numpy's `str()` of an array (row-major `values` of the given shape): items aligned in
 * columns, lines wrapped at 75 characters, and arrays of more than 1000 items summarised with
 * `...` after the first and before the last three of each long axis.
 *
 * @param values The items, row-major.
 * @param shape The array's shape.
 * @param kind How to print each item.
 * @returns The text, on several lines for arrays of rank 2 and more.
 *
 * @example Floats aligned on their decimal point, rows on their own lines
 * ```ts
 * import assert from "node:assert/strict";
 * import { numpyArrayStr } from "./python_format.ts";
 * assert.equal(numpyArrayStr([0.5, 1.25], [2], "float64"), "[0.5  1.25]");
 * assert.equal(numpyArrayStr([1, 2, 3, 40], [2, 2], "int"), "[[ 1  2]\n [ 3 40]]");
 * ```
 */
export function numpyArrayStr(
  values: (Scalar | boolean)[],
  shape: number[],
  kind: NumpyKind,
): string {
  if (values.length === 0) return "[]";
  const summarize = values.length > NUMPY_THRESHOLD;
  const picked = (length: number) =>
    summarize && length > 2 * NUMPY_EDGE_ITEMS
      ? [
        ...Array.from({ length: NUMPY_EDGE_ITEMS }, (_, i) => i),
        -1,
        ...Array.from({ length: NUMPY_EDGE_ITEMS }, (_, i) => length - NUMPY_EDGE_ITEMS + i),
      ]
      : Array.from({ length }, (_, i) => i);
  const shown: number[] = [];
  const collect = (offset: number, axis: number): void => {
    if (axis === shape.length) {
      shown.push(offset);
      return;
    }
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    for (const i of picked(shape[axis]!)) if (i >= 0) collect(offset + i * stride, axis + 1);
  };
  collect(0, 0);
  const word = numpyFormatter(shown.map((i) => values[i]!), kind);
  const render = (offset: number, axis: number, hang: string, width: number): string => {
    if (axis === shape.length) return word(values[offset]!);
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const picks = picked(shape[axis]!);
    const at = (i: number) => render(offset + i * stride, axis + 1, `${hang} `, width - 1);
    let text = "";
    if (axis === shape.length - 1) {
      // One line of items, wrapped before an item that would pass the width.
      let line = hang;
      picks.forEach((i, n) => {
        const item = i < 0 ? "..." : at(i);
        if (line.length + item.length > width - 1 && line.length > hang.length) {
          text += `${line.trimEnd()}\n`;
          line = hang;
        }
        line += item + (n < picks.length - 1 ? " " : "");
      });
      text += line;
    } else {
      const gap = "\n".repeat(shape.length - axis - 1);
      text = picks.map((i) => hang + (i < 0 ? "..." : at(i))).join(gap);
    }
    return `[${text.slice(hang.length)}]`;
  };
  return render(0, 0, " ", NUMPY_LINE_WIDTH);
}

/** How numpy prints each item of an array, given the items it shows. */
function numpyFormatter(
  values: (Scalar | boolean)[],
  kind: NumpyKind,
): (value: Scalar | boolean) => string {
  if (kind === "object") return String;
  if (kind === "bool") return (value) => (Number(value) ? " True" : "False");
  if (kind === "int") {
    const width = Math.max(...values.map((v) => String(v).length));
    return (value) => String(value).padStart(width);
  }
  const bits = kind === "float32" ? 32 : 64;
  const numbers = values.map(Number);
  const finite = numbers.filter(Number.isFinite);
  const sizes = finite.filter((v) => v !== 0).map(Math.abs);
  const scientific = sizes.length > 0 &&
    (Math.max(...sizes) >= 1e8 || Math.min(...sizes) < 1e-4 ||
      Math.max(...sizes) / Math.min(...sizes) > 1e3);
  const special = (value: number) => Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  const negativeInfinity = numbers.some((v) => v === -Infinity);
  let padLeft = 0;
  let padRight = 0;
  let format: (value: number) => string = () => "";
  if (scientific) {
    const parts = finite.map((v) => {
      const { digits, exponent } = shortestDigits(v, bits, 9);
      return { whole: `${v < 0 ? "-" : ""}${digits[0]}`, fraction: digits.slice(1), exponent };
    });
    const precision = Math.max(...parts.map((p) => p.fraction.length));
    const exponentDigits = Math.max(2, ...parts.map((p) => String(Math.abs(p.exponent)).length));
    padLeft = Math.max(...parts.map((p) => p.whole.length));
    padRight = exponentDigits + 2 + precision;
    format = (value) => {
      let { digits, exponent } = shortestDigits(value, bits, 9);
      if (digits.length - 1 < precision && value !== 0) {
        // numpy fills up to the common precision with the value's true digits, not zeros.
        const scale = precision - exponent;
        const rounded = roundedDigits(value, scale);
        digits = rounded.slice(0, precision + 1);
        exponent = rounded.length - 1 - scale;
      }
      const whole = `${value < 0 ? "-" : ""}${digits[0]}`;
      const power = String(Math.abs(exponent)).padStart(exponentDigits, "0");
      return `${whole.padStart(padLeft)}.${digits.slice(1).padEnd(precision, "0")}e${
        exponent < 0 ? "-" : "+"
      }${power}`;
    };
  } else if (finite.length > 0) {
    const parts = finite.map((v) => positional(v, bits));
    padLeft = Math.max(...parts.map((p) => p.whole.length));
    padRight = Math.max(...parts.map((p) => p.fraction.length));
    format = (value) => {
      const { whole, fraction } = positional(value, bits);
      return `${whole.padStart(padLeft)}.${fraction.padEnd(padRight)}`;
    };
  }
  const offset = padRight + 1;
  if (finite.length < numbers.length) {
    padLeft = Math.max(padLeft, 3 - offset, 3 + Number(negativeInfinity) - offset);
  }
  return (value) => {
    const number = Number(value);
    return Number.isFinite(number) ? format(number) : special(number).padStart(padLeft + offset);
  };
}

/** A float in positional notation with at most 8 decimals, as numpy prints array items. */
function positional(value: number, bits: 32 | 64): { whole: string; fraction: string } {
  const { digits, exponent } = shortestDigits(value, bits, Infinity);
  const decimals = digits.length - 1 - exponent;
  let text: string;
  if (decimals > 8) {
    const rounded = roundedDigits(value, 8).padStart(9, "0");
    text = `${rounded.slice(0, -8)}.${rounded.slice(-8)}`.replace(/0+$/, "");
  } else if (exponent < 0) {
    text = `0.${"0".repeat(-exponent - 1)}${digits}`;
  } else if (digits.length <= exponent) {
    // Fewer digits than the integer part: numpy prints the value's true integer digits.
    text = `${roundedDigits(value, 0)}.`;
  } else {
    text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  }
  const [whole, fraction] = text.split(".") as [string, string];
  return { whole: `${value < 0 || Object.is(value, -0) ? "-" : ""}${whole}`, fraction };
}

/**
 * The shortest decimal digits that identify `value` among floats of `bits` bits (at most
 * `limit` of them, rounded), and the decimal exponent of the first.
 */
function shortestDigits(
  value: number,
  bits: 32 | 64,
  limit: number,
): { digits: string; exponent: number } {
  if (value === 0) return { digits: "0", exponent: 0 };
  const [mantissa, exponentText] = Math.abs(value).toExponential().split("e") as [
    string,
    string,
  ];
  const exponent = Number(exponentText);
  const rounded = (count: number) => {
    const scale = count - 1 - exponent;
    const digits = roundedDigits(value, scale);
    return { digits: digits.replace(/(?<=.)0+$/, ""), exponent: digits.length - 1 - scale };
  };
  if (bits === 32) {
    // The fewest digits that read back as this float32, ties rounded to even as numpy does.
    for (let count = 1; count < Math.min(limit, 9); count++) {
      const candidate = rounded(count);
      const back = Number(
        `${candidate.digits[0]}.${candidate.digits.slice(1)}e${candidate.exponent}`,
      );
      if (Math.fround(back) === Math.abs(value)) return candidate;
    }
    return rounded(Math.min(limit, 9));
  }
  const digits = mantissa.replace(".", "");
  return digits.length <= limit ? { digits, exponent } : rounded(limit);
}

/**
 * The digits of |value| × 10^scale rounded to an integer, ties to even, as numpy rounds:
 * computed exactly from the binary value.
 */
function roundedDigits(value: number, scale: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const power = (biased === 0 ? 1 : biased) - 1075;
  let numerator = mantissa * (scale > 0 ? 10n ** BigInt(scale) : 1n);
  let denominator = scale < 0 ? 10n ** BigInt(-scale) : 1n;
  if (power >= 0) numerator <<= BigInt(power);
  else denominator <<= BigInt(-power);
  let quotient = numerator / denominator;
  const twice = 2n * (numerator % denominator);
  if (twice > denominator || twice === denominator && quotient % 2n === 1n) quotient += 1n;
  return quotient.toString();
}

/**
 * A float as Python's `repr()` (and numpy's) prints it: the shortest digits that read back
 * as the same value, positional from 1e-4 up to 1e16, scientific otherwise.
 *
 * @param value The number.
 * @param bits 64 for a double; 32 for a single-precision value, printed with the fewest
 * digits that identify it as a 32-bit float, as numpy prints `float32`.
 * @returns For example `"0.0"`, `"-0.5"`, `"1e-05"`, `"nan"`.
 *
 * @example Whole floats keep their `.0`; large and small ones go scientific
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonFloatRepr } from "./python_format.ts";
 * assert.equal(pythonFloatRepr(-32000), "-32000.0");
 * assert.equal(pythonFloatRepr(1660343259.975937), "1660343259.975937");
 * assert.equal(pythonFloatRepr(1e16), "1e+16");
 * assert.equal(pythonFloatRepr(Math.fround(0.1), 32), "0.1");
 * ```
 */
export function pythonFloatRepr(value: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const { digits, exponent } = shortestDigits(value, bits, Infinity);
  const sign = value < 0 ? "-" : "";
  const size = Math.abs(value);
  if (size < 1e-4 || size >= 1e16) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const power = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${head}e${exponent < 0 ? "-" : "+"}${power}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  return `${sign}${whole}.${digits.slice(exponent + 1) || "0"}`;
}

/**
 * Bytes as Python's `repr()` prints them, for example `b'text'`, or `b"it's"` when that
 * avoids escaping a quote.
 *
 * @param bytes The bytes.
 * @returns The literal, with `\n`, `\t`, `\r`, `\\` and `\xNN` escapes.
 *
 * @example UTF-8 bytes escaped, quotes switched to avoid escaping
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonBytesRepr } from "./python_format.ts";
 * const encode = (text: string) => new TextEncoder().encode(text);
 * assert.equal(pythonBytesRepr(encode("- sensor\n")), "b'- sensor\\n'");
 * assert.equal(pythonBytesRepr(encode("prefix='gp:m10'")), `b"prefix='gp:m10'"`);
 * assert.equal(pythonBytesRepr(encode("é")), "b'\\xc3\\xa9'");
 * ```
 */
export function pythonBytesRepr(bytes: Uint8Array): string {
  return `b${quoted(Array.from(bytes), (code) => code >= 0x7f)}`;
}

/**
 * Text as Python's `repr()` of a `str` prints it, for example `'motor'` or `"it's"`.
 *
 * @param text The text.
 * @returns The literal, with Python's escapes for control and non-printing characters.
 *
 * @example Quotes chosen as Python chooses them
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonStrRepr } from "./python_format.ts";
 * assert.equal(pythonStrRepr("motor"), "'motor'");
 * assert.equal(pythonStrRepr("it's"), `"it's"`);
 * assert.equal(pythonStrRepr("a\tb"), "'a\\tb'");
 * ```
 */
export function pythonStrRepr(text: string): string {
  const codes = Array.from(text, (c) => c.codePointAt(0)!);
  return quoted(codes, (code) => code === 0x7f || code >= 0x80 && code <= 0xa0 || code === 0xad);
}

function quoted(codes: number[], escaped: (code: number) => boolean): string {
  const single = 0x27;
  const double = 0x22;
  const quote = codes.includes(single) && !codes.includes(double) ? double : single;
  let out = String.fromCharCode(quote);
  for (const code of codes) {
    if (code === 0x5c) out += "\\\\";
    else if (code === quote) out += `\\${String.fromCharCode(quote)}`;
    else if (code === 0x0a) out += "\\n";
    else if (code === 0x09) out += "\\t";
    else if (code === 0x0d) out += "\\r";
    else if (code < 0x20 || escaped(code)) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += String.fromCodePoint(code);
  }
  return out + String.fromCharCode(quote);
}
