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

/** The seed's live table, as bluesky printed it for the scan. */
export const SEED_TABLE: readonly string[] = [
  "+-----------+------------+------------+------------+",
  "|   seq_num |       time |      motor |     sensor |",
  "+-----------+------------+------------+------------+",
  "|         1 | 17:27:40.1 |   -0.50000 |    0.69377 |",
  "|         2 | 17:27:40.5 |   -0.25000 |    0.44727 |",
  "|         3 | 17:27:41.0 |    0.00000 |    0.07127 |",
  "|         4 | 17:27:41.5 |    0.25000 |    0.97433 |",
  "|         5 | 17:27:42.0 |    0.50000 |    0.57342 |",
  "+-----------+------------+------------+------------+",
  "generator scan ['c888d282'] (scan num: 1)",
];
