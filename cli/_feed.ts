/**
 * Reading a document file into a callback, for `nx convert` and `nx import`: every document
 * goes through a {@linkcode DocumentGate} and a problem is reported with its place in the file.
 * A document that breaks the event model is by default still passed on as recorded (Python
 * bluesky does not validate, so real files hold such documents, `sample: null` for one);
 * strict mode leaves it out. A document that does not fit its run (unknown descriptor,
 * repeated uid, ...) is left out in either mode, and so is one the callback refuses. A file
 * that cannot be read further ends the feed without losing what came before.
 *
 * @module
 */

import type { DocumentMap, DocumentName, RunStart } from "../core/documents/types.ts";
import { readDocumentBatches } from "../core/readers/read_documents.ts";
import { DocumentGate, type ProblemReport } from "../core/bus/document_gate.ts";
import { type CommandIO, ProgressLine } from "./_io.ts";

/** What a feed read. */
export interface FeedResult {
  /** Documents read from the file. */
  documents: number;
  /** Start documents, in order. */
  starts: RunStart[];
  /**
   * Documents left out: not fitting their run, refused by the callback, or (strict) breaking
   * the event model.
   */
  rejected: number;
  /** Documents passed on although they break the event model (not strict). */
  nonconforming: number;
  /** Why reading stopped before the end of the file, if it did. */
  readError: Error | undefined;
}

const MB = 1024 * 1024;

function size(bytes: number): string {
  return bytes >= 1024 * MB
    ? `${(bytes / 1024 / MB).toFixed(2)} GB`
    : `${(bytes / MB).toFixed(1)} MB`;
}

/**
 * Send the documents of a file to a callback, checking each.
 * @param input The file.
 * @param receiver The callback: each document that passed the checks, with the uid of its
 *   run.
 * @param io Where reports and progress go.
 * @param options What the command does, for the progress line ("convert", "import"),
 *   whether documents that break the event model are left out, and a signal that stops the
 *   reading (its reason is then the read error, not reported here).
 * @returns What was read.
 */
export async function feedFile(
  input: string,
  receiver: <K extends DocumentName>(name: K, doc: DocumentMap[K], run: string) => void,
  io: CommandIO,
  options: { verb: string; strict: boolean; signal?: AbortSignal },
): Promise<FeedResult> {
  const result: FeedResult = {
    documents: 0,
    starts: [],
    rejected: 0,
    nonconforming: 0,
    readError: undefined,
  };
  const progress = new ProgressLine(io);
  const onProgress = (read: number, total: number | undefined) =>
    progress.report(() => {
      const part = total ? `${Math.floor((100 * read) / total)}% of ${size(total)}` : size(read);
      return `${options.verb}: ${part} read, ${result.starts.length} runs, ` +
        `${result.documents.toLocaleString("en-US")} documents`;
    });
  let leftOut = 0;
  const gate = new DocumentGate((name, doc, run) => {
    if (name === "start") result.starts.push(doc as RunStart);
    receiver(name, doc, run);
  }, {
    strict: options.strict,
    onProblem: (problem, report) => {
      const where = report.repeats > 0 ? input : `${input}: document ${result.documents}`;
      io.err(`${where}: ${problem.message} (${outcome(report)})`);
    },
  });
  try {
    // In batches: one await per read of the file, not one per document.
    const signal = options.signal === undefined ? {} : { signal: options.signal };
    for await (const batch of readDocumentBatches(input, { onProgress, ...signal })) {
      for (const [name, doc] of batch) {
        result.documents++;
        try {
          gate.receiver(name, doc);
        } catch (error) {
          // The callback refused it (the catalog holds it already, for one).
          leftOut++;
          io.err(`${input}: document ${result.documents}: ${(error as Error).message} (left out)`);
        }
      }
    }
  } catch (error) {
    result.readError = error as Error;
    // Stopped on purpose: the caller says why.
    if (error !== options.signal?.reason) {
      io.err(`${input}: ${(error as Error).message} (reading stopped there)`);
    }
  }
  gate.summarize();
  const counts = gate.counts;
  result.rejected = counts.leftOut + leftOut;
  result.nonconforming = counts.nonconforming;
  return result;
}

function outcome(report: ProblemReport): string {
  if (report.repeats === 0) return report.passed ? "kept as recorded" : "left out";
  return report.passed ? "all kept as recorded" : "all left out";
}

/**
 * A short label of a run for messages: `scan 12 (c888d28)`, never an empty one.
 * @param start The run's start document.
 * @returns The label.
 */
export function runLabel(start: RunStart): string {
  const id = typeof start.scan_id === "number" ? `scan ${start.scan_id}` : "run";
  return `${id} (${start.uid === "" ? "empty uid" : start.uid.slice(0, 7)})`;
}
