/**
 * The NeXus and catalog tools: `deno task nx --help` lists the commands.
 *
 * @module
 */

import { nxUsage, runNxCommand } from "./cli/nx_command.ts";
import { runCommand } from "./cli/_io.ts";
import "./cli/nx_convert_command.ts";
import "./cli/nx_import_command.ts";
import "./cli/nx_runs_command.ts";
import "./cli/nx_export_command.ts";
import "./cli/nx_tree_command.ts";
import "./cli/nx_check_command.ts";

if (import.meta.main) {
  Deno.exit(await runCommand(runNxCommand, Deno.args, nxUsage()));
}
