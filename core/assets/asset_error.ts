/**
 * The error of an asset file that is missing, unreadable, or short of the frames the run's
 * documents point at.
 *
 * @module
 */

/**
 * An asset file could not give the frames a run needs.
 *
 * @example The file and the missing frames are named
 * ```ts
 * import assert from "node:assert/strict";
 * import { AssetError } from "./asset_error.ts";
 * const error = new AssetError('Asset file "/d/img.h5" holds 3 frames: 3, 4 are missing', {
 *   file: "/d/img.h5",
 *   frames: [3, 4],
 * });
 * assert.equal(error.file, "/d/img.h5");
 * assert.deepEqual(error.frames, [3, 4]);
 * ```
 */
export class AssetError extends Error {
  /** Always `"AssetError"`. */
  override name = "AssetError";
  /** The asset file. */
  readonly file: string;
  /** The frames it does not give (empty when none could be read at all). */
  readonly frames: readonly number[];

  /**
   * Make the error.
   * @param message What is wrong, naming the file.
   * @param where The file and the frames missing.
   * @param options Standard error options (`cause`).
   */
  constructor(
    message: string,
    where: { file: string; frames: readonly number[] },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.file = where.file;
    this.frames = where.frames;
  }
}

/**
 * A short list of frame indices for messages: `3, 4, 5` or `3, 4, ... 99 (97 frames)`.
 * @param frames The indices.
 * @returns The text.
 */
export function frameList(frames: readonly number[]): string {
  if (frames.length <= 6) return frames.join(", ");
  return `${frames.slice(0, 3).join(", ")}, ... ${frames.at(-1)} (${frames.length} frames)`;
}
