/**
 * Plans, as bluesky's `plans`, the trajectories they step through, and the preprocessors
 * that wrap them. The plan stubs are in `./stubs/mod.ts`.
 *
 * @module
 */

export {
  count,
  countDefaults,
  gridScan,
  gridScanDefaults,
  listScan,
  relGridScan,
  relScan,
  scan,
  scanDefaults,
  scanNd,
} from "./plans.ts";
export type {
  CountOptions,
  GridScanOptions,
  Metadata,
  PerShot,
  PerStep,
  ScanNdOptions,
  ScanOptions,
  StepContext,
} from "./plans.ts";
export {
  innerListProduct,
  innerProduct,
  linspace,
  outerProduct,
  snakeProduct,
} from "./plan_patterns.ts";
export type { GridAxis, ListAxis, ScanAxis, ScanMotor, Step, Trajectory } from "./plan_patterns.ts";
export {
  baselineWrapper,
  contingencyWrapper,
  finalizeWrapper,
  msgMutator,
  planMutator,
  relativeSetWrapper,
  resetPositionsWrapper,
  runWrapper,
  stageWrapper,
  SupplementalData,
} from "./preprocessors.ts";
export type {
  BaselineOptions,
  ContingencyOptions,
  Mutation,
  RunWrapperOptions,
} from "./preprocessors.ts";
