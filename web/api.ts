/**
 * The HTTP JSON API behind the web view: the catalog's runs, a run's documents, a stream's
 * columns, and a run's documents as bluesky JSON Lines. A request handler for `Deno.serve`,
 * read-only, serving only the catalog's runs.
 *
 * - `GET /api/runs?limit=&offset=&plan=&since=&until=&key.<name>=<value>`: runs, newest first.
 * - `GET /api/runs/<uid>`: its start document, stop document and streams with their data keys and
 *   hints.
 * - `GET /api/runs/<uid>/streams/<name>/columns?keys=a,b`: `seq_num`, `time` and each key.
 * - `GET /api/runs/<uid>/documents.jsonl`: the run's documents, one `{name, doc}` per line.
 * - `GET /api/runs/<uid>/nexus.hdf`: the run's NeXus file, written from its documents (see
 *   {@linkcode NexusFiles}); a run without a stop is written as an incomplete run.
 * - `GET /api/live` and `GET /api/runs/<uid>/events`: live updates as Server-Sent Events (see
 *   {@linkcode LiveHub}).
 *
 * @example List the runs of a catalog
 * ```ts
 * import assert from "node:assert/strict";
 * import { temp } from "../core/catalog/mod.ts";
 * import { createApi } from "./api.ts";
 * const catalog = temp();
 * catalog.insert("start", { uid: "run-00001", time: 1, plan_name: "count" });
 * const api = createApi(catalog);
 * const response = await api(new Request("http://127.0.0.1/api/runs"));
 * assert.equal((await response.json()).runs[0].uid, "run-00001");
 * catalog.close();
 * ```
 *
 * @module
 */

import { rawPath, refusal } from "./_guard.ts";
import {
  type Catalog,
  CatalogCorruptError,
  CatalogLookupError,
  type CatalogRun,
  type RunQuery,
  type RunSummary,
} from "../core/catalog/mod.ts";
import { epochSeconds } from "../core/catalog/run_query.ts";
import { JsonLinesWriter } from "../core/readers/mod.ts";
import type { DataKeys, NamedDocument } from "../core/documents/types.ts";
import { errorResponse, jsonResponse } from "./_json.ts";
import { LiveHub, type LiveOptions } from "./live.ts";
import { type NexusFiles, OutsideDataFolders } from "./nexus_files.ts";

/** How the API is set up. */
export interface ApiOptions extends LiveOptions {
  /**
   * The address the server listens on (default `127.0.0.1`): on any address but a loopback one,
   * every request must carry the token.
   */
  host?: string;
  /** The token required off loopback; needed then. */
  token?: string;
  /** Writes the runs' NeXus files for `nexus.hdf`; without, that route is 404. */
  nexus?: NexusFiles;
}

/** The most runs one page of `/api/runs` holds. */
export const MAX_LIMIT = 1000;
/** Runs in a page of `/api/runs` by default. */
export const DEFAULT_LIMIT = 50;

/**
 * Whether an address is a loopback one (`127.0.0.0/8`, `::1`, `localhost`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLoopback } from "./api.ts";
 * assert.equal(isLoopback("127.0.0.1"), true);
 * assert.equal(isLoopback("0.0.0.0"), false);
 * ```
 *
 * @param host The address.
 * @returns Whether only this machine can reach it.
 */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Whether the API requires a token, for the address it listens on.
 * @param host The address.
 * @returns `true` off loopback.
 */
export function tokenRequired(host: string): boolean {
  return !isLoopback(host);
}

/** A 400 response naming a query parameter. */
class BadParameter extends Error {
  override name = "BadParameter";
}

/** A 404 response. */
class NotFound extends Error {
  override name = "NotFound";
}

const NOT_FOUND = "Not found";

/**
 * The path of a request as it came, before any URL parser took `..` out of it.
 * @throws {NotFound} When it holds `..`, `.`, an encoded slash or backslash, or an empty
 *   segment (an absolute path after a slash).
 */
function safeSegments(request: Request): string[] {
  const raw = rawPath(request);
  if (!raw.startsWith("/") || raw.includes("\\")) throw new NotFound(NOT_FOUND);
  const segments = raw.slice(1).split("/");
  return segments.map((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw new NotFound(NOT_FOUND);
    }
    if (
      decoded === "" || decoded === "." || decoded === ".." || /[/\\\0]/.test(decoded) ||
      decoded.includes("..")
    ) {
      throw new NotFound(NOT_FOUND);
    }
    return decoded;
  });
}

function integerParameter(
  params: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = params.get(name);
  if (text === null) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new BadParameter(
      `Parameter "${name}" needs an integer from ${min} to ${max}: got "${text}"`,
    );
  }
  return Number(text);
}

function timeParameter(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  try {
    return epochSeconds(/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text, name);
  } catch {
    throw new BadParameter(
      `Parameter "${name}" needs epoch seconds or an ISO 8601 time: got "${text}"`,
    );
  }
}

/** A start key's value as given: a JSON number, boolean or null, or else the text itself. */
function keyValue(text: string): string | number | boolean | null {
  try {
    const value = JSON.parse(text);
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) return value;
  } catch {
    // Not JSON: the text itself.
  }
  return text;
}

const RUNS_PARAMETERS = new Set(["limit", "offset", "plan", "since", "until", "token"]);

function runsQuery(params: URLSearchParams): RunQuery {
  const query: RunQuery = {};
  for (const name of new Set(params.keys())) {
    if (params.getAll(name).length > 1) {
      throw new BadParameter(`Parameter "${name}" is given more than once`);
    }
    if (name.startsWith("key.")) {
      const key = name.slice(4);
      if (key === "" || key === "since" || key === "until") {
        throw new BadParameter(`Parameter "${name}" needs a start key other than since/until`);
      }
      query[key] = keyValue(params.get(name)!);
    } else if (!RUNS_PARAMETERS.has(name)) {
      throw new BadParameter(
        `Unknown parameter "${name}": use limit, offset, plan, since, until or key.<name>`,
      );
    }
  }
  const plan = params.get("plan");
  if (plan !== null) query.plan_name = plan;
  const since = timeParameter(params, "since");
  const until = timeParameter(params, "until");
  if (since !== undefined) query.since = since;
  if (until !== undefined) query.until = until;
  return query;
}

function runJson(summary: RunSummary): Record<string, unknown> {
  return {
    uid: summary.uid,
    scan_id: summary.scanId ?? null,
    plan_name: summary.planName ?? null,
    time: summary.time,
    stop_time: summary.stopTime ?? null,
    exit_status: summary.exitStatus,
    events: summary.numEvents,
    streams: summary.streams,
  };
}

function listRuns(catalog: Catalog, params: URLSearchParams): Response {
  const query = runsQuery(params);
  const limit = integerParameter(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
  const offset = integerParameter(params, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
  const runs = catalog.runs(query, { from: "newest", offset, limit });
  return jsonResponse({ total: catalog.count(query), offset, limit, runs: runs.map(runJson) });
}

/** The run with exactly this uid. */
function findRun(catalog: Catalog, uid: string): CatalogRun {
  let run: CatalogRun;
  try {
    run = catalog.byUid(uid);
  } catch (error) {
    if (error instanceof CatalogLookupError || error instanceof RangeError) {
      throw new NotFound(`No run has uid "${uid}"`);
    }
    throw error;
  }
  if (run.summary.uid !== uid) throw new NotFound(`No run has uid "${uid}"`);
  return run;
}

interface StreamInfo {
  name: string;
  descriptors: string[];
  data_keys: DataKeys;
  /** The descriptors' hints, merged: `{<object>: {fields: [...]}}` as BestEffortCallback reads. */
  hints: Record<string, unknown>;
}

function streamsOf(documents: Iterable<NamedDocument>): Map<string, StreamInfo> {
  const streams = new Map<string, StreamInfo>();
  for (const [name, doc] of documents) {
    if (name !== "descriptor") continue;
    const stream = doc.name ?? "primary";
    const info = streams.get(stream) ??
      { name: stream, descriptors: [], data_keys: {} as DataKeys, hints: {} };
    info.descriptors.push(doc.uid);
    info.data_keys = { ...info.data_keys, ...doc.data_keys };
    if (typeof doc.hints === "object" && doc.hints !== null) {
      info.hints = { ...info.hints, ...doc.hints };
    }
    streams.set(stream, info);
  }
  return streams;
}

function runDetail(run: CatalogRun): Response {
  return jsonResponse({
    summary: runJson(run.summary),
    start: run.start,
    stop: run.stop ?? null,
    streams: [...streamsOf(run.documents()).values()],
  });
}

function columns(run: CatalogRun, stream: string, params: URLSearchParams): Response {
  for (const name of params.keys()) {
    if (name !== "keys" && name !== "token") {
      throw new BadParameter(`Unknown parameter "${name}": use keys`);
    }
  }
  const info = streamsOf(run.documents()).get(stream);
  if (info === undefined) throw new NotFound(`Run "${run.summary.uid}" has no stream "${stream}"`);
  const keysText = params.get("keys");
  const keys = keysText === null ? Object.keys(info.data_keys) : keysText.split(",");
  for (const key of keys) {
    if (!(key in info.data_keys)) {
      throw new BadParameter(
        `Parameter "keys" names "${key}", which stream "${stream}" does not have`,
      );
    }
  }
  const descriptors = new Set(info.descriptors);
  const seqNum: unknown[] = [];
  const time: unknown[] = [];
  const data: Record<string, unknown[]> = Object.fromEntries(keys.map((key) => [key, []]));
  for (const [name, doc] of run.documents()) {
    if (name === "event" && descriptors.has(doc.descriptor)) {
      seqNum.push(doc.seq_num);
      time.push(doc.time);
      for (const key of keys) data[key]!.push(doc.data[key] ?? null);
    } else if (name === "event_page" && descriptors.has(doc.descriptor)) {
      seqNum.push(...doc.seq_num);
      time.push(...doc.time);
      for (const key of keys) {
        const values = doc.data[key] ?? [];
        for (let i = 0; i < doc.seq_num.length; i++) data[key]!.push(values[i] ?? null);
      }
    }
  }
  return jsonResponse({ stream, seq_num: seqNum, time, data });
}

function download(run: CatalogRun): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = new JsonLinesWriter(writable);
  (async () => {
    try {
      for (const [name, doc] of run.documents()) await writer.write(name, doc as never);
      await writer.close();
    } catch (error) {
      // The status is sent already: a cut-off body tells the client.
      await writer.abort(error).catch(() => {});
    }
  })();
  const file = `${run.summary.uid.replace(/[^\w.-]/g, "_")}.jsonl`;
  return new Response(readable, {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${file}"`,
    },
  });
}

async function nexusFile(
  nexus: NexusFiles | undefined,
  run: CatalogRun,
  head: boolean,
): Promise<Response> {
  if (nexus === undefined) throw new NotFound("This server sends no NeXus files");
  const file = await nexus.file(run);
  let opened: Deno.FsFile;
  try {
    opened = await Deno.open(file.path);
  } finally {
    // The open file stays readable after an incomplete run's file is removed.
    await nexus.release(file);
  }
  const { size } = await opened.stat();
  if (head) opened.close();
  return new Response(head ? null : opened.readable, {
    headers: {
      "content-type": "application/x-hdf5",
      "content-length": String(size),
      "content-disposition": `attachment; filename="${file.name}"`,
      "x-nxdaq-complete": String(file.complete),
      "cache-control": "no-cache",
    },
  });
}

/** Where a run's event stream begins: after `Last-Event-ID`, or else `?after=<n>`. */
function resumeAfter(request: Request, params: URLSearchParams): number {
  for (const name of params.keys()) {
    if (name !== "after" && name !== "token") {
      throw new BadParameter(`Unknown parameter "${name}": use after`);
    }
  }
  // A browser that reconnects sends the header with the address it first used: the header wins.
  const header = request.headers.get("last-event-id");
  if (header === null) return integerParameter(params, "after", 0, 0, Number.MAX_SAFE_INTEGER);
  integerParameter(params, "after", 0, 0, Number.MAX_SAFE_INTEGER);
  if (!/^\d+$/.test(header) || !Number.isSafeInteger(Number(header))) {
    throw new BadParameter(`Header "Last-Event-ID" needs a document number: got "${header}"`);
  }
  return Number(header);
}

function route(
  catalog: Catalog,
  hub: LiveHub,
  request: Request,
  nexus: NexusFiles | undefined,
): Response | Promise<Response> {
  const segments = safeSegments(request);
  const params = new URL(request.url).searchParams;
  const [api, runs, uid, part, stream, last, ...rest] = segments;
  if (api === "api" && runs === "live" && uid === undefined) {
    for (const name of params.keys()) {
      if (name !== "token") throw new BadParameter(`Unknown parameter "${name}"`);
    }
    return hub.live();
  }
  if (api === "api" && runs === "runs" && uid !== undefined && part === "events") {
    if (stream !== undefined) throw new NotFound(NOT_FOUND);
    const after = resumeAfter(request, params);
    return hub.runEvents(findRun(catalog, uid).summary.uid, after);
  }
  if (api !== "api" || runs !== "runs" || rest.length > 0) throw new NotFound(NOT_FOUND);
  if (uid === undefined) return listRuns(catalog, params);
  if (part === undefined || part === "documents.jsonl" || part === "nexus.hdf") {
    for (const name of params.keys()) {
      if (name !== "token") throw new BadParameter(`Unknown parameter "${name}"`);
    }
  }
  if (part === undefined) return runDetail(findRun(catalog, uid));
  if (part === "documents.jsonl" && stream === undefined) return download(findRun(catalog, uid));
  if (part === "nexus.hdf" && stream === undefined) {
    return nexusFile(nexus, findRun(catalog, uid), request.method === "HEAD");
  }
  if (part === "streams" && stream !== undefined && last === "columns") {
    return columns(findRun(catalog, uid), stream, params);
  }
  throw new NotFound(NOT_FOUND);
}

/**
 * The API's request handler, for `Deno.serve`.
 * @param catalog The catalog it serves (read only).
 * @param options The address it listens on, the token, how often live updates are polled.
 * @returns The handler.
 * @throws {TypeError} When a token is required and none is given.
 */
export function createApi(
  catalog: Catalog,
  options: ApiOptions = {},
): (request: Request) => Promise<Response> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token;
  const needsToken = tokenRequired(host);
  const { interval, idleInterval, runBytes, stoppedRuns } = options;
  const hub = new LiveHub(catalog, {
    ...(interval === undefined ? {} : { interval }),
    ...(idleInterval === undefined ? {} : { idleInterval }),
    ...(runBytes === undefined ? {} : { runBytes }),
    ...(stoppedRuns === undefined ? {} : { stoppedRuns }),
  });
  if (needsToken && (token === undefined || token === "")) {
    throw new TypeError(`Listening on "${host}" needs a token: none was given`);
  }
  return async (request) => {
    const refused = refusal(request, {
      token: needsToken ? token : undefined,
      tokenHint: "Authorization: Bearer <token> or ?token=",
      what: "the API",
    });
    if (refused) return refused;
    try {
      return await route(catalog, hub, request, options.nexus);
    } catch (error) {
      return failure(error);
    }
  };
}

function failure(error: unknown): Response {
  if (error instanceof NotFound || error instanceof OutsideDataFolders) {
    return errorResponse(404, error.message);
  }
  if (error instanceof BadParameter) return errorResponse(400, error.message);
  if (error instanceof CatalogCorruptError) return errorResponse(500, error.message);
  return errorResponse(500, error instanceof Error ? error.message : String(error));
}
