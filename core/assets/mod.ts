/**
 * External assets: the handlers that read the frames area detectors write to their own files,
 * and waiting for those files.
 *
 * @module
 */

export { AssetError } from "./asset_error.ts";
export { AssetRegistry, specOf } from "./asset_handler.ts";
export { builtinAssetHandlers } from "./builtin_asset_handlers.ts";
export type { AnyResource, AssetHandler, FrameArray, FrameSource } from "./asset_handler.ts";
export {
  AD_DATASET,
  adHdf5Handler,
  framesOfStreamDatum,
  hdf5HandlerDefaults,
  hdf5StreamHandler,
  resourceFile,
} from "./hdf5_handlers.ts";
export type { Hdf5HandlerOptions } from "./hdf5_handlers.ts";
export { npySeqHandler, parseNpy } from "./npy_seq.ts";
export type { NpyArray } from "./npy_seq.ts";
export { waitDefaults, waitForFrames } from "./wait_for_frames.ts";
export type { WaitOptions } from "./wait_for_frames.ts";
export type { FrameDtype } from "../nexus/frame_stack.ts";
