/**
 * RunEngine throughput: points per second of a 10,000-point `scan` with instant simulated
 * devices, bare and with live output subscribed. Each figure is the median of five scans
 * after warm-up runs.
 *
 * @module
 */

import { createBestEffortCallback, createNXWriter, RunEngine, scan } from "../mod.ts";
import { RandomSensor, SimMotor } from "../devices/mod.ts";
import type { Figure } from "./_figures.ts";

const POINTS = 10_000;

async function pointsPerSecond(
  setup: (RE: RunEngine) => void,
  after: () => Promise<unknown> = () => Promise.resolve(),
): Promise<number> {
  const motor = new SimMotor({ name: "motor", instant: true });
  const sensor = new RandomSensor({ name: "sensor", seed: 1 });
  const RE = new RunEngine();
  setup(RE);
  // Two scans warm up the JIT; the figure is the median of the next five.
  const rates: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    await RE.run(scan([sensor], [[motor, -1, 1]], { num: POINTS }));
    await after();
    rates.push(POINTS / ((performance.now() - started) / 1000));
  }
  return rates.slice(2).sort((a, b) => a - b)[2]!;
}

/** The engine's benchmarks. */
export const engineBenchmarks = [{
  name: "engine",
  async run(): Promise<Figure[]> {
    // Warm up the code both variants share, so that the first one measured is not penalised.
    await pointsPerSecond(() => {});
    const bare = await pointsPerSecond(() => {});
    let lines = 0;
    const withTable = await pointsPerSecond((RE) => {
      RE.subscribe("all", createBestEffortCallback({ write: () => void lines++ }));
    });
    if (lines < POINTS) throw new Error(`The table printed only ${lines} lines`);
    const dir = await Deno.makeTempDir();
    let withWriter: number;
    try {
      // The writer's files are written after each run; the figure counts the scan and the
      // file, as a user waiting for the file would.
      const writer = createNXWriter({ filePath: dir, overwrite: "rename" });
      withWriter = await pointsPerSecond((RE) => {
        RE.subscribe("all", writer.receiver);
      }, () => writer.wait());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    return [
      { name: `scan ${POINTS} points, bare`, value: bare, unit: "points/s" },
      { name: `scan ${POINTS} points, with LiveTable`, value: withTable, unit: "points/s" },
      {
        name: `scan ${POINTS} points, with NXWriter (file included)`,
        value: withWriter,
        unit: "points/s",
      },
    ];
  },
}];
