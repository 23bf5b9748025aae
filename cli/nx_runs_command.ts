/**
 * `deno task nx runs [--catalog DIR]`: the catalog's runs, one per line.
 * Importing this module registers the command in {@linkcode NX_COMMANDS}.
 *
 * @module
 */

import type { RunQuery, RunSummary } from "../core/catalog/mod.ts";
import { isoTime } from "../core/time.ts";
import { CATALOG_OPTION_HELP, openCatalog } from "./_catalog_option.ts";
import { type CommandIO, parseCommandArgs, UsageError } from "./_io.ts";
import { NX_COMMANDS } from "./nx_command.ts";

/** Usage text of the runs command. */
export const RUNS_USAGE = `Usage: deno task nx runs [--catalog DIR] [options]

List the catalog's runs, oldest first: scan id, uid, plan, start time, exit
status (incomplete: no stop document), number of events, and streams.

Options:
${CATALOG_OPTION_HELP}
  --plan NAME    only runs of this plan_name
  --since TIME   only runs started at or after TIME (ISO 8601, or epoch seconds)
  --until TIME   only runs started before TIME
  --json         one JSON object per run instead of the table
  --help         show this text`;

function time(text: string | undefined, name: string): number | string | undefined {
  if (text === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (Number.isNaN(Date.parse(text))) {
    throw new UsageError(`Option --${name} needs an ISO 8601 time or epoch seconds: got "${text}"`);
  }
  return text;
}

function row(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd();
}

/**
 * The table of runs, as the command prints it.
 * @param runs The runs.
 * @param timeZone Time zone of the start times.
 * @returns The lines, header first.
 */
export function runsTable(runs: readonly RunSummary[], timeZone?: string): string[] {
  const header = ["scan_id", "uid", "plan_name", "start_time", "exit_status", "events", "streams"];
  const rows = runs.map((run) => [
    run.scanId === undefined ? "" : String(run.scanId),
    run.uid.slice(0, 8),
    run.planName ?? "",
    isoTime(run.time, timeZone).slice(0, 19).replace("T", " "),
    run.exitStatus,
    String(run.numEvents),
    run.streams.join(","),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [row(header, widths), ...rows.map((r) => row(r, widths))];
}

/**
 * Run the runs command.
 *
 * @param args Command-line arguments.
 * @param io Where output goes.
 * @returns The exit code.
 * @throws {UsageError} On positional arguments or a bad time.
 */
export async function runRunsCommand(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(args, {
    catalog: { type: "string" },
    plan: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    json: { type: "boolean", default: false },
  });
  if (parsed === "help") {
    io.out(RUNS_USAGE);
    return 0;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new UsageError(`The runs command takes no arguments: got "${positionals.join(" ")}"`);
  }
  const query: RunQuery = {};
  const since = time(values.since as string | undefined, "since");
  const until = time(values.until as string | undefined, "until");
  if (since !== undefined) query.since = since;
  if (until !== undefined) query.until = until;
  if (values.plan !== undefined) query.plan_name = values.plan as string;
  const { catalog } = await openCatalog(values.catalog as string | undefined, false);
  try {
    // A listing must not say "success" for a run whose documents are damaged.
    catalog.verify();
    const runs = catalog.runs(query);
    if (values.json) { for (const run of runs) io.out(JSON.stringify(run)); }
    else for (const line of runsTable(runs)) io.out(line);
  } finally {
    catalog.close();
  }
  return 0;
}

NX_COMMANDS.set("runs", {
  summary: "list the catalog's runs",
  synopsis: "[--catalog DIR]",
  usage: RUNS_USAGE,
  run: runRunsCommand,
});
