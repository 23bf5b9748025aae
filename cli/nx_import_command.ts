/**
 * `deno task nx import IN [--catalog DIR]`: the runs of a bluesky document file into the
 * catalog. Importing this module registers the command in {@linkcode NX_COMMANDS}.
 *
 * @module
 */

import { CATALOG_OPTION_HELP, openCatalog } from "./_catalog_option.ts";
import { CONFIG_OPTIONS, configOptionHelp, loadConfig } from "./_config.ts";
import { feedFile, runLabel } from "./_feed.ts";
import { type CommandIO, parseCommandArgs, UsageError } from "./_io.ts";
import { NX_COMMANDS } from "./nx_command.ts";

/** Usage text of the import command. */
export const IMPORT_USAGE = `Usage: deno task nx import IN [--catalog DIR]

Store the runs of IN, a file of bluesky documents (.json, .jsonl, .msgpack, each
may be gzipped), in the catalog, exactly as recorded. Documents that break the
event model are reported and, unless --strict, stored all the same; documents
the catalog cannot take (already stored, or of a run it does not know) are
reported and left out.

Options:
${CATALOG_OPTION_HELP}
  --strict       leave out documents that break the event model (exit status 1)
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
  const { catalog, dir } = await openCatalog(parsed.values.catalog as string | undefined, true);
  let result;
  try {
    result = await feedFile(input, catalog.insert, io, {
      verb: "import",
      strict: Boolean(parsed.values.strict),
    });
  } finally {
    catalog.close();
  }
  for (const start of result.starts) io.out(`${runLabel(start)}  uid=${start.uid}`);
  const stored = result.documents - result.rejected;
  io.out(
    `Imported ${result.starts.length} runs (${stored} documents) into "${dir}"` +
      (result.rejected ? `; ${result.rejected} documents left out` : ""),
  );
  return result.rejected === 0 && result.readError === undefined ? 0 : 1;
}

NX_COMMANDS.set("import", {
  summary: "bluesky documents into the catalog",
  synopsis: "IN [--catalog DIR]",
  usage: IMPORT_USAGE,
  run: runImportCommand,
});
