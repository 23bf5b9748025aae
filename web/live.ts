/**
 * Live updates of the web view, pushed as Server-Sent Events while another process writes the
 * catalog: the server polls the SQLite file for documents after the last one seen, with one
 * poller per run shared by all of that run's clients, stopped when the last one leaves.
 *
 * - `GET /api/live`: `event: start` (`{uid, scan_id, plan_name, time}`) and `event: stop`
 *   (`{uid, exit_status, reason}`) as runs start and stop.
 * - `GET /api/runs/<uid>/events[?after=<n>]`: the run's documents in order, each as
 *   `event: document`, `id: <n>`, `data: {"name", "doc"}`, from the first or after `n`
 *   (`Last-Event-ID`), then new ones; after the stop, `event: end`, and the stream closes.
 *
 * @module
 */

import type { Catalog, TailedDocument } from "../core/catalog/mod.ts";
import { parseJson } from "../core/readers/_parse_json.ts";
import { strictJson } from "./_json.ts";

/** How the live updates are polled. */
export interface LiveOptions {
  /** Milliseconds between two polls of the catalog. */
  interval?: number;
}

/** Default {@linkcode LiveOptions}: a poll every 50 ms. */
export const LIVE_DEFAULTS = { interval: 50 } satisfies LiveOptions;

type Listener = (documents: TailedDocument[]) => void;

/** Polls the catalog for one run's documents (or every run's starts and stops) while listened to. */
class Poller {
  readonly #listeners = new Set<Listener>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #last: number;

  constructor(
    readonly read: (after: number) => TailedDocument[],
    last: number,
    readonly interval: number,
    readonly onIdle: () => void,
  ) {
    this.#last = last;
  }

  /** Each document's message by `seq`, made once for all the clients of a run. */
  readonly messages = new Map<number, Uint8Array>();

  /** The `seq` of the last document read. */
  get last(): number {
    return this.#last;
  }

  /** Where a poller not yet started begins. */
  set last(seq: number) {
    this.#last = seq;
  }

  add(listener: Listener): void {
    this.#listeners.add(listener);
    this.#timer ??= setTimeout(this.#poll, this.interval);
  }

  remove(listener: Listener): void {
    this.#listeners.delete(listener);
    if (this.#listeners.size > 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.onIdle();
  }

  #poll = (): void => {
    this.#timer = undefined;
    try {
      while (true) {
        const documents = this.read(this.#last);
        if (documents.length === 0) break;
        this.#last = documents.at(-1)!.seq;
        for (const listener of [...this.#listeners]) listener(documents);
      }
    } catch {
      // A read that fails (the file busy or being checkpointed) is tried again at the next poll.
    }
    if (this.#listeners.size > 0) this.#timer = setTimeout(this.#poll, this.interval);
  };
}

const encoder = new TextEncoder();

function sse(event: string, data: string, id?: number): Uint8Array {
  return encoder.encode(
    `event: ${event}\n${id === undefined ? "" : `id: ${id}\n`}data: ${data}\n\n`,
  );
}

function documentMessage(
  document: TailedDocument,
  messages: Map<number, Uint8Array>,
): Uint8Array {
  let message = messages.get(document.seq);
  if (message === undefined) {
    const { seq, name, json } = document;
    // Stored JSON text is strict already unless Python's NaN or Infinity is in it (or a line
    // break, which a data line cannot hold): then it is parsed and written again.
    const doc = /NaN|Infinity|[\r\n]/.test(json) ? strictJson(parseJson(json)) : json;
    const data = `{"name":${JSON.stringify(name)},"doc":${doc}}`;
    message = sse("document", data, seq);
    messages.set(document.seq, message);
  }
  return message;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

/**
 * The live updates of one catalog: the streams of `/api/live` and `/api/runs/<uid>/events`.
 *
 * @example Follow a run that has stopped already
 * ```ts
 * import assert from "node:assert/strict";
 * import { temp } from "../core/catalog/mod.ts";
 * import { LiveHub } from "./live.ts";
 * const catalog = temp();
 * catalog.insert("start", { uid: "run-00001", time: 1 });
 * catalog.insert("stop", { uid: "stop-1", run_start: "run-00001", time: 2, exit_status: "success" });
 * catalog.flush();
 * const text = await new LiveHub(catalog).runEvents("run-00001", 0).text();
 * assert.match(text, /^event: document\nid: \d+\ndata: \{"name":"start"/);
 * assert.match(text, /event: end\n/);
 * catalog.close();
 * ```
 */
export class LiveHub {
  readonly #catalog: Catalog;
  readonly #interval: number;
  readonly #runs = new Map<string, Poller>();
  #live: Poller | undefined;

  /**
   * @param catalog The catalog, written by this process or another.
   * @param options How often to poll.
   */
  constructor(catalog: Catalog, options: LiveOptions = {}) {
    this.#catalog = catalog;
    this.#interval = options.interval ?? LIVE_DEFAULTS.interval;
  }

  /** How many pollers run now (one per run watched, one for `/api/live`), for tests. */
  get pollers(): number {
    return this.#runs.size + (this.#live === undefined ? 0 : 1);
  }

  /**
   * The stream of `/api/live`: runs as they start and stop from now on.
   * @returns The SSE response.
   */
  live(): Response {
    const poller = this.#live ??= new Poller(
      (after) => this.#catalog.tail(after, { names: ["start", "stop"] }),
      this.#catalog.lastSeq(),
      this.#interval,
      () => this.#live = undefined,
    );
    let listener: Listener | undefined;
    const from = poller.last;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        listener = (documents) => {
          for (const { seq, name, json } of documents) {
            if (seq <= from) continue;
            const doc = parseJson(json) as Record<string, unknown>;
            const data = name === "start"
              ? { uid: doc.uid, scan_id: doc.scan_id ?? null, plan_name: doc.plan_name ?? null }
              : { uid: doc.run_start, exit_status: doc.exit_status ?? null };
            const rest = name === "start" ? { time: doc.time } : { reason: doc.reason ?? "" };
            controller.enqueue(sse(name, strictJson({ ...data, ...rest }), seq));
          }
        };
        poller.add(listener);
        // Sent at once, so that a client knows it is subscribed.
        controller.enqueue(encoder.encode(": live\n\n"));
      },
      cancel: () => {
        if (listener !== undefined) poller.remove(listener);
      },
    });
    return new Response(body, { headers: SSE_HEADERS });
  }

  /**
   * The stream of `/api/runs/<uid>/events`: the run's documents after a `seq`, then new ones
   * as they are stored, until its stop.
   * @param uid The run's uid (exactly).
   * @param after The `seq` of the last document the client has (0 for all).
   * @returns The SSE response.
   */
  runEvents(uid: string, after: number): Response {
    let listener: Listener | undefined;
    let last = after;
    let done = false;
    const existing = this.#runs.get(uid);
    const run = existing ?? new Poller(
      (after) => this.#catalog.tail(after, { run: uid }),
      0,
      this.#interval,
      () => this.#runs.delete(uid),
    );
    const leave = () => {
      if (listener !== undefined) run.remove(listener);
      listener = undefined;
    };
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const send = (documents: TailedDocument[]) => {
          const chunks: Uint8Array[] = [];
          for (const document of documents) {
            if (done || document.seq <= last) continue;
            last = document.seq;
            chunks.push(documentMessage(document, run.messages));
            if (document.name === "stop") {
              done = true;
              chunks.push(sse("end", strictJson({ uid })));
            }
          }
          // One chunk per poll, not per document: a write to the socket each.
          if (chunks.length > 0) controller.enqueue(concat(chunks));
          if (done) {
            controller.close();
            queueMicrotask(leave);
          }
        };
        // The backlog, read up to what is committed now: at least as far as a running poller.
        while (!done) {
          const documents = this.#catalog.tail(last, { run: uid });
          if (documents.length === 0) break;
          send(documents);
        }
        if (done) return;
        if (existing === undefined) {
          run.last = last;
          this.#runs.set(uid, run);
        }
        listener = send;
        run.add(listener);
      },
      cancel: leave,
    });
    return new Response(body, { headers: SSE_HEADERS });
  }
}
