/**
 * The runs an import passes over because the catalog holds them already, and which documents
 * belong to them: their descriptors and resources are remembered until their stop.
 *
 * @module
 */

import type { DocumentName } from "../documents/types.ts";

/** Documents that name their run in `run_start`. */
const RUN_LEVEL: ReadonlySet<string> = new Set([
  "descriptor",
  "stop",
  "resource",
  "stream_resource",
]);

/** Fields by which other documents refer to a descriptor or a resource. */
const REFERENCES = ["descriptor", "resource", "stream_resource"] as const;

/** Runs being passed over, and the documents that belong to them. */
export class RunSkipper {
  readonly #runs = new Set<string>();
  /** Uids of the skipped runs' descriptors and resources, with their run. */
  readonly #refs = new Map<string, string>();
  #lastStart: string | undefined;

  /**
   * Note a start document, skipped or not: an old resource without `run_start` belongs to
   * the run of the last start.
   * @param uid The start's uid.
   */
  started(uid: string): void {
    this.#lastStart = uid;
  }

  /**
   * Pass over a run's documents from now on.
   * @param run Uid of its start document.
   */
  skip(run: string): void {
    this.#runs.add(run);
  }

  /**
   * The skipped run a document belongs to, remembering what its later documents refer to.
   * @param name The document's name.
   * @param doc The document.
   * @returns The run's uid, or `undefined` when the document is not of a skipped run.
   */
  runOf(name: DocumentName, doc: unknown): string | undefined {
    if (this.#runs.size === 0 || typeof doc !== "object" || doc === null) return undefined;
    const fields = doc as Record<string, unknown>;
    if (name === "start") return undefined;
    if (RUN_LEVEL.has(name)) {
      const ref = fields.run_start ?? (name === "resource" ? this.#lastStart : undefined);
      if (typeof ref !== "string" || !this.#runs.has(ref)) return undefined;
      if (name === "stop") this.#release(ref);
      else if (typeof fields.uid === "string") this.#refs.set(fields.uid, ref);
      return ref;
    }
    for (const field of REFERENCES) {
      const ref = fields[field];
      const run = typeof ref === "string" ? this.#refs.get(ref) : undefined;
      if (run !== undefined) return run;
    }
    return undefined;
  }

  #release(run: string): void {
    for (const [ref, owner] of this.#refs) if (owner === run) this.#refs.delete(ref);
  }
}
