/**
 * A command timed as a user runs it: a new process each time, its wall time from spawn to exit,
 * and the peak resident memory of the largest process it started (with `deno task`, the task
 * runner or the `deno run` it spawns, whichever is larger).
 *
 * The peak comes from GNU time (`/usr/bin/time -f %M`), which reports the `wait4` figure of the
 * command and its descendants. Asking the kernel from this process instead would not do: a
 * child forked from Deno starts with Deno's resident memory as its peak, so every small command
 * would show Deno's size.
 *
 * @module
 */

/** A command line and the folder it runs in. */
export interface TimedCommand {
  command: string;
  args: string[];
  cwd?: string;
}

/** What {@linkcode timeCommand} measured. */
export interface CommandTimes {
  /** Wall time of each run, in s. */
  seconds: number[];
  /** Peak resident memory over the runs, in MB; `undefined` without GNU time. */
  peakMB: number | undefined;
}

const GNU_TIME = "/usr/bin/time";

async function run(command: string, args: string[], cwd?: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(command, {
    args,
    ...(cwd === undefined ? {} : { cwd }),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    const line = [command, ...args].join(" ");
    throw new Error(`The command "${line}" failed: ${new TextDecoder().decode(stderr)}`);
  }
}

/** Whether GNU time is at hand (BSD's takes neither `-f` nor `-o`). */
async function hasGnuTime(report: string): Promise<boolean> {
  try {
    await run(GNU_TIME, ["-f", "%M", "-o", report, "true"]);
    return /^\d+\s*$/.test(await Deno.readTextFile(report));
  } catch {
    return false;
  }
}

/**
 * Run a command once, its output discarded.
 * @param spec The command.
 * @throws {Error} When it exits with a status other than 0, with what it wrote to stderr.
 */
export function runQuietly(spec: TimedCommand): Promise<void> {
  return run(spec.command, spec.args, spec.cwd);
}

/**
 * Run a command `repeat` times, each run a new process.
 * @param spec The command.
 * @param repeat How many runs.
 * @returns The wall time of each run and the peak memory over the runs.
 */
export async function timeCommand(spec: TimedCommand, repeat: number): Promise<CommandTimes> {
  const report = await Deno.makeTempFile({ suffix: ".time" });
  try {
    const gnuTime = await hasGnuTime(report);
    const seconds: number[] = [];
    let peakKiB = 0;
    for (let i = 0; i < repeat; i++) {
      const started = performance.now();
      if (gnuTime) {
        await run(GNU_TIME, ["-f", "%M", "-o", report, spec.command, ...spec.args], spec.cwd);
      } else {
        await runQuietly(spec);
      }
      seconds.push((performance.now() - started) / 1000);
      if (gnuTime) peakKiB = Math.max(peakKiB, Number(await Deno.readTextFile(report)));
    }
    return { seconds, peakMB: gnuTime ? peakKiB * 1024 / 1e6 : undefined };
  } finally {
    await Deno.remove(report);
  }
}
