/**
 * Handlers of HDF5 asset files: areaDetector's HDF5 plugin files (`AD_HDF5`, classic
 * resource and datums) and stream resources of mimetype `application/x-hdf5`.
 *
 * @module
 */

import type { Resource, StreamDatum } from "../documents/types.ts";
import type { Hdf5Backend, Hdf5File, Hdf5Type } from "../nexus/backend.ts";
import type { FrameDtype } from "../nexus/frame_stack.ts";
import { H5wasmBackend } from "../nexus/h5wasm_backend.ts";
import { AssetError } from "./asset_error.ts";
import type { AnyResource, AssetHandler, FrameArray, FrameSource } from "./asset_handler.ts";

/** Dataset of the frames in areaDetector's HDF5 files: `/entry/data/data`. */
export const AD_DATASET = "/entry/data/data";

/**
 * Options of the HDF5 handlers ({@linkcode adHdf5Handler}, {@linkcode hdf5StreamHandler}).
 */
export interface Hdf5HandlerOptions {
  /** The HDF5 backend that reads the files. */
  backend?: Pick<Hdf5Backend, "open">;
}

/**
 * Defaults of {@linkcode Hdf5HandlerOptions}: files are read with h5wasm.
 */
export const hdf5HandlerDefaults: Required<Hdf5HandlerOptions> = {
  backend: new H5wasmBackend(),
};

/** The pixel type of a dataset's type, for the types of frames. */
function frameDtype(type: Hdf5Type): FrameDtype | undefined {
  if (type.class === "float") {
    return type.size === 4 ? "float32" : type.size === 8 ? "float64" : undefined;
  }
  if (type.class !== "integer" || ![1, 2, 4].includes(type.size)) return undefined;
  return `${type.signed ? "int" : "uint"}${type.size * 8}` as FrameDtype;
}

/**
 * The file of a resource: `root` + `resource_path` for a classic resource, the path of a
 * `file://` uri for a stream resource; relative paths are taken in `folder`.
 * @param resource The resource.
 * @param folder Folder of relative paths.
 * @returns The path.
 *
 * @example From root and path, or from a file uri
 * ```ts
 * import assert from "node:assert/strict";
 * import { resourceFile } from "./hdf5_handlers.ts";
 * const classic = {
 *   uid: "r", spec: "AD_HDF5", root: "/data", resource_path: "img.h5",
 *   resource_kwargs: {}, path_semantics: "posix" as const,
 * };
 * assert.equal(resourceFile(classic), "/data/img.h5");
 * const stream = {
 *   uid: "s", data_key: "img", mimetype: "application/x-hdf5",
 *   uri: "file://localhost/data/my%20img.h5", parameters: {},
 * };
 * assert.equal(resourceFile(stream), "/data/my img.h5");
 * ```
 */
export function resourceFile(resource: AnyResource, folder?: string): string {
  let path: string;
  if ("uri" in resource) {
    const uri = String(resource.uri);
    path = uri.startsWith("file:") ? decodeURIComponent(new URL(uri).pathname) : uri;
  } else {
    const root = String(resource.root ?? "");
    const rel = String(resource.resource_path);
    path = rel.startsWith("/") || root === "" ? rel : `${root.replace(/\/+$/, "")}/${rel}`;
  }
  if (!path.startsWith("/") && folder) path = `${folder.replace(/\/+$/, "")}/${path}`;
  return path;
}

/** The most frames one stream datum may point at: more is taken for a corrupted document. */
export const MAX_FRAMES_PER_DATUM = 2 ** 24;

/**
 * Frame indices a stream datum points at: `[indices.start, indices.stop)`.
 * @param datum The stream datum.
 * @returns The indices.
 * @throws {AssetError} Naming the stream datum, when its indices are not whole numbers with
 * `0 <= start <= stop`, or span more than {@linkcode MAX_FRAMES_PER_DATUM} frames.
 *
 * @example Three frames
 * ```ts
 * import assert from "node:assert/strict";
 * import { framesOfStreamDatum } from "./hdf5_handlers.ts";
 * const datum = {
 *   uid: "s/0", stream_resource: "s", descriptor: "d",
 *   indices: { start: 2, stop: 5 }, seq_nums: { start: 3, stop: 6 },
 * };
 * assert.deepEqual(framesOfStreamDatum(datum), [2, 3, 4]);
 * ```
 */
export function framesOfStreamDatum(datum: StreamDatum): number[] {
  const { start, stop } = datum.indices ?? {};
  const whole = Number.isSafeInteger(start) && Number.isSafeInteger(stop);
  if (!whole || start! < 0 || stop! < start! || stop! - start! > MAX_FRAMES_PER_DATUM) {
    throw new AssetError(
      `stream_datum document, uid "${datum.uid}", field "indices": ` +
        `${JSON.stringify(datum.indices)} is not a range of at most ` +
        `${MAX_FRAMES_PER_DATUM} frames (0 <= start <= stop)`,
      { file: String(datum.stream_resource), frames: [] },
    );
  }
  return Array.from({ length: stop! - start! }, (_, i) => start! + i);
}

/** Open one dataset of an HDF5 file for reading frames. */
async function openHdf5(
  file: string,
  dataset: string,
  backend: Pick<Hdf5Backend, "open">,
): Promise<FrameSource> {
  const error = (message: string, frames: number[], cause?: unknown) =>
    new AssetError(
      `Asset file "${file}" ${message}`,
      { file, frames },
      cause === undefined ? undefined : { cause },
    );
  let handle: Hdf5File;
  try {
    handle = await backend.open(file);
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) throw error("is missing", [], cause);
    throw error("cannot be read as HDF5", [], cause);
  }
  const fail = (message: string, cause?: unknown): never => {
    handle.close();
    throw error(message, [], cause);
  };
  let node;
  try {
    node = handle.get(dataset);
  } catch (cause) {
    return fail(`cannot be read at "${dataset}"`, cause);
  }
  if (node?.kind !== "dataset") return fail(`has no dataset "${dataset}"`);
  const stack = node;
  const shape = stack.shape ?? [];
  const dtype = frameDtype(stack.type);
  if (shape.length < 1 || dtype === undefined) {
    const { class: kind, size } = stack.type;
    return fail(
      `has a dataset "${dataset}" that is not a stack of frames (${kind} of ${size} bytes, ` +
        `shape [${shape.join(", ")}])`,
    );
  }
  return {
    file,
    dataset,
    frameShape: shape.slice(1),
    dtype,
    count: shape[0]!,
    read(index) {
      try {
        return stack.readRows(index, index + 1) as FrameArray;
      } catch (cause) {
        throw error(`cannot give frame ${index} of "${dataset}"`, [index], cause);
      }
    },
    close() {
      handle.close();
    },
  };
}

/**
 * The `AD_HDF5` handler: areaDetector's HDF5 plugin files, frames in `/entry/data/data`;
 * datum `{point_number: p}` points at frames `p * frame_per_point` to
 * `(p + 1) * frame_per_point - 1`.
 *
 * @example The frames of a datum
 * ```ts
 * import assert from "node:assert/strict";
 * import { adHdf5Handler } from "./hdf5_handlers.ts";
 * const resource = {
 *   uid: "r", spec: "AD_HDF5", root: "/data", resource_path: "img.h5",
 *   resource_kwargs: { frame_per_point: 2 }, path_semantics: "posix" as const,
 * };
 * assert.deepEqual(adHdf5Handler().framesOfDatum(resource, { point_number: 3 }), [6, 7]);
 * ```
 *
 * @param options The backend that reads the files.
 * @returns The handler.
 */
export function adHdf5Handler(options: Hdf5HandlerOptions = {}): AssetHandler {
  const { backend } = { ...hdf5HandlerDefaults, ...options };
  return {
    name: "AD_HDF5",
    specs: ["AD_HDF5"],
    open: (resource, where) => openHdf5(resourceFile(resource, where?.root), AD_DATASET, backend),
    framesOfDatum(resource: Resource, kwargs) {
      const perPoint = Number(resource.resource_kwargs?.frame_per_point ?? 1);
      const point = Number(kwargs.point_number);
      if (!Number.isInteger(point) || point < 0 || !Number.isInteger(perPoint) || perPoint < 1) {
        throw new AssetError(
          `Datum of "${resourceFile(resource)}" has point_number ${kwargs.point_number}, ` +
            `frame_per_point ${resource.resource_kwargs?.frame_per_point}: not frame indices`,
          { file: resourceFile(resource), frames: [] },
        );
      }
      return Array.from({ length: perPoint }, (_, i) => point * perPoint + i);
    },
  };
}

/**
 * The `application/x-hdf5` handler of stream resources: the file of `uri`, frames in the
 * dataset `parameters.dataset` (default `/entry/data/data`).
 *
 * @example It reads stream resources of that mimetype
 * ```ts
 * import assert from "node:assert/strict";
 * import { hdf5StreamHandler } from "./hdf5_handlers.ts";
 * assert.deepEqual(hdf5StreamHandler().specs, ["application/x-hdf5"]);
 * ```
 *
 * @param options The backend that reads the files.
 * @returns The handler.
 */
export function hdf5StreamHandler(options: Hdf5HandlerOptions = {}): AssetHandler {
  const { backend } = { ...hdf5HandlerDefaults, ...options };
  return {
    name: "application/x-hdf5",
    specs: ["application/x-hdf5"],
    open(resource, where) {
      const parameters = ("parameters" in resource ? resource.parameters : undefined) as
        | Record<string, unknown>
        | undefined;
      const dataset = typeof parameters?.dataset === "string" ? parameters.dataset : AD_DATASET;
      return openHdf5(resourceFile(resource, where?.root), dataset, backend);
    },
    framesOfDatum(resource) {
      throw new AssetError("A stream resource has stream datums, not datums", {
        file: resourceFile(resource),
        frames: [],
      });
    },
  };
}
