/**
 * Runs put back together from the entries a consumer receives: by run uid, in `seq` order
 * (an entry that comes early waits for those before it; one that comes twice is passed
 * over), several runs at once, each handed on whole at its stop document.
 *
 * @module
 */

import type { DocumentName } from "../documents/types.ts";
import { parseJson } from "../readers/_parse_json.ts";
import type { ReceivedEntry } from "./transport.ts";

/** A run whose documents have all come, up to its stop document. */
export interface AssembledRun {
  /** Uid of the run's start document. */
  readonly run: string;
  /** The partition its entries came from. */
  readonly partition: number;
  /** Its documents, in order. */
  readonly documents: readonly [DocumentName, unknown][];
  /**
   * The ids of every entry of the run received (repeats included) when it was handed on; those
   * to acknowledge once it is handled are {@linkcode RunAssembler.settle}'s.
   */
  readonly ids: readonly string[];
  /**
   * Whether some of its entries had been given to another consumer (or to this one, before it
   * lost their partition), which may have begun to handle the run: left a temporary file, say.
   */
  readonly redelivered: boolean;
}

/** Options of {@linkcode RunAssembler}. */
export interface RunAssemblerOptions {
  /**
   * Receives each run once its stop document and every document before it have come; once it
   * is handled, {@linkcode RunAssembler.settle} gives the entries to acknowledge.
   */
  onRun: (run: AssembledRun) => void;
  /**
   * Entries to acknowledge at once: those of runs settled already (sent again, or late), and
   * those that cannot be read.
   */
  onAck: (partition: number, ids: string[]) => void;
  /** Whether a run is handled already (its file is there, say): its entries are passed over. */
  isDone?: (run: string, entry: ReceivedEntry) => boolean;
  /** Receives each problem, for a warning. */
  onWarning?: (message: string) => void;
  /** How many handled runs are remembered, to pass their repeats over without asking. */
  remember?: number;
}

/** Defaults of {@linkcode RunAssemblerOptions}. */
export const runAssemblerDefaults = { remember: 10_000 } as const;

interface OpenRun {
  readonly partition: number;
  next: number;
  readonly waiting: Map<number, ReceivedEntry>;
  readonly documents: [DocumentName, unknown][];
  readonly ids: string[];
  /** Whether an entry of it was given to a consumer before. */
  redelivered: boolean;
}

/**
 * Puts runs back together from entries.
 *
 * @example Entries that come out of order
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AssembledRun, RunAssembler } from "./run_assembler.ts";
 * const runs: AssembledRun[] = [];
 * const assembler = new RunAssembler({ onRun: (run) => void runs.push(run), onAck: () => {} });
 * const entry = (seq: number, name: "start" | "stop", json: string) =>
 *   ({ id: `1-${seq}`, partition: 0, run: "r1", seq, name, json });
 * assembler.add(entry(1, "stop", '{"uid":"s1","run_start":"r1"}'));
 * assert.equal(runs.length, 0);
 * assembler.add(entry(0, "start", '{"uid":"r1"}'));
 * assert.deepEqual(runs[0]!.documents.map(([name]) => name), ["start", "stop"]);
 * ```
 */
export class RunAssembler {
  readonly #options: RunAssemblerOptions;
  readonly #open = new Map<string, OpenRun>();
  /** Runs handed on, oldest first, with the `seq` of their stop. */
  readonly #done = new Map<string, number>();
  /**
   * Runs handed on and not settled yet (still being handled), with the ids of their entries,
   * those that came again meanwhile included: none of them may be acknowledged before the run
   * is handled, or a consumer that dies first would lose it.
   */
  readonly #unsettled = new Map<string, string[]>();

  /**
   * Make an assembler that holds no run.
   * @param options Where runs and acknowledgements go.
   */
  constructor(options: RunAssemblerOptions) {
    this.#options = options;
  }

  /** The runs begun and not complete yet. */
  get open(): number {
    return this.#open.size;
  }

  /**
   * Take an entry.
   * @param entry The entry.
   */
  add(entry: ReceivedEntry): void {
    const last = this.#done.get(entry.run);
    if (last !== undefined) {
      if (entry.seq > last) {
        this.#options.onWarning?.(
          `A ${entry.name} document of run "${entry.run}" came after its stop document: ` +
            `passed over`,
        );
      }
      const unsettled = this.#unsettled.get(entry.run);
      if (unsettled !== undefined) unsettled.push(entry.id);
      else this.#options.onAck(entry.partition, [entry.id]);
      return;
    }
    let run = this.#open.get(entry.run);
    if (run === undefined) {
      if (this.#options.isDone?.(entry.run, entry)) {
        this.#remember(entry.run, Infinity);
        this.#options.onAck(entry.partition, [entry.id]);
        return;
      }
      run = {
        partition: entry.partition,
        next: 0,
        waiting: new Map(),
        documents: [],
        ids: [],
        redelivered: false,
      };
      this.#open.set(entry.run, run);
    }
    run.ids.push(entry.id);
    if (entry.redelivered) run.redelivered = true;
    if (entry.seq < run.next || run.waiting.has(entry.seq)) return; // sent twice
    run.waiting.set(entry.seq, entry);
    for (let next = run.waiting.get(run.next); next; next = run.waiting.get(run.next)) {
      run.waiting.delete(run.next);
      run.next++;
      try {
        run.documents.push([next.name, parseJson(next.json)]);
      } catch (error) {
        this.#options.onWarning?.(
          `The ${next.name} document ${next.seq} of run "${next.run}" (entry ${next.id}) is ` +
            `not JSON: ${(error as Error).message}; left out`,
        );
      }
      if (next.name === "stop") {
        this.#open.delete(entry.run);
        this.#remember(entry.run, next.seq);
        this.#unsettled.set(entry.run, [...run.ids]);
        this.#options.onRun({
          run: entry.run,
          partition: run.partition,
          documents: run.documents,
          ids: run.ids,
          redelivered: run.redelivered,
        });
        return;
      }
    }
  }

  /**
   * Forget the open runs of a partition (this consumer no longer owns it; the next owner
   * receives them).
   * @param partition The partition.
   * @returns How many runs were dropped.
   */
  drop(partition: number): number {
    let dropped = 0;
    for (const [uid, run] of this.#open) {
      if (run.partition !== partition) continue;
      this.#open.delete(uid);
      dropped++;
    }
    return dropped;
  }

  /**
   * Say that a run handed on is handled (its file written, say): its entries are then to be
   * acknowledged, and those that come again later are acknowledged at once.
   * @param run The run's uid.
   * @returns The ids of its entries to acknowledge: those of {@linkcode AssembledRun.ids} and
   *   those that came again while it was handled.
   */
  settle(run: string): string[] {
    const ids = this.#unsettled.get(run) ?? [];
    this.#unsettled.delete(run);
    return ids;
  }

  /**
   * Forget that a run was handed on (its handling failed: it is to be taken again); its
   * entries are left unacknowledged.
   * @param run The run's uid.
   */
  forget(run: string): void {
    this.#done.delete(run);
    this.#unsettled.delete(run);
  }

  #remember(run: string, seq: number): void {
    this.#done.set(run, seq);
    const keep = this.#options.remember ?? runAssemblerDefaults.remember;
    for (const old of this.#done.keys()) {
      if (this.#done.size <= keep) break;
      this.#done.delete(old);
    }
  }
}
