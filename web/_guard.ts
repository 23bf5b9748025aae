/**
 * What every request to the web view passes before it is served, pages and API alike: the
 * token when the server listens on more than loopback, and only reading methods.
 *
 * @module
 */

import { errorResponse } from "./_json.ts";

const encoder = new TextEncoder();

/** Compare in time that does not depend on where the texts differ. */
export function sameText(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i % (x.length || 1)] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}

/** What a guard checks. */
export interface GuardOptions {
  /** The token every request must carry, or undefined when none is needed (loopback). */
  token: string | undefined;
  /** How to pass the token, for the 401's message. */
  tokenHint: string;
  /** What is served, for the 405's message ("the API", "the pages"). */
  what: string;
}

/**
 * The path of a request as it came, before a URL parser took `..` out of it.
 * @param request The request.
 * @returns Its path, without query or fragment.
 */
export function rawPath(request: Request): string {
  return request.url.replace(/^[a-z]+:\/\/[^/]*/i, "").replace(/[?#].*$/s, "");
}

/** The cookie a page sets once opened with its token, so its styles and scripts need none. */
export const TOKEN_COOKIE = "nxdaq_token";

/**
 * The token a request carries: `Authorization: Bearer`, else `?token=`, else the cookie.
 * @param request The request.
 * @returns The token, or `""` for none.
 */
export function givenToken(request: Request): string {
  const header = request.headers.get("authorization") ?? "";
  if (header.startsWith("Bearer ")) return header.slice(7);
  const query = new URL(request.url).searchParams.get("token");
  if (query !== null) return query;
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === TOKEN_COOKIE) return decodeURIComponent(value.join("="));
  }
  return "";
}

/**
 * The `Set-Cookie` header of a page opened with the token in its address: the later requests
 * of the page (styles, scripts, the API) then carry it. Not readable by scripts; sent only to
 * this server.
 * @param request The page's request, its token checked already.
 * @returns The header's value, or undefined when the token came some other way.
 */
export function tokenCookie(request: Request): string | undefined {
  const query = new URL(request.url).searchParams.get("token");
  if (query === null) return undefined;
  return `${TOKEN_COOKIE}=${encodeURIComponent(query)}; Path=/; HttpOnly; SameSite=Strict`;
}

/**
 * The answer to a request that may not be served, or undefined when it may.
 * @param request The request.
 * @param options The token and the words of the refusals.
 * @returns A 401 without the token (header, `?token=` or cookie), a 405 for a method other than GET and HEAD, else undefined.
 */
export function refusal(request: Request, options: GuardOptions): Response | undefined {
  if (options.token !== undefined) {
    if (!sameText(givenToken(request), options.token)) {
      return errorResponse(401, `A token is required: ${options.tokenHint}`, {
        "www-authenticate": "Bearer",
      });
    }
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return errorResponse(
      405,
      `Method "${request.method}" is not allowed: ${options.what} ${
        options.what.endsWith("s") ? "are" : "is"
      } read-only`,
      { allow: "GET, HEAD" },
    );
  }
  return undefined;
}
