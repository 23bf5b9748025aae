/**
 * The door every document from outside comes through: checked against the event model, traced
 * to its run, and passed on, or left out, with a report the caller controls. The command line,
 * the catalog and the NeXus writer all take documents through it.
 *
 * @module
 */

import type { Document, DocumentMap, DocumentName } from "../documents/types.ts";
import { validateDocument } from "../documents/mod.ts";
import { DocumentError } from "../errors.ts";
import { type RunHistory, RunRouter, runRouterDefaults } from "./run_router.ts";

/** What became of a document a {@linkcode DocumentGate} reports. */
export interface ProblemReport {
  /** Whether the document went on to the receiver (kept as recorded) or was left out. */
  readonly passed: boolean;
  /** The run of the document, when it is known. */
  readonly run: string | undefined;
  /**
   * 0 for the report of one document. For the summary at the run's stop, how many more
   * documents of the run had the same problem after the one reported.
   */
  readonly repeats: number;
}

/**
 * Receives the problems a {@linkcode DocumentGate} finds.
 *
 * @example Collect the uids of the documents left out
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentGate, type ProblemCallback } from "./document_gate.ts";
 * const leftOut: (string | undefined)[] = [];
 * const onProblem: ProblemCallback = (problem, report) => {
 *   if (!report.passed) leftOut.push(problem.uid);
 * };
 * const gate = new DocumentGate(() => {}, { onProblem });
 * const stray = { uid: "e1", descriptor: "d9", seq_num: 1, time: 0, data: {}, timestamps: {} };
 * gate.receiver("event", stray);
 * assert.deepEqual(leftOut, ["e1"]);
 * ```
 */
export type ProblemCallback = (problem: DocumentError, report: ProblemReport) => void;

/**
 * The receiver behind a {@linkcode DocumentGate}: each document that passes, with the uid of
 * its run. A bus callback (`(name, doc)`) will do.
 */
export type GatedCallback = <K extends DocumentName>(
  name: K,
  doc: DocumentMap[K],
  run: string,
) => void | Promise<void>;

/** Options of {@linkcode DocumentGate}. */
export interface DocumentGateOptions {
  /**
   * Leave out documents that break the event model. By default (lenient) they are reported
   * and passed on as recorded: Python bluesky does not validate, and real files hold such
   * documents (`sample: null`, for one).
   */
  strict?: boolean;
  /**
   * Receives every problem. A callback that throws makes the gate throw it on: the document is
   * left out, and that report does not count as made, so the next one like it throws too.
   * Default: the problems are kept in {@linkcode DocumentGate.problems}.
   */
  onProblem?: ProblemCallback;
  /**
   * The receiver's own conditions, checked after the event model's: throw a
   * {@linkcode DocumentError} to leave the document out (in either mode).
   */
  admit?: (name: DocumentName, doc: Document) => void;
  /** Documents received before this gate was made (a catalog's): their runs can go on. */
  history?: RunHistory;
  /** How many closed runs the gate's {@linkcode RunRouter} remembers. */
  remember?: number;
}

/** Defaults of {@linkcode DocumentGateOptions}: lenient. */
export const documentGateDefaults = {
  strict: false,
  remember: runRouterDefaults.remember,
} as const satisfies DocumentGateOptions;

/** What a gate has done so far. */
export interface GateCounts {
  /** Documents received. */
  documents: number;
  /** Documents passed on to the receiver, conforming or not. */
  passed: number;
  /** Documents left out. */
  leftOut: number;
  /** Documents passed on although they break the event model (lenient mode). */
  nonconforming: number;
}

/** How many kinds of problem are counted apart per run; those beyond are counted together. */
const KINDS_PER_RUN = 100;
/** The key of the tally of problems past `KINDS_PER_RUN` kinds. */
const OTHER = "\u0000other";
/** How many problems `problems` keeps when no `onProblem` is given. */
const KEPT_PROBLEMS = 1000;

/** Documents another gate has already reported as kept: not reported twice. */
const reportedAsKept = new WeakSet<object>();

interface Tally {
  readonly document: string;
  readonly field: string | undefined;
  readonly uid: string | undefined;
  readonly passed: boolean;
  /** Counts problems of every kind past `KINDS_PER_RUN`. */
  readonly other: boolean;
  repeats: number;
}

interface RunState {
  readonly tallies: Map<string, Tally>;
  /** Last seq_num by stream name, and the stream of each descriptor. */
  readonly streams: Map<string, { last: number; readonly name: string }>;
}

/**
 * A receiver that checks every document before passing it on: put it in front of a callback,
 * subscribe its {@linkcode DocumentGate.receiver}.
 *
 * - A document that breaks the event model ({@linkcode validateDocument}) is reported and, in
 *   the lenient mode (default), passed on as recorded; in the strict mode, left out.
 * - A document that does not fit its run is reported and left out in either mode: it is not
 *   an object, has no uid or repeats one, or belongs to a run, descriptor or resource that is
 *   unknown or closed (its {@linkcode RunRouter}'s rules).
 * - A `seq_num` that does not follow the previous one of its stream is reported and passed on
 *   in either mode: bluesky repeats them after a rewind (a pause and resume).
 *
 * Each report is a {@linkcode DocumentError} naming the document kind, uid and field. A problem
 * that comes back in the same run (same kind of document, field and message, values aside) is
 * reported once and counted; at the run's stop (or {@linkcode DocumentGate.forget},
 * {@linkcode DocumentGate.summarize}) one more report gives the count. Problems of documents
 * whose run is unknown are counted together, and summed up at the next stop. A document an
 * earlier gate reported as kept (the same object, reaching a second gate) is passed on
 * without a second report.
 *
 * The gate lets go of a run's state at its stop; see {@linkcode RunRouter} for what it keeps.
 *
 * @example A lenient gate passes a nonconforming start on, and leaves out a stray event
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentGate } from "./document_gate.ts";
 *
 * const passed: string[] = [];
 * const reports: string[] = [];
 * const gate = new DocumentGate((name) => void passed.push(name), {
 *   onProblem: (problem, report) =>
 *     void reports.push(`${problem.message} (${report.passed ? "kept" : "left out"})`),
 * });
 * gate.receiver("start", { uid: "r1", time: 1, sample: null } as never);
 * const stray = { uid: "e1", descriptor: "d9", seq_num: 1, time: 1, data: {}, timestamps: {} };
 * gate.receiver("event", stray);
 * assert.deepEqual(passed, ["start"]);
 * assert.match(reports[0]!, /^start document, uid "r1", field "sample": .* \(kept\)$/);
 * assert.match(reports[1]!, /^event document, uid "e1", field "descriptor": refers to .*\(left out\)$/);
 * ```
 *
 * @example A problem repeated in a run is reported once, and counted at the stop
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../documents/mod.ts";
 * import { DocumentGate } from "./document_gate.ts";
 *
 * const gate = new DocumentGate(() => {}, { strict: true });
 * const run = composeRun();
 * const primary = run.descriptor({
 *   name: "primary",
 *   data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
 * });
 * gate.receiver("start", run.start);
 * gate.receiver("descriptor", primary.doc);
 * for (let i = 0; i < 5; i++) {
 *   const event = primary.event({ data: { x: i }, timestamps: { x: 0 } });
 *   gate.receiver("event", { ...event, time: "noon" } as never);
 * }
 * gate.receiver("stop", run.stop());
 * assert.deepEqual(gate.counts, { documents: 8, passed: 3, leftOut: 5, nonconforming: 0 });
 * assert.equal(gate.problems.length, 2);
 * assert.match(gate.problems[1]!.message, /field "time": 4 more documents of run "[^"]+" had this/);
 * ```
 */
export class DocumentGate {
  /** Problems found so far, when no `onProblem` was given (the last 1,000). */
  readonly problems: DocumentError[] = [];
  readonly #next: GatedCallback;
  readonly #strict: boolean;
  readonly #onProblem: ProblemCallback;
  readonly #admit: ((name: DocumentName, doc: Document) => void) | undefined;
  readonly #router: RunRouter;
  readonly #runs = new Map<string, RunState>();
  /** The run of the last document passed on, and its state: the next document's, nearly always. */
  #lastRun: string | undefined;
  #lastState: RunState | undefined;
  /** Tallies of documents whose run is unknown. */
  readonly #stray = new Map<string, Tally>();
  readonly #counts: GateCounts = { documents: 0, passed: 0, leftOut: 0, nonconforming: 0 };

  /**
   * Put a gate in front of a receiver.
   * @param next Receives each document that passes, with the uid of its run.
   * @param options The mode, where problems go, the receiver's own conditions.
   */
  constructor(next: GatedCallback, options: DocumentGateOptions = {}) {
    this.#next = next;
    this.#strict = options.strict ?? documentGateDefaults.strict;
    this.#onProblem = options.onProblem ?? ((problem) => {
      if (this.problems.length === KEPT_PROBLEMS) this.problems.shift();
      this.problems.push(problem);
    });
    this.#admit = options.admit;
    this.#router = new RunRouter({
      remember: options.remember ?? documentGateDefaults.remember,
      ...(options.history === undefined ? {} : { history: options.history }),
    });
  }

  /** Whether documents that break the event model are left out. */
  get strict(): boolean {
    return this.#strict;
  }

  /** What the gate has done so far (a copy). */
  get counts(): GateCounts {
    return { ...this.#counts };
  }

  /** The router that traces documents to their runs: its `stats` say what it holds. */
  get router(): RunRouter {
    return this.#router;
  }

  /**
   * Check a document and pass it on, or leave it out: the callback to subscribe.
   * @param name Document name.
   * @param doc The document.
   * @returns What the receiver returned (a promise, for an asynchronous one).
   * @throws What the receiver throws, and what `onProblem` throws.
   */
  readonly receiver = <K extends DocumentName>(
    name: K,
    doc: DocumentMap[K],
  ): void | Promise<void> => {
    this.#counts.documents++;
    let problem: DocumentError | undefined;
    try {
      validateDocument(name, doc);
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      problem = error;
    }
    if (problem !== undefined && this.#strict) return this.#leaveOut(problem, name, doc);
    let run: string;
    try {
      this.#admit?.(name, doc);
      run = this.#router.route(name, doc as unknown as Record<string, unknown>);
    } catch (error) {
      if (!(error instanceof DocumentError)) throw error;
      return this.#leaveOut(error, name, doc);
    }
    const state = this.#stateOf(run);
    if (problem !== undefined) this.#keep(problem, run, state, doc);
    if (name === "descriptor") this.#stream(state, doc as DocumentMap["descriptor"]);
    else if (name === "event" || name === "event_page") this.#followSeq(run, state, name, doc);
    else if (name === "stop") this.#summarizeRun(run, state);
    let result: void | Promise<void>;
    try {
      result = this.#next(name, doc, run);
    } catch (error) {
      // A run whose start the receiver refused is not opened: its documents are then strays.
      if (name === "start") {
        this.#deleteState(run);
        this.#router.drop(run);
      }
      throw error;
    } finally {
      if (name === "stop") this.#deleteState(run);
    }
    this.#counts.passed++;
    return result;
  };

  /**
   * Close a run that has not stopped (written incomplete, or given up on): its counted
   * problems are summed up, its state let go, and its later documents left out.
   * @param run Uid of the run's start document.
   */
  forget(run: string): void {
    const state = this.#runs.get(run);
    try {
      if (state !== undefined) this.#summarizeRun(run, state);
    } finally {
      this.#release(run);
    }
  }

  /**
   * Report the counts of every problem counted so far, of open runs too, and start counting
   * afresh: at the end of a file, for one.
   */
  summarize(): void {
    for (const [run, state] of this.#runs) this.#summarizeRun(run, state);
    this.#summarizeTallies(this.#stray, undefined);
  }

  #release(run: string): void {
    this.#deleteState(run);
    this.#router.forget(run);
  }

  #stateOf(run: string): RunState {
    if (run === this.#lastRun) return this.#lastState!;
    let state = this.#runs.get(run);
    if (state === undefined) {
      state = { tallies: new Map(), streams: new Map() };
      this.#runs.set(run, state);
    }
    this.#lastRun = run;
    this.#lastState = state;
    return state;
  }

  #deleteState(run: string): void {
    this.#runs.delete(run);
    if (run === this.#lastRun) {
      this.#lastRun = undefined;
      this.#lastState = undefined;
    }
  }

  #leaveOut(problem: DocumentError, name: string, doc: unknown): void {
    this.#counts.leftOut++;
    const run = this.#router.runOf(name, doc);
    const state = run === undefined ? undefined : this.#runs.get(run);
    const tallies = state?.tallies ?? this.#stray;
    this.#report(problem, tallies, { passed: false, run, repeats: 0 }, streamOf(state, doc));
  }

  #keep(problem: DocumentError, run: string, state: RunState, doc: object): void {
    this.#counts.nonconforming++;
    if (reportedAsKept.has(doc)) return;
    this.#report(problem, state.tallies, { passed: true, run, repeats: 0 }, streamOf(state, doc));
    reportedAsKept.add(doc);
  }

  /**
   * Report a problem, or count it when one like it was reported in the same run (and, for an
   * event of a known stream, of the same descriptor). Past `KINDS_PER_RUN` kinds, the rest
   * of a run's problems are counted together, so the reports stay few whatever the file.
   */
  #report(
    problem: DocumentError,
    tallies: Map<string, Tally>,
    report: ProblemReport,
    descriptor?: string,
  ): void {
    const kind = `${problemKind(problem.field ?? "")}|${problemKind(problem.message)}`;
    let key = `${report.passed}|${descriptor ?? ""}|${kind}`;
    if (!tallies.has(key) && tallies.size >= KINDS_PER_RUN) key = `${report.passed}|${OTHER}`;
    const tally = tallies.get(key);
    if (tally !== undefined) {
      tally.repeats++;
      return;
    }
    this.#onProblem(problem, report);
    const { document, field, uid } = problem;
    const other = key.endsWith(OTHER);
    tallies.set(key, { document, field, uid, passed: report.passed, repeats: 0, other });
  }

  #summarizeRun(run: string, state: RunState): void {
    this.#summarizeTallies(state.tallies, run);
    this.#summarizeTallies(this.#stray, undefined);
  }

  #summarizeTallies(tallies: Map<string, Tally>, run: string | undefined): void {
    for (const [key, tally] of tallies) {
      tallies.delete(key);
      if (tally.repeats === 0) continue;
      const count = `${tally.repeats} more ${tally.repeats === 1 ? "document" : "documents"}`;
      const where = run === undefined ? "of no known run" : `of run "${run}"`;
      const first = tally.uid === undefined ? "" : ` for uid "${tally.uid}"`;
      const summary = tally.other
        ? new DocumentError(
          `${count} ${where} had problems of other kinds, counted together after the one ` +
            `reported above${first}`,
          { document: tally.document },
        )
        : new DocumentError(
          `${count} ${where} had this problem, as reported above${first}`,
          { document: tally.document, field: tally.field },
        );
      this.#onProblem(summary, { passed: tally.passed, run, repeats: tally.repeats });
    }
  }

  #stream(state: RunState, descriptor: DocumentMap["descriptor"]): void {
    if (typeof descriptor.uid !== "string") return;
    const name = typeof descriptor.name === "string" ? descriptor.name : descriptor.uid;
    // bluesky numbers events per stream: a second descriptor of a stream goes on counting.
    const stream = [...state.streams.values()].find((s) => s.name === name) ??
      { last: 0, name };
    state.streams.set(descriptor.uid, stream);
  }

  #followSeq(run: string, state: RunState, name: DocumentName, doc: unknown): void {
    const { descriptor, seq_num: seq, uid } = doc as Record<string, unknown>;
    const stream = state.streams.get(String(descriptor));
    if (stream === undefined) return;
    if (typeof seq === "number" && stream.last > 0 && seq > stream.last) {
      // An event that follows its predecessor, as nearly all do: nothing to report.
      stream.last = seq;
      return;
    }
    const rows = Array.isArray(seq) ? seq : [seq];
    const uids = Array.isArray(uid) ? uid : [uid];
    for (let i = 0; i < rows.length; i++) {
      const value = rows[i];
      if (typeof value !== "number") continue;
      if (!(value > stream.last) && stream.last > 0) {
        const problem = new DocumentError(
          `seq_num ${value} does not follow ${stream.last} in stream "${stream.name}": ` +
            "kept in arrival order (bluesky repeats seq_num after a rewind)",
          {
            document: name,
            uid: typeof uids[i] === "string" ? uids[i] as string : undefined,
            field: Array.isArray(seq) ? `seq_num.${i}` : "seq_num",
          },
        );
        this.#report(problem, state.tallies, { passed: true, run, repeats: 0 }, String(descriptor));
      }
      stream.last = value;
    }
  }
}

/** The descriptor of an event (or page) of a stream the run has, which its problems are
 * counted by; undefined for other documents. */
function streamOf(state: RunState | undefined, doc: unknown): string | undefined {
  const descriptor = typeof doc === "object" && doc !== null
    ? (doc as { descriptor?: unknown }).descriptor
    : undefined;
  return typeof descriptor === "string" && state?.streams.has(descriptor) ? descriptor : undefined;
}

/**
 * A message or field with its values (quoted strings, numbers) taken out: problems of one kind
 * share it, so a receiver can report a problem once and count its repeats.
 *
 * @param text The message or field.
 * @returns Its kind.
 *
 * @example Two problems of one kind
 * ```ts
 * import assert from "node:assert/strict";
 * import { problemKind } from "./document_gate.ts";
 * assert.equal(
 *   problemKind('uid "e1": missing key(s) "y" at 12'),
 *   problemKind('uid "e2": missing key(s) "y" at 13'),
 * );
 * ```
 */
export function problemKind(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, "#");
}
