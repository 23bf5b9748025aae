/**
 * `JSON.stringify` that writes non-finite numbers as Python's json module does, as the bare
 * tokens `NaN`, `Infinity` and `-Infinity` (where `JSON.stringify` writes `null`), so that they
 * survive a round trip through bluesky's tools and ours.
 *
 * @module
 */

const MARK = `@nonfinite-${crypto.randomUUID()}@`;
const MARKED = new RegExp(`"${MARK}(NaN|Infinity|-Infinity)"`, "g");

function hasNonFinite(value: unknown): boolean {
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

function markNonFinite(_key: string, value: unknown): unknown {
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
