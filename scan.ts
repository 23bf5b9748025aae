/**
 * The demo scan: `deno task scan --help` for the options.
 *
 * @module
 */

import { runScanCommand, SCAN_USAGE } from "./cli/scan_command.ts";
import { runCommand } from "./cli/_io.ts";
import { loadH5wasm } from "./core/nexus/_h5wasm.ts";

if (import.meta.main) {
  // The run takes its time (the devices move and settle); h5wasm, which the writer needs at
  // the end, loads meanwhile instead of after it. A failure here is the writer's to report.
  if (!Deno.args.includes("--help")) loadH5wasm().catch(() => {});
  Deno.exit(await runCommand(runScanCommand, Deno.args, SCAN_USAGE));
}
