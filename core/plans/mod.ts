/**
 * Plans, as bluesky's `plans`, the trajectories they step through, and the preprocessors
 * that wrap them. The plan stubs are in `./stubs/mod.ts`.
 *
 * One plan family per file: `count.ts`, `scan_nd.ts` (which the step scans build on),
 * `scan.ts` (with `relScan`), `list_scan.ts` and `grid_scan.ts` (with `relGridScan`); the
 * trajectories are in `plan_patterns.ts`. The preprocessors are in `preprocessors/`:
 * `mutators.ts`, `finalize.ts` (cleanup that always runs), `run_wrappers.ts` (open/close a
 * run, stage/unstage), `baseline.ts` and `relative.ts`.
 *
 * Every plan opens a run with the same start metadata bluesky writes, key for key.
 * Signatures take at most two positional arguments and an options object; the motor
 * arguments that bluesky takes as a flat list become one tuple per motor:
 *
 * | bluesky | here |
 * | --- | --- |
 * | `count([det], num=3)` | `count([det], { num: 3 })` |
 * | `scan([det], m, -1, 1, 5)` | `scan([det], [[m, -1, 1]], { num: 5 })` |
 * | `list_scan([det], m, [1, 2])` | `listScan([det], [[m, [1, 2]]])` |
 * | `grid_scan([det], m1, 0, 1, 3, m2, 0, 1, 5, True)` | `gridScan([det], [[m1, 0, 1, 3], [m2, 0, 1, 5, true]])` |
 *
 * Every plan returns the uid of the run it opened. The start metadata also carries
 * `plan_type: "generator"`, which bluesky's RunEngine adds from the type of the plan object
 * (with less precedence than the plan's metadata, so a user's `md` still overrides it).
 *
 * @module
 */

export { count, countDefaults } from "./count.ts";
export type { CountOptions, PerShot } from "./count.ts";
export { scanNd } from "./scan_nd.ts";
export type { PerStep, ScanNdOptions, StepContext } from "./scan_nd.ts";
export { relScan, scan, scanDefaults } from "./scan.ts";
export type { ScanOptions } from "./scan.ts";
export { listScan } from "./list_scan.ts";
export { gridScan, gridScanDefaults, relGridScan } from "./grid_scan.ts";
export type { GridScanOptions } from "./grid_scan.ts";
export type { Metadata } from "./metadata.ts";
export {
  innerListProduct,
  innerProduct,
  linspace,
  outerProduct,
  snakeProduct,
} from "./plan_patterns.ts";
export type { GridAxis, ListAxis, ScanAxis, ScanMotor, Step, Trajectory } from "./plan_patterns.ts";
export { msgMutator, planMutator } from "./preprocessors/mutators.ts";
export type { Mutation } from "./preprocessors/mutators.ts";
export { contingencyWrapper, finalizeWrapper } from "./preprocessors/finalize.ts";
export type { ContingencyOptions } from "./preprocessors/finalize.ts";
export { runWrapper, stageWrapper } from "./preprocessors/run_wrappers.ts";
export type { RunWrapperOptions } from "./preprocessors/run_wrappers.ts";
export { baselineWrapper, SupplementalData } from "./preprocessors/baseline.ts";
export type { BaselineOptions } from "./preprocessors/baseline.ts";
export { relativeSetWrapper, resetPositionsWrapper } from "./preprocessors/relative.ts";
