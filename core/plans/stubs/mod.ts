/**
 * Plan stubs, as bluesky's `plan_stubs`: small plans that yield one or a few messages and
 * compose into full plans with `yield*`. Each returns what the RunEngine answers (a status, a
 * reading, a run uid).
 *
 * Names are camelCase (`triggerAndRead` for `trigger_and_read`); keyword arguments of the
 * Python stubs become an options object.
 *
 * The stubs live in this folder, one family per file: `control.ts` (wait, sleep, checkpoints,
 * pauses), `readings.ts` (streams, bundles, `triggerAndRead`), `positions.ts` (`locate`, `rd`),
 * `moves.ts` (`absSet`, `mv`...), `staging.ts`, `runs.ts` (open/close, subscriptions),
 * `steps.ts` (the per-point plans of scans), `repeat.ts`, and the helpers `devices.ts` and
 * `short_uid.ts`. Import them from here.
 *
 * @module
 */

export {
  checkpoint,
  clearCheckpoint,
  deferredPause,
  nullPlan,
  pause,
  sleep,
  wait,
} from "./control.ts";
export type { GroupOptions } from "./control.ts";
export { hintedFields, rootAncestor, separateDevices } from "./devices.ts";
export { shortUid } from "./short_uid.ts";
export { create, declareStream, drop, read, save, trigger, triggerAndRead } from "./readings.ts";
export { currentPosition, locate, rd } from "./positions.ts";
export { absSet, mv, mvr, relSet } from "./moves.ts";
export type { MoveOptions, Moves } from "./moves.ts";
export { stage, stageAll, unstage, unstageAll } from "./staging.ts";
export { closeRun, openRun, subscribe, unsubscribe } from "./runs.ts";
export { movePerStep, one1dStep, oneNdStep, oneShot } from "./steps.ts";
export type { OneNdStepOptions, PositionCache, TakeReading, TakeReadingOptions } from "./steps.ts";
export { repeat, repeatDefaults, repeater } from "./repeat.ts";
export type { RepeatOptions } from "./repeat.ts";
export { newUid, now } from "../../documents/compose.ts";
