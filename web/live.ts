/**
 * Live updates of the web view, pushed as Server-Sent Events while another process writes the
 * catalog. One clock per hub looks at the catalog's last `seq` (one cheap query) every few
 * milliseconds; only when it moved does each watched run read its new documents, once for all
 * of its clients, and send them to each as one shared chunk.
 *
 * - `GET /api/live`: `event: start` (`{uid, scan_id, plan_name, time}`) and `event: stop`
 *   (`{uid, exit_status, reason}`) as runs start and stop.
 * - `GET /api/runs/<uid>/events[?after=<n>]`: the run's documents in order, each as
 *   `event: document`, `id: <n>`, `data: {"name", "doc"}`, from the first or after `n`
 *   (`Last-Event-ID`), then new ones; after the stop, `event: end`, and the stream closes.
 *
 * A watched run keeps its documents' messages in memory (up to
 * {@linkcode LiveOptions.runBytes}), so that a client joining mid-run gets its backlog without
 * reading the catalog again; the last stopped runs stay there (up to
 * {@linkcode LiveOptions.stoppedRuns}) for the clients that come after the stop.
 *
 * @module
 */

import type { Catalog, TailedDocument } from "../core/catalog/mod.ts";
import { parseJson } from "../core/readers/_parse_json.ts";
import { strictJson } from "./_json.ts";

/** How the live updates are polled and kept. */
export interface LiveOptions {
  /** Milliseconds between two looks at the catalog's last `seq`. */
  interval?: number;
  /** Milliseconds between two looks once the catalog has not changed for a second. */
  idleInterval?: number;
  /**
   * Characters (about bytes) of messages a watched run keeps for clients that join it (its
   * oldest go first).
   */
  runBytes?: number;
  /** Stopped runs kept whole in memory for the clients that come later. */
  stoppedRuns?: number;
}

/**
 * Default {@linkcode LiveOptions}: a look every 10 ms (one query for all runs at once), every
 * 25 ms once nothing has changed for a second, 16 MB kept per run, the last 4 stopped runs kept.
 */
export const LIVE_DEFAULTS = {
  interval: 10,
  idleInterval: 25,
  runBytes: 16_000_000,
  stoppedRuns: 4,
} satisfies Required<LiveOptions>;

/** Looks after which the runs read the catalog even when its last `seq` did not move. */
const FORCED_POLL = 100;

/** Milliseconds without a change after which the hub looks every `idleInterval`. */
const IDLE_AFTER = 1000;

const encoder = new TextEncoder();

function sse(event: string, data: string, id?: number): string {
  return `event: ${event}\n${id === undefined ? "" : `id: ${id}\n`}data: ${data}\n\n`;
}

function documentMessage({ seq, name, json }: TailedDocument): string {
  // Stored JSON text is strict already unless Python's NaN or Infinity is in it (or a line
  // break, which a data line cannot hold): then it is parsed and written again.
  const doc = /NaN|Infinity|[\r\n]/.test(json) ? strictJson(parseJson(json)) : json;
  return sse("document", `{"name":${JSON.stringify(name)},"doc":${doc}}`, seq);
}

/**
 * Documents read in one poll, as the bytes of one chunk that every client is sent (encoded
 * once), with where each document's message begins in it, so that a client that has some of
 * them gets the rest as a view of the same bytes.
 */
class Batch {
  /** The `seq` of each message, in order. */
  readonly seqs: number[] = [];
  /** Where each message begins in `chunk`, and (last) where the messages end. */
  readonly #offsets: number[] = [];
  readonly chunk: Uint8Array;

  /**
   * @param from The `seq` of the document before the first, for the clients that have it.
   * @param documents The documents, up to a stop.
   * @param end The end message, after the documents, when the batch ends with the stop.
   */
  constructor(
    readonly from: number,
    documents: readonly TailedDocument[],
    end?: string,
  ) {
    const texts = documents.map(documentMessage);
    let at = 0;
    for (const [i, text] of texts.entries()) {
      this.seqs.push(documents[i]!.seq);
      this.#offsets.push(at);
      at += text.length;
    }
    this.#offsets.push(at);
    this.stopped = end !== undefined;
    const text = texts.join("");
    this.chunk = encoder.encode(end === undefined ? text : text + end);
    // Not all ASCII (text in the documents): the offsets count bytes, not characters.
    if (this.chunk.length !== at + (end?.length ?? 0)) {
      at = 0;
      for (const [i, message] of texts.entries()) {
        this.#offsets[i] = at;
        at += encoder.encode(message).length;
      }
      this.#offsets[texts.length] = at;
    }
  }

  /** Whether the batch ends with the stop (and the end message). */
  readonly stopped: boolean;

  /** The `seq` of the last message. */
  get last(): number {
    return this.seqs.at(-1) ?? this.from;
  }

  /** The bytes of the messages after `seq` (and of the end, if any): the same memory. */
  after(seq: number): Uint8Array {
    if (seq <= this.from) return this.chunk;
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.seqs[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.chunk.subarray(this.#offsets[lo]!);
  }
}

type Listener = (batch: Batch) => void;

/** One watched run: its documents read once for all its clients, the recent ones kept. */
class RunFeed {
  readonly listeners = new Set<Listener>();
  /** The kept batches, in order: every document of the run with `seq` after `#dropped`. */
  #kept: Batch[] = [];
  #head = 0;
  #bytes = 0;
  #dropped = 0;
  /** The `seq` of the last document read. */
  last = 0;
  stopped = false;
  readonly end: string;

  constructor(
    readonly uid: string,
    readonly read: (after: number) => TailedDocument[],
    readonly maxBytes: number,
  ) {
    this.end = sse("end", strictJson({ uid }));
  }

  /** Whether every document of the run is kept. */
  get whole(): boolean {
    return this.#dropped === 0;
  }

  /** Read what the catalog has after `last`; send it to the listeners. */
  poll(): void {
    while (!this.stopped) {
      const documents = this.read(this.last);
      if (documents.length === 0) return;
      const stop = documents.findIndex((document) => document.name === "stop");
      const read = stop < 0 ? documents : documents.slice(0, stop + 1);
      this.stopped = stop >= 0;
      // One chunk per poll for every client, not one per document or per client.
      const batch = new Batch(this.last, read, this.stopped ? this.end : undefined);
      this.#keep(batch);
      this.last = batch.last;
      for (const listener of [...this.listeners]) {
        try {
          listener(batch);
        } catch {
          // That client's stream is gone; the others still get the batch.
          this.listeners.delete(listener);
        }
      }
    }
  }

  #keep(batch: Batch): void {
    this.#kept.push(batch);
    this.#bytes += batch.chunk.length;
    while (this.#bytes > this.maxBytes && this.#head < this.#kept.length - 1) {
      const oldest = this.#kept[this.#head++]!;
      this.#bytes -= oldest.chunk.length;
      this.#dropped = oldest.last;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#kept.length) {
      this.#kept = this.#kept.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * The chunks of the messages after `after` up to `last` (and the end, after the stop): from
   * memory, and from the catalog for those dropped from it.
   */
  backlog(after: number): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    let last = after;
    while (last < this.#dropped) {
      const documents = this.read(last).filter((document) => document.seq <= this.#dropped);
      if (documents.length === 0) break;
      const batch = new Batch(last, documents);
      chunks.push(batch.chunk);
      last = batch.last;
    }
    const from = Math.max(after, this.#dropped);
    for (let i = this.#head; i < this.#kept.length; i++) {
      const batch = this.#kept[i]!;
      if (batch.last > from || batch.stopped) {
        const bytes = batch.after(from);
        if (bytes.length > 0) chunks.push(bytes);
      }
    }
    return chunks;
  }
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
  readonly #options: Required<LiveOptions>;
  /** The runs watched now. */
  readonly #runs = new Map<string, RunFeed>();
  /** The last stopped runs kept whole, oldest first. */
  readonly #stopped = new Map<string, RunFeed>();
  /** The listeners of `/api/live`, and the `seq` after which it looks for starts and stops. */
  readonly #live = new Set<(documents: TailedDocument[]) => void>();
  #liveLast = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The catalog's last `seq` at the last poll. */
  #seen = -1;
  #sincePoll = 0;
  /** When the catalog's last `seq` last moved (or a client came). */
  #changed = 0;
  /** Whether the next look is an idle one. */
  #slow = false;

  /**
   * The live updates of a catalog; nothing is read until a client comes.
   * @param catalog The catalog, written by this process or another.
   * @param options How often to poll, what to keep.
   */
  constructor(catalog: Catalog, options: LiveOptions = {}) {
    this.#catalog = catalog;
    this.#options = { ...LIVE_DEFAULTS, ...options };
  }

  /** How many pollers run now (one per run watched, one for `/api/live`), for tests. */
  get pollers(): number {
    return this.#runs.size + (this.#live.size === 0 ? 0 : 1);
  }

  /** Look at the catalog again while anyone listens: soon after a change, else less often. */
  #schedule(): void {
    if (this.#runs.size === 0 && this.#live.size === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer !== undefined) return;
    this.#slow = performance.now() - this.#changed > IDLE_AFTER;
    const { interval, idleInterval } = this.#options;
    this.#timer = setTimeout(this.#tick, this.#slow ? idleInterval : interval);
  }

  /** A client came: it likely follows a run that is starting, so look often again. */
  #wake(): void {
    this.#changed = performance.now();
    if (this.#slow) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#schedule();
  }

  #tick = (): void => {
    this.#timer = undefined;
    try {
      const seq = this.#catalog.lastSeq();
      // Unchanged: nothing new to read (but a poll now and then whatever the number says).
      if (seq !== this.#seen) this.#changed = performance.now();
      if (seq !== this.#seen || ++this.#sincePoll >= FORCED_POLL) {
        this.#sincePoll = 0;
        this.#pollLive();
        for (const feed of [...this.#runs.values()]) this.#pollRun(feed);
        this.#seen = seq;
      }
    } catch {
      // A read that fails (the file busy or being checkpointed) is tried again at the next tick.
      this.#seen = -1;
    }
    this.#schedule();
  };

  #pollLive(): void {
    if (this.#live.size === 0) return;
    while (true) {
      const documents = this.#catalog.tail(this.#liveLast, { names: ["start", "stop"] });
      if (documents.length === 0) return;
      this.#liveLast = documents.at(-1)!.seq;
      for (const listener of [...this.#live]) {
        try {
          listener(documents);
        } catch {
          this.#live.delete(listener);
        }
      }
    }
  }

  #pollRun(feed: RunFeed): void {
    feed.poll();
    if (!feed.stopped) return;
    this.#runs.delete(feed.uid);
    if (!feed.whole || this.#options.stoppedRuns <= 0) return;
    this.#stopped.delete(feed.uid);
    this.#stopped.set(feed.uid, feed);
    for (const uid of this.#stopped.keys()) {
      if (this.#stopped.size <= this.#options.stoppedRuns) break;
      this.#stopped.delete(uid);
    }
  }

  /**
   * The stream of `/api/live`: runs as they start and stop from now on.
   * @returns The SSE response.
   */
  live(): Response {
    if (this.#live.size === 0) this.#liveLast = this.#catalog.lastSeq();
    const from = this.#liveLast;
    let listener: ((documents: TailedDocument[]) => void) | undefined;
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
            controller.enqueue(encoder.encode(sse(name, strictJson({ ...data, ...rest }), seq)));
          }
        };
        this.#live.add(listener);
        this.#schedule();
        // Sent at once, so that a client knows it is subscribed.
        controller.enqueue(encoder.encode(": live\n\n"));
      },
      cancel: () => {
        if (listener !== undefined) this.#live.delete(listener);
        this.#schedule();
      },
    });
    return new Response(body, { headers: SSE_HEADERS });
  }

  /** The feed of a run: the one watched or kept, or a new one that has read what is stored. */
  #feed(uid: string): RunFeed {
    const found = this.#runs.get(uid) ?? this.#stopped.get(uid);
    if (found !== undefined) return found;
    const feed = new RunFeed(
      uid,
      (after) => this.#catalog.tail(after, { run: uid }),
      this.#options.runBytes,
    );
    feed.poll();
    if (feed.stopped) {
      this.#pollRun(feed);
    } else {
      this.#runs.set(uid, feed);
    }
    return feed;
  }

  /**
   * The stream of `/api/runs/<uid>/events`: the run's documents after a `seq`, then new ones
   * as they are stored, until its stop.
   * @param uid The run's uid (exactly).
   * @param after The `seq` of the last document the client has (0 for all).
   * @returns The SSE response.
   */
  runEvents(uid: string, after: number): Response {
    const feed = this.#feed(uid);
    let listener: Listener | undefined;
    const leave = () => {
      if (listener === undefined) return;
      feed.listeners.delete(listener);
      listener = undefined;
      if (feed.listeners.size === 0 && this.#runs.get(uid) === feed) this.#runs.delete(uid);
      this.#schedule();
    };
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        // The backlog, up to what the feed has read: mostly the chunks kept, as they are.
        for (const chunk of feed.backlog(after)) controller.enqueue(chunk);
        if (feed.stopped) {
          controller.close();
          return;
        }
        let last = feed.last > after ? feed.last : after;
        listener = (batch) => {
          if (batch.last > last || batch.stopped) controller.enqueue(batch.after(last));
          last = batch.last;
          if (batch.stopped) {
            controller.close();
            queueMicrotask(leave);
          }
        };
        feed.listeners.add(listener);
        this.#wake();
      },
      cancel: leave,
    });
    return new Response(body, { headers: SSE_HEADERS });
  }
}
