/**
 * `deno task nx <command>`: the NeXus and catalog tools. Each command registers itself in
 * {@linkcode NX_COMMANDS}.
 *
 * @module
 */

import { type CommandIO, UsageError } from "./_io.ts";

/** One `nx` sub-command. */
export interface NxCommand {
  /** One-line summary for the usage text. */
  summary: string;
  /** Arguments shown in the usage text. */
  synopsis: string;
  /** Its usage text, printed with `--help` and with a usage error. */
  usage: string;
  /** Run the command. */
  run(args: string[], io: CommandIO): Promise<number>;
}

/** The sub-commands, by name. */
export const NX_COMMANDS: Map<string, NxCommand> = new Map();

/** The usage text, listing the registered commands. */
export function nxUsage(): string {
  const lines = ["Usage: deno task nx <command> [options]", "", "Commands:"];
  for (const [name, command] of NX_COMMANDS) {
    lines.push(`  ${`${name} ${command.synopsis}`.padEnd(44)} ${command.summary}`);
  }
  lines.push("", "deno task nx <command> --help shows a command's options.");
  return lines.join("\n");
}

/**
 * Run `nx` with its arguments.
 * @param args Command name and its arguments.
 * @param io Output and signals.
 * @returns The exit code.
 */
export function runNxCommand(args: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "help") {
    io.out(nxUsage());
    return Promise.resolve(name === undefined ? 2 : 0);
  }
  const command = NX_COMMANDS.get(name);
  if (!command) throw new UsageError(`Unknown command "${name}"`);
  return command.run(rest, io).catch((error) => {
    if (error instanceof UsageError && error.usage === undefined) error.usage = command.usage;
    throw error;
  });
}
