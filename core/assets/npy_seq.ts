/**
 * The `NPY_SEQ` handler: one NumPy `.npy` file per frame, `<root>/<resource_path>_<index>.npy`,
 * as ophyd's simulated image detector writes them and databroker's `NpySeqHandler` reads
 * them (datum `{index: i}`).
 *
 * @module
 */

import { FRAME_ARRAYS, type FrameDtype } from "../nexus/frame_stack.ts";
import { AssetError } from "./asset_error.ts";
import type { AssetHandler, FrameArray, FrameSource } from "./asset_handler.ts";
import { resourceFile } from "./hdf5_handlers.ts";

const DESCR: Readonly<Record<string, FrameDtype>> = {
  "|u1": "uint8",
  "<u2": "uint16",
  "<u4": "uint32",
  "|i1": "int8",
  "<i2": "int16",
  "<i4": "int32",
  "<f4": "float32",
  "<f8": "float64",
};

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * What a `.npy` file holds.
 */
export interface NpyArray {
  /** Pixel type. */
  dtype: FrameDtype;
  /** Shape. */
  shape: number[];
  /** Values, row-major. */
  data: FrameArray;
}

/**
 * Parse a NumPy `.npy` file (format versions 1 to 3, little-endian, C order).
 *
 * @example A 2 x 2 array of uint16
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNpy } from "./npy_seq.ts";
 * const header = "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 2), }";
 * const padded = header.padEnd(118, " ") + "\n";
 * const bytes = new Uint8Array(10 + padded.length + 8);
 * bytes.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, padded.length, 0]);
 * bytes.set(new TextEncoder().encode(padded), 10);
 * bytes.set(new Uint8Array(new Uint16Array([1, 2, 3, 4]).buffer), 10 + padded.length);
 * const npy = parseNpy(bytes, "a.npy");
 * assert.deepEqual(npy.shape, [2, 2]);
 * assert.deepEqual([...npy.data], [1, 2, 3, 4]);
 * ```
 *
 * @param bytes The file's bytes.
 * @param file Its name, for errors.
 * @returns Type, shape and values.
 * @throws {AssetError} When it is not such a file.
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const fail = (why: string): never => {
    throw new AssetError(`Asset file "${file}" ${why}`, { file, frames: [] });
  };
  const magic = new TextDecoder().decode(bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== "NUMPY") fail("is not a NumPy .npy file");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    fail(`has a header that cannot be read: ${header.trim()}`);
  }
  if (fortran === "True") fail("is in Fortran order: only C order is read");
  const dtype = DESCR[descr!] ?? fail(`has type "${descr}": only little-endian numbers are read`);
  const shape = shapeText!.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const Array_ = FRAME_ARRAYS[dtype];
  const offset = start + headerLength;
  if (bytes.length - offset < count * Array_.BYTES_PER_ELEMENT) {
    fail("is shorter than its header says");
  }
  const data = new Array_(count);
  new Uint8Array(data.buffer).set(
    bytes.subarray(offset, offset + count * Array_.BYTES_PER_ELEMENT),
  );
  return { dtype, shape, data };
}

/**
 * The `NPY_SEQ` handler.
 *
 * @example A datum points at one file
 * ```ts
 * import assert from "node:assert/strict";
 * import { npySeqHandler } from "./npy_seq.ts";
 * const resource = {
 *   uid: "r", spec: "NPY_SEQ", root: "/data", resource_path: "img",
 *   resource_kwargs: {}, path_semantics: "posix" as const,
 * };
 * assert.deepEqual(npySeqHandler().framesOfDatum(resource, { index: 4 }), [4]);
 * ```
 *
 * @returns The handler.
 */
export function npySeqHandler(): AssetHandler {
  return {
    name: "NPY_SEQ",
    specs: ["NPY_SEQ"],
    open(resource, options): FrameSource {
      const base = resourceFile(resource, options?.root);
      const path = (index: number) => `${base}_${index}.npy`;
      let first: NpyArray;
      try {
        first = parseNpy(Deno.readFileSync(path(0)), path(0));
      } catch (cause) {
        if (cause instanceof AssetError) throw cause;
        throw new AssetError(`Asset file "${path(0)}" is missing`, { file: path(0), frames: [] }, {
          cause,
        });
      }
      let count = 1;
      while (exists(path(count))) count++;
      return {
        file: path(0),
        dataset: undefined,
        frameShape: first.shape,
        dtype: first.dtype,
        count,
        read: (index) => parseNpy(Deno.readFileSync(path(index)), path(index)).data,
        close() {},
      };
    },
    framesOfDatum(resource, kwargs) {
      const index = Number(kwargs.index);
      if (!Number.isInteger(index) || index < 0) {
        throw new AssetError(`Datum of "${resourceFile(resource)}" has index ${kwargs.index}`, {
          file: resourceFile(resource),
          frames: [],
        });
      }
      return [index];
    },
  };
}
