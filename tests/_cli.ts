/**
 * Test helper: run the project's command-line programs in a child process.
 *
 * @module
 */

import type { CommandIO } from "../cli/_io.ts";

/** Root folder of the project. */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/**
 * The permissions the task of a script grants in deno.json (`deno task scan` for `scan.ts`),
 * so that the tests run each command exactly as a user does.
 * @param script Script path relative to the project root.
 * @returns The `--allow-*` flags.
 */
export function taskPermissions(script: string): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)) as {
    tasks: Record<string, string | { command: string }>;
  };
  const commands = Object.values(config.tasks).map((t) => typeof t === "string" ? t : t.command);
  // A task may run other steps first (`deno task build:h5web && deno run ... serve.ts`).
  for (const task of commands.flatMap((command) => command.split("&&"))) {
    const words = task.trim().split(/\s+/);
    if (words[0] === "deno" && words[1] === "run" && words.at(-1) === script) {
      return words.slice(2, -1);
    }
  }
  throw new Error(`No task of deno.json runs "${script}"`);
}

/**
 * Deno's own line when another Deno process of the suite holds the project's node_modules lock
 * for a moment (tests run in parallel): not the command's output, so not in what it printed.
 */
function withoutLockWaits(text: string): string {
  return text.replace(/^Blocking waiting for file lock on node_modules directory\r?\n/gm, "");
}

/** What a finished command printed and returned. */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `deno run <permissions> <script> ...args` from the project root.
 * @param script Script path relative to the project root, e.g. `scan.ts`.
 * @param args Its arguments.
 * @param options Working directory and environment.
 * @returns Exit code and output.
 */
export async function runScript(
  script: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CommandOutput> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", ...taskPermissions(script), `${ROOT}${script}`, ...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await command.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: withoutLockWaits(decoder.decode(stderr)) };
}

/**
 * Start a script and return the child process, for tests that signal it.
 * @param script Script path relative to the project root.
 * @param args Its arguments.
 * @param options Working directory and environment.
 * @returns The child process with piped output.
 */
export function spawnScript(
  script: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...taskPermissions(script), `${ROOT}${script}`, ...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** A command's output kept in memory, for commands run in the test's own process. */
export interface MemoryIO {
  /** The IO to hand the command. */
  io: CommandIO;
  /** Lines written to standard output. */
  out: string[];
  /** Lines written to standard error. */
  err: string[];
}

/**
 * An IO that keeps the lines, not a terminal, never interrupted.
 * @returns The IO and its lines.
 */
export function memoryIO(): MemoryIO {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (line) => void out.push(line),
      err: (line) => void err.push(line),
      isTerminal: false,
      columns: 80,
      onInterrupt: () => () => {},
    },
  };
}

/**
 * The rows of the live table a command printed, each a list of its cells.
 * @param stdout What the command printed.
 * @returns The rows, `seq_num` first.
 */
export function tableRows(stdout: string): string[][] {
  return stdout.split("\n")
    .filter((line) => /^\|\s+\d+ \|/.test(line))
    .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
}

/** What a child printed so far, and the rest of it. */
export interface PartialOutput {
  /** Standard output up to the point waited for. */
  stdout: string;
  /**
   * Read on until the child closes its standard output.
   * @returns All it printed.
   */
  rest(): Promise<string>;
}

/**
 * Read a child's standard output until `until` says enough has come (a table's first row, say),
 * for tests that signal a command in the middle of its work.
 * @param child The child, with piped standard output.
 * @param until A pattern what was printed must match, or a test of it.
 * @returns What came so far, and a way to read the rest.
 */
export async function readUntil(
  child: Deno.ChildProcess,
  until: RegExp | ((stdout: string) => boolean),
): Promise<PartialOutput> {
  const test = until instanceof RegExp ? (text: string) => until.test(text) : until;
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  while (!test(stdout)) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += value;
  }
  return {
    stdout,
    async rest(): Promise<string> {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return stdout;
        stdout += value;
      }
    },
  };
}
