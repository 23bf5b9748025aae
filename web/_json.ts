/**
 * JSON responses of the web API: strict JSON (a non-finite number becomes `null`, an integer
 * beyond 2^53 keeps its digits), and errors as `{ error: message }`.
 *
 * @module
 */

/** `JSON.rawJSON`, in the standard library of Deno's V8 but not yet in every TypeScript lib. */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

function strict(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return rawJson(String(value));
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

/**
 * A value as strict JSON text, which any browser parses.
 *
 * @example NaN becomes null, big integers keep their digits
 * ```ts
 * import assert from "node:assert/strict";
 * import { strictJson } from "./_json.ts";
 * assert.equal(strictJson({ a: NaN, b: 2n ** 64n }), '{"a":null,"b":18446744073709551616}');
 * ```
 *
 * @param value The value.
 * @returns Its JSON text.
 */
export function strictJson(value: unknown): string {
  return JSON.stringify(value, strict);
}

/**
 * A JSON response.
 * @param value The body.
 * @param status The HTTP status.
 * @param headers More headers.
 * @returns The response.
 */
export function jsonResponse(
  value: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(strictJson(value) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/**
 * An error response: `{ "error": message }`.
 * @param status The HTTP status.
 * @param message What is wrong, for the user.
 * @param headers More headers.
 * @returns The response.
 */
export function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse({ error: message }, status, headers);
}
