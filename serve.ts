/**
 * The web view's JSON API over a catalog: `deno task serve --help` for the options.
 *
 * @module
 */

import { runServeCommand, SERVE_USAGE } from "./cli/serve_command.ts";
import { runCommand } from "./cli/_io.ts";

if (import.meta.main) {
  Deno.exit(await runCommand((args, io) => runServeCommand(args, io), Deno.args, SERVE_USAGE));
}
