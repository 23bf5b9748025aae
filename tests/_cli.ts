/**
 * Test helper: run the project's command-line programs in a child process.
 *
 * @module
 */

/** Root folder of the project. */
export const ROOT: string = new URL("../", import.meta.url).pathname;

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
    args: ["run", "--allow-read", "--allow-write", `${ROOT}${script}`, ...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await command.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/**
 * Start a script and return the child process, for tests that signal it.
 * @param script Script path relative to the project root.
 * @param args Its arguments.
 * @param options Working directory.
 * @returns The child process with piped output.
 */
export function spawnScript(
  script: string,
  args: string[],
  options: { cwd?: string } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", `${ROOT}${script}`, ...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}
