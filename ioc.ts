/**
 * The seed's soft IOC: `deno task ioc --help` for the options.
 *
 * @module
 */

import { IOC_USAGE, runIocCommand } from "./cli/ioc_command.ts";
import { type CommandIO, processIO, runCommand } from "./cli/_io.ts";

/** The process's IO, where SIGTERM interrupts as Ctrl-C does, so that `kill` stops cleanly. */
function iocIO(): CommandIO {
  const io = processIO();
  return {
    ...io,
    onInterrupt(handler) {
      const stopInt = io.onInterrupt(handler);
      Deno.addSignalListener("SIGTERM", handler);
      return () => {
        stopInt();
        Deno.removeSignalListener("SIGTERM", handler);
      };
    },
  };
}

if (import.meta.main) {
  Deno.exit(await runCommand(runIocCommand, Deno.args, IOC_USAGE, iocIO()));
}
