/**
 * The H5Web page of a run (`/runs/<uid>/h5web`): the run's NeXus file (from the API's
 * `nexus.hdf`) in H5Web, read only, with the bundle `deno task build:h5web` made
 * (`/h5web/viewer.js`, `/h5web/viewer.css`). A request handler tried before the API, as the
 * other pages are: it answers only its own paths.
 *
 * Its Content-Security-Policy allows, beyond the other pages', what H5Web needs: WebAssembly
 * (h5wasm), a worker made from a `blob:` address (h5wasm's reader), and `eval` (the ndarray
 * library H5Web uses compiles its loops with `new Function`).
 *
 * @example Without a bundle, the page says how to build it
 * ```ts
 * import assert from "node:assert/strict";
 * import { createH5webPage } from "./page.ts";
 * const page = createH5webPage({ bundle: "/nowhere" });
 * const response = await page(new Request("http://127.0.0.1/runs/abc/h5web"));
 * assert.equal(response?.status, 503);
 * assert.match(await response!.text(), /deno task build:h5web/);
 * assert.equal(page(new Request("http://127.0.0.1/api/runs")), undefined);
 * ```
 *
 * @module
 */

import { rawPath, refusal, tokenCookie } from "../_guard.ts";
import { errorResponse } from "../_json.ts";
import { tokenRequired } from "../api.ts";
import { H5WEB_FILES, h5webBundleReady } from "./build.ts";

/** Where the bundle is, and who may see the page. */
export interface H5webPageOptions {
  /** The bundle's folder ({@linkcode h5webBundleDir}). */
  bundle: string;
  /** The address the server listens on (default `127.0.0.1`), as for the API. */
  host?: string;
  /** The token required off loopback; needed then. */
  token?: string;
}

/** The Content-Security-Policy of the H5Web page and its files. */
export const H5WEB_CONTENT_SECURITY_POLICY: string = [
  "default-src 'none'",
  "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
  "worker-src blob:",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const OWN_FILES: Record<string, string> = {
  "h5web.html": "text/html; charset=utf-8",
  "page.css": "text/css; charset=utf-8",
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nxdaq: H5Web not built</title></head>
<body><p>The H5Web viewer is not built: run <code>deno task build:h5web</code> (or start the
server with <code>deno task serve</code>, which builds it), then reload this page.</p></body>
</html>
`;

/**
 * The H5Web page's request handler.
 * @param options The bundle's folder, the address and the token.
 * @returns A handler answering `/runs/<uid>/h5web` and `/h5web/<file>`, `undefined` for others.
 * @throws {TypeError} When a token is required and none is given.
 */
export function createH5webPage(
  options: H5webPageOptions,
): (request: Request) => Promise<Response> | undefined {
  const needsToken = tokenRequired(options.host ?? "127.0.0.1");
  if (needsToken && (options.token === undefined || options.token === "")) {
    throw new TypeError(`Listening on "${options.host}" needs a token: none was given`);
  }
  return (request) => {
    const raw = rawPath(request);
    if (raw.includes("..")) return undefined;
    const path = new URL(request.url).pathname;
    const page = /^\/runs\/[^/]+\/h5web$/.test(path);
    const file = /^\/h5web\/([\w.-]+)$/.exec(path)?.[1];
    if (!page && file === undefined) return undefined;
    const refused = refusal(request, {
      token: needsToken ? options.token : undefined,
      tokenHint: "add ?token=<token> to the address",
      what: "the pages",
    });
    if (refused) return Promise.resolve(refused);
    return send(page ? "h5web.html" : file!, request, options.bundle, needsToken);
  };
}

async function send(
  name: string,
  request: Request,
  bundle: string,
  needsToken: boolean,
): Promise<Response> {
  const own = Object.hasOwn(OWN_FILES, name) ? OWN_FILES[name] : undefined;
  const built = Object.hasOwn(H5WEB_FILES, name) ? H5WEB_FILES[name] : undefined;
  const type = own ?? built;
  if (type === undefined) return errorResponse(404, "Not found");
  const headers: Record<string, string> = {
    "content-type": type,
    "content-security-policy": H5WEB_CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
  };
  if (name === "h5web.html" && !(await h5webBundleReady(bundle))) {
    return new Response(NOT_BUILT, { status: 503, headers });
  }
  const cookie = needsToken && own !== undefined ? tokenCookie(request) : undefined;
  if (cookie !== undefined) headers["set-cookie"] = cookie;
  const url = own !== undefined ? new URL(`./${name}`, import.meta.url) : `${bundle}/${name}`;
  let body: Uint8Array<ArrayBuffer>;
  try {
    body = await Deno.readFile(url);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return errorResponse(404, "Not found");
    throw error;
  }
  return new Response(request.method === "HEAD" ? null : body, { headers });
}
