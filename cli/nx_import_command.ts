/**
 * `deno task nx import IN [--catalog DIR]`: the runs of a bluesky document file into the
 * catalog. Importing this module registers the command in {@linkcode NX_COMMANDS}.
 *
 * @module
 */

import { CatalogWriteError } from "../core/catalog/mod.ts";
import type { Document, DocumentName } from "../core/documents/types.ts";
import { CATALOG_OPTION_HELP, openCatalog } from "./_catalog_option.ts";
import { CONFIG_OPTIONS, configOptionHelp, loadConfig } from "./_config.ts";
import { feedFile, runLabel } from "./_feed.ts";
import { type CommandIO, INTERRUPTS, parseCommandArgs, UsageError } from "./_io.ts";
import { NX_COMMANDS } from "./nx_command.ts";
import { openPublisher, publishOptionHelp } from "./_publish.ts";

/** Usage text of the import command. */
export const IMPORT_USAGE = `Usage: deno task nx import IN [--catalog DIR]

Store the runs of IN, a file of bluesky documents (.json, .jsonl, .msgpack, each
may be gzipped), in the catalog, exactly as recorded. Documents that break the
event model are reported and, unless --strict, stored all the same; documents
the catalog cannot take (of a run it does not know, say) are reported and left
out. A run the catalog holds already is left as it is (importing a file twice,
or in two processes at once, stores it once). Each run is stored in one
transaction: a run whose writing fails (a full disk) is not stored at all, and
importing the file again stores it whole. Ctrl-C (SIGTERM, SIGHUP) stops the
import at once: the runs read to their end are stored, the run being read is
not.

Options:
${CATALOG_OPTION_HELP}
  --strict       leave out documents that break the event model (exit status 1)
${publishOptionHelp(17)}
${
  configOptionHelp(17, [
    "(checked before anything is stored; the catalog keeps",
    "documents as recorded, so import uses none of the setup)",
  ])
}
  --help         show this text`;

/**
 * Run the import command.
 *
 * @param args Command-line arguments.
 * @param io Where output goes.
 * @returns The exit code: 0 when every document was stored.
 * @throws {UsageError} Without exactly one input file.
 */
export async function runImportCommand(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(args, {
    catalog: { type: "string" },
    strict: { type: "boolean", default: false },
    publish: { type: "string" },
    ...CONFIG_OPTIONS,
  });
  if (parsed === "help") {
    io.out(IMPORT_USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      `The import command takes one input file: got ${parsed.positionals.length}`,
    );
  }
  const input = parsed.positionals[0]!;
  // A config that would fail at the next convert or export fails here, before the import.
  await loadConfig(parsed.values);
  const url = parsed.values.publish as string | undefined;
  const publish = url === undefined ? undefined : await openPublisher(url, io);
  const { catalog, dir } = await openCatalog(parsed.values.catalog as string | undefined, true, {
    transactions: "run",
    existing: "skip",
    // Another import of the same catalog holds the write lock while it stores a run.
    busyTimeout: IMPORT_BUSY_TIMEOUT,
  });
  // A failure of the storage is reported once, below, with what it cost.
  const receiver = (name: DocumentName, doc: Document, run: string) => {
    publish?.publisher.receiver(name, doc, run);
    try {
      catalog.insert(name, doc);
    } catch (error) {
      if (!(error instanceof CatalogWriteError)) throw error;
    }
  };
  // Stopped, the import ends at once: the transaction of the run being read is left
  // uncommitted, and the database drops it (a commit now would store that run cut short,
  // and a second import would then leave it so).
  const stopListening = io.onInterrupt((signalled) => {
    const interrupt = signalled ?? INTERRUPTS.SIGINT;
    io.err(
      `${interrupt.description}: the import is stopped; the runs read to their end are ` +
        "stored, the run being read is not (importing the file again adds it)",
    );
    Deno.exit(1);
  });
  let result;
  let failure: CatalogWriteError | undefined;
  try {
    result = await feedFile(input, receiver, io, {
      verb: "import",
      strict: Boolean(parsed.values.strict),
    });
    catalog.flush();
  } catch (error) {
    if (!(error instanceof CatalogWriteError)) throw error;
    failure = error;
  } finally {
    stopListening();
    catalog.close();
  }
  const published = await publish?.finish() ?? true;
  if (result === undefined) throw failure;
  // Every count is the catalog's: what it committed, passed over, or could not store.
  let stored = 0;
  let accounted = 0;
  let runs = 0;
  const present: string[] = [];
  for (const start of result.starts) {
    const tally = catalog.tally(start.uid);
    stored += tally.stored;
    accounted += tally.stored + tally.skipped + tally.notStored;
    const state = tally.notStored > 0
      ? `  not stored (${tally.notStored} documents)`
      : tally.skipped > 0 && tally.stored === 0
      ? "  already in the catalog: left as it is"
      : "";
    if (tally.stored > 0 && tally.notStored === 0) runs++;
    if (state.includes("already")) present.push(start.uid);
    io.out(`${runLabel(start)}  uid=${start.uid}${state}`);
  }
  const leftOut = result.documents - accounted;
  io.out(
    `Imported ${runs} runs (${stored} documents) into "${dir}"` +
      (present.length ? `; ${present.length} runs already there` : "") +
      (leftOut ? `; ${leftOut} documents left out` : ""),
  );
  if (failure !== undefined) io.err(failure.message);
  return leftOut === 0 && failure === undefined && result.readError === undefined && published
    ? 0
    : 1;
}

/** How long an import waits for another one writing the same catalog: 10 minutes. */
const IMPORT_BUSY_TIMEOUT = 600_000;

NX_COMMANDS.set("import", {
  summary: "bluesky documents into the catalog",
  synopsis: "IN [--catalog DIR]",
  usage: IMPORT_USAGE,
  run: runImportCommand,
});
