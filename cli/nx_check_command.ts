/**
 * `deno task nx check [--catalog DIR]`: SQLite's integrity check of the catalog, and every
 * run's events counted against its stop document: what a damaged catalog still holds.
 * Importing this module registers the command in {@linkcode NX_COMMANDS}.
 *
 * @module
 */

import {
  checkCatalog,
  defaultCatalogDir,
  isPostgresUrl,
  type RunCheck,
} from "../core/catalog/mod.ts";
import { CATALOG_OPTION_HELP } from "./_catalog_option.ts";
import { type CommandIO, parseCommandArgs, UsageError } from "./_io.ts";
import { NX_COMMANDS } from "./nx_command.ts";

/** Usage text of the check command. */
export const CHECK_USAGE = `Usage: deno task nx check [--catalog DIR]

Check the catalog: SQLite's integrity check of its file, then every document read
one by one, and each run's events counted against its stop document (num_events).
Prints each run that is not whole and what of it can be read. Changes nothing.
Exit status 0 when all is well, 1 otherwise.

Options:
${CATALOG_OPTION_HELP}
  --help         show this text`;

function label(run: RunCheck): string {
  const id = run.scanId === undefined ? "run" : `scan ${run.scanId}`;
  return `${id} (${run.uid.slice(0, 7)})`;
}

function counts(run: RunCheck): string {
  return Object.entries(run.events)
    .map(([stream, { expected, readable }]) =>
      `${stream} ${readable} of ${expected ?? "?"} events readable`
    )
    .join(", ");
}

/**
 * Run the check command.
 *
 * @param args Command-line arguments.
 * @param io Where output goes.
 * @returns 0 when the catalog is whole, 1 otherwise.
 * @throws {UsageError} On positional arguments.
 * @throws {Error} When there is no catalog in the folder, or its file is no database.
 */
export async function runCheckCommand(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(args, { catalog: { type: "string" } });
  if (parsed === "help") {
    io.out(CHECK_USAGE);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(
      `The check command takes no arguments: got "${parsed.positionals.join(" ")}"`,
    );
  }
  const dir = (parsed.values.catalog as string | undefined) ?? defaultCatalogDir();
  if (isPostgresUrl(dir)) {
    throw new UsageError(
      "The check command reads a SQLite catalog's file: a PostgreSQL catalog's pages are " +
        "its server's to check (its amcheck extension)",
    );
  }
  const file = `${dir.replace(/\/+$/, "")}/catalog.sqlite`;
  if (!(await Deno.stat(file).then((s) => s.isFile, () => false))) {
    throw new Error(`No catalog in "${dir}": nothing was stored there yet`);
  }
  const check = checkCatalog(file);
  const whole = check.runs.filter((run) => run.ok);
  const documents = check.runs.reduce((n, run) => n + run.documents, 0);
  if (check.ok) {
    io.out(
      `Catalog "${file}": ok (integrity check passed; ${check.runs.length} runs, ` +
        `${documents} documents, events as the stop documents say)`,
    );
    return 0;
  }
  io.out(`Catalog "${file}": damaged`);
  for (const problem of check.problems) io.out(`  integrity: ${problem}`);
  if (check.unreadable > 0) io.out(`  ${check.unreadable} rows of documents cannot be read`);
  for (const run of check.runs) {
    const status = run.exitStatus ?? "stop unreadable";
    if (run.ok) continue;
    io.out(
      `${label(run)}  uid=${run.uid}  ${status}  not whole: ${run.documents} documents ` +
        `readable; ${counts(run) || "no events"}`,
    );
  }
  io.out(
    `Recoverable: ${documents} documents of ${check.runs.length} runs; ` +
      `${whole.length} of ${check.runs.length} runs whole`,
  );
  return 1;
}

NX_COMMANDS.set("check", {
  summary: "check the catalog: what can be read",
  synopsis: "[--catalog DIR]",
  usage: CHECK_USAGE,
  run: runCheckCommand,
});
