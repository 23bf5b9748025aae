/**
 * What the command-line programs share: where output goes, Ctrl-C (and SIGTERM, SIGHUP), and
 * exit codes (0 success, 1 failure with a one-line reason on stderr, 2 usage error with the
 * usage text). A closed standard output (`| head -1`) is not a failure: printing stops.
 *
 * @module
 */

import { fileSystemFull } from "../core/disk_full.ts";
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
  /**
   * Call `handler` on each Ctrl-C (SIGINT), SIGTERM or SIGHUP, which all mean "stop"; returns
   * a function that stops listening. While one listens, these signals no longer end the
   * process: the handler does. The handler is told which signal came; an IO made before
   * SIGTERM and SIGHUP were reported may tell nothing, which means Ctrl-C.
   */
  onInterrupt(handler: (interrupt?: Interrupt) => void): () => void;
}

/** The signals that {@linkcode CommandIO.onInterrupt} reports. */
export type InterruptSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** A signal asking the command to stop, with the words a user knows it by. */
export interface Interrupt {
  /** The signal. */
  signal: InterruptSignal;
  /** `Ctrl-C`, `SIGTERM` or `SIGHUP`: for a reason such as "Interrupted by Ctrl-C". */
  source: string;
  /** `Interrupted by Ctrl-C (SIGINT)`, `Terminated (SIGTERM)`, `Hung up (SIGHUP)`. */
  description: string;
}

/** Each interrupt signal as a user reads it. */
export const INTERRUPTS: Readonly<Record<InterruptSignal, Interrupt>> = {
  SIGINT: { signal: "SIGINT", source: "Ctrl-C", description: "Interrupted by Ctrl-C (SIGINT)" },
  SIGTERM: { signal: "SIGTERM", source: "SIGTERM", description: "Terminated (SIGTERM)" },
  SIGHUP: { signal: "SIGHUP", source: "SIGHUP", description: "Hung up (SIGHUP)" },
};

/** The signals a process can listen to here (Windows has SIGINT only, of these). */
function interruptSignals(): InterruptSignal[] {
  return Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM", "SIGHUP"];
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

/** Write all of `bytes`: a pipe may take them in several writes. */
function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += stream.writeSync(bytes.subarray(done));
}

/** Whether `error` says the reader of a pipe has gone (`| head -1`). */
function isClosedPipe(error: unknown): boolean {
  return error instanceof Deno.errors.BrokenPipe ||
    (error as { code?: string })?.code === "EPIPE" || /EPIPE|Broken pipe/i.test(String(error));
}

/** Why standard output refused a write, in words a user acts on. */
function outputFailure(error: unknown): string {
  return fileSystemFull(error) ?? (error instanceof Error ? error.message : String(error));
}

/** A {@linkcode CommandIO} whose standard output may have failed on the way. */
interface ProcessIO extends CommandIO {
  /** Why standard output stopped (not a closed pipe, which is no failure), if it did. */
  outputFailed(): string | undefined;
}

/**
 * The process's real standard streams and signals. When the reader of standard output goes
 * away (`| head -1`), printing stops and the command goes on; when standard output fails
 * otherwise (a full disk), stderr says so once, printing stops, the command goes on, and
 * {@linkcode runCommand} makes its exit code 1.
 */
export function processIO(): CommandIO {
  const isTerminal = Deno.stdout.isTerminal();
  let columns = 80;
  try {
    if (isTerminal) columns = Deno.consoleSize().columns;
  } catch {
    // Not a terminal after all: keep the default width.
  }
  let outClosed = false;
  let outFailure: string | undefined;
  let errClosed = false;
  const err = (line: string) => {
    if (errClosed) return;
    try {
      writeAll(Deno.stderr, encoder.encode(line + "\n"));
    } catch {
      // Nowhere is left to say anything.
      errClosed = true;
    }
  };
  const io: ProcessIO = {
    out(line) {
      if (outClosed) return;
      try {
        writeAll(Deno.stdout, encoder.encode(line + "\n"));
      } catch (error) {
        outClosed = true;
        if (isClosedPipe(error)) return;
        outFailure = outputFailure(error);
        err(`Cannot write to standard output: ${outFailure}: the output stops here`);
      }
    },
    err,
    isTerminal,
    columns,
    onInterrupt(handler) {
      const listeners = interruptSignals().map((signal) => {
        const listener = () => handler(INTERRUPTS[signal]);
        Deno.addSignalListener(signal, listener);
        return [signal, listener] as const;
      });
      return () => {
        for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
      };
    },
    outputFailed: () => outFailure,
  };
  return io;
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
    const code = await command(args, io);
    // Output lost on a full disk is a failure, said when it happened.
    return (io as Partial<ProcessIO>).outputFailed?.() === undefined ? code : Math.max(code, 1);
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
  /** Option values by name (a list for an option given `multiple`). */
  values: Record<string, string | boolean | string[] | undefined>;
  /** Arguments that are not options. */
  positionals: string[];
}

/**
 * Parse a command's arguments with `node:util`'s parseArgs, turning its errors into usage
 * errors. Options of type string may take negative numbers (`--index -1`).
 * @param args Command-line arguments.
 * @param options The options, as parseArgs takes them (`multiple` for one given more than
 *   once); `--help` is added.
 * @returns The values and positionals, or `"help"` when `--help` was given.
 * @throws {UsageError} On an unknown option or a missing value.
 */
export function parseCommandArgs(
  args: string[],
  options: Record<
    string,
    { type: "string" | "boolean"; default?: string | boolean; multiple?: boolean }
  >,
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
