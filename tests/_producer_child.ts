/**
 * Test helper, run as a child process: one producer of the distributed acceptance test. It runs
 * a mix of small plans (count, scan, rel_scan, grid_scan, rel_grid_scan, list_scan, and a scan
 * of the simulated area detector with small frames) with the RunEngine and simulated devices,
 * publishes every document as `scan --publish` does, and also keeps them in a JSON Lines file,
 * so that the test can write each run's file directly from the same documents.
 *
 * Arguments: the stream's URL, the producer's number, how many runs, and its folder (which
 * gets `spool/`, `images/` and `documents.jsonl`). Prints `published N` at the end.
 *
 * @module
 */

import {
  count,
  gridScan,
  listScan,
  type NamedDocument,
  type Plan,
  relGridScan,
  relScan,
  RunEngine,
  scan,
} from "../mod.ts";
import { GaussianDetector, RandomSensor, SimAreaDetector, SimMotor } from "../devices/mod.ts";
import { writeJsonLines } from "../core/readers/json_lines_writer.ts";
import { openPublisher } from "../cli/_publish.ts";
import { processIO } from "../cli/_io.ts";

/** One run in this many scans the area detector. */
const IMAGE_EVERY = 8;

const [url, producerText, runsText, dir] = Deno.args;
if (url === undefined || dir === undefined) {
  throw new Error("Usage: _producer_child.ts URL PRODUCER RUNS DIR");
}
const producer = Number(producerText);
const runs = Number(runsText);

const io = processIO();
const publish = await openPublisher(url, io, `${dir}/spool`);
const motor = new SimMotor({ name: "motor", instant: true });
const stage = new SimMotor({ name: "stage", instant: true });
const det = new GaussianDetector({ motor, name: "det", noise: "uniform", seed: producer + 1 });
const sensor = new RandomSensor({ seed: producer + 11 });
const camera = (i: number) =>
  new SimAreaDetector({
    motor,
    folder: `${dir}/images`,
    width: 16,
    height: 16,
    seed: producer * 1000 + i,
    flavor: i % (2 * IMAGE_EVERY) === 0 ? "stream" : "resource",
  });

/** The i-th run's plan: the kinds in turn, the area detector every IMAGE_EVERY runs. */
function planOf(i: number): Plan<string> {
  const md = { md: { producer, run_number: i } };
  if (i % IMAGE_EVERY === 0) return scan([camera(i)], [[motor, -1, 1]], { num: 3, ...md });
  switch (i % 6) {
    case 0:
      return count([det, sensor], { num: 3, ...md });
    case 1:
      return scan([det], [[motor, -1, 1]], { num: 4, ...md });
    case 2:
      return relScan([det, sensor], [[motor, -0.5, 0.5]], { num: 3, ...md });
    case 3:
      return gridScan([det], [[stage, -1, 1, 2], [motor, -1, 1, 3, true]], md);
    case 4:
      return relGridScan([det], [[stage, -0.5, 0.5, 2], [motor, -0.5, 0.5, 2]], md);
    default:
      return listScan([det], [[motor, [0.1, 0.4, -0.2]]], md);
  }
}

const RE = new RunEngine();
const docs: NamedDocument[] = [];
RE.subscribe("all", (name, doc) => void docs.push([name, doc] as NamedDocument));
RE.subscribe("all", publish.publisher.receiver);
for (let i = 0; i < runs; i++) {
  const { exitStatus } = await RE.run(planOf(i));
  if (exitStatus !== "success") throw new Error(`Producer ${producer}, run ${i}: ${exitStatus}`);
}
await writeJsonLines(`${dir}/documents.jsonl`, docs);
if (!(await publish.finish())) Deno.exit(1);
console.log(`published ${publish.publisher.published}`);
