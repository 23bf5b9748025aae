/**
 * Which run a document belongs to, and whether it fits the runs seen so far. A stream of
 * documents may hold several runs, one after another or interleaved; only `start`,
 * `descriptor`, `stop` and the resources name their run, so events and datums are traced
 * through their descriptor or resource.
 *
 * @module
 */

import type { DocumentName } from "../documents/types.ts";
import { DocumentError } from "../errors.ts";
import { UidSet } from "./_uid_set.ts";

/**
 * Documents received before a router was made: a catalog's earlier sessions. A router with a
 * history takes documents of runs begun there, and refuses uids stored there.
 *
 * @example A history over documents kept in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RunHistory, RunRouter } from "./run_router.ts";
 * const history: RunHistory = {
 *   name: "yesterday's file",
 *   find: (uid) => uid === "d1" ? { name: "descriptor", run: "r1" } : undefined,
 *   stopped: () => false,
 *   uids: () => ["e1"],
 * };
 * const router = new RunRouter({ history });
 * assert.equal(router.route("event", { uid: "e2", descriptor: "d1" }), "r1");
 * assert.throws(
 *   () => router.route("event", { uid: "e1", descriptor: "d1" }),
 *   /is already in yesterday's file/,
 * );
 * ```
 */
export interface RunHistory {
  /** Where the earlier documents are, for messages: `"the catalog"`. */
  readonly name: string;
  /**
   * A document that others refer to (`start`, `descriptor`, `stop`, `resource`,
   * `stream_resource`), by uid.
   * @param uid The uid.
   * @returns Its kind and its run, or undefined when there is none.
   */
  find(uid: string): { name: DocumentName; run: string } | undefined;
  /**
   * Whether a run has its stop document.
   * @param run Uid of the run's start document.
   * @returns True when it has.
   */
  stopped(run: string): boolean;
  /**
   * The uids of a run's events, datums and stream datums (each row of a page).
   * @param run Uid of the run's start document.
   * @returns The uids.
   */
  uids(run: string): Iterable<string>;
}

/** Options of {@linkcode RunRouter}. */
export interface RunRouterOptions {
  /**
   * How many closed runs are remembered (their start and descriptor uids), so that a late
   * document of one is refused as such and a repeated start is caught. Older ones are let go:
   * a router that lives for days holds a bounded amount of memory.
   */
  remember?: number;
  /** Documents received before: a run begun there can go on here. */
  history?: RunHistory;
}

/** Defaults of {@linkcode RunRouterOptions}. */
export const runRouterDefaults = { remember: 1000 } as const satisfies RunRouterOptions;

/** What a {@linkcode RunRouter} holds: bounded by the open runs and `remember`. */
export interface RunRouterStats {
  /** Runs whose stop has not come (nor been forgotten). */
  open: number;
  /** Closed runs remembered; at most `remember`. */
  closed: number;
  /** Uids held: every document of the open runs, and the descriptors of the closed runs. */
  uids: number;
}

interface OpenRun {
  /** Uids of the run's documents, each row of a page too: a repeat is refused. */
  readonly uids: UidSet;
  readonly descriptors: string[];
  readonly resources: string[];
}

interface ClosedRun {
  readonly how: "stopped" | "forgotten";
  readonly descriptors: readonly string[];
}

/** The documents of the event model. */
const KINDS: ReadonlySet<string> = new Set([
  "start",
  "descriptor",
  "event",
  "event_page",
  "stop",
  "resource",
  "datum",
  "datum_page",
  "stream_resource",
  "stream_datum",
]);

/** Documents that name their run in `run_start`. */
const RUN_LEVEL: ReadonlySet<string> = new Set([
  "descriptor",
  "stop",
  "resource",
  "stream_resource",
]);

/**
 * Traces each document to the uid of its run's start document, and refuses those that do
 * not fit: a document of an unknown or closed run, descriptor or resource; a uid its run (or,
 * for starts, descriptors and resources, any run) already holds; a missing uid.
 *
 * What it holds is bounded: each open run's uids until its stop (or
 * {@linkcode RunRouter.forget}), then only the start and descriptor uids of the last
 * {@linkcode RunRouterOptions.remember} closed runs (1,000). A repeated uid of an open run is
 * always caught, a repeated start of a closed run while it is remembered (with a history,
 * always).
 *
 * @example Events find their run through their descriptor
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunRouter } from "./run_router.ts";
 *
 * const router = new RunRouter();
 * assert.equal(router.route("start", { uid: "r1", time: 0 }), "r1");
 * assert.equal(router.route("descriptor", { uid: "d1", run_start: "r1" }), "r1");
 * assert.equal(router.route("event", { uid: "e1", descriptor: "d1" }), "r1");
 * assert.throws(() => router.route("event", { uid: "e2", descriptor: "d9" }), /descriptor "d9"/);
 * assert.throws(() => router.route("event", { uid: "e1", descriptor: "d1" }), /repeats the uid/);
 * ```
 *
 * @example A stopped run is let go, and its late documents refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunRouter } from "./run_router.ts";
 *
 * const router = new RunRouter();
 * router.route("start", { uid: "r1", time: 0 });
 * router.route("descriptor", { uid: "d1", run_start: "r1" });
 * router.route("event", { uid: "e1", descriptor: "d1" });
 * router.route("stop", { uid: "s1", run_start: "r1" });
 * assert.deepEqual(router.stats, { open: 0, closed: 1, uids: 1 });
 * assert.throws(
 *   () => router.route("event", { uid: "e2", descriptor: "d1" }),
 *   /belongs to run "r1", which has already stopped/,
 * );
 * ```
 */
export class RunRouter {
  readonly #remember: number;
  readonly #history: RunHistory | undefined;
  readonly #open = new Map<string, OpenRun>();
  readonly #runOfDescriptor = new Map<string, string>();
  readonly #runOfResource = new Map<string, string>();
  /** Closed runs, oldest first, at most `remember`. */
  readonly #closed = new Map<string, ClosedRun>();
  readonly #closedDescriptors = new Map<string, string>();
  #lastRun: string | undefined;
  /** The descriptor of the last event routed, its run and that run's uids: the next event's. */
  #lastDescriptor: string | undefined;
  #lastDescriptorRun = "";
  #lastDescriptorUids: UidSet | undefined;

  /**
   * Make a router that has seen no run.
   * @param options How many closed runs to remember, and the documents received before.
   */
  constructor(options: RunRouterOptions = {}) {
    this.#remember = options.remember ?? runRouterDefaults.remember;
    this.#history = options.history;
  }

  /** Uid of the most recent start document. */
  get lastRun(): string | undefined {
    return this.#lastRun;
  }

  /** How much the router holds. */
  get stats(): RunRouterStats {
    let uids = this.#runOfDescriptor.size + this.#runOfResource.size +
      this.#closedDescriptors.size;
    for (const run of this.#open.values()) uids += run.uids.size;
    return { open: this.#open.size, closed: this.#closed.size, uids };
  }

  /**
   * The run of a document, remembering what later documents refer to. A stop closes its run.
   *
   * @param name Document name.
   * @param doc The document.
   * @returns The uid of the run's start document.
   * @throws {DocumentError} When the document is not an object, has no uid, repeats one, or
   *   names (or refers to) a run, descriptor or resource that is unknown or closed; nothing is
   *   remembered of it then.
   */
  route(name: DocumentName | string, doc: Readonly<Record<string, unknown>>): string {
    if (name === "event" && typeof doc === "object" && doc !== null && !Array.isArray(doc)) {
      // Most documents are events of an open descriptor: one lookup of the run, one insertion
      // of the uid, whose set is unchanged when the uid is a repeat. Anything else takes the
      // general path below, which finds the same problems in the same order.
      const uid = doc.uid;
      const ref = doc.descriptor;
      if (typeof uid === "string" && typeof ref === "string") {
        if (ref === this.#lastDescriptor) {
          if (!this.#lastDescriptorUids!.add(uid)) throw repeated(name, uid, this.#history);
          return this.#lastDescriptorRun;
        }
        const run = this.#runOfDescriptor.get(ref);
        if (run !== undefined) {
          const uids = this.#open.get(run)!.uids;
          if (!uids.add(uid)) throw repeated(name, uid, this.#history);
          this.#lastDescriptor = ref;
          this.#lastDescriptorRun = run;
          this.#lastDescriptorUids = uids;
          return run;
        }
      }
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      const got = doc === null ? "null" : Array.isArray(doc) ? "an array" : typeof doc;
      throw new DocumentError(`is not an object: got ${got}`, { document: name });
    }
    if (!KINDS.has(name)) {
      const uid = typeof doc.uid === "string" ? doc.uid : undefined;
      throw new DocumentError("is not a document of the event model", { document: name, uid });
    }
    const ids = identify(name, doc);
    const uid = ids[0];
    if (name === "start") {
      this.#refuseTaken(name, uid, this.#open.has(uid) || this.#closed.has(uid));
      this.#open.set(uid, { uids: new UidSet([uid]), descriptors: [], resources: [] });
      this.#lastRun = uid;
      return uid;
    }
    const run = RUN_LEVEL.has(name)
      ? this.#runLevel(name, uid, doc)
      : this.#through(name, uid, doc, name.startsWith("datum") ? "resource" : "descriptor");
    const state = this.#open.get(run)!;
    if (name === "descriptor") {
      this.#refuseTaken(
        name,
        uid,
        this.#runOfDescriptor.has(uid) || this.#closedDescriptors.has(uid),
      );
    } else if (name === "resource" || name === "stream_resource" || name === "stop") {
      this.#refuseTaken(name, uid, name !== "stop" && this.#runOfResource.has(uid));
    }
    checkRows(name, ids, state.uids, this.#history);
    for (const id of ids) state.uids.add(id);
    if (name === "descriptor") {
      this.#runOfDescriptor.set(uid, run);
      state.descriptors.push(uid);
    } else if (name === "resource" || name === "stream_resource") {
      this.#runOfResource.set(uid, run);
      state.resources.push(uid);
    } else if (name === "stop") this.#close(run, "stopped");
    return run;
  }

  /**
   * The run a document belongs to, without checking or remembering anything: for reports
   * about documents that are left out.
   * @param name Document name.
   * @param doc The document.
   * @returns The run's uid, or undefined when it is not known.
   */
  runOf(name: DocumentName | string, doc: unknown): string | undefined {
    if (typeof doc !== "object" || doc === null) return undefined;
    const fields = doc as Readonly<Record<string, unknown>>;
    const ref = name === "start"
      ? fields.uid
      : name === "resource" && fields.run_start === undefined
      ? this.#lastRun
      : RUN_LEVEL.has(name)
      ? fields.run_start
      : name === "datum" || name === "datum_page"
      ? fields.resource
      : fields.descriptor;
    if (typeof ref !== "string") return undefined;
    if (name === "start" || RUN_LEVEL.has(name)) return ref;
    const map = name === "datum" || name === "datum_page"
      ? this.#runOfResource
      : this.#runOfDescriptor;
    return map.get(ref) ?? this.#closedDescriptors.get(ref);
  }

  /**
   * Close a run that has not stopped (one written incomplete, or given up on): its documents
   * are let go, and later ones refused. A run already closed is left as it is.
   * @param run Uid of the run's start document.
   */
  forget(run: string): void {
    if (this.#open.has(run)) this.#close(run, "forgotten");
  }

  /**
   * Let go of an open run as if its start had never come (its receiver refused it): a start
   * of the same uid is then taken again.
   * @param run Uid of the run's start document.
   */
  drop(run: string): void {
    if (this.#open.has(run)) this.#close(run, undefined);
  }

  #close(run: string, how: ClosedRun["how"] | undefined): void {
    const state = this.#open.get(run)!;
    if (this.#lastDescriptorRun === run) {
      this.#lastDescriptor = undefined;
      this.#lastDescriptorUids = undefined;
    }
    this.#open.delete(run);
    for (const descriptor of state.descriptors) {
      this.#runOfDescriptor.delete(descriptor);
      if (how !== undefined) this.#closedDescriptors.set(descriptor, run);
    }
    for (const resource of state.resources) this.#runOfResource.delete(resource);
    if (how === undefined) return;
    this.#closed.set(run, { how, descriptors: state.descriptors });
    for (const [oldest, closed] of this.#closed) {
      if (this.#closed.size <= this.#remember) break;
      this.#closed.delete(oldest);
      for (const descriptor of closed.descriptors) this.#closedDescriptors.delete(descriptor);
    }
  }

  /** The run of a document that names it in `run_start`. */
  #runLevel(name: string, uid: string, doc: Readonly<Record<string, unknown>>): string {
    const ref = doc.run_start;
    if (ref === undefined && name === "resource") {
      // Old resources have no run_start: they belong to the run in progress.
      if (this.#lastRun !== undefined && this.#open.has(this.#lastRun)) return this.#lastRun;
      throw new DocumentError("is missing, and no run is in progress", {
        document: name,
        uid,
        field: "run_start",
      });
    }
    if (typeof ref !== "string") throw missing(name, uid, "run_start");
    if (this.#open.has(ref)) return ref;
    const closed = this.#closed.get(ref);
    if (closed !== undefined) throw closedRun(name, uid, "run_start", ref, closed.how);
    const found = this.#history?.find(ref);
    if (found?.name === "start") return this.#resume(name, uid, "run_start", found.run);
    throw new DocumentError(`refers to run "${ref}", whose start document has not been seen`, {
      document: name,
      uid,
      field: "run_start",
    });
  }

  /** The run of a document that refers to its descriptor or resource. */
  #through(
    name: string,
    uid: string,
    doc: Readonly<Record<string, unknown>>,
    field: "descriptor" | "resource",
  ): string {
    const ref = doc[field];
    if (typeof ref !== "string") throw missing(name, uid, field);
    const map = field === "descriptor" ? this.#runOfDescriptor : this.#runOfResource;
    const run = map.get(ref);
    if (run !== undefined) return run;
    const closed = field === "descriptor" ? this.#closedDescriptors.get(ref) : undefined;
    if (closed !== undefined) {
      throw closedRun(name, uid, field, closed, this.#closed.get(closed)!.how);
    }
    const found = this.#history?.find(ref);
    const kinds = field === "descriptor" ? ["descriptor"] : ["resource", "stream_resource"];
    if (found !== undefined && kinds.includes(found.name)) {
      const resumed = this.#resume(name, uid, field, found.run);
      map.set(ref, resumed);
      const state = this.#open.get(resumed)!;
      (field === "descriptor" ? state.descriptors : state.resources).push(ref);
      return resumed;
    }
    throw new DocumentError(`refers to ${field} "${ref}", which has not been seen`, {
      document: name,
      uid,
      field,
    });
  }

  /** Take up a run begun before this router, found in the history. */
  #resume(name: string, uid: string, field: string, run: string): string {
    if (this.#history!.stopped(run)) throw closedRun(name, uid, field, run, "stopped");
    if (!this.#open.has(run)) {
      this.#open.set(run, {
        uids: new UidSet(this.#history!.uids(run)),
        descriptors: [],
        resources: [],
      });
    }
    return run;
  }

  /** Refuse a uid that other runs, or the history, hold already. */
  #refuseTaken(name: string, uid: string, taken: boolean): void {
    if (this.#history?.find(uid) !== undefined) throw repeated(name, uid, this.#history);
    if (taken) throw repeated(name, uid, undefined);
  }
}

/** The uids of a document: one, or a page's; each a string. */
function identify(name: string, doc: Readonly<Record<string, unknown>>): [string, ...string[]] {
  const field = name === "datum" || name === "datum_page" ? "datum_id" : "uid";
  const id = doc[field];
  const page = name === "event_page" || name === "datum_page";
  const ids = page && Array.isArray(id) ? id : [id];
  if (
    (page && !Array.isArray(id)) || ids.length === 0 || ids.some((one) => typeof one !== "string")
  ) {
    const uid = typeof ids[0] === "string" ? ids[0] : undefined;
    const what = page ? "a non-empty array of strings" : "a string";
    throw new DocumentError(`is missing or not ${what}`, { document: name, uid, field });
  }
  return ids as [string, ...string[]];
}

/** Refuse a document with a uid its run holds already, or a page that repeats one. */
function checkRows(
  name: string,
  ids: readonly string[],
  seen: UidSet,
  history: RunHistory | undefined,
): void {
  const page = ids.length > 1 ? new Set<string>() : undefined;
  for (const id of ids) {
    if (seen.has(id)) throw repeated(name, id, history);
    if (page === undefined) continue;
    if (page.has(id)) {
      throw new DocumentError("appears twice in the page", {
        document: name,
        uid: id,
        field: field(name),
      });
    }
    page.add(id);
  }
}

function field(name: string): string {
  return name === "datum" || name === "datum_page" ? "datum_id" : "uid";
}

function repeated(name: string, uid: string, history: RunHistory | undefined): DocumentError {
  const why = history !== undefined
    ? `is already in ${history.name}`
    : name === "start"
    ? "repeats the uid of an earlier run"
    : name === "descriptor"
    ? "repeats the uid of an earlier descriptor"
    : "repeats the uid of an earlier document of its run";
  return new DocumentError(why, { document: name, uid, field: field(name) });
}

function closedRun(
  name: string,
  uid: string,
  field: string,
  run: string,
  how: ClosedRun["how"],
): DocumentError {
  const why = how === "forgotten"
    ? `belongs to run "${run}", which was closed before its stop document came`
    : name === "stop"
    ? `run "${run}" already has a stop document`
    : `belongs to run "${run}", which has already stopped`;
  return new DocumentError(why, { document: name, uid, field });
}

function missing(document: string, uid: string | undefined, field: string): DocumentError {
  return new DocumentError("is missing or not a string", { document, uid, field });
}
