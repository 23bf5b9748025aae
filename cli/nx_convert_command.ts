/**
 * `deno task nx convert IN [--file F | --dir D]`: the runs of a bluesky document file
 * (`.json`, `.jsonl`, `.msgpack`, each optionally gzipped), one NeXus file per run.
 * Importing this module registers the command in {@linkcode NX_COMMANDS}.
 *
 * @module
 */

import type { RunStart } from "../core/documents/types.ts";
import { numberedName } from "../core/nexus/file_name.ts";
import { CONFIG_OPTIONS, configOptionHelp, configuredWriter, loadConfig } from "./_config.ts";
import { feedFile, type FeedResult, runLabel } from "./_feed.ts";
import { type CommandIO, type Interrupt, INTERRUPTS, parseCommandArgs, UsageError } from "./_io.ts";
import { stopPlacing } from "../core/nexus/_place_file.ts";
import { NX_COMMANDS } from "./nx_command.ts";

/** Usage text of the convert command. */
export const CONVERT_USAGE = `Usage: deno task nx convert IN [--file F | --dir D] [options]

Write one NeXus file per run of IN, a file of bluesky documents: a JSON array of
[name, doc] pairs (.json), JSON Lines (.jsonl), or msgpack (.msgpack), each may be
gzipped (.gz). Documents that break the event model are reported and, unless
--strict, kept as recorded; a run without a stop document is written as an
incomplete run.

Options:
  --file F       the NeXus file (with several runs: F, then F-2, F-3, ... by name)
  --dir D        folder of the files, named YYYYmmdd-HHMMSS-S<scan_id>-<uid>.hdf
                 (default: the current folder)
  --overwrite    replace existing files (otherwise the config's overwrite policy;
                 without one, an existing file is an error)
  --quiet        do not print the writer's warnings
  --strict       leave out documents that break the event model (exit status 1)
${configOptionHelp(17)}
  --help         show this text`;

/** The file of the `n`-th run converted to one name: the name itself, then `-2`, `-3`, ... */
function numberedRun(file: string, n: number): string {
  return n === 1 ? file : numberedName(file, n);
}

/**
 * Run the convert command.
 *
 * @param args Command-line arguments.
 * @param io Where output goes.
 * @returns The exit code: 0 when every run was written and every document was good.
 * @throws {UsageError} Without exactly one input, or with both `--file` and `--dir`.
 */
export async function runConvertCommand(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(args, {
    file: { type: "string" },
    dir: { type: "string" },
    overwrite: { type: "boolean" },
    quiet: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
    ...CONFIG_OPTIONS,
  });
  if (parsed === "help") {
    io.out(CONVERT_USAGE);
    return 0;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    throw new UsageError(`The convert command takes one input file: got ${positionals.length}`);
  }
  const input = positionals[0]!;
  const dir = values.dir as string | undefined;
  if (values.file !== undefined && dir !== undefined) {
    throw new UsageError("Options --file and --dir cannot be used together");
  }
  // The HDF5 library is loaded when the first file is written, not while the file is read:
  // on two cores its loading (the WebAssembly's compilation) slowed the reading by more than it
  // saved, and raised the peak memory (measured).
  const config = await loadConfig(values);
  // One file name for every run, from here or the config, is numbered run by run.
  const configName = config?.options.fileName;
  const file = (values.file as string | undefined) ??
    (typeof configName === "string" ? configName : undefined);
  if (dir !== undefined) await Deno.mkdir(dir, { recursive: true });
  const order = new Map<string, number>();
  const labels = new Map<string, string>();
  let failed = 0;
  let written = 0;
  const writer = configuredWriter(config, {
    commandLine: {
      // A file named here is taken from the current folder, not the config's filePath.
      ...(dir === undefined && values.file === undefined ? {} : { filePath: dir ?? "." }),
      ...(file === undefined
        ? {}
        : { fileName: (start: RunStart) => numberedRun(file, order.get(start.uid) ?? 1) }),
      ...(values.overwrite ? { overwrite: "replace" } : {}),
      onWarning: (w) => {
        if (values.quiet) return;
        const where = w.path ? `${w.plugin} ${w.path}` : w.plugin;
        // A document of no known run has no run to name, and a run's uid may be empty.
        const run = w.run === "" ? "" : `run ${w.run.slice(0, 7)}: `;
        io.err(`warning: ${run}${where}: ${w.message}`);
      },
      // Each run is reported as its file is written, so a long file shows its progress and
      // the writer keeps no result for runs already reported.
      onWritten: (outcome) => {
        const label = labels.get(outcome.run) ?? outcome.run;
        labels.delete(outcome.run);
        if (outcome.error === undefined) {
          written++;
          return io.out(`${label}  file=${outcome.path}`);
        }
        failed++;
        io.err(`${label}: not written: ${outcome.error.message}`);
      },
    },
  });
  // Ctrl-C (SIGTERM, SIGHUP) stops the reading; the files already in place are whole and
  // stay, a file being written is not placed and its hidden temporary file is removed.
  let interrupt: Interrupt | undefined;
  const stopReading = new AbortController();
  const stopListening = io.onInterrupt((signalled) => {
    if (interrupt !== undefined) return;
    interrupt = signalled ?? INTERRUPTS.SIGINT;
    const message = `${interrupt.description}: the conversion is stopped`;
    stopPlacing(message);
    stopReading.abort(new Error(message));
  });
  let result: FeedResult;
  try {
    result = await feedFile(
      input,
      (name, doc, run) => {
        if (name === "start") {
          const start = doc as RunStart;
          order.set(start.uid, order.size + 1);
          labels.set(start.uid, runLabel(start));
        }
        // The feed's gate has checked the document: the writer does not check it again.
        writer.checkedReceiver(name, doc, run);
      },
      io,
      { verb: "convert", strict: Boolean(values.strict), signal: stopReading.signal },
    );
    // Runs still open when the conversion was stopped are not written.
    for (const uid of interrupt === undefined ? writer.flush() : []) {
      const start = result.starts.find((s) => s.uid === uid);
      io.err(`${start ? runLabel(start) : uid}: no stop document, written as an incomplete run`);
    }
    // Every outcome has been reported through onWritten once the writer is done.
    await writer.wait().catch(() => undefined);
  } finally {
    stopListening();
  }
  if (interrupt !== undefined) {
    const before = written === 0
      ? "no file was written"
      : `the ${written === 1 ? "file" : `${written} files`} written before it ${
        written === 1 ? "is" : "are"
      } whole`;
    io.err(`${interrupt.description}: the conversion is stopped; ${before}`);
    return 1;
  }
  if (result.starts.length === 0) io.err(`${input}: no run found (no start document)`);
  const good = result.starts.length > 0 && failed === 0 && result.rejected === 0 &&
    result.readError === undefined;
  return good ? 0 : 1;
}

NX_COMMANDS.set("convert", {
  summary: "bluesky documents to one NeXus file per run",
  synopsis: "IN [--file F | --dir D]",
  usage: CONVERT_USAGE,
  run: runConvertCommand,
});
