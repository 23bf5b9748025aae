/**
 * The publisher callback: every document of the bus, in order, with the uid of its run and
 * its place in the run, sent to a {@linkcode DocumentSink} in batches. While the sink cannot
 * take them (the broker unreachable), the acquisition goes on: the documents go to a local
 * spool on disk and are sent, in order, when the broker is back (tried again with a growing
 * wait), no document of a run overtaking another.
 *
 * @module
 */

import type { DocumentMap, DocumentName } from "../documents/types.ts";
import { RunRouter } from "../bus/run_router.ts";
import { stringifyPython } from "../readers/_stringify_python.ts";
import type { DocumentSink, TransportEntry } from "./transport.ts";
import { Spool } from "./spool.ts";

/** Options of {@linkcode DocumentPublisher}. */
export interface PublisherOptions {
  /** The spool folder, for documents that cannot be sent now. */
  spool: string;
  /** The most entries sent in one batch. */
  batchSize?: number;
  /** The first wait before trying a failed send again, in ms; it doubles at each failure. */
  retryDelay?: number;
  /** The longest wait between two tries, in ms. */
  maxRetryDelay?: number;
  /** Receives each problem (a failed send, a document of no known run), for a warning. */
  onWarning?: (message: string) => void;
}

/** Defaults of {@linkcode PublisherOptions}. */
export const publisherDefaults = {
  batchSize: 500,
  retryDelay: 100,
  maxRetryDelay: 5000,
} as const satisfies Partial<PublisherOptions>;

/** What a publisher did, once closed. */
export interface PublisherOutcome {
  /** Entries the sink took. */
  published: number;
  /** Entries still in the spool, not sent. */
  spooled: number;
  /** The spool file that holds them, when there are any. */
  spoolFile?: string;
}

/**
 * Sends every document it receives to a sink, spooling them on disk while the sink fails.
 *
 * @example Documents of a run into a sink that keeps them
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentPublisher } from "./publisher.ts";
 * import type { TransportEntry } from "./transport.ts";
 * const kept: TransportEntry[] = [];
 * const sink = {
 *   target: "memory",
 *   publish: (entries: readonly TransportEntry[]) => Promise.resolve(void kept.push(...entries)),
 *   close: () => Promise.resolve(),
 * };
 * const spool = await Deno.makeTempDir();
 * const publisher = new DocumentPublisher(sink, { spool });
 * publisher.receiver("start", { uid: "r1", time: 0 });
 * publisher.receiver("stop", { uid: "s1", run_start: "r1", time: 1, exit_status: "success" });
 * assert.deepEqual(await publisher.close(), { published: 2, spooled: 0 });
 * assert.deepEqual(kept.map((e) => [e.run, e.seq, e.name]), [["r1", 0, "start"], ["r1", 1, "stop"]]);
 * await Deno.remove(spool, { recursive: true });
 * ```
 */
export class DocumentPublisher {
  readonly #sink: DocumentSink;
  readonly #options: PublisherOptions;
  readonly #spool: Spool;
  readonly #router = new RunRouter();
  /** The next `seq` of each open run. */
  readonly #seq = new Map<string, number>();
  /** Received, neither sent nor spooled yet. */
  #queue: TransportEntry[] = [];
  /** In the spool (or in files taken over from other publishers), not sent yet: in order. */
  #spooled: TransportEntry[] = [];
  /** Files taken over, removed once their entries are sent. */
  #adoptedFiles: string[] = [];
  #adopted = false;
  #published = 0;
  #pump: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #delay = 0;
  #closing = false;
  #failure: Error | undefined;

  /**
   * Make a publisher; nothing is sent before the first document.
   * @param sink Where the documents go.
   * @param options The spool folder, batch size and waits.
   */
  constructor(sink: DocumentSink, options: PublisherOptions) {
    this.#sink = sink;
    this.#options = options;
    this.#spool = new Spool(options.spool);
  }

  /** Where the documents go, for messages. */
  get target(): string {
    return this.#sink.target;
  }

  /** Entries not sent yet (queued or spooled). */
  get pending(): number {
    return this.#queue.length + this.#spooled.length;
  }

  /** Entries the sink took so far. */
  get published(): number {
    return this.#published;
  }

  /** This process's spool file, while it has one. */
  get spoolFile(): string | undefined {
    return this.#spool.path;
  }

  /**
   * The callback to subscribe to a bus: takes each document, with the uid of its run when
   * the caller knows it (otherwise it is traced through the run's documents).
   * @param name The document's name.
   * @param doc The document.
   * @param run The uid of its run, when known.
   */
  readonly receiver = <K extends DocumentName>(name: K, doc: DocumentMap[K], run?: string) => {
    const uid = run ?? this.#route(name, doc);
    const seq = this.#seq.get(uid) ?? 0;
    if (name === "stop") this.#seq.delete(uid);
    else this.#seq.set(uid, seq + 1);
    this.#queue.push({ run: uid, seq, name, json: stringifyPython(doc) });
    this.#start();
  };

  #route(name: DocumentName, doc: unknown): string {
    try {
      return this.#router.route(name, doc as Record<string, unknown>);
    } catch (error) {
      // Sent all the same, under the run it names if any: a consumer reports it.
      const named = (doc as { run_start?: unknown } | null)?.run_start;
      const run = typeof named === "string" ? named : "";
      this.#options.onWarning?.(
        `${(error as Error).message}: published under run "${run}" all the same`,
      );
      return run;
    }
  }

  #start(): void {
    if (this.#wake) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake();
    }
    this.#pump ??= this.#run().finally(() => this.#pump = undefined);
  }

  async #run(): Promise<void> {
    const size = this.#options.batchSize ?? publisherDefaults.batchSize;
    if (!this.#adopted) {
      this.#adopted = true;
      try {
        const { entries, files } = await this.#spool.adopt();
        this.#spooled.push(...entries);
        this.#adoptedFiles.push(...files);
      } catch (error) {
        this.#options.onWarning?.((error as Error).message);
      }
    }
    while (this.#queue.length > 0 || this.#spooled.length > 0) {
      // Documents wait in the spool while earlier ones do: none overtakes another.
      const fromSpool = this.#spooled.length > 0;
      const batch = fromSpool ? this.#spooled.slice(0, size) : this.#queue.splice(0, size);
      try {
        await this.#sink.publish(batch);
      } catch (error) {
        this.#options.onWarning?.((error as Error).message);
        if (!fromSpool) this.#queue.unshift(...batch);
        if (!(await this.#toSpool())) return;
        if (this.#closing) return;
        await this.#backoff();
        continue;
      }
      this.#delay = 0;
      this.#published += batch.length;
      if (fromSpool) {
        this.#spooled.splice(0, batch.length);
        if (this.#spooled.length === 0) {
          await this.#spool.clear();
          for (const file of this.#adoptedFiles.splice(0)) {
            await Deno.remove(file).catch(() => undefined);
          }
        }
      }
    }
  }

  /**
   * Move what is queued to the spool, on disk (only the pump does, so that no batch on its
   * way is moved behind later documents). False when the spool cannot be written.
   */
  async #toSpool(): Promise<boolean> {
    if (this.#queue.length === 0) return true;
    const moving = this.#queue.slice();
    try {
      await this.#spool.append(moving);
    } catch (error) {
      this.#failure = error as Error;
      this.#options.onWarning?.((error as Error).message);
      return false;
    }
    this.#queue.splice(0, moving.length);
    this.#spooled.push(...moving);
    return true;
  }

  /** Wait before the next try, spooling what arrives meanwhile. */
  async #backoff(): Promise<void> {
    const first = this.#options.retryDelay ?? publisherDefaults.retryDelay;
    const max = this.#options.maxRetryDelay ?? publisherDefaults.maxRetryDelay;
    this.#delay = Math.min(this.#delay === 0 ? first : this.#delay * 2, max);
    const until = Date.now() + this.#delay;
    while (Date.now() < until && !this.#closing) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, until - Date.now());
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      if (!(await this.#toSpool())) return;
    }
  }

  /**
   * Wait until every document received so far is sent, or for at most `timeout` ms (while
   * the sink fails, what arrives goes to the spool on disk meanwhile).
   * @param timeout How long to wait, in ms.
   */
  async flush(timeout = 0): Promise<void> {
    const until = Date.now() + timeout;
    while (this.#pump !== undefined && Date.now() < until) {
      await Promise.race([this.#pump, new Promise((r) => setTimeout(r, 20))]);
    }
  }

  /**
   * Send what is left (trying for up to `timeout` ms while the sink fails), then close: what
   * still could not be sent is left in a spool file, which the outcome names.
   * @param timeout How long to go on trying, in ms.
   * @returns What was sent, and what was left where.
   * @throws {Error} When the spool cannot be written: the documents are neither sent nor on
   *   disk; the message says how many.
   */
  async close(timeout = 0): Promise<PublisherOutcome> {
    await this.flush(timeout);
    this.#closing = true;
    this.#start();
    await this.#pump;
    await this.#sink.close();
    if (this.#failure !== undefined) {
      throw new Error(
        `${this.#failure.message}: ${this.pending} documents for ${this.target} are lost`,
        { cause: this.#failure },
      );
    }
    const remaining = [...this.#spooled, ...this.#queue];
    const spoolFile = await this.#spool.close(remaining);
    for (const file of this.#adoptedFiles.splice(0)) await Deno.remove(file).catch(() => {});
    return {
      published: this.#published,
      spooled: remaining.length,
      ...(spoolFile === undefined ? {} : { spoolFile }),
    };
  }
}
