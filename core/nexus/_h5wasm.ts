/**
 * Loading h5wasm, the HDF5 C library compiled to WebAssembly, and turning its failures into
 * errors.
 *
 * Two things about h5wasm shape this file. Its initialisation reads the whole environment,
 * which Deno refuses without `--allow-env`; when that permission is missing the library is
 * shown an empty environment while it loads. And HDF5 prints its error stack to standard
 * error whenever a call fails; the library's standard error is captured instead, so nothing
 * is printed and the report becomes part of the error thrown.
 *
 * Filters beside gzip (bitshuffle, LZ4) come from the `h5wasm-plugins` package: HDF5
 * plugins built for h5wasm's dynamic loading, which HDF5 loads from its plugin search path the
 * first time a dataset needs one. Node's h5wasm works on the real file system, so the
 * package's own folder goes on that path, and nothing is copied. Only the first file that
 * uses such a filter pays for it: start-up does not.
 *
 * @module
 */

import process from "node:process";
import { fileURLToPath } from "node:url";
import type { FrameDtype, FrameFilter } from "./frame_stack.ts";

/** The h5wasm module (`File`, `Group`, `Dataset`, `Module`, ...). */
export type H5wasmApi = typeof import("h5wasm/node");

/** An h5wasm file handle. */
export type H5File = InstanceType<H5wasmApi["File"]>;

/** h5wasm, loaded and ready. */
export interface H5wasm {
  /** The h5wasm module. */
  readonly api: H5wasmApi;
  /** Version of the HDF5 C library inside it, for example `"2.0.0"`. */
  readonly hdf5Version: string;
  /**
   * What HDF5 wrote to its standard error since the last call, which is its error stack
   * when a call failed; reading it empties it.
   */
  takeDiagnostics(): string;
}

let loading: Promise<H5wasm> | undefined;

/**
 * Load h5wasm once per process; later calls get the same instance.
 *
 * @returns The loaded library.
 *
 * @example The HDF5 version
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadH5wasm } from "./_h5wasm.ts";
 * const h5 = await loadH5wasm();
 * assert.match(h5.hdf5Version, /^\d+\.\d+\.\d+/);
 * assert.equal(await loadH5wasm(), h5);
 * ```
 */
export function loadH5wasm(): Promise<H5wasm> {
  loading ??= load().catch((error) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function load(): Promise<H5wasm> {
  const restore = hideEnvironment();
  let api: H5wasmApi;
  try {
    api = await import("h5wasm/node");
    await api.ready;
  } finally {
    restore();
  }
  const take = captureStandardError(api.Module);
  // Found in the library's memory the first time it is asked for: a scan start-up need not pay.
  let version: string | undefined;
  return {
    api,
    get hdf5Version() {
      return version ??= findHdf5Version(api.Module.HEAPU8);
    },
    takeDiagnostics: take,
  };
}

/** Without `--allow-env`, give the library an empty environment while it initialises. */
function hideEnvironment(): () => void {
  if (Deno.permissions.querySync({ name: "env" }).state === "granted") return () => {};
  const original = Object.getOwnPropertyDescriptor(process, "env");
  if (!original?.configurable) return () => {};
  Object.defineProperty(process, "env", {
    value: {},
    configurable: true,
    enumerable: true,
    writable: true,
  });
  return () => Object.defineProperty(process, "env", original);
}

interface EmscriptenStreams {
  createStream(stream: Record<string, unknown>, fd: number): unknown;
}

const DIAGNOSTICS_LIMIT = 1 << 16;

/** Point the library's file descriptor 2 at a buffer (see the module's comment). */
function captureStandardError(module: H5wasmApi["Module"]): () => string {
  let chunks: Uint8Array[] = [];
  let size = 0;
  const write = (_stream: unknown, buffer: Int8Array, offset: number, length: number) => {
    if (size < DIAGNOSTICS_LIMIT) {
      chunks.push(new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length).slice());
      size += length;
    }
    return length;
  };
  (module.FS as unknown as EmscriptenStreams).createStream({
    path: "/dev/stderr",
    flags: 1, // O_WRONLY
    seekable: false,
    position: 0,
    node: { mode: 0o20000 }, // a character device
    stream_ops: { write },
  }, 2);
  return () => {
    // Called around every library call: the common case, nothing printed, costs nothing.
    if (size === 0) return "";
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    chunks = [];
    size = 0;
    return new TextDecoder().decode(bytes);
  };
}

/**
 * h5wasm has no call for the HDF5 version, but HDF5 keeps `H5_VERS_INFO`
 * ("HDF5 library version: X.Y.Z") in its static data, which lives in the module's memory.
 */
function findHdf5Version(heap: Uint8Array): string {
  const marker = new TextEncoder().encode("HDF5 library version: ");
  for (let at = heap.indexOf(marker[0]!); at >= 0; at = heap.indexOf(marker[0]!, at + 1)) {
    if (!marker.every((byte, i) => heap[at + i] === byte)) continue;
    const tail = new TextDecoder().decode(
      heap.subarray(at + marker.length, at + marker.length + 32),
    );
    const version = /^\d+\.\d+\.\d+(-[\w.]+)?/.exec(tail);
    if (version) return version[0];
  }
  return "unknown";
}

/**
 * h5wasm's own version, from its package.json (it has no call for it either).
 * @returns For example `"0.10.3"`, or `"unknown"`.
 */
export async function h5wasmVersion(): Promise<string> {
  const url = import.meta.resolve("h5wasm/node");
  if (url.startsWith("file:")) {
    let folder = new URL(".", url);
    for (let depth = 0; depth < 6; depth++) {
      try {
        const manifest = JSON.parse(await Deno.readTextFile(new URL("package.json", folder)));
        if (manifest.name === "h5wasm" && typeof manifest.version === "string") {
          return manifest.version;
        }
      } catch {
        // No readable package.json here: look one folder up.
      }
      folder = new URL("../", folder);
    }
  }
  return /h5wasm@(\d+\.\d+\.\d+[^/]*)/.exec(decodeURIComponent(url))?.[1] ?? "unknown";
}

/**
 * An error of the library, with HDF5's own report as the cause when it printed one.
 * @param message What failed, naming the file and the path.
 * @param report What HDF5 printed.
 * @returns The error, its message ending with HDF5's first (and last) reason.
 */
export function hdf5Error(message: string, report: string): Error {
  const reasons = [...report.matchAll(/ in [\w.]+\(\): (.+)$/gm)].map((m) => m[1]!.trim());
  const detail = reasons.length === 0
    ? ""
    : reasons.length === 1
    ? `: ${reasons[0]}`
    : `: ${reasons[0]} (${reasons.at(-1)})`;
  return new Error(`${message}${detail}`, report ? { cause: new Error(report) } : undefined);
}

/**
 * Claim `path` for a new file, so an existing file is never truncated.
 * @param path The file.
 * @throws {Deno.errors.AlreadyExists} Naming the file, when it exists.
 */
export async function claim(path: string): Promise<void> {
  try {
    (await Deno.open(path, { write: true, createNew: true })).close();
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new Deno.errors.AlreadyExists(`Cannot write "${path}": the file already exists`);
    }
    throw error;
  }
}

/**
 * Create `path` (claimed with {@linkcode claim}) for writing.
 * @param h5 The library.
 * @param path The file.
 * @returns The handle.
 * @throws {Error} With HDF5's reason, when the library cannot create it.
 */
export function createFile(h5: H5wasm, path: string): H5File {
  h5.takeDiagnostics();
  const file = new h5.api.File(path, "w");
  if (file.file_id < 0n) throw hdf5Error(`Cannot create "${path}"`, h5.takeDiagnostics());
  return file;
}

/**
 * Close a file handle written to.
 * @param h5 The library.
 * @param file The handle.
 * @throws {Error} With HDF5's reason, when the library cannot close it.
 */
export function closeFile(h5: H5wasm, file: H5File): void {
  const status = file.close();
  const report = h5.takeDiagnostics();
  if (status < 0 || report) throw hdf5Error(`Cannot close "${file.filename}"`, report);
}

/** How h5wasm is told to apply a {@linkcode FrameFilter}: HDF5's filter id and settings. */
export interface FilterSetting {
  /** The filter's registered HDF5 id. */
  readonly id: number;
  /** Its client values (`cd_values`), before the filter's own `set_local` fills in more. */
  readonly options: readonly number[];
  /** The plugin's name in `h5wasm-plugins` (`libH5Z<name>.so`). */
  readonly plugin: string;
}

/**
 * Each {@linkcode FrameFilter} as h5wasm applies it. Bitshuffle: block size 0 (the filter
 * chooses), 2 for LZ4, as h5py's `hdf5plugin.Bitshuffle()` and Dectris' Eiger write. LZ4:
 * block size 0, its default (one block per chunk up to 1 GiB).
 */
export const FILTER_SETTINGS: Readonly<Record<FrameFilter, FilterSetting>> = {
  bslz4: { id: 32008, options: [0, 2], plugin: "bshuf" },
  lz4: { id: 32004, options: [0], plugin: "lz4" },
};

let plugins: Promise<string> | undefined;
let pluginFolder: string | undefined;

/**
 * Put the filter plugins of `h5wasm-plugins` on HDF5's plugin search path, once per process:
 * HDF5 then loads each plugin the first time a dataset is written or read with its filter.
 * Loading h5wasm does not do this, so that start-up never pays for it.
 *
 * @param h5 The library.
 * @returns The folder of the plugins.
 * @throws {Error} Naming the package, when it cannot be found or is not on the file system.
 *
 * @example Bitshuffle + LZ4 written and read back
 * ```ts
 * import assert from "node:assert/strict";
 * import { FILTER_SETTINGS, loadFilterPlugins, loadH5wasm } from "./_h5wasm.ts";
 * const h5 = await loadH5wasm();
 * const folder = await loadFilterPlugins(h5);
 * assert.equal(h5.api.Module.get_plugin_search_paths()[0], folder);
 * const dir = await Deno.makeTempDir();
 * const file = new h5.api.File(`${dir}/a.h5`, "w");
 * const { id, options } = FILTER_SETTINGS.bslz4;
 * file.create_dataset({
 *   name: "x",
 *   data: new Uint16Array(64).fill(7),
 *   shape: [64],
 *   chunks: [64],
 *   compression: id,
 *   compression_opts: [...options],
 * });
 * file.close();
 * const back = new h5.api.File(`${dir}/a.h5`, "r");
 * const x = back.get("x") as InstanceType<typeof h5.api.Dataset>;
 * assert.equal(x.filters[0]?.id, 32008);
 * assert.deepEqual([...(x.value as Uint16Array)], new Array(64).fill(7));
 * back.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function loadFilterPlugins(h5: H5wasm): Promise<string> {
  const known = filterPluginsNow(h5);
  if (known !== undefined) return Promise.resolve(known);
  plugins ??= importPlugins().then((folder) => usePlugins(h5, folder)).catch((error) => {
    plugins = undefined;
    throw error;
  });
  return plugins;
}

/**
 * {@linkcode loadFilterPlugins} without waiting, for a reader that meets a dataset whose
 * filter h5wasm lacks (`Dataset.filters` has an id above 6) and must read it synchronously.
 * It finds the package where Deno has installed it; the first write with a filter (which
 * imports the package) makes sure that it is installed.
 *
 * @param h5 The library.
 * @returns The folder of the plugins, or undefined when the package is not installed where
 * it can be found without loading it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filterPluginsNow, loadH5wasm } from "./_h5wasm.ts";
 * const h5 = await loadH5wasm();
 * const folder = filterPluginsNow(h5);
 * if (folder !== undefined) assert.ok(h5.api.Module.get_plugin_search_paths().includes(folder));
 * ```
 */
export function filterPluginsNow(h5: H5wasm): string | undefined {
  if (pluginFolder !== undefined) return pluginFolder;
  let index: string;
  try {
    index = import.meta.resolve("h5wasm-plugins");
  } catch {
    return undefined;
  }
  if (!index.startsWith("file:")) return undefined;
  const folder = fileURLToPath(new URL("./plugins", index));
  try {
    if (!Deno.statSync(folder).isDirectory) return undefined;
  } catch {
    return undefined;
  }
  return usePlugins(h5, folder);
}

function usePlugins(h5: H5wasm, folder: string): string {
  if (h5.api.Module.get_plugin_search_paths()[0] !== folder) {
    h5.api.Module.insert_plugin_search_path(folder, 0);
  }
  pluginFolder = folder;
  return folder;
}

async function importPlugins(): Promise<string> {
  let base: string;
  try {
    ({ base_url: base } = await import("h5wasm-plugins"));
  } catch (cause) {
    throw new Error(
      `Cannot load the HDF5 filter plugins of "h5wasm-plugins": ${(cause as Error).message}`,
      { cause },
    );
  }
  if (!base.startsWith("file:")) {
    throw new Error(
      `Cannot use the HDF5 filter plugins of "h5wasm-plugins": "${base}" is not a folder of this machine`,
    );
  }
  return fileURLToPath(`${base}/plugins`);
}

/** Pixel types as h5wasm names them. */
export const FRAME_DTYPES: Readonly<Record<FrameDtype, string>> = {
  uint8: "<B",
  uint16: "<H",
  uint32: "<I",
  int8: "<b",
  int16: "<h",
  int32: "<i",
  float32: "<f",
  float64: "<d",
};
