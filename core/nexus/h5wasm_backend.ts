/**
 * The default HDF5 backend: h5wasm, the HDF5 C library compiled to WebAssembly, on real
 * files through Node's file system layer (relative paths are taken from the current folder).
 * Nothing it does prints: HDF5's error reports become part of the errors thrown.
 *
 * @module
 */

import type {
  BackendVersions,
  FrameFile,
  FrameFileOptions,
  Hdf5Backend,
  Hdf5File,
} from "./backend.ts";
import type { NexusTree } from "./tree.ts";
import { claim, h5wasmVersion, loadH5wasm } from "./_h5wasm.ts";
import { createFrameFile } from "./_h5wasm_frames.ts";
import { openFile } from "./_h5wasm_read.ts";
import { writeTree } from "./_h5wasm_write.ts";

/**
 * The {@linkcode Hdf5Backend} of h5wasm.
 *
 * Types: `NX_FLOAT64` and `NX_FLOAT32` as IEEE floats, `NX_INT*` and `NX_UINT*` as integers of
 * their size, `NX_CHAR` as variable-length UTF-8 strings, and `NX_BOOLEAN` as unsigned 8-bit
 * integers (0 or 1), because h5wasm cannot write the enumeration h5py uses for booleans.
 * Attributes: strings, string arrays, booleans (8-bit, as above), integers as 64-bit, other
 * numbers as 64-bit floats, and typed values as their type. Chunked fields are gzip-compressed
 * at their level, except text, which h5wasm can only store uncompressed. A field whose
 * `compression` names a filter of detectors (bitshuffle + LZ4, LZ4) is compressed with it
 * instead, by the plugins of the `h5wasm-plugins` package, which are put on HDF5's plugin
 * path the first time a field needs one.
 *
 * @example Write a small tree and read it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { H5wasmBackend } from "./h5wasm_backend.ts";
 * import { NexusTree } from "./tree.ts";
 * import { nxFloat } from "./nodes.ts";
 *
 * const tree = new NexusTree();
 * const b = tree.builder("example");
 * b.group("/entry", "NXentry", { default: "data" });
 * b.group("/entry/data", "NXdata", { signal: "y" });
 * b.field("/entry/data/y", [1, 4, 9], { attrs: { units: "counts", limit: nxFloat(-32000) } });
 * b.link("/entry/y", "/entry/data/y");
 *
 * const dir = await Deno.makeTempDir();
 * const backend = new H5wasmBackend();
 * await backend.write(tree, `${dir}/example.h5`);
 *
 * const file = await backend.open(`${dir}/example.h5`);
 * try {
 *   const y = file.get("/entry/y");
 *   assert.ok(y?.kind === "dataset");
 *   assert.deepEqual([...y.read() as Float64Array], [1, 4, 9]);
 *   assert.equal(y.address, file.get("/entry/data/y")?.address, "a hard link is the same object");
 *   const limit = y.attributes().find((a) => a.name === "limit");
 *   assert.equal(limit?.type.class, "float");
 * } finally {
 *   file.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export class H5wasmBackend implements Hdf5Backend {
  #versions: Promise<BackendVersions> | undefined;

  /**
   * The versions of h5wasm and of the HDF5 library inside it.
   *
   * @returns `{ library: "h5wasm", libraryVersion, hdf5 }`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { H5wasmBackend } from "./h5wasm_backend.ts";
   * const versions = await new H5wasmBackend().versions();
   * assert.equal(versions.library, "h5wasm");
   * assert.match(versions.hdf5, /^\d+\.\d+\.\d+/);
   * ```
   */
  versions(): Promise<BackendVersions> {
    this.#versions ??= (async () => {
      const { hdf5Version } = await loadH5wasm();
      return { library: "h5wasm", libraryVersion: await h5wasmVersion(), hdf5: hdf5Version };
    })();
    return this.#versions;
  }

  /**
   * Write `tree` to a new file: groups and fields with their attributes, then hard links,
   * then external links. A file that exists is never touched; a file that fails half-way is
   * removed. The tree is not checked again (see {@linkcode Hdf5Backend.write}).
   *
   * @param tree The tree, already checked with `checkTree()`.
   * @param path Where to write; relative paths are taken from the current folder.
   * @throws {Deno.errors.AlreadyExists} When `path` exists.
   * @throws {NexusLayoutError} When HDF5 refuses a node, or a frame of a stack cannot be had
   * or has the wrong size, naming its path and plugin.
   *
   * @example Refuses to overwrite
   * ```ts
   * import assert from "node:assert/strict";
   * import { H5wasmBackend } from "./h5wasm_backend.ts";
   * import { NexusTree } from "./tree.ts";
   * const path = await Deno.makeTempFile({ suffix: ".h5" });
   * await assert.rejects(new H5wasmBackend().write(new NexusTree(), path), Deno.errors.AlreadyExists);
   * await Deno.remove(path);
   * ```
   */
  async write(tree: NexusTree, path: string): Promise<void> {
    const h5 = await loadH5wasm();
    await claim(path);
    try {
      await writeTree(h5, tree, path);
    } catch (error) {
      await Deno.remove(path).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Open a file read-only; see {@linkcode Hdf5File}.
   *
   * @param path The file; relative paths are taken from the current folder.
   * @returns The open file.
   * @throws {Deno.errors.NotFound} Naming the file, when it does not exist.
   * @throws {Error} Naming the file, when it is not a file or has no HDF5 signature.
   *
   * @example A file that is not HDF5
   * ```ts
   * import assert from "node:assert/strict";
   * import { H5wasmBackend } from "./h5wasm_backend.ts";
   * const path = await Deno.makeTempFile({ suffix: ".h5" });
   * await Deno.writeTextFile(path, "some notes, not HDF5");
   * await assert.rejects(new H5wasmBackend().open(path), /is not an HDF5 file/);
   * await Deno.remove(path);
   * ```
   */
  async open(path: string): Promise<Hdf5File> {
    return openFile(await loadH5wasm(), path);
  }

  /**
   * Create a new file holding an empty stack of frames, chunked one frame per chunk and
   * growable without limit; see {@linkcode FrameFile}.
   *
   * @param path The file, which must not exist.
   * @param options The dataset, its frames, and the `NX_class` of the groups above it.
   * @returns The file, to append frames to and close.
   * @throws {RangeError} When the frame shape has a dimension below 1, or the pixel type is
   * not one.
   * @throws {Deno.errors.AlreadyExists} When `path` exists.
   *
   * @example areaDetector's layout, frame by frame
   * ```ts
   * import assert from "node:assert/strict";
   * import { H5wasmBackend } from "./h5wasm_backend.ts";
   * const dir = await Deno.makeTempDir();
   * const backend = new H5wasmBackend();
   * const frames = await backend.createFrameFile(`${dir}/image.h5`, {
   *   dataset: "/entry/data/data",
   *   frameShape: [2, 2],
   *   dtype: "uint16",
   *   classes: { "/entry": "NXentry", "/entry/data": "NXdata" },
   * });
   * for (let i = 0; i < 3; i++) frames.append(new Uint16Array(4).fill(i));
   * frames.close();
   *
   * const file = await backend.open(`${dir}/image.h5`);
   * const data = file.get("/entry/data");
   * assert.equal(data?.attributes().find((a) => a.name === "NX_class")?.read(), "NXdata");
   * const stack = file.get("/entry/data/data");
   * assert.ok(stack?.kind === "dataset");
   * assert.deepEqual(stack.shape, [3, 2, 2]);
   * file.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async createFrameFile(path: string, options: FrameFileOptions): Promise<FrameFile> {
    return createFrameFile(await loadH5wasm(), path, options);
  }
}
