/**
 * Asset handlers: plugins that read the frames a run's datums point at, keyed by resource
 * spec (`AD_HDF5`) or stream-resource mimetype (`application/x-hdf5`), as databroker's
 * handler registry.
 *
 * @module
 */

import type { Resource, StreamResource } from "../documents/types.ts";
import type { FrameDtype } from "../nexus/frame_stack.ts";

/**
 * Frame data of one of the {@linkcode FrameDtype}s.
 */
export type FrameArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/**
 * An open asset file: its frames, by index.
 *
 * @example Frames in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FrameSource } from "./asset_handler.ts";
 * const source: FrameSource = {
 *   file: "memory", dataset: undefined, frameShape: [2], dtype: "uint8", count: 3,
 *   read: (i) => new Uint8Array([i, i]), close() {},
 * };
 * assert.deepEqual([...source.read(2)], [2, 2]);
 * ```
 */
export interface FrameSource {
  /** Path of the file that holds the frames. */
  readonly file: string;
  /** The HDF5 dataset of the frames, when they are one (an external link can point at it). */
  readonly dataset: string | undefined;
  /** Shape of one frame. */
  readonly frameShape: readonly number[];
  /** Type of the pixels. */
  readonly dtype: FrameDtype;
  /** Number of frames the file holds now. */
  readonly count: number;
  /**
   * One frame, read from the file (memory of one frame only).
   * @param index The frame's index in the file.
   * @returns Its pixels, row-major.
   */
  read(index: number): FrameArray;
  /** Close the file. */
  close(): void;
}

/**
 * A resource or a stream resource.
 */
export type AnyResource = Resource | StreamResource;

/**
 * Reads the files of one kind of resource.
 *
 * @example A handler of a third-party spec
 * ```ts
 * import assert from "node:assert/strict";
 * import { AssetRegistry, type AssetHandler } from "./asset_handler.ts";
 * const tiff: AssetHandler = {
 *   name: "tiff", specs: ["AD_TIFF"],
 *   open: () => { throw new Error("not in this example"); },
 *   framesOfDatum: (_resource, kwargs) => [Number(kwargs.point_number)],
 * };
 * assert.equal(new AssetRegistry([tiff]).get("AD_TIFF"), tiff);
 * ```
 */
export interface AssetHandler {
  /** Name, for messages. */
  readonly name: string;
  /** Resource specs or stream-resource mimetypes it reads. */
  readonly specs: readonly string[];
  /**
   * Open the file of a resource.
   * @param resource The resource.
   * @param options Folder of relative paths.
   * @returns The frames.
   * @throws {AssetError} When the file is missing or cannot be read (yet).
   */
  open(resource: AnyResource, options?: { root?: string }): Promise<FrameSource> | FrameSource;
  /**
   * Frame indices in the file that one classic datum points at.
   * @param resource The datum's resource.
   * @param datumKwargs The datum's `datum_kwargs`.
   * @returns The indices, in order.
   */
  framesOfDatum(resource: Resource, datumKwargs: Record<string, unknown>): number[];
}

/**
 * The spec of a resource, or the mimetype of a stream resource.
 *
 * @example The key of the handler registry
 * ```ts
 * import assert from "node:assert/strict";
 * import { specOf } from "./asset_handler.ts";
 * assert.equal(specOf({ uid: "s", data_key: "k", mimetype: "application/x-hdf5", uri: "", parameters: {} }), "application/x-hdf5");
 * ```
 */
export function specOf(resource: AnyResource): string {
  return "spec" in resource ? String(resource.spec) : String(resource.mimetype);
}

/**
 * Asset handlers by spec or mimetype; third parties add theirs with `use()`.
 *
 * @example Find the handler of a resource
 * ```ts
 * import assert from "node:assert/strict";
 * import { AssetRegistry, builtinAssetHandlers } from "./mod.ts";
 * const registry = new AssetRegistry(builtinAssetHandlers());
 * assert.equal(registry.get("AD_HDF5")?.name, "AD_HDF5");
 * assert.equal(registry.get("application/x-hdf5")?.name, "application/x-hdf5");
 * assert.equal(registry.get("TIFF"), undefined);
 * ```
 */
export class AssetRegistry {
  readonly #handlers = new Map<string, AssetHandler>();

  /**
   * Make a registry.
   * @param handlers Handlers to register, in order.
   */
  constructor(handlers: readonly AssetHandler[] = []) {
    for (const handler of handlers) this.use(handler);
  }

  /**
   * Register a handler for its specs.
   * @param handler The handler.
   * @returns This registry, for chaining.
   * @throws {TypeError} When one of its specs has a handler already.
   */
  use(handler: AssetHandler): this {
    for (const spec of handler.specs) {
      const taken = this.#handlers.get(spec);
      if (taken) {
        throw new TypeError(
          `Spec "${spec}" already has the asset handler "${taken.name}": "${handler.name}" refused`,
        );
      }
    }
    for (const spec of handler.specs) this.#handlers.set(spec, handler);
    return this;
  }

  /**
   * The handler of a spec or mimetype.
   * @param spec The spec.
   * @returns The handler, or undefined.
   */
  get(spec: string): AssetHandler | undefined {
    return this.#handlers.get(spec);
  }

  /** The specs that have a handler. */
  get specs(): string[] {
    return [...this.#handlers.keys()];
  }
}
