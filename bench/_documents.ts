/**
 * The benchmark runs: `events` events of 12 scalar keys in one primary stream, as the
 * documents a RunEngine would emit (the size of run apstools' 2.7 s and 425 MB refer to), and
 * the seed's 5-point scan, small enough that a conversion is mostly start-up.
 *
 * @module
 */

import { composeRun, type DataKeys, type NamedDocument, RunEngine, scan } from "../mod.ts";
import { RandomSensor, SimMotor } from "../devices/mod.ts";

/** Number of scalar keys per event. */
export const KEYS = 12;

/**
 * The run's documents, made one at a time.
 * @param events Number of events.
 * @returns The `[name, doc]` pairs, start to stop.
 */
export function* benchRun(events: number): Generator<NamedDocument> {
  const run = composeRun({ plan_name: "bench", scan_id: 1, detectors: ["k0"], motors: [] });
  yield ["start", run.start];
  const data_keys: DataKeys = {};
  for (let k = 0; k < KEYS; k++) {
    data_keys[`k${k}`] = { dtype: "number", shape: [], source: `SIM:k${k}`, precision: 4 };
  }
  const primary = run.descriptor({
    name: "primary",
    data_keys,
    hints: { k0: { fields: ["k0"] } },
    object_keys: Object.fromEntries(Object.keys(data_keys).map((k) => [k, [k]])),
  });
  yield ["descriptor", primary.doc];
  const names = Object.keys(data_keys);
  for (let i = 0; i < events; i++) {
    const data: Record<string, number> = {};
    const timestamps: Record<string, number> = {};
    for (let k = 0; k < KEYS; k++) {
      data[names[k]!] = Math.sin(i + k);
      timestamps[names[k]!] = 1.7e9 + i * 0.01;
    }
    yield ["event", primary.event({ data, timestamps })];
  }
  yield ["stop", run.stop()];
}

/**
 * The seed's scan: the sensor read at five motor positions from -0.5 to 0.5.
 * @returns The run's `[name, doc]` pairs, start to stop.
 */
export async function seedScan(): Promise<NamedDocument[]> {
  const motor = new SimMotor({ name: "motor", instant: true });
  const sensor = new RandomSensor({ name: "sensor", seed: 1 });
  const RE = new RunEngine();
  const docs: NamedDocument[] = [];
  RE.subscribe("all", (name, doc) => void docs.push([name, doc] as NamedDocument));
  await RE.run(scan([sensor], [[motor, -0.5, 0.5]], { num: 5 }));
  return docs;
}

/**
 * Run a bench module in a fresh process, so that its peak memory is its own.
 * @param url The module; it prints its figures as one JSON array.
 * @param args Its arguments.
 * @returns What it printed, parsed.
 */
export async function inChildProcess<T>(url: string, args: string[] = []): Promise<T> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (code !== 0) throw new Error(`The benchmark ${url} failed: ${decoder.decode(stderr)}`);
  return JSON.parse(decoder.decode(stdout)) as T;
}
