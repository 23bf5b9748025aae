/**
 * `deno task nx <command>`: the NeXus and catalog tools. Each command's module registers it in
 * {@linkcode NX_COMMANDS} when imported; {@linkcode NX_COMMAND_MODULES} names the commands and
 * where they are, so that `nx --help` lists them without loading any, and a command loads only
 * its own module (h5wasm for `tree`, SQLite for `runs`, ...).
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

/** The sub-commands registered so far, by name (their modules add them when imported). */
export const NX_COMMANDS: Map<string, NxCommand> = new Map();

/** A sub-command as the usage text lists it, and the import that registers it. */
export interface NxCommandModule {
  /** One-line summary for the usage text: the one its module registers. */
  summary: string;
  /** Arguments shown in the usage text: the ones its module registers. */
  synopsis: string;
  /** Import the module, which registers the command in {@linkcode NX_COMMANDS}. */
  load(): Promise<unknown>;
}

/**
 * The sub-commands, in the order of the usage text. Each import names its module literally,
 * so that `deno compile` and the publisher see it.
 */
export const NX_COMMAND_MODULES: ReadonlyMap<string, NxCommandModule> = new Map([
  ["convert", {
    summary: "bluesky documents to one NeXus file per run",
    synopsis: "IN [--file F | --dir D]",
    load: () => import(new URL("./nx_convert_command.ts", import.meta.url).href),
  }],
  ["import", {
    summary: "bluesky documents into the catalog",
    synopsis: "IN [--catalog DIR]",
    load: () => import(new URL("./nx_import_command.ts", import.meta.url).href),
  }],
  ["runs", {
    summary: "list the catalog's runs",
    synopsis: "[--catalog DIR]",
    load: () => import(new URL("./nx_runs_command.ts", import.meta.url).href),
  }],
  ["export", {
    summary: "a stored run to NeXus (or JSON Lines)",
    synopsis: "(--scan-id N | --uid P | --index I)",
    load: () => import(new URL("./nx_export_command.ts", import.meta.url).href),
  }],
  ["tree", {
    summary: "the file's structure, as punx tree prints it",
    synopsis: "FILE",
    load: () => import(new URL("./nx_tree_command.ts", import.meta.url).href),
  }],
  ["worker", {
    summary: "write the runs of a Redis stream (scan --publish) to files or the catalog",
    synopsis: "--from redis://HOST/KEY [--dir D]",
    load: () => import(new URL("./nx_worker_command.ts", import.meta.url).href),
  }],
  ["check", {
    summary: "check the catalog: what can be read",
    synopsis: "[--catalog DIR]",
    load: () => import(new URL("./nx_check_command.ts", import.meta.url).href),
  }],
]);

/**
 * The usage text: the commands of {@linkcode NX_COMMAND_MODULES}, then any other registered
 * one. Loads no command module.
 *
 * @returns The text, without a final newline.
 */
export function nxUsage(): string {
  const lines = ["Usage: deno task nx <command> [options]", "", "Commands:"];
  const listed: [string, Pick<NxCommand, "summary" | "synopsis">][] = [...NX_COMMAND_MODULES];
  for (const entry of NX_COMMANDS) if (!NX_COMMAND_MODULES.has(entry[0])) listed.push(entry);
  for (const [name, command] of listed) {
    lines.push(`  ${`${name} ${command.synopsis}`.padEnd(44)} ${command.summary}`);
  }
  lines.push("", "deno task nx <command> --help shows a command's options.");
  return lines.join("\n");
}

/**
 * The command called `name`, its module loaded first when it is not registered yet.
 *
 * @param name The command's name.
 * @returns The command, or undefined when there is none of that name.
 */
export async function nxCommand(name: string): Promise<NxCommand | undefined> {
  const known = NX_COMMANDS.get(name);
  if (known !== undefined) return known;
  await NX_COMMAND_MODULES.get(name)?.load();
  return NX_COMMANDS.get(name);
}

/**
 * Run `nx` with its arguments.
 * @param args Command name and its arguments.
 * @param io Output and signals.
 * @returns The exit code.
 * @throws {UsageError} For an unknown command.
 */
export async function runNxCommand(args: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "help") {
    io.out(nxUsage());
    return name === undefined ? 2 : 0;
  }
  const command = await nxCommand(name);
  if (!command) throw new UsageError(`Unknown command "${name}"`);
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError && error.usage === undefined) error.usage = command.usage;
    throw error;
  }
}
