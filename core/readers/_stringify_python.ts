/**
 * `JSON.stringify` that writes non-finite numbers as Python's json module does, as the bare
 * tokens `NaN`, `Infinity` and `-Infinity` (where `JSON.stringify` writes `null`), so that they
 * survive a round trip through bluesky's tools and ours; and integers read exactly as `bigint`
 * (beyond 2^53) as their digits, which `JSON.stringify` refuses.
 *
 * @module
 */

const MARK = `@nonfinite-${crypto.randomUUID()}@`;
const MARKED = new RegExp(`"${MARK}(NaN|Infinity|-Infinity)"`, "g");

/** `JSON.rawJSON`, in the standard library of Deno's V8 but not yet in every TypeScript lib. */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * A replacer of `JSON.stringify` that writes a `bigint` as its digits, exactly.
 * @param _key The key (unused).
 * @param value The value.
 * @returns The value, or the raw JSON of a `bigint`'s digits.
 */
export function bigintDigits(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? rawJson(String(value)) : value;
}

/** Whether a value holds a non-finite number or a `bigint`: the slow path is needed. */
function hasNonFinite(value: unknown): boolean {
  if (typeof value === "bigint") return true;
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) if (hasNonFinite(value[k])) return true;
    return false;
  }
  for (const key in value) {
    if (hasNonFinite((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function markNonFinite(key: string, value: unknown): unknown {
  if (typeof value === "bigint") return bigintDigits(key, value);
  return typeof value === "number" && !Number.isFinite(value) ? `${MARK}${value}` : value;
}

/**
 * Serialize a JSON value on one line, with Python's tokens for non-finite numbers.
 *
 * @param value The value.
 * @returns Its JSON text.
 */
export function stringifyPython(value: unknown): string {
  // Looking first keeps the common case on the fast path of `JSON.stringify`.
  if (!hasNonFinite(value)) return JSON.stringify(value);
  return JSON.stringify(value, markNonFinite).replace(MARKED, "$1");
}
