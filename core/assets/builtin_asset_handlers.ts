/**
 * The asset handlers that ship: areaDetector's HDF5 files, HDF5 stream resources, and
 * NumPy file sequences.
 *
 * @module
 */

import type { AssetHandler } from "./asset_handler.ts";
import { adHdf5Handler, type Hdf5HandlerOptions, hdf5StreamHandler } from "./hdf5_handlers.ts";
import { npySeqHandler } from "./npy_seq.ts";

/**
 * The built-in handlers: `AD_HDF5`, `application/x-hdf5` and `NPY_SEQ`.
 *
 * @example The HDF5 handlers read through the backend they are given
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinAssetHandlers } from "./builtin_asset_handlers.ts";
 * import { H5wasmBackend } from "../nexus/h5wasm_backend.ts";
 *
 * const h5wasm = new H5wasmBackend();
 * const opened: string[] = [];
 * const backend = { open: (path: string) => (opened.push(path), h5wasm.open(path)) };
 * const handlers = builtinAssetHandlers({ backend });
 * assert.deepEqual(handlers.map((h) => h.name), ["AD_HDF5", "application/x-hdf5", "NPY_SEQ"]);
 *
 * const resource = {
 *   uid: "r", spec: "AD_HDF5", root: "/nowhere", resource_path: "img.h5",
 *   resource_kwargs: {}, path_semantics: "posix" as const,
 * };
 * await assert.rejects(Promise.resolve(handlers[0]!.open(resource)), /is missing/);
 * assert.deepEqual(opened, ["/nowhere/img.h5"]);
 * ```
 *
 * @param options The backend that reads the HDF5 files (h5wasm by default).
 * @returns New handler objects.
 */
export function builtinAssetHandlers(options: Hdf5HandlerOptions = {}): AssetHandler[] {
  return [adHdf5Handler(options), hdf5StreamHandler(options), npySeqHandler()];
}
