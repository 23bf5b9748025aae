/**
 * bluesky's `scan_nd`: step through any trajectory, reading the detectors and the motors at
 * every point. The other step scans build their start metadata and hand it to it.
 *
 * @module
 */

import { msg, type Plan } from "../engine/messages.ts";
import { isTriggerable, type Readable, reprOf } from "../engine/protocols.ts";
import { checkDetectors, hintsOf, reprHook } from "./_plan_args.ts";
import type { Metadata } from "./metadata.ts";
import type { ScanMotor, Step, Trajectory } from "./plan_patterns.ts";
import { closeRunAfter } from "./preprocessors/run_wrappers.ts";
import {
  closeRun,
  openRun,
  type PositionCache,
  rootAncestor,
  separateDevices,
  shortUid,
  stageAll,
  unstageAll,
} from "./stubs/mod.ts";

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
export function scanNd(
  detectors: readonly Readable[],
  trajectory: Trajectory,
  options: ScanNdOptions = {},
): Plan<string> {
  return stepScan(() => ({ detectors, trajectory, options }));
}

/**
 * What a step scan is made of: {@linkcode scanNd}'s arguments.
 *
 * @example A list scan's parts
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StepScanParts } from "./scan_nd.ts";
 * import { innerListProduct } from "./plan_patterns.ts";
 * const motor = { name: "m", set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const parts: StepScanParts = { detectors: [], trajectory: innerListProduct([[motor, [1, 2]]]), options: {} };
 * assert.equal(parts.trajectory.length, 2);
 * ```
 */
export interface StepScanParts {
  /** Devices to read. */
  readonly detectors: readonly Readable[];
  /** Motors and points. */
  readonly trajectory: Trajectory;
  /** `perStep` and `md`. */
  readonly options: ScanNdOptions;
}

/**
 * The plan of every step scan, {@linkcode scanNd}'s: `prepare` runs when the plan starts (so
 * that bad arguments fail there, as in a generator's body), then the devices are staged, the
 * run opened, every point moved to and read, the run closed and the devices unstaged, as
 * `stageWrapper(runWrapper(...))` would do, with the same messages and the same exit status
 * and cleanup when the plan fails or is interrupted.
 *
 * It is one generator: every message of a plan passes through each generator it is delegated
 * by, so the wrappers, the scan and the default per-point stubs are written out here instead
 * of nested (a scan spent half of its time going through them).
 *
 * @example A scan of its own
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepScan } from "./scan_nd.ts";
 * import { innerListProduct } from "./plan_patterns.ts";
 * const motor = { name: "m", set: () => { throw new Error(); }, read: () => ({}), describe: () => ({}) };
 * const trajectory = innerListProduct([[motor, [1]]]);
 * const commands = [...stepScan(() => ({ detectors: [], trajectory, options: {} }))].map((m) => m.command);
 * assert.deepEqual(commands, [
 *   "stage", "open_run", "checkpoint", "set", "wait", "create", "read", "save", "close_run", "unstage",
 * ]);
 * ```
 *
 * @param prepare Checks the plan's arguments and makes its parts.
 * @returns The run's uid.
 */
export function* stepScan(prepare: () => StepScanParts): Plan<string> {
  const { detectors, trajectory, options } = prepare();
  const md = startMetadata(detectors, trajectory, options);
  const perStep = options.perStep;
  const posCache: PositionCache = new Map();
  // stageWrapper(runWrapper(steps, { md }), [...detectors, ...motors]), as stagedRunWrapper.
  const roots = separateDevices([...detectors, ...trajectory.motors].map((d) => rootAncestor(d)));
  const cleanup = unstageAll([...roots].reverse());
  let ended = false;
  try {
    yield* stageAll(roots);
    const uid = yield* openRun(md);
    try {
      if (perStep) {
        for (const step of trajectory) yield* perStep(detectors, step, { posCache });
      } else {
        // oneNdStep(detectors, step, { posCache }) at every point: the messages of
        // movePerStep() and triggerAndRead(). separateDevices() of the detectors and the
        // motors is the same for every point that moves the same motors in the same order, as
        // the built-in trajectories do.
        let lastMotors: ScanMotor[] | undefined;
        let unique: Readable[] = [];
        for (const step of trajectory) {
          yield msg("checkpoint");
          const group = shortUid("set");
          for (const [motor, position] of step) {
            if (posCache.has(motor) && posCache.get(motor) === position) continue;
            yield msg("set", motor, [position], { group });
            posCache.set(motor, position);
          }
          yield msg("wait", undefined, [], { group });
          if (lastMotors === undefined || !sameMotors(step, lastMotors)) {
            lastMotors = [...step.keys()];
            unique = separateDevices([...detectors, ...lastMotors]);
          }
          if (detectors.length + step.size === 0) yield msg("null");
          let triggerGroup: string | undefined;
          for (const obj of unique) {
            if (isTriggerable(obj)) {
              triggerGroup ??= shortUid("trigger");
              yield msg("trigger", obj, [], { group: triggerGroup });
            }
          }
          if (triggerGroup !== undefined) {
            yield msg("wait", undefined, [], { group: triggerGroup });
          }
          yield msg("create", undefined, [], { name: "primary" });
          try {
            for (const obj of unique) yield msg("read", obj);
          } catch (error) {
            yield msg("drop");
            throw error;
          }
          yield msg("save");
        }
      }
    } catch (error) {
      yield* closeRunAfter(error);
      throw error;
    }
    yield* closeRun();
    ended = true;
    return uid;
  } catch (error) {
    ended = true;
    throw error;
  } finally {
    if (ended) yield* cleanup;
  }
}

/** The start metadata of a step scan, as bluesky's `scan_nd` makes it. */
function startMetadata(
  detectors: readonly Readable[],
  trajectory: Trajectory,
  options: ScanNdOptions,
): Record<string, unknown> {
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
  return plan;
}

function sameMotors(step: Step, motors: readonly ScanMotor[]): boolean {
  if (step.size !== motors.length) return false;
  let i = 0;
  for (const motor of step.keys()) if (motor !== motors[i++]) return false;
  return true;
}
