/**
 * Which run a document belongs to. A stream of documents may hold several runs, one after
 * another or interleaved; only `start`, `descriptor`, `stop` and the resources name their run,
 * so events and datums are traced through their descriptor or resource.
 *
 * @module
 */

import type { DocumentName } from "../documents/types.ts";
import { DocumentError } from "../errors.ts";

/**
 * Traces each document to the uid of its run's start document.
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
 * ```
 */
export class RunRouter {
  readonly #runOfDescriptor = new Map<string, string>();
  readonly #runOfResource = new Map<string, string>();
  readonly #open = new Set<string>();
  /** Uids of every start seen: a repeated one is refused. */
  readonly #seen = new Set<string>();
  #lastRun: string | undefined;

  /** Uid of the most recent start document. */
  get lastRun(): string | undefined {
    return this.#lastRun;
  }

  /**
   * The run of a document, remembering descriptors and resources for the documents that
   * refer to them.
   *
   * @param name Document name.
   * @param doc The document.
   * @returns The uid of the run's start document.
   * @throws {DocumentError} When the document names, or refers to, nothing this router has
   *   seen (an event of an unknown descriptor, a stop of an unknown run).
   */
  route(name: DocumentName | string, doc: Readonly<Record<string, unknown>>): string {
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw new DocumentError(`is not an object: got ${doc === null ? "null" : typeof doc}`, {
        document: name,
      });
    }
    const uid = typeof doc.uid === "string" ? doc.uid : undefined;
    switch (name) {
      case "start": {
        if (uid === undefined) throw missing(name, undefined, "uid");
        if (this.#seen.has(uid)) {
          throw new DocumentError("repeats the uid of an earlier run", {
            document: name,
            uid,
            field: "uid",
          });
        }
        this.#seen.add(uid);
        this.#lastRun = uid;
        this.#open.add(uid);
        return uid;
      }
      case "descriptor":
      case "stop":
      case "resource":
      case "stream_resource": {
        // Old resources have no run_start: they belong to the run in progress.
        const run = typeof doc.run_start === "string" ? doc.run_start : undefined;
        if (run === undefined && name !== "resource") throw missing(name, uid, "run_start");
        const found = run ?? this.#lastRun;
        if (found === undefined || (run !== undefined && !this.#open.has(run))) {
          throw new DocumentError(
            `refers to run "${found ?? "(none)"}", whose start document has not been seen`,
            { document: name, uid, field: "run_start" },
          );
        }
        if (name === "descriptor") {
          if (this.#runOfDescriptor.has(uid ?? "")) {
            throw new DocumentError("repeats the uid of an earlier descriptor", {
              document: name,
              uid,
              field: "uid",
            });
          }
          this.#runOfDescriptor.set(uid ?? "", found);
        } else if (name === "stop") this.#open.delete(found);
        else this.#runOfResource.set(uid ?? "", found);
        return found;
      }
      case "event":
      case "event_page":
      case "stream_datum":
        return this.#through(this.#runOfDescriptor, name, doc, "descriptor");
      case "datum":
      case "datum_page":
        return this.#through(this.#runOfResource, name, doc, "resource");
      default:
        throw new DocumentError("is not a document of the event model", { document: name, uid });
    }
  }

  /**
   * Forget a run's descriptors and resources (after its stop, once nothing more can refer to
   * them), so a long stream of runs does not grow memory.
   * @param run Uid of the run's start document.
   */
  forget(run: string): void {
    for (const map of [this.#runOfDescriptor, this.#runOfResource]) {
      for (const [key, value] of map) if (value === run) map.delete(key);
    }
    this.#open.delete(run);
  }

  #through(
    map: Map<string, string>,
    name: string,
    doc: Readonly<Record<string, unknown>>,
    field: "descriptor" | "resource",
  ): string {
    const ref = doc[field];
    const uid = typeof doc.uid === "string"
      ? doc.uid
      : typeof doc.datum_id === "string"
      ? doc.datum_id
      : undefined;
    if (typeof ref !== "string") throw missing(name, uid, field);
    const run = map.get(ref);
    if (run === undefined) {
      throw new DocumentError(`refers to ${field} "${ref}", which has not been seen`, {
        document: name,
        uid,
        field,
      });
    }
    return run;
  }
}

function missing(document: string, uid: string | undefined, field: string): DocumentError {
  return new DocumentError("is missing or not a string", { document, uid, field });
}
