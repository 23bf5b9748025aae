/**
 * The demo scan: `deno task scan --help` for the options.
 *
 * @module
 */

import { runScanCommand, SCAN_USAGE } from "./cli/scan_command.ts";
import { runCommand } from "./cli/_io.ts";

if (import.meta.main) {
  Deno.exit(await runCommand(runScanCommand, Deno.args, SCAN_USAGE));
}
