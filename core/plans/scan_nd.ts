/**
 * bluesky's `scan_nd`: step through any trajectory, reading the detectors and the motors at
 * every point. The other step scans build their start metadata and hand it to it.
 *
 * @module
 */

import type { Plan } from "../engine/messages.ts";
import { type Readable, reprOf } from "../engine/protocols.ts";
import { checkDetectors, hintsOf, reprHook } from "./_plan_args.ts";
import type { Metadata } from "./metadata.ts";
import type { Step, Trajectory } from "./plan_patterns.ts";
import { runWrapper, stageWrapper } from "./preprocessors/run_wrappers.ts";
import { oneNdStep, type PositionCache } from "./stubs/mod.ts";

/** What a scan passes to its `perStep` plan besides the detectors and the point. */
export interface StepContext {
  /** Where each motor was last sent during this scan. */
  posCache: PositionCache;
}

/**
 * The plan run at every point of a scan (bluesky's N-D `per_step`); default `oneNdStep`.
 *
 * @example Read twice at every point: the second step finds the motor there already
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PerStep } from "./scan_nd.ts";
 * import { scan } from "./scan.ts";
 * import { oneNdStep } from "./stubs/mod.ts";
 * import { RunEngine } from "../engine/run_engine.ts";
 * import { Status } from "../engine/status.ts";
 * const det = {
 *   name: "det",
 *   read: () => ({ det: { value: 1, timestamp: 0 } }),
 *   describe: () => ({ det: { dtype: "number" as const, shape: [], source: "SIM:det" } }),
 * };
 * const moves: unknown[] = [];
 * const motor = {
 *   name: "m",
 *   set: (v: unknown) => (moves.push(v), Status.done("set")),
 *   read: () => ({ m: { value: 0, timestamp: 0 } }),
 *   describe: () => ({ m: { dtype: "number" as const, shape: [], source: "SIM:m" } }),
 * };
 * const twice: PerStep = function* (detectors, step, context) {
 *   yield* oneNdStep(detectors, step, context);
 *   yield* oneNdStep(detectors, step, context);
 * };
 * const RE = new RunEngine();
 * let events = 0;
 * RE.subscribe("event", () => void events++);
 * await RE.run(scan([det], [[motor, 0, 1]], { num: 3, perStep: twice }));
 * assert.equal(events, 6);
 * assert.deepEqual(moves, [0, 0.5, 1]);
 * ```
 */
export type PerStep = (
  detectors: readonly Readable[],
  step: Step,
  context: StepContext,
) => Plan<unknown>;

/** Options of {@linkcode scanNd}. */
export interface ScanNdOptions {
  /** Plan run at every point (default {@linkcode oneNdStep}). */
  perStep?: PerStep | undefined;
  /** Metadata for the start document. */
  md?: Metadata | undefined;
}

/**
 * A Python-like repr of a trajectory, for `plan_args.cycler`. It lists every point: the step
 * scans give their own `plan_args`, so it is made only for a trajectory given to `scanNd`.
 */
function reprTrajectory(trajectory: Trajectory): string {
  const parts = trajectory.motors.map((motor) => {
    const values = Array.from(trajectory, (p) => JSON.stringify(p.get(motor)) ?? "None");
    return `cycler(${reprOf(motor)}, [${values.join(", ")}])`;
  });
  return parts.length === 1 ? parts[0]! : `(${parts.join(" + ")})`;
}

/**
 * Step through any trajectory, reading the detectors and the motors at every point (bluesky's
 * `scan_nd`). The other step scans are built on it.
 *
 * @example Points from a list
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanNd } from "./scan_nd.ts";
 * import { innerListProduct } from "./plan_patterns.ts";
 * const motor = { name: "m", set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const [, open] = scanNd([], innerListProduct([[motor, [1, 2]]]));
 * assert.equal(open?.kwargs?.num_points, 2);
 * ```
 *
 * @param detectors Devices to read.
 * @param trajectory Motors and points.
 * @param options `perStep` and `md`.
 * @returns The run's uid.
 */
export function* scanNd(
  detectors: readonly Readable[],
  trajectory: Trajectory,
  options: ScanNdOptions = {},
): Plan<string> {
  checkDetectors(detectors);
  const { motors, length } = trajectory;
  const md = options.md ?? {};
  const plan: Record<string, unknown> = {
    detectors: detectors.map((d) => d.name),
    motors: motors.map((m) => m.name),
    num_points: length,
    num_intervals: length - 1,
    // The metadata's plan_args replaces these: the cycler's repr is not made then.
    plan_args: "plan_args" in md ? undefined : {
      detectors: detectors.map(reprOf),
      cycler: reprTrajectory(trajectory),
      per_step: reprHook(options.perStep),
    },
    plan_name: "scan_nd",
    plan_type: "generator",
    hints: {},
    ...md,
  };
  const hints = hintsOf(plan);
  // Only when every motor hints its fields, as bluesky.
  if (motors.every((m) => m.hints !== undefined && "fields" in m.hints)) {
    if (!("dimensions" in hints)) {
      hints.dimensions = motors.map((m) => [m.hints!.fields, "primary"]);
    }
  }
  plan.hints = hints;
  const perStep: PerStep = options.perStep ??
    ((dets, step, context) => oneNdStep(dets, step, context));
  const posCache: PositionCache = new Map();
  function* inner(): Plan<void> {
    for (const step of trajectory) yield* perStep(detectors, step, { posCache });
  }
  return yield* stageWrapper(runWrapper(inner(), { md: plan }), [...detectors, ...motors]);
}
