/**
 * The web view's pages: the runs list (`/`), a run (`/runs/<uid>`) and their static files
 * (`/static/<name>`), plain HTML and ES modules read from `web/static/`, no build step. A request
 * handler tried before the API: it answers only its own paths and returns `undefined` for any
 * other, so the API (or a 404) answers those.
 *
 * Every page is sent with a Content-Security-Policy that allows scripts, styles and fetches from
 * the server itself only (no inline scripts).
 *
 * @example Serve the pages before the API
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPages } from "./pages.ts";
 * const pages = createPages();
 * const response = await pages(new Request("http://127.0.0.1/"));
 * assert.equal(response?.status, 200);
 * assert.match(response!.headers.get("content-security-policy")!, /script-src 'self'/);
 * assert.equal(pages(new Request("http://127.0.0.1/api/runs")), undefined);
 * ```
 *
 * @module
 */

import { rawPath, refusal, tokenCookie } from "./_guard.ts";
import { tokenRequired } from "./api.ts";
import { errorResponse } from "./_json.ts";

/** Who may see the pages: as for the API. */
export interface PagesOptions {
  /**
   * The address the server listens on (default `127.0.0.1`): on any address but a loopback one,
   * every page needs the token.
   */
  host?: string;
  /** The token required off loopback; needed then. */
  token?: string;
}

/** The Content-Security-Policy of every page and static file. */
export const CONTENT_SECURITY_POLICY: string = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The files of `web/static/` the server sends, with their content types. */
const STATIC_FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "run.html": "text/html; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
  "common.js": "text/javascript; charset=utf-8",
  "runs.js": "text/javascript; charset=utf-8",
  "run.js": "text/javascript; charset=utf-8",
  "plot.js": "text/javascript; charset=utf-8",
  "axes.js": "text/javascript; charset=utf-8",
  "image.js": "text/javascript; charset=utf-8",
};

/** The static file a path names, or `undefined` when it is no page's path. */
function fileOf(path: string): string | undefined {
  if (path === "/" || path === "/index.html") return "index.html";
  if (/^\/runs\/[^/]+$/.test(path)) return "run.html";
  const match = /^\/static\/([\w.-]+)$/.exec(path);
  if (match !== null) return match[1]!;
  return undefined;
}

async function send(name: string, request: Request, needsToken: boolean): Promise<Response> {
  const type = Object.hasOwn(STATIC_FILES, name) ? STATIC_FILES[name] : undefined;
  if (type === undefined) return errorResponse(404, "Not found");
  const body = await Deno.readFile(new URL(`./static/${name}`, import.meta.url));
  const headers: Record<string, string> = {
    "content-type": type,
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
  };
  const cookie = needsToken ? tokenCookie(request) : undefined;
  if (cookie !== undefined) headers["set-cookie"] = cookie;
  return new Response(request.method === "HEAD" ? null : body, { headers });
}

/**
 * The pages' request handler.
 * @param options The address the server listens on and the token, as for the API: off loopback
 *   a page needs `?token=<token>`, and sets a cookie of it for its styles, scripts and API
 *   calls.
 * @returns A handler answering the pages' paths, `undefined` for any other path.
 * @throws {TypeError} When a token is required and none is given.
 */
export function createPages(
  options: PagesOptions = {},
): (request: Request) => Promise<Response> | undefined {
  const host = options.host ?? "127.0.0.1";
  const needsToken = tokenRequired(host);
  if (needsToken && (options.token === undefined || options.token === "")) {
    throw new TypeError(`Listening on "${host}" needs a token: none was given`);
  }
  return (request) => {
    // The path as it came, before a URL parser took `..` out of it: any `..` is left to the API,
    // which refuses it with 404.
    const raw = rawPath(request);
    if (raw.includes("..")) return undefined;
    const url = new URL(request.url);
    const name = fileOf(url.pathname);
    if (name === undefined) return undefined;
    const refused = refusal(request, {
      token: needsToken ? options.token : undefined,
      tokenHint: "add ?token=<token> to the address",
      what: "the pages",
    });
    if (refused) return Promise.resolve(refused);
    return send(name, request, needsToken);
  };
}
