/**
 * The NeXus and catalog tools: `deno task nx --help` lists the commands. Each command's module
 * is imported when the command runs (see `cli/nx_command.ts`): `--help` loads none.
 *
 * @module
 */

import { nxUsage, runNxCommand } from "./cli/nx_command.ts";
import { runCommand } from "./cli/_io.ts";

if (import.meta.main) {
  Deno.exit(await runCommand(runNxCommand, Deno.args, nxUsage()));
}
