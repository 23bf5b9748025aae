/**
 * `deno task bench`: speed and memory figures of the framework.
 *
 * Prints a table; `--json` prints one JSON object per line (`name`, `value`, `unit`) instead,
 * and `--out FILE` also writes those lines to FILE. `--filter TEXT` runs only the benchmarks
 * whose name contains TEXT.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Figure } from "./_figures.ts";
import { formatTable } from "./_figures.ts";
import { caBenchmarks } from "./ca_bench.ts";
import { catalogBenchmarks } from "./catalog_bench.ts";
import { coldBenchmarks } from "./cold_bench.ts";
import { convertBenchmarks } from "./convert_bench.ts";
import { engineBenchmarks } from "./engine_bench.ts";
import { framesBenchmarks } from "./frames_bench.ts";
import { startupBenchmarks } from "./startup_bench.ts";
import { transportBenchmarks } from "./transport_bench.ts";
import { webBenchmarks } from "./web_bench.ts";
import { writerBenchmarks } from "./writer_bench.ts";

const USAGE = `Usage: deno task bench [--json] [--out FILE] [--filter TEXT]

  --json         print one JSON object per line instead of a table
  --out FILE     also write the figures to FILE as JSON lines
  --filter TEXT  run only benchmarks whose name contains TEXT
  --help         show this text`;

interface Benchmark {
  name: string;
  run(): Promise<Figure[]>;
}

const benchmarks: Benchmark[] = [
  ...engineBenchmarks,
  ...writerBenchmarks,
  ...catalogBenchmarks,
  ...framesBenchmarks,
  ...coldBenchmarks,
  ...startupBenchmarks,
  ...convertBenchmarks,
  ...caBenchmarks,
  ...webBenchmarks,
  ...transportBenchmarks,
];

async function main(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        json: { type: "boolean", default: false },
        out: { type: "string" },
        filter: { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error((error as Error).message);
    console.error(USAGE);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const selected = benchmarks.filter((b) => !values.filter || b.name.includes(values.filter));
  const figures: Figure[] = [];
  for (const benchmark of selected) {
    if (!values.json) console.error(`running ${benchmark.name} ...`);
    for (const figure of await benchmark.run()) {
      figures.push(figure);
      if (values.json) console.log(JSON.stringify(figure));
    }
  }
  if (!values.json) console.log(formatTable(figures));
  if (values.out) {
    await Deno.writeTextFile(values.out, figures.map((f) => JSON.stringify(f)).join("\n") + "\n");
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
