/**
 * RunEngine throughput: points per second of a 10,000-point `scan` with instant simulated
 * devices, bare, with the LiveTable alone, with `BestEffortCallback` (the LiveTable and the
 * plot data the scan command keeps) and with the NXWriter, and what each costs on top of the
 * bare scan. The writer's cost is also split into what
 * each file costs whatever its length (a 10-point scan with the writer, less the same scan
 * bare) and what each event costs beyond that.
 *
 * The engine before the speed-up (commit {@linkcode BEFORE}) is measured in the same run:
 * that commit is checked out in a temporary git worktree, and this very file runs once against
 * its modules and once against today's, each in a `deno run` subprocess of its own, in turns,
 * so that both see the same machine. Each figure gives the best and the median of all the
 * measured scans. Without git (or without the commit), only today's figures are given, and the
 * reason is printed.
 *
 * `deno run -A bench/engine_bench.ts --child ROOT` measures the code under ROOT and prints its
 * rates as one JSON line; the benchmark starts it that way.
 *
 * @module
 */

import type { Figure } from "./_figures.ts";

/** The commit before the engine was made faster. */
export const BEFORE = "a18aca3";

const POINTS = 10_000;
/** Scans that warm up the JIT, then scans measured, per variant and subprocess. */
const WARM_UP = 2;
const MEASURED = 5;
/** Subprocesses per code base, run in turns. */
const ROUNDS = 3;

/** Points of the short scans that tell a file's own cost from its events'. */
const SHORT = 10;

type Variant = "bare" | "liveTable" | "table" | "writer" | "shortBare" | "shortWriter";
const VARIANTS: readonly Variant[] = [
  "bare",
  "liveTable",
  "table",
  "writer",
  "shortBare",
  "shortWriter",
];

/** Points per second of each measured scan, per variant. */
type Rates = Record<Variant, number[]>;

/** The part of `mod.ts` and `devices/mod.ts` the benchmark uses, as old and new code have it. */
interface Api {
  RunEngine: new () => {
    subscribe(name: "all", callback: (name: string, doc: unknown) => unknown): unknown;
    run(plan: unknown): Promise<unknown>;
  };
  scan(detectors: unknown[], axes: unknown[][], options: { num: number }): unknown;
  createBestEffortCallback(options: { write: (line: string) => void }): (
    name: string,
    doc: unknown,
  ) => void;
  createLiveTable(options: { write: (line: string) => void }): (name: string, doc: unknown) => void;
  createNXWriter(options: { filePath: string; overwrite: "rename" }): {
    receiver: (name: string, doc: unknown) => unknown;
    wait(): Promise<unknown>;
  };
  SimMotor: new (options: { name: string; instant: boolean }) => unknown;
  RandomSensor: new (options: { name: string; seed: number }) => unknown;
}

/** Measure the code under `root` in this process. */
async function measure(root: string): Promise<Rates> {
  const api = {
    ...await import(new URL("mod.ts", root).href),
    ...await import(new URL("devices/mod.ts", root).href),
  } as Api;
  const dir = await Deno.makeTempDir();
  try {
    // Warm up the code the variants share, so that the first one measured is not penalised.
    await variant(api, "bare", dir);
    const rates = {} as Rates;
    for (const name of VARIANTS) rates[name] = await variant(api, name, dir);
    return rates;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function variant(api: Api, name: Variant, dir: string): Promise<number[]> {
  const motor = new api.SimMotor({ name: "motor", instant: true });
  const sensor = new api.RandomSensor({ name: "sensor", seed: 1 });
  const RE = new api.RunEngine();
  let lines = 0;
  let after = (): Promise<unknown> => Promise.resolve();
  if (name === "liveTable") {
    RE.subscribe("all", api.createLiveTable({ write: () => void lines++ }));
  } else if (name === "table") {
    RE.subscribe("all", api.createBestEffortCallback({ write: () => void lines++ }));
  } else if (name === "writer" || name === "shortWriter") {
    // The files are written after each run; the figure counts the scan and the file, as a
    // user waiting for the file would.
    const writer = api.createNXWriter({ filePath: dir, overwrite: "rename" });
    RE.subscribe("all", writer.receiver);
    after = () => writer.wait();
  }
  const rates: number[] = [];
  const num = name === "shortBare" || name === "shortWriter" ? SHORT : POINTS;
  // A short scan is timed several times over, as one figure, for the timer's resolution.
  const repeats = num === SHORT ? 20 : 1;
  for (let i = 0; i < WARM_UP + MEASURED; i++) {
    const started = performance.now();
    for (let r = 0; r < repeats; r++) {
      await RE.run(api.scan([sensor], [[motor, -1, 1]], { num }));
      await after();
    }
    if (i >= WARM_UP) rates.push(num * repeats / ((performance.now() - started) / 1000));
  }
  if ((name === "table" || name === "liveTable") && lines < POINTS * (WARM_UP + MEASURED)) {
    throw new Error(`The table printed only ${lines} lines`);
  }
  return rates;
}

/** Run this file with `--child root` against the code under `root`, in a subprocess. */
async function child(root: string): Promise<Rates> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--config",
      new URL("deno.json", root).pathname,
      new URL(import.meta.url).pathname,
      "--child",
      root,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-5);
    throw new Error(`The engine benchmark of "${root}" failed:\n${stderr.join("\n")}`);
  }
  return JSON.parse(text) as Rates;
}

async function git(cwd: string, ...args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const out = await new Deno.Command("git", { args: ["-C", cwd, ...args], stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(out.success ? out.stdout : out.stderr).trim();
    return { ok: out.success, text };
  } catch (error) {
    return { ok: false, text: (error as Error).message };
  }
}

/** A worktree of {@linkcode BEFORE}, or the reason there is none. */
async function beforeWorktree(repo: string): Promise<{ root: string } | { reason: string }> {
  const version = await git(repo, "--version");
  if (!version.ok) return { reason: `git is unavailable (${version.text})` };
  const commit = await git(repo, "rev-parse", "--verify", "--quiet", `${BEFORE}^{commit}`);
  if (!commit.ok) return { reason: `commit ${BEFORE} is not in the repository` };
  const dir = await Deno.makeTempDir({ prefix: "nxdaq-engine-before-" });
  const added = await git(repo, "worktree", "add", "--detach", dir, BEFORE);
  if (!added.ok) {
    await Deno.remove(dir, { recursive: true });
    return { reason: `git worktree add failed: ${added.text}` };
  }
  return { root: new URL(`file://${dir}/`).href };
}

function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function best(values: number[]): number {
  return Math.max(...values);
}

function median(values: number[]): number {
  const s = sorted(values);
  const middle = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[middle]! : (s[middle - 1]! + s[middle]!) / 2;
}

/** The figures of one code base: best and median rates, and the overheads on the bare scan. */
function figures(label: string, rates: Rates): Figure[] {
  const out: Figure[] = [];
  const names: Record<"bare" | "liveTable" | "table" | "writer", string> = {
    bare: "bare",
    liveTable: "with LiveTable alone",
    table: "with BestEffortCallback (LiveTable and plot data)",
    writer: "with NXWriter (file included)",
  };
  for (const name of ["bare", "liveTable", "table", "writer"] as const) {
    const all = rates[name];
    out.push(
      {
        name: `${label}: scan ${POINTS} points, ${names[name]}, best`,
        value: best(all),
        unit: "points/s",
      },
      {
        name: `${label}: scan ${POINTS} points, ${names[name]}, median`,
        value: median(all),
        unit: "points/s",
      },
    );
  }
  // Time per point of a variant over that of the bare scan, minus one.
  for (const name of ["liveTable", "table", "writer"] as const) {
    for (const [kind, pick] of [["best", best], ["median", median]] as const) {
      const overhead = pick(rates.bare) / pick(rates[name]) - 1;
      out.push({
        name: `${label}: ${names[name]} costs on top of bare (${kind})`,
        value: 100 * overhead,
        unit: "%",
      });
    }
  }
  // Seconds of a scan from its rate; the writer's cost split into its file's and its events'.
  const seconds = (points: number, rate: number) => points / rate;
  const file = seconds(SHORT, median(rates.shortWriter)) - seconds(SHORT, median(rates.shortBare));
  const events = seconds(POINTS, median(rates.writer)) - seconds(POINTS, median(rates.bare)) -
    file;
  out.push(
    {
      name: `${label}: NXWriter's cost per file, whatever its length (median)`,
      value: 1000 * file,
      unit: "ms",
    },
    {
      name: `${label}: NXWriter's cost per event beyond that (median)`,
      value: 1e6 * events / POINTS,
      unit: "µs",
    },
    {
      name: `${label}: bare scan's time per point (median)`,
      value: 1e6 / median(rates.bare),
      unit: "µs",
    },
    // What the aim of 30% leaves to the writer is bounded by this alone: a file's fixed cost
    // (its HDF5 objects and attributes) over the time of the bare scan.
    {
      name: `${label}: NXWriter's cost per file over the bare ${POINTS}-point scan (median)`,
      value: 100 * file / seconds(POINTS, median(rates.bare)),
      unit: "%",
    },
  );
  return out;
}

function merge(into: Rates | undefined, more: Rates): Rates {
  if (!into) return more;
  for (const name of VARIANTS) into[name].push(...more[name]);
  return into;
}

/** The engine's benchmarks. */
export const engineBenchmarks = [{
  name: "engine",
  async run(): Promise<Figure[]> {
    const todayRoot = new URL("../", import.meta.url).href;
    const before = await beforeWorktree(new URL(todayRoot).pathname);
    let today: Rates | undefined;
    let old: Rates | undefined;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        if ("root" in before) old = merge(old, await child(before.root));
        today = merge(today, await child(todayRoot));
      }
    } finally {
      if ("root" in before) {
        const path = new URL(before.root).pathname;
        const removed = await git(
          new URL(todayRoot).pathname,
          "worktree",
          "remove",
          "--force",
          path,
        );
        if (!removed.ok) console.error(`Could not remove the worktree "${path}": ${removed.text}`);
      }
    }
    const out = figures("today", today!);
    if (old) {
      out.push(...figures(`before (${BEFORE})`, old));
      for (const [kind, pick] of [["best", best], ["median", median]] as const) {
        out.push({
          name: `speed-up of the bare scan over ${BEFORE} (${kind})`,
          value: pick(today!.bare) / pick(old.bare),
          unit: "x",
        });
      }
    } else if ("reason" in before) {
      console.error(`No comparison with the engine before (${BEFORE}): ${before.reason}`);
    }
    return out;
  },
}];

if (import.meta.main) {
  const index = Deno.args.indexOf("--child");
  const root = Deno.args[index + 1];
  if (index < 0 || root === undefined) {
    console.error("Usage: deno run -A bench/engine_bench.ts --child ROOT_URL");
    Deno.exit(2);
  }
  console.log(JSON.stringify(await measure(root)));
}
