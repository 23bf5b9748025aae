/**
 * The seed's scan (a motor and the 10 Hz sensor), shared by the callback unit tests. For tests
 * only: not exported from `mod.ts`.
 *
 * @module
 */
import type { RunStart } from "./types.ts";

/** The start document's metadata of the seed's scan. */
export const SEED_START: Partial<RunStart> = {
  uid: "c888d282-1094-403b-baff-3781057ff087",
  time: 1660343258.78,
  scan_id: 1,
  plan_type: "generator",
  plan_name: "scan",
  hints: { dimensions: [[["motor"], "primary"]] },
  motors: ["motor"],
  detectors: ["sensor"],
  num_points: 5,
};

/** The times of the seed's five primary events. */
export const SEED_TIMES = [
  1660343260.1,
  1660343260.576943,
  1660343261.078024,
  1660343261.579225,
  1660343262.080634,
];

/** The sensor's reading in each of the seed's five primary events. */
export const SEED_SENSOR = [
  0.6937666895551995,
  0.44727244983596554,
  0.07127489127946898,
  0.9743343251697566,
  0.5734187838559548,
];
