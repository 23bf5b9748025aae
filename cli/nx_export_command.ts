/**
 * `deno task nx export (--scan-id N | --uid PREFIX | --index -1)`: a stored run to a NeXus
 * file, through the same writer as a live run, or back to bluesky JSON Lines.
 * Importing this module registers the command in {@linkcode NX_COMMANDS}.
 *
 * @module
 */

import { type CatalogRun, replay } from "../core/catalog/mod.ts";
import { writeJsonLines } from "../core/readers/json_lines_writer.ts";
import { defaultFileName } from "../core/nexus/file_name.ts";
import { CATALOG_OPTION_HELP, openCatalog } from "./_catalog_option.ts";
import {
  CONFIG_OPTIONS,
  configOptionHelp,
  configuredWriter,
  loadConfig,
  type LoadedConfig,
} from "./_config.ts";
import { runLabel } from "./_feed.ts";
import { type CommandIO, type Interrupt, INTERRUPTS, parseCommandArgs, UsageError } from "./_io.ts";
import { placedFiles, removeTemporaryFiles, stopPlacing } from "../core/nexus/_place_file.ts";
import { NX_COMMANDS } from "./nx_command.ts";

/** Usage text of the export command. */
export const EXPORT_USAGE =
  `Usage: deno task nx export (--scan-id N | --uid PREFIX | --index I) [options]

Write a stored run to a NeXus file, as the live writer does, or back to bluesky
JSON Lines ({"name": ..., "doc": ...} per line). A run without a stop document is
written as an incomplete run.

Which run (one of):
  --scan-id N     the latest run with this scan_id
  --uid PREFIX    the run whose uid starts with PREFIX (5 characters or more)
  --index I       by position: -1 is the most recent run, 0 the oldest

Options:
${CATALOG_OPTION_HELP}
  --file F        the file to write (default: YYYYmmdd-HHMMSS-S<scan_id>-<uid>.hdf,
                  or .jsonl, in --dir)
  --dir D         folder of the default file name (default: the current folder)
  --format FMT    nexus (default) or jsonl
  --overwrite     replace an existing file (otherwise the config's overwrite policy;
                  without one, an existing file is an error)
${configOptionHelp(18, ["(--format jsonl does not use it)"])}
  --help          show this text`;

function integer(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value)) {
    throw new UsageError(`Option --${name} needs a whole number: got "${text}"`);
  }
  return value;
}

async function exportNexus(
  run: CatalogRun,
  target: { file: string | undefined; dir: string | undefined },
  overwrite: boolean,
  io: CommandIO,
  config: LoadedConfig | undefined,
): Promise<string> {
  const writer = configuredWriter(config, {
    commandLine: {
      // A file named here is taken from the current folder (or --dir), not the config's.
      ...(target.dir === undefined && target.file === undefined
        ? {}
        : { filePath: target.dir ?? "." }),
      ...(target.file === undefined ? {} : { fileName: target.file }),
      ...(overwrite ? { overwrite: "replace" } : {}),
      onWarning: (w) => io.err(`warning: ${w.plugin}${w.path ? ` ${w.path}` : ""}: ${w.message}`),
    },
  });
  await replay(run, writer.receiver);
  if (writer.flush().length > 0) {
    io.err(`${runLabel(run.start)}: no stop document, written as an incomplete run`);
  }
  return await writer.written(run.start.uid)!;
}

async function exportJsonLines(
  run: CatalogRun,
  target: { file: string | undefined; dir: string | undefined },
  overwrite: boolean,
): Promise<string> {
  const name = target.file ?? defaultFileName(run.start, { extension: "jsonl" });
  const path = name.startsWith("/") || target.dir === undefined ? name : `${target.dir}/${name}`;
  if (!overwrite) {
    const exists = await Deno.lstat(path).then(() => true, () => false);
    if (exists) throw new Error(`File "${path}" already exists: not overwritten (use --overwrite)`);
  }
  await writeJsonLines(path, run.documents());
  return path;
}

/**
 * Run the export command.
 *
 * @param args Command-line arguments.
 * @param io Where output goes.
 * @returns The exit code.
 * @throws {UsageError} Without exactly one of `--scan-id`, `--uid`, `--index`, or with an
 *   unknown format.
 */
export async function runExportCommand(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(args, {
    "scan-id": { type: "string" },
    uid: { type: "string" },
    index: { type: "string" },
    catalog: { type: "string" },
    file: { type: "string" },
    dir: { type: "string" },
    format: { type: "string", default: "nexus" },
    overwrite: { type: "boolean", default: false },
    ...CONFIG_OPTIONS,
  });
  if (parsed === "help") {
    io.out(EXPORT_USAGE);
    return 0;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new UsageError(`The export command takes no arguments: got "${positionals.join(" ")}"`);
  }
  const chosen = (["scan-id", "uid", "index"] as const).filter((k) => values[k] !== undefined);
  if (chosen.length !== 1) {
    throw new UsageError("Choose the run with exactly one of --scan-id, --uid and --index");
  }
  const format = values.format as string;
  if (format !== "nexus" && format !== "jsonl") {
    throw new UsageError(`Option --format is nexus or jsonl: got "${format}"`);
  }
  const key = chosen[0]!;
  const text = values[key] as string;
  const target = { file: values.file as string | undefined, dir: values.dir as string | undefined };
  const config = await loadConfig(values);
  if (target.dir !== undefined) await Deno.mkdir(target.dir, { recursive: true });
  const { catalog } = await openCatalog(values.catalog as string | undefined, false);
  try {
    const run = key === "uid"
      ? catalog.byUid(text)
      : key === "index"
      ? catalog.byIndex(integer(key, text))
      : catalog.byScanId(integer(key, text));
    const overwrite = Boolean(values.overwrite);
    const path = format === "jsonl"
      ? await untilInterrupted(
        io,
        false,
        (isStopped) => exportJsonLines(stoppable(run, isStopped), target, overwrite),
      )
      : await untilInterrupted(io, true, () => exportNexus(run, target, overwrite, io, config));
    io.out(`${runLabel(run.start)}  file=${path}`);
  } finally {
    catalog.close();
  }
  return 0;
}

/**
 * Run `work` until Ctrl-C, SIGTERM or SIGHUP, rather than dying with a hidden temporary file
 * left behind. With `now`, the NeXus writer's temporary files are removed and the export fails
 * at once (HDF5 writes cannot be stopped half-way), unless the file was in place before the
 * signal came: then the export ends as it would have, saying so. Without `now`, `work` is to
 * stop by itself when `isStopped` says so, removing its own.
 */
async function untilInterrupted<T>(
  io: CommandIO,
  now: boolean,
  work: (isStopped: () => Interrupt | undefined) => Promise<T>,
): Promise<T> {
  let stop: Interrupt | undefined;
  let late = false;
  let reject: (error: Error) => void = () => {};
  const stopped = new Promise<never>((_, r) => reject = r);
  const placedBefore = placedFiles();
  const stopListening = io.onInterrupt((signalled) => {
    const interrupt = signalled ?? INTERRUPTS.SIGINT;
    if (stop !== undefined) return;
    stop = interrupt;
    if (!now) return;
    const message = `${interrupt.description}: the export is stopped`;
    stopPlacing(message);
    // The placement is synchronous: a file placed before this handler ran is whole.
    if (placedFiles() > placedBefore) return void (late = true);
    // The HDF5 write under way may still recreate its file before the process exits: remove
    // it once more at exit, when nothing else can run.
    globalThis.addEventListener("unload", () => void removeTemporaryFiles(), { once: true });
    reject(new Error(message));
  });
  try {
    const result = await Promise.race([work(() => stop), stopped]);
    if (late) io.err(`${stop!.description} once the file was written: it is kept`);
    return result;
  } finally {
    stopListening();
  }
}

/** The run, its documents ending with an error once `isStopped` says so. */
function stoppable(run: CatalogRun, isStopped: () => Interrupt | undefined): CatalogRun {
  return {
    ...run,
    *documents() {
      for (const named of run.documents()) {
        const stop = isStopped();
        if (stop) throw new Error(`${stop.description}: the export is stopped`);
        yield named;
      }
    },
  };
}

NX_COMMANDS.set("export", {
  summary: "a stored run to NeXus (or JSON Lines)",
  synopsis: "(--scan-id N | --uid P | --index I)",
  usage: EXPORT_USAGE,
  run: runExportCommand,
});
