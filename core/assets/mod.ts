/**
 * External assets: the handlers that read the frames area detectors write to their own files,
 * and waiting for those files.
 *
 * @module
 */

import { adHdf5Handler, hdf5StreamHandler } from "./hdf5_handlers.ts";
import { npySeqHandler } from "./npy_seq.ts";
import type { AssetHandler } from "./asset_handler.ts";

export { AssetError } from "./asset_error.ts";
export { AssetRegistry, specOf } from "./asset_handler.ts";
export type { AnyResource, AssetHandler, FrameArray, FrameSource } from "./asset_handler.ts";
export {
  AD_DATASET,
  adHdf5Handler,
  framesOfStreamDatum,
  hdf5StreamHandler,
  resourceFile,
} from "./hdf5_handlers.ts";
export { npySeqHandler, parseNpy } from "./npy_seq.ts";
export type { NpyArray } from "./npy_seq.ts";
export { waitDefaults, waitForFrames } from "./wait_for_frames.ts";
export type { WaitOptions } from "./wait_for_frames.ts";
export type { FrameDtype } from "../nexus/frame_stack.ts";

/**
 * The built-in handlers: `AD_HDF5`, `application/x-hdf5` and `NPY_SEQ`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinAssetHandlers } from "./mod.ts";
 * assert.deepEqual(builtinAssetHandlers().map((h) => h.name), [
 *   "AD_HDF5",
 *   "application/x-hdf5",
 *   "NPY_SEQ",
 * ]);
 * ```
 *
 * @returns New handler objects.
 */
export function builtinAssetHandlers(): AssetHandler[] {
  return [adHdf5Handler(), hdf5StreamHandler(), npySeqHandler()];
}
