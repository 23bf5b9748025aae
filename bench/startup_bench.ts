/**
 * Start-up as a user sees it, each command a new process: `deno task nx tree` of the seed's
 * file (the demo scan's, written first with `deno task scan`), `deno task nx --help`, and
 * `deno task scan --num 1`; beside them, measured in the same run, Deno starting an empty
 * module (the floor under every figure), `deno task` running it (the task runner's share), and
 * Deno loading h5wasm and nothing else (what `nx tree` would pay before reading a byte, had it
 * to fall back to h5wasm: it reads the seed's file with the project's TypeScript reader).
 *
 * Each command runs once untimed first, so Deno's module and code caches and the page cache are
 * warm, as for a user who has run the command before; each figure is the median, with the
 * minimum beside it, of the timed runs.
 *
 * @module
 */

import type { Figure } from "./_figures.ts";
import { runQuietly, timeCommand, type TimedCommand } from "./_timed_command.ts";

const REPEAT = 7;
const ROOT = new URL("../", import.meta.url).pathname;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median and minimum wall time of `spec`, after one untimed run. */
async function figuresOf(label: string, spec: TimedCommand): Promise<Figure[]> {
  await runQuietly(spec);
  const { seconds } = await timeCommand(spec, REPEAT);
  return [
    { name: `${label}, wall time (median of ${REPEAT})`, value: median(seconds), unit: "s" },
    { name: `${label}, wall time (min of ${REPEAT})`, value: Math.min(...seconds), unit: "s" },
  ];
}

const task = (...args: string[]): TimedCommand => ({
  command: Deno.execPath(),
  args: ["task", ...args],
  cwd: ROOT,
});

async function measure(dir: string): Promise<Figure[]> {
  const seed = `${dir}/seed.hdf`;
  await runQuietly(task("scan", "--no-table", "--file", seed));
  await Deno.writeTextFile(`${dir}/empty.ts`, "");
  const loader = new URL("../core/nexus/_h5wasm.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${dir}/h5wasm.ts`,
    `import { loadH5wasm } from ${JSON.stringify(loader)};\nawait loadH5wasm();\n`,
  );
  await Deno.writeTextFile(
    `${dir}/deno.json`,
    JSON.stringify({ tasks: { empty: `deno run ${dir}/empty.ts` } }),
  );
  return [
    ...await figuresOf("start-up: deno task nx tree, the seed's file", task("nx", "tree", seed)),
    ...await figuresOf("start-up: deno task nx --help", task("nx", "--help")),
    ...await figuresOf(
      "start-up: deno task scan --num 1",
      task("scan", "--num", "1", "--no-table", "--file", `${dir}/one.hdf`, "--overwrite"),
    ),
    ...await figuresOf("reference: deno run of an empty module", {
      command: Deno.execPath(),
      args: ["run", `${dir}/empty.ts`],
    }),
    ...await figuresOf("reference: deno run loading h5wasm and nothing else", {
      command: Deno.execPath(),
      args: [
        "run",
        "--allow-read",
        "--allow-env=HOME",
        "--config",
        `${ROOT}deno.json`,
        `${dir}/h5wasm.ts`,
      ],
    }),
    ...await figuresOf("reference: deno task running an empty module", {
      command: Deno.execPath(),
      args: ["task", "empty"],
      cwd: dir,
    }),
  ];
}

/** The start-up benchmarks: each command a new process, timed from the outside. */
export const startupBenchmarks = [{
  name: "startup",
  async run(): Promise<Figure[]> {
    const dir = await Deno.makeTempDir();
    try {
      return await measure(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}];
