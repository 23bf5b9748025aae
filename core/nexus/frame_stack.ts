/**
 * Stacks of frames produced on demand (an area detector's images), written one frame at a
 * time.
 *
 * @module
 */

import type { NxType } from "./nodes.ts";

/**
 * Pixel types of a {@linkcode FrameStack}.
 */
export type FrameDtype =
  | "uint8"
  | "uint16"
  | "uint32"
  | "int8"
  | "int16"
  | "int32"
  | "float32"
  | "float64";

/**
 * The HDF5 filters, beside gzip, that a chunked field (a {@linkcode FrameStack} first of all)
 * can be compressed with, as detectors write their frames: `"bslz4"`, bitshuffle then LZ4
 * (HDF5 filter 32008, as Dectris' Eiger writes), and `"lz4"`, LZ4 alone (32004); a field's
 * `compression` names one. h5wasm has them from the `h5wasm-plugins` package; readers need
 * the filter plugins too.
 *
 * Blosc (32001) is not one: h5wasm makes every filter mandatory, and Blosc fails a chunk it
 * cannot shrink (noise), which would fail the whole file.
 */
export type FrameFilter = "bslz4" | "lz4";

/** Every {@linkcode FrameFilter}, in the order the documentation lists them. */
export const FRAME_FILTERS: readonly FrameFilter[] = ["bslz4", "lz4"];

/**
 * Whether a value names a {@linkcode FrameFilter}.
 * @param value Anything.
 * @returns True for `"bslz4"` and `"lz4"`.
 *
 * @example Filters and gzip levels
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFrameFilter } from "./frame_stack.ts";
 * assert.equal(isFrameFilter("bslz4"), true);
 * assert.equal(isFrameFilter(1), false);
 * ```
 */
export function isFrameFilter(value: unknown): value is FrameFilter {
  return (FRAME_FILTERS as readonly unknown[]).includes(value);
}

/**
 * A stack of frames produced on demand (an area detector's images read from its own file):
 * the backend asks for them one at a time, in order, so the stack is never in memory whole.
 */
export interface FrameStack {
  /** Tells stacks apart from other field data. */
  readonly kind: "frames";
  /** Number of frames. */
  readonly count: number;
  /** Shape of one frame, for example `[512, 512]`. */
  readonly frameShape: readonly number[];
  /** Type of the pixels. */
  readonly dtype: FrameDtype;
  /**
   * Frame `i` (0-based), row-major, `product(frameShape)` values.
   * @param i The frame's index.
   * @returns Its values, or a promise of them.
   */
  frame(i: number): ArrayLike<number> | Promise<ArrayLike<number>>;
}

/** The NeXus type of each frame pixel type. */
export const FRAME_TYPES: Readonly<Record<FrameDtype, NxType>> = {
  uint8: "NX_UINT8",
  uint16: "NX_UINT16",
  uint32: "NX_UINT32",
  int8: "NX_INT8",
  int16: "NX_INT16",
  int32: "NX_INT32",
  float32: "NX_FLOAT32",
  float64: "NX_FLOAT64",
};

/** The typed array of each frame pixel type. */
export const FRAME_ARRAYS = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const satisfies Record<FrameDtype, unknown>;

/**
 * Make a {@linkcode FrameStack}, checking its sizes.
 *
 * @example Three frames of 2 x 2, made when asked for
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameStack } from "./frame_stack.ts";
 * const stack = frameStack({
 *   count: 3,
 *   frameShape: [2, 2],
 *   dtype: "uint16",
 *   frame: (i) => new Uint16Array(4).fill(i),
 * });
 * assert.deepEqual([...(stack.frame(2) as Uint16Array)], [2, 2, 2, 2]);
 * ```
 *
 * @param init Number of frames, frame shape, pixel type, and the function giving a frame.
 * @returns The stack.
 * @throws {RangeError} When the count or a dimension is not a whole number >= 0.
 */
export function frameStack(init: Omit<FrameStack, "kind">): FrameStack {
  const whole = (n: number) => Number.isInteger(n) && n >= 0;
  if (!whole(init.count)) {
    throw new RangeError(`A frame count must be a whole number: got ${init.count}`);
  }
  if (!init.frameShape.every(whole)) {
    throw new RangeError(
      `A frame shape must be whole numbers: got [${init.frameShape.join(", ")}]`,
    );
  }
  if (!(init.dtype in FRAME_TYPES)) throw new RangeError(`Unknown pixel type "${init.dtype}"`);
  return { kind: "frames", ...init, frame: (i) => init.frame(i) };
}

/**
 * Whether field data is a {@linkcode FrameStack}.
 * @param data Field data.
 * @returns True for a stack.
 *
 * @example Stacks and arrays
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameStack, isFrameStack } from "./frame_stack.ts";
 * const stack = frameStack({ count: 0, frameShape: [2], dtype: "uint8", frame: () => [0, 0] });
 * assert.equal(isFrameStack(stack), true);
 * assert.equal(isFrameStack([1, 2]), false);
 * ```
 */
export function isFrameStack(data: unknown): data is FrameStack {
  return typeof data === "object" && data !== null && (data as FrameStack).kind === "frames";
}
