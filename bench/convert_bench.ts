/**
 * Conversion against plain Python, measured side by side in one run: `deno task nx convert` of
 * the 100,000-event JSON Lines run of 12 scalar keys, cold (a new process each time, as a user
 * runs it), and a plain-Python converter of the same file: `json.loads` of each line, then one
 * h5py dataset per column (each key's values and timestamps, the event times and seq_num), as
 * a straightforward user would write it. The two alternate run by run, so a busy machine slows
 * both alike; the figures are the minimum and median of the runs, and the ratio of the
 * medians (and of the minima) is what the aim (at most 0.35) is about.
 *
 * Two more figures tell how far the conversion can go on this machine: the fixed cost of a
 * conversion (`nx convert` of a 1-event run of the same keys: start-up, modules, the HDF5
 * library, one file), and the time `JSON.parse` alone takes over the file's lines in one thread.
 * Their sum with the parsing split perfectly over two cores, divided by plain Python's time, is
 * a lower bound of the ratio that no reorganisation of the rest of the work can pass; the fixed
 * cost plus half of today's remaining work is the ratio that a perfect division of today's work
 * over the two cores would reach.
 *
 * Run alone, `deno run -A bench/convert_bench.ts [--repeat N] [--before DIR] [--v8-flags F]`
 * also times the checkout in DIR (another worktree, say of the commit before a change), and
 * this checkout's command with V8 flags F, in the same rounds.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { writeJsonLines } from "../core/readers/json_lines_writer.ts";
import { benchRun, KEYS } from "./_documents.ts";
import type { Figure } from "./_figures.ts";
import { runQuietly, timeCommand, type TimedCommand } from "./_timed_command.ts";

const EVENTS = 100_000;
const REPEAT = 3;
const ROOT = new URL("../", import.meta.url).pathname;

/** The plain-Python converter: what a user would write with the standard json module and h5py. */
const PYTHON_CONVERT = `import json, sys
import h5py, numpy

data, timestamps, time, seq_num = {}, {}, [], []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        item = json.loads(line)
        name, doc = (item["name"], item["doc"]) if isinstance(item, dict) else item
        if name == "event":
            time.append(doc["time"])
            seq_num.append(doc["seq_num"])
            for key, value in doc["data"].items():
                data.setdefault(key, []).append(value)
                timestamps.setdefault(key, []).append(doc["timestamps"][key])

with h5py.File(sys.argv[2], "w") as f:
    primary = f.create_group("entry/primary")
    primary.create_dataset("time", data=numpy.array(time))
    primary.create_dataset("seq_num", data=numpy.array(seq_num))
    for key in data:
        group = primary.create_group(key)
        group.create_dataset("value", data=numpy.array(data[key]))
        group.create_dataset("EPOCH", data=numpy.array(timestamps[key]))
`;

/** Whether an interpreter imports h5py. */
async function hasH5py(interpreter: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(interpreter, {
      args: ["-c", "import h5py"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/**
 * The first python3 that has h5py: /usr/bin/python3, then each python3 on PATH (a version
 * manager's shim may front an interpreter without it).
 * @returns Its path, or undefined when none has h5py.
 */
export async function pythonWithH5py(): Promise<string | undefined> {
  const candidates = ["/usr/bin/python3"];
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir !== "") candidates.push(`${dir}/python3`);
  }
  for (const candidate of new Set(candidates)) {
    if (await hasH5py(candidate)) return candidate;
  }
  return undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The least time `JSON.parse` takes over the lines of a JSON Lines file, in this process, over
 * a few passes: what parsing alone costs, whatever reads the file and uses the documents.
 */
async function parseSeconds(file: string, passes = 3): Promise<number> {
  const lines = (await Deno.readTextFile(file)).split("\n").filter((line) => line !== "");
  let least = Infinity;
  let events = 0;
  for (let pass = 0; pass < passes; pass++) {
    events = 0;
    const started = performance.now();
    for (const line of lines) {
      const item = JSON.parse(line) as { name?: string } | [string, unknown];
      if ((Array.isArray(item) ? item[0] : item.name) === "event") events++;
    }
    least = Math.min(least, (performance.now() - started) / 1000);
  }
  if (events === 0) throw new Error(`${file}: no event parsed`);
  return least;
}

/** A command timed over the rounds. */
interface Timed {
  label: string;
  spec: TimedCommand;
  seconds: number[];
  peakMB: number | undefined;
}

function figuresOf(timed: Timed): Figure[] {
  const figures: Figure[] = [
    { name: `${timed.label}, wall time (min)`, value: Math.min(...timed.seconds), unit: "s" },
    { name: `${timed.label}, wall time (median)`, value: median(timed.seconds), unit: "s" },
  ];
  if (timed.peakMB !== undefined) {
    figures.push({ name: `${timed.label}, peak memory`, value: timed.peakMB, unit: "MB" });
  }
  return figures;
}

/** Options of {@linkcode measureConvert}. */
export interface ConvertBenchOptions {
  /** Rounds (each command once per round). */
  repeat?: number;
  /** Another checkout to time in the same rounds, labelled "before". */
  before?: string;
  /**
   * V8 flags to time as well: this checkout's `nx convert` run as the `nx` task runs it, with
   * `--v8-flags=` these.
   */
  v8Flags?: string;
}

/**
 * Time `nx convert` and the plain-Python converter, alternating, on a fresh 100,000-event file.
 * @param dir A scratch folder.
 * @param options Rounds, and a checkout to compare with.
 * @returns The figures.
 */
export async function measureConvert(
  dir: string,
  options: ConvertBenchOptions = {},
): Promise<Figure[]> {
  const repeat = options.repeat ?? REPEAT;
  const file = `${dir}/run.jsonl`;
  await writeJsonLines(file, benchRun(EVENTS));
  const size = `${((await Deno.stat(file)).size / 1e6).toFixed(0)} MB`;
  const run = `${EVENTS.toLocaleString("en-US")} events x ${KEYS} keys, ${size}`;
  const convert = (root: string, out: string, input = file): TimedCommand => ({
    command: Deno.execPath(),
    args: ["task", "--quiet", "nx", "convert", input, "--dir", out, "--overwrite", "--quiet"],
    cwd: root,
  });
  const one = `${dir}/one.jsonl`;
  await writeJsonLines(one, benchRun(1));
  const ours: Timed = {
    label: `convert: deno task nx convert (${run})`,
    spec: convert(ROOT, `${dir}/out`),
    seconds: [],
    peakMB: undefined,
  };
  const floor: Timed = {
    label: `convert floor: the same command on a 1-event run of the same keys`,
    spec: convert(ROOT, `${dir}/one`, one),
    seconds: [],
    peakMB: undefined,
  };
  const timed: Timed[] = [ours, floor];
  if (options.before !== undefined) {
    timed.push({
      label: `convert: the same, checkout ${options.before}`,
      spec: convert(options.before, `${dir}/before`),
      seconds: [],
      peakMB: undefined,
    });
  }
  if (options.v8Flags !== undefined) {
    timed.push({
      label: `convert: the same, deno run --v8-flags=${options.v8Flags}`,
      spec: {
        command: Deno.execPath(),
        args: [
          "run",
          `--v8-flags=${options.v8Flags}`,
          "--allow-read",
          "--allow-write",
          "--allow-env=HOME,XDG_DATA_HOME",
          "nx.ts",
          "convert",
          file,
          "--dir",
          `${dir}/flags`,
          "--overwrite",
          "--quiet",
        ],
        cwd: ROOT,
      },
      seconds: [],
      peakMB: undefined,
    });
  }
  const python = await pythonWithH5py();
  if (python !== undefined) {
    await Deno.writeTextFile(`${dir}/convert.py`, PYTHON_CONVERT);
    timed.push({
      label: `reference: python3 json + h5py, one dataset per column (${run})`,
      spec: { command: python, args: [`${dir}/convert.py`, file, `${dir}/python.h5`] },
      seconds: [],
      peakMB: undefined,
    });
  }
  // One untimed run each: Deno's module cache and the page cache are warm, as for a user.
  for (const t of timed) await runQuietly(t.spec);
  for (let round = 0; round < repeat; round++) {
    for (const t of timed) {
      const { seconds, peakMB } = await timeCommand(t.spec, 1);
      t.seconds.push(...seconds);
      if (peakMB !== undefined) t.peakMB = Math.max(t.peakMB ?? 0, peakMB);
    }
  }
  const figures = timed.flatMap(figuresOf);
  const parsing = await parseSeconds(file);
  figures.push({
    name: "convert floor: JSON.parse of the file's lines alone, one thread (min)",
    value: parsing,
    unit: "s",
  });
  const reference = timed.find((t) => t.label.startsWith("reference"));
  if (reference !== undefined) {
    const fixed = median(floor.seconds);
    const python = median(reference.seconds);
    figures.push({
      name: "convert floor: (1-event run + JSON.parse / 2 cores) / plain Python, medians",
      value: (fixed + parsing / 2) / python,
      unit: "x",
    }, {
      name: "convert floor: (1-event run + the rest of today's work / 2 cores) / plain Python",
      value: (fixed + (median(ours.seconds) - fixed) / 2) / python,
      unit: "x",
    });
    figures.push(
      {
        name: "convert: nx convert / plain Python, medians (aim: at most 0.35)",
        value: median(ours.seconds) / median(reference.seconds),
        unit: "x",
      },
      {
        name: "convert: nx convert / plain Python, minima",
        value: Math.min(...ours.seconds) / Math.min(...reference.seconds),
        unit: "x",
      },
    );
  }
  return figures;
}

/** The conversion benchmark: `nx convert` beside plain Python, each run a new process. */
export const convertBenchmarks = [{
  name: "convert",
  async run(): Promise<Figure[]> {
    const dir = await Deno.makeTempDir();
    try {
      return await measureConvert(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}];

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      repeat: { type: "string" },
      before: { type: "string" },
      "v8-flags": { type: "string" },
    },
    strict: true,
  });
  const dir = await Deno.makeTempDir();
  try {
    const figures = await measureConvert(dir, {
      repeat: values.repeat === undefined ? REPEAT : Number(values.repeat),
      ...(values.before === undefined ? {} : { before: values.before }),
      ...(values["v8-flags"] === undefined ? {} : { v8Flags: values["v8-flags"] }),
    });
    const { formatTable } = await import("./_figures.ts");
    console.log(formatTable(figures));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
