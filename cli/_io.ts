/**
 * What the command-line programs share: where output goes, Ctrl-C, and exit codes
 * (0 success, 1 failure with a one-line reason on stderr, 2 usage error with the usage text).
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Output and signals of a command, injectable for tests. */
export interface CommandIO {
  /** Write a line to standard output. */
  out(line: string): void;
  /** Write a line to standard error. */
  err(line: string): void;
  /** Whether standard output is a terminal. */
  readonly isTerminal: boolean;
  /** Width of the terminal in columns. */
  readonly columns: number;
  /** Call `handler` on each Ctrl-C (SIGINT); returns a function that stops listening. */
  onInterrupt(handler: () => void): () => void;
}

/** A command-line usage error: exit code 2 and the usage text. */
export class UsageError extends Error {
  override name = "UsageError";
  /** Usage text to print instead of the program's own (a sub-command's). */
  usage: string | undefined;

  /**
   * @param message What is wrong with the arguments.
   * @param usage The usage text to print with it, when not the program's own.
   */
  constructor(message: string, usage?: string) {
    super(message);
    this.usage = usage;
  }
}

const encoder = new TextEncoder();

/** The process's real standard streams and signals. */
export function processIO(): CommandIO {
  const isTerminal = Deno.stdout.isTerminal();
  let columns = 80;
  try {
    if (isTerminal) columns = Deno.consoleSize().columns;
  } catch {
    // Not a terminal after all: keep the default width.
  }
  return {
    out: (line) => void Deno.stdout.writeSync(encoder.encode(line + "\n")),
    err: (line) => void Deno.stderr.writeSync(encoder.encode(line + "\n")),
    isTerminal,
    columns,
    onInterrupt(handler) {
      Deno.addSignalListener("SIGINT", handler);
      return () => Deno.removeSignalListener("SIGINT", handler);
    },
  };
}

/**
 * Run a command and turn its outcome into an exit code.
 * @param command The command.
 * @param args Its arguments.
 * @param usage Usage text printed on a usage error.
 * @param io Output and signals.
 * @returns The exit code.
 */
export async function runCommand(
  command: (args: string[], io: CommandIO) => Promise<number>,
  args: string[],
  usage: string,
  io: CommandIO = processIO(),
): Promise<number> {
  try {
    return await command(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      io.err(error.usage ?? usage);
      return 2;
    }
    io.err(`Error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

/**
 * Join `--option -1.5` into `--option=-1.5` for options that take a value, so negative
 * numbers are not mistaken for options (`node:util`'s parseArgs refuses them otherwise).
 * @param args Command-line arguments.
 * @param valueOptions Names of the options that take a value, without dashes.
 * @returns The arguments with such pairs joined.
 */
export function joinNegativeValues(args: string[], valueOptions: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if (
      arg.startsWith("--") && valueOptions.includes(arg.slice(2)) && next !== undefined &&
      /^-(\d|\.\d|inf|Infinity)/i.test(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** What {@linkcode parseCommandArgs} returns: the option values and the positionals. */
export interface ParsedArgs {
  /** Option values by name. */
  values: Record<string, string | boolean | undefined>;
  /** Arguments that are not options. */
  positionals: string[];
}

/**
 * Parse a command's arguments with `node:util`'s parseArgs, turning its errors into usage
 * errors. Options of type string may take negative numbers (`--index -1`).
 * @param args Command-line arguments.
 * @param options The options, as parseArgs takes them; `--help` is added.
 * @returns The values and positionals, or `"help"` when `--help` was given.
 * @throws {UsageError} On an unknown option or a missing value.
 */
export function parseCommandArgs(
  args: string[],
  options: Record<string, { type: "string" | "boolean"; default?: string | boolean }>,
): ParsedArgs | "help" {
  const valueOptions = Object.keys(options).filter((name) => options[name]!.type === "string");
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args, valueOptions),
      options: { ...options, help: { type: "boolean", default: false } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) return "help";
  return { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
}

/**
 * Reports progress of long work on stderr: nothing in the first second, then at most one line
 * per second.
 */
export class ProgressLine {
  readonly #io: CommandIO;
  readonly #started = Date.now();
  #last = 0;

  /**
   * @param io Where the lines go (its `err`).
   */
  constructor(io: CommandIO) {
    this.#io = io;
  }

  /**
   * Report, unless a line was printed less than a second ago.
   * @param text The line; computed only when it will be printed.
   */
  report(text: () => string): void {
    const now = Date.now();
    if (now - this.#started < 1000 || now - this.#last < 1000) return;
    this.#last = now;
    this.#io.err(text());
  }
}
