/**
 * `JSON.parse` that also takes the bare `NaN`, `Infinity` and `-Infinity` tokens Python's json
 * module writes. The tolerant path runs only after a plain parse fails, so valid JSON costs
 * nothing extra.
 *
 * @module
 */

const NON_FINITE: Readonly<Record<string, number>> = {
  "NaN": NaN,
  "Infinity": Infinity,
  "-Infinity": -Infinity,
};

/** A string no document holds, standing for a non-finite number during the tolerant parse. */
function marker(text: string): string {
  let mark: string;
  do mark = `\u0001nonfinite-${crypto.randomUUID()}:`; while (text.includes(mark.slice(1)));
  return mark;
}

/**
 * Put a quoted marker in place of each bare `NaN`, `Infinity` and `-Infinity` (outside strings).
 * @returns The new text, or `undefined` when there is no such token.
 */
function markNonFinite(text: string, mark: string): string | undefined {
  const parts: string[] = [];
  let copied = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    let token: string | undefined;
    if (c === 0x4e && text.startsWith("NaN", i)) token = "NaN";
    else if (c === 0x49 && text.startsWith("Infinity", i)) token = "Infinity";
    else if (c === 0x2d && text.startsWith("-Infinity", i)) token = "-Infinity";
    if (token === undefined) continue;
    parts.push(text.slice(copied, i), JSON.stringify(mark + token));
    i += token.length - 1;
    copied = i + 1;
  }
  if (parts.length === 0) return undefined;
  parts.push(text.slice(copied));
  return parts.join("");
}

/** Text that may hold an integer beyond 2^53 (16 digits in a row), which `JSON.parse` rounds. */
const LONG_DIGITS = /\d{16}/;
const INTEGER_TEXT = /^-?\d+$/;

type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

/** Keeps an integer that a number would round as a bigint, from the JSON text itself. */
const exactIntegers: Reviver = (_key, value, context) =>
  typeof value === "number" && !Number.isSafeInteger(value) && context?.source !== undefined &&
    INTEGER_TEXT.test(context.source)
    ? BigInt(context.source)
    : value;

/** Whether a parsed value holds a number beyond 2^53, which an integer's text may have been. */
function holdsUnsafeNumber(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return isUnsafe(value);
  // The leaves are looked at here, not in a call each: most of a document is leaves.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "object" ? holdsUnsafeNumber(item) : isUnsafe(item)) return true;
    }
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === "object" ? holdsUnsafeNumber(item) : isUnsafe(item)) return true;
  }
  return false;
}

function isUnsafe(value: unknown): boolean {
  return typeof value === "number" &&
    (value > Number.MAX_SAFE_INTEGER || value < -Number.MAX_SAFE_INTEGER);
}

function parse(text: string, reviver: Reviver | undefined): unknown {
  return JSON.parse(text, reviver as Parameters<typeof JSON.parse>[1]);
}

/**
 * Parse JSON text, accepting Python's bare non-finite numbers. Integers beyond 2^53 (which a
 * number would round: 2^53 + 1 becomes 2^53) are kept exactly, as bigints.
 *
 * @param text The JSON text.
 * @returns The value.
 * @throws {SyntaxError} The error of the plain parse, when the text is invalid even with the
 * non-finite numbers allowed.
 */
export function parseJson(text: string): unknown {
  let big: Reviver | undefined;
  try {
    // A reviver that asks for each number's source text costs JSON.parse five times its
    // time, and every float of 16 digits matches LONG_DIGITS: parse plainly, then parse
    // again with it only when the value holds a number that a long integer may have become
    // (looking through the value costs less than looking through the text).
    const value = JSON.parse(text);
    if (!holdsUnsafeNumber(value)) return value;
    big = exactIntegers;
    return parse(text, big);
  } catch (error) {
    big ??= LONG_DIGITS.test(text) ? exactIntegers : undefined;
    if (!text.includes("NaN") && !text.includes("Infinity")) throw error;
    const mark = marker(text);
    const marked = markNonFinite(text, mark);
    if (marked === undefined) throw error;
    try {
      return parse(
        marked,
        (key, value, context) =>
          typeof value === "string" && value.startsWith(mark)
            ? NON_FINITE[value.slice(mark.length)]
            : big
            ? big(key, value, context)
            : value,
      );
    } catch {
      throw error;
    }
  }
}
