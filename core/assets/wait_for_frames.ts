/**
 * Waiting for an asset file to hold its frames: a detector may close its file, or another
 * process copy it into place, after the run's stop.
 *
 * @module
 */

import { AssetError, frameList } from "./asset_error.ts";
import type { AnyResource, AssetHandler, FrameSource } from "./asset_handler.ts";

/**
 * Options of {@linkcode waitForFrames}.
 */
export interface WaitOptions {
  /** Folder of relative paths. */
  root?: string;
  /** How long to wait, in ms. */
  timeout?: number;
  /** Time between two looks, in ms. */
  interval?: number;
  /** Stops the waiting. */
  signal?: AbortSignal;
}

/**
 * Defaults of {@linkcode WaitOptions}, and the one place they are written: wait ten seconds,
 * looking every 200 ms.
 */
export const waitDefaults = { timeout: 10_000, interval: 200 } as const satisfies WaitOptions;

/**
 * Wait until a resource's file can be opened and holds every frame needed.
 *
 * @example A file that is not there gives up after the timeout
 * ```ts
 * import assert from "node:assert/strict";
 * import { adHdf5Handler, AssetError, waitForFrames } from "./mod.ts";
 * const resource = {
 *   uid: "r", spec: "AD_HDF5", root: "/nowhere", resource_path: "img.h5",
 *   resource_kwargs: {}, path_semantics: "posix" as const,
 * };
 * await assert.rejects(
 *   waitForFrames({ handler: adHdf5Handler(), resource }, [0, 1], { timeout: 50, interval: 10 }),
 *   (error: AssetError) => error.file === "/nowhere/img.h5" && /missing/.test(error.message),
 * );
 * ```
 *
 * @param asset The resource, and the handler that reads its files.
 * @param needed Frame indices needed.
 * @param options Folder, timeout, interval.
 * @returns The open source, holding every needed frame.
 * @throws {AssetError} On timeout: the file and the frames it lacks.
 */
export async function waitForFrames(
  asset: { readonly handler: AssetHandler; readonly resource: AnyResource },
  needed: readonly number[],
  options: WaitOptions = {},
): Promise<FrameSource> {
  const { handler, resource } = asset;
  const timeout = options.timeout ?? waitDefaults.timeout;
  const interval = options.interval ?? waitDefaults.interval;
  const deadline = Date.now() + timeout;
  const highest = needed.reduce((a, b) => Math.max(a, b), -1);
  for (;;) {
    let last: AssetError;
    try {
      const source = await handler.open(resource, options.root ? { root: options.root } : {});
      if (source.count > highest) return source;
      source.close();
      const missing = needed.filter((i) => i >= source.count);
      last = new AssetError(
        `Asset file "${source.file}" holds ${source.count} frames: frames ${
          frameList(missing)
        } are missing after ${timeout / 1000} s`,
        { file: source.file, frames: missing },
      );
    } catch (error) {
      if (!(error instanceof AssetError)) throw error;
      last = new AssetError(`${error.message} after ${timeout / 1000} s`, {
        file: error.file,
        frames: needed,
      }, { cause: error });
    }
    if (Date.now() >= deadline || options.signal?.aborted) throw last;
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, deadline - Date.now())));
  }
}
