/**
 * The callback bus: documents go in once and reach every subscriber in emission order.
 *
 * @module
 */

import type { DocumentMap, DocumentName } from "../documents/types.ts";
import { CallbackError } from "../errors.ts";

/**
 * A callback for every document: `(name, doc)`, as bluesky's callbacks.
 *
 * @example A callback of every document
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentBus, type DocumentCallback } from "./bus.ts";
 * const names: string[] = [];
 * const callback: DocumentCallback = (name) => void names.push(name);
 * const bus = new DocumentBus();
 * bus.subscribe("all", callback);
 * bus.emit("stop", { uid: "s", run_start: "r", time: 0, exit_status: "success" });
 * await bus.drain();
 * assert.deepEqual(names, ["stop"]);
 * ```
 */
export type DocumentCallback = <K extends DocumentName>(
  name: K,
  doc: DocumentMap[K],
) => void | Promise<void>;

/**
 * A callback for one kind of document.
 *
 * @example A callback of stop documents sees only those
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentBus, type NamedCallback } from "./bus.ts";
 * const statuses: string[] = [];
 * const onStop: NamedCallback<"stop"> = (_name, doc) => void statuses.push(doc.exit_status);
 * const bus = new DocumentBus();
 * bus.subscribe("stop", onStop);
 * bus.emit("start", { uid: "r", time: 0 });
 * bus.emit("stop", { uid: "s", run_start: "r", time: 1, exit_status: "abort" });
 * assert.deepEqual(statuses, ["abort"]);
 * ```
 */
export type NamedCallback<K extends DocumentName> = (
  name: K,
  doc: DocumentMap[K],
) => void | Promise<void>;

/**
 * The function `subscribe()` returns; calling it removes the subscription.
 *
 * @example Stop listening
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentBus, type Unsubscribe } from "./bus.ts";
 * const bus = new DocumentBus();
 * let count = 0;
 * const off: Unsubscribe = bus.subscribe("all", () => void count++);
 * off();
 * bus.emit("stop", { uid: "s", run_start: "r", time: 0, exit_status: "success" });
 * await bus.drain();
 * assert.equal(count, 0);
 * ```
 */
export type Unsubscribe = () => void;

/**
 * Options of {@linkcode DocumentBus}.
 *
 * @example Collect callback errors yourself
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BusOptions, DocumentBus } from "./bus.ts";
 * const errors: string[] = [];
 * const options: BusOptions = { onError: (e) => void errors.push(e.callback) };
 * const bus = new DocumentBus(options);
 * bus.subscribe("all", () => { throw new Error("boom"); }, { name: "broken" });
 * bus.emit("stop", { uid: "s", run_start: "r", time: 0, exit_status: "success" });
 * await bus.drain();
 * assert.deepEqual(errors, ["broken"]);
 * ```
 */
export interface BusOptions {
  /**
   * When true, a callback that throws stops the emission: `emit()` throws the
   * {@linkcode CallbackError} (and, for async callbacks, `drain()` rejects with it).
   */
  strict?: boolean;
  /** Receives every callback failure in non-strict mode. Defaults to keeping them in `errors`. */
  onError?: (error: CallbackError) => void;
}

/**
 * Options of {@linkcode DocumentBus.subscribe}.
 *
 * @example A name for error reports
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentBus, type SubscribeOptions } from "./bus.ts";
 * const options: SubscribeOptions = { name: "nexus writer" };
 * const bus = new DocumentBus();
 * bus.subscribe("all", () => { throw new Error("disk full"); }, options);
 * bus.emit("start", { uid: "r", time: 0 });
 * assert.match(bus.errors[0]!.message, /"nexus writer"/);
 * ```
 */
export interface SubscribeOptions {
  /** Name used in error reports; defaults to the function's name. */
  name?: string;
}

interface Subscriber {
  readonly name: string;
  readonly filter: DocumentName | "all";
  readonly callback: (name: DocumentName, doc: unknown) => void | Promise<void>;
  /** Documents waiting for an async callback to finish with the previous one. */
  queue: [DocumentName, unknown][];
  busy: Promise<void> | undefined;
  active: boolean;
}

/**
 * Delivers documents to subscribers in emission order.
 *
 * Synchronous callbacks run inside `emit()`. A callback that returns a promise gets its next
 * documents only after the promise settles, so no subscriber ever sees documents out of
 * order; `drain()` waits until every subscriber has handled everything emitted so far.
 *
 * @example Subscribe to events only, and to everything
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentBus } from "./bus.ts";
 * const bus = new DocumentBus();
 * const seen: string[] = [];
 * const unsubscribe = bus.subscribe("all", (name) => { seen.push(name); });
 * bus.subscribe("stop", (_name, doc) => { seen.push(`stop:${doc.exit_status}`); });
 * bus.emit("stop", { uid: "s", run_start: "r", time: 0, exit_status: "success" });
 * unsubscribe();
 * assert.deepEqual(seen, ["stop", "stop:success"]);
 * ```
 */
export class DocumentBus {
  readonly #strict: boolean;
  readonly #onError: (error: CallbackError) => void;
  #subscribers: Subscriber[] = [];
  #strictFailure: CallbackError | undefined;
  /** Failures collected when no `onError` was given (non-strict mode). */
  readonly errors: CallbackError[] = [];

  /**
   * Make a bus with no subscribers.
   *
   * @param options Strictness and error handler.
   */
  constructor(options: BusOptions = {}) {
    this.#strict = options.strict ?? false;
    this.#onError = options.onError ?? ((error) => this.errors.push(error));
  }

  /** Whether a failing callback stops emission. */
  get strict(): boolean {
    return this.#strict;
  }

  /** Number of current subscriptions. */
  get size(): number {
    return this.#subscribers.length;
  }

  /**
   * Subscribe a callback to one document kind.
   *
   * @param name Document name, for example `"event"`.
   * @param callback Called with `(name, doc)` for each document of that kind.
   * @param options Name used in error reports.
   * @returns A function that removes the subscription.
   * @throws {TypeError} When `callback` is not a function.
   */
  subscribe<K extends DocumentName>(
    name: K,
    callback: NamedCallback<K>,
    options?: SubscribeOptions,
  ): Unsubscribe;
  /**
   * Subscribe a callback to every document.
   *
   * @param name `"all"`.
   * @param callback Called with `(name, doc)` for every document, in emission order.
   * @param options Name used in error reports.
   * @returns A function that removes the subscription.
   * @throws {TypeError} When `callback` is not a function.
   */
  subscribe(name: "all", callback: DocumentCallback, options?: SubscribeOptions): Unsubscribe;
  subscribe(
    name: DocumentName | "all",
    callback: (name: never, doc: never) => void | Promise<void>,
    options: SubscribeOptions = {},
  ): Unsubscribe {
    if (typeof callback !== "function") {
      throw new TypeError(`Cannot subscribe to "${name}": callback is not a function`);
    }
    const subscriber: Subscriber = {
      name: options.name ?? (callback.name || "anonymous"),
      filter: name,
      callback: callback as Subscriber["callback"],
      queue: [],
      busy: undefined,
      active: true,
    };
    this.#subscribers = [...this.#subscribers, subscriber];
    return () => {
      subscriber.active = false;
      this.#subscribers = this.#subscribers.filter((s) => s !== subscriber);
    };
  }

  /**
   * Deliver a document to every subscriber.
   *
   * @param name Document name.
   * @param doc The document.
   * @throws {CallbackError} In strict mode, when a synchronous callback throws or an earlier
   * asynchronous one rejected.
   */
  emit<K extends DocumentName>(name: K, doc: DocumentMap[K]): void {
    if (this.#strictFailure) throw this.#strictFailure;
    // Iterate over a snapshot: subscribe/unsubscribe inside a callback replace the array.
    const subscribers = this.#subscribers;
    for (let i = 0; i < subscribers.length; i++) {
      const s = subscribers[i]!;
      if (s.filter !== "all" && s.filter !== name) continue;
      if (s.busy !== undefined) {
        s.queue.push([name, doc]);
        continue;
      }
      this.#deliver(s, name, doc);
    }
  }

  /**
   * Wait until every subscriber has handled every document emitted so far.
   *
   * @throws {CallbackError} In strict mode, when an asynchronous callback rejected.
   */
  async drain(): Promise<void> {
    for (;;) {
      const pending = this.#subscribers.map((s) => s.busy).filter((b) => b !== undefined);
      if (pending.length === 0) break;
      await Promise.all(pending);
    }
    if (this.#strictFailure) throw this.#strictFailure;
  }

  #deliver(s: Subscriber, name: DocumentName, doc: unknown): void {
    let result: void | Promise<void>;
    try {
      result = s.callback(name, doc);
    } catch (cause) {
      this.#fail(s, name, doc, cause);
      return;
    }
    if (result instanceof Promise) {
      s.busy = result.then(
        () => this.#next(s),
        (cause) => {
          try {
            this.#fail(s, name, doc, cause);
          } catch {
            // Strict failure is recorded and surfaces through emit() and drain().
          }
          this.#next(s);
        },
      );
    }
  }

  #next(s: Subscriber): void {
    s.busy = undefined;
    while (s.busy === undefined && s.queue.length > 0 && s.active) {
      const [name, doc] = s.queue.shift()!;
      this.#deliver(s, name, doc);
    }
    if (!s.active) s.queue = [];
  }

  #fail(s: Subscriber, name: DocumentName, doc: unknown, cause: unknown): void {
    const error = new CallbackError(s.name, name, doc, cause);
    if (this.#strict) {
      this.#strictFailure ??= error;
      throw error;
    }
    this.#onError(error);
  }
}
