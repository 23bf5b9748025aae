/**
 * The HDF5 backend interface: the writer depends on this, not on a particular library, so
 * another HDF5 implementation can take h5wasm's place.
 *
 * @module
 */

import type { NexusTree } from "./tree.ts";

/**
 * Versions of the HDF5 library a backend writes with.
 *
 * @example What a backend reports
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BackendVersions } from "./backend.ts";
 * const versions: BackendVersions = { library: "h5wasm", libraryVersion: "0.10.3", hdf5: "2.0.0" };
 * assert.equal(`${versions.library}_version`, "h5wasm_version");
 * ```
 */
export interface BackendVersions {
  /** Name of the backend library, for example `"h5wasm"`. */
  readonly library: string;
  /** Version of the backend library. */
  readonly libraryVersion: string;
  /** Version of the HDF5 C library underneath, for the file's `@HDF5_Version`. */
  readonly hdf5: string;
}

/**
 * Writes a checked {@linkcode NexusTree} to a new HDF5 file.
 *
 * @example A backend that records what it is asked to write
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Hdf5Backend } from "./backend.ts";
 * import { NexusTree } from "./tree.ts";
 * const written: string[] = [];
 * const backend: Hdf5Backend = {
 *   versions: () => Promise.resolve({ library: "none", libraryVersion: "0", hdf5: "0" }),
 *   write: (_tree, path) => Promise.resolve(void written.push(path)),
 * };
 * await backend.write(new NexusTree(), "a.h5");
 * assert.deepEqual(written, ["a.h5"]);
 * ```
 */
export interface Hdf5Backend {
  /** The library versions, for the file's root attributes. */
  versions(): Promise<BackendVersions>;
  /**
   * Write `tree` to a new file at `path` (which must not exist), in one pass: groups and
   * fields with their attributes first, then hard and external links.
   * @param tree The tree, already checked.
   * @param path Where to write.
   */
  write(tree: NexusTree, path: string): Promise<void>;
}
