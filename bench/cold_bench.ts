/**
 * Cold figures, as a user sees them: `deno task nx convert FILE` as a new process each time
 * (Deno's start-up, the modules, h5wasm, reading the documents, writing the NeXus file), its
 * wall time and peak resident memory, for the seed's 5-point scan (mostly start-up) and the
 * 100,000-event run of 12 scalar keys; and `deno task nx --help`, which loads the modules and
 * does nothing else. Beside them, measured in the same run: Deno starting an empty module, `cp`
 * of the same JSON Lines file, and python3 parsing it with its standard library's json module
 * (where python3 is installed).
 *
 * Each command runs once untimed first, so Deno's module cache and the page cache are warm, as
 * for a user who has run the command before; the figure is the median of the timed runs.
 *
 * @module
 */

import { writeJsonLines } from "../core/readers/mod.ts";
import { benchRun, KEYS, seedScan } from "./_documents.ts";
import type { Figure } from "./_figures.ts";
import { runQuietly, timeCommand, type TimedCommand } from "./_timed_command.ts";

const EVENTS = 100_000;
const REPEAT = 3;
const ROOT = new URL("../", import.meta.url).pathname;

const PARSE_JSON_LINES = `import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        json.loads(line)`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Time a command after one untimed run; its figures are named `label, wall time` and so on. */
async function figuresOf(label: string, spec: TimedCommand): Promise<Figure[]> {
  await runQuietly(spec);
  const { seconds, peakMB } = await timeCommand(spec, REPEAT);
  const figures = [{ name: `${label}, wall time`, value: median(seconds), unit: "s" }];
  if (peakMB !== undefined) {
    figures.push({ name: `${label}, peak memory (process)`, value: peakMB, unit: "MB" });
  }
  return figures;
}

/** The interpreter behind `python3`, so that a version manager's shim is not timed with it. */
async function python(): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("python3", {
      args: ["-c", "import sys; print(sys.executable)"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const path = new TextDecoder().decode(stdout).trim();
    return success && path ? path : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function measure(dir: string): Promise<Figure[]> {
  const small = `${dir}/seed.jsonl`;
  const large = `${dir}/run.jsonl`;
  await writeJsonLines(small, await seedScan());
  await writeJsonLines(large, benchRun(EVENTS));
  await Deno.writeTextFile(`${dir}/empty.ts`, "");
  // The small file's size varies by a few bytes with the times it holds: not in its name.
  const largeSize = `${((await Deno.stat(large)).size / 1e6).toFixed(0)} MB`;
  const convert = (file: string): TimedCommand => ({
    command: Deno.execPath(),
    args: ["task", "nx", "convert", file, "--dir", `${dir}/out`, "--overwrite"],
    cwd: ROOT,
  });
  const run = `${EVENTS} events x ${KEYS} keys`;
  const figures = [
    ...await figuresOf("cold: deno task nx --help (Deno, the task runner, the modules)", {
      command: Deno.execPath(),
      args: ["task", "nx", "--help"],
      cwd: ROOT,
    }),
    ...await figuresOf("cold: deno task nx convert, seed's 5-point scan", convert(small)),
    ...await figuresOf(`cold: deno task nx convert, ${run} (${largeSize})`, convert(large)),
    ...await figuresOf("reference: deno run of an empty module", {
      command: Deno.execPath(),
      args: ["run", `${dir}/empty.ts`],
    }),
    ...await figuresOf(`reference: cp of the JSON Lines file (${largeSize})`, {
      command: "cp",
      args: [large, `${dir}/copy.jsonl`],
    }),
  ];
  const interpreter = await python();
  if (interpreter !== undefined) {
    figures.push(
      ...await figuresOf(`reference: python3 json.loads of each line (${largeSize})`, {
        command: interpreter,
        args: ["-c", PARSE_JSON_LINES, large],
      }),
    );
  }
  return figures;
}

/** The cold benchmarks: each command a new process, timed from the outside. */
export const coldBenchmarks = [{
  name: "cold",
  async run(): Promise<Figure[]> {
    const dir = await Deno.makeTempDir();
    try {
      return await measure(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}];
