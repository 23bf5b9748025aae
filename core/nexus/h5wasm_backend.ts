/**
 * The default HDF5 backend: h5wasm, the HDF5 C library compiled to WebAssembly, writing real
 * files through Node's file system layer (relative paths are taken from the current folder).
 *
 * Two things about h5wasm shape this file. Its initialisation reads the whole environment,
 * which Deno refuses without `--allow-env`; when that permission is missing the library is
 * shown an empty environment while it loads. And HDF5 prints its error stack to standard
 * error whenever a call fails; the library's standard error is captured instead, so nothing
 * is printed and the report becomes part of the error thrown.
 *
 * @module
 */

import process from "node:process";
import { NexusLayoutError } from "../errors.ts";
import type { BackendVersions, Hdf5Backend } from "./backend.ts";
import { FRAME_ARRAYS, isFrameStack } from "./frame_stack.ts";
import type {
  AttrValue,
  NumericArray,
  NxExternalLink,
  NxField,
  NxLink,
  NxNode,
  NxType,
} from "./nodes.ts";
import type { FrameDtype, FrameStack } from "./frame_stack.ts";
import type { NexusTree } from "./tree.ts";

/** The h5wasm module (`File`, `Group`, `Dataset`, `Module`, ...). */
export type H5wasmApi = typeof import("h5wasm/node");

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
 * import { loadH5wasm } from "./h5wasm_backend.ts";
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
  return { api, hdf5Version: findHdf5Version(api.Module.HEAPU8), takeDiagnostics: take };
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

/** h5wasm's own version, from its package.json (it has no call for it either). */
async function h5wasmVersion(): Promise<string> {
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

/** An error of the library, with HDF5's own report as the cause when it printed one. */
function hdf5Error(message: string, report: string): Error {
  const reasons = [...report.matchAll(/ in [\w.]+\(\): (.+)$/gm)].map((m) => m[1]!.trim());
  const detail = reasons.length === 0
    ? ""
    : reasons.length === 1
    ? `: ${reasons[0]}`
    : `: ${reasons[0]} (${reasons.at(-1)})`;
  return new Error(`${message}${detail}`, report ? { cause: new Error(report) } : undefined);
}

interface TypeInfo {
  /** h5wasm's dtype string. */
  dtype: string;
  make: (length: number) => NumericArray;
  bigint: boolean;
  min: number;
  max: number;
}

const NUMERIC: Record<Exclude<NxType, "NX_CHAR">, TypeInfo> = {
  NX_FLOAT64: info("<d", (n) => new Float64Array(n), -Infinity, Infinity),
  NX_FLOAT32: info("<f", (n) => new Float32Array(n), -Infinity, Infinity),
  NX_INT64: info("<q", (n) => new BigInt64Array(n), -(2 ** 63), 2 ** 63 - 1, true),
  NX_INT32: info("<i", (n) => new Int32Array(n), -(2 ** 31), 2 ** 31 - 1),
  NX_INT16: info("<h", (n) => new Int16Array(n), -(2 ** 15), 2 ** 15 - 1),
  NX_INT8: info("<b", (n) => new Int8Array(n), -128, 127),
  NX_UINT64: info("<Q", (n) => new BigUint64Array(n), 0, 2 ** 64 - 1, true),
  NX_UINT32: info("<I", (n) => new Uint32Array(n), 0, 2 ** 32 - 1),
  NX_UINT16: info("<H", (n) => new Uint16Array(n), 0, 2 ** 16 - 1),
  NX_UINT8: info("<B", (n) => new Uint8Array(n), 0, 255),
  // h5wasm cannot make the enum type h5py uses for booleans.
  NX_BOOLEAN: info("<B", (n) => new Uint8Array(n), 0, 1),
};

function info(
  dtype: string,
  make: (length: number) => NumericArray,
  min: number,
  max: number,
  bigint = false,
): TypeInfo {
  return { dtype, make, min, max, bigint };
}

const INT64_LIMITS: Record<string, [bigint, bigint]> = {
  NX_INT64: [-(2n ** 63n), 2n ** 63n - 1n],
  NX_UINT64: [0n, 2n ** 64n - 1n],
};

type Scalar = number | bigint | boolean;

/**
 * Values converted to the typed array of `type`, checked to fit it.
 * @throws {NexusLayoutError} Naming the node, when a value does not fit.
 */
function toTyped(values: ArrayLike<Scalar>, type: NxType, node: NxNode): NumericArray {
  if (type === "NX_CHAR") {
    throw new NexusLayoutError("NX_CHAR needs text: got numbers", where(node));
  }
  const target = NUMERIC[type];
  const sample = target.make(0);
  if (sample.constructor === values.constructor && type !== "NX_BOOLEAN") {
    return values as NumericArray;
  }
  const out = target.make(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    const bad = (why: string) =>
      new NexusLayoutError(`${type} cannot hold ${String(value)}: ${why}`, where(node));
    if (type === "NX_BOOLEAN") {
      if (value !== true && value !== false && Number(value) !== 0 && Number(value) !== 1) {
        throw bad("a boolean is true, false, 0 or 1");
      }
      out[i] = Number(value);
    } else if (target.min === -Infinity) {
      out[i] = Number(value);
    } else if (target.bigint) {
      if (typeof value === "number" && !Number.isInteger(value)) throw bad("not an integer");
      const big = BigInt(value);
      const [lo, hi] = INT64_LIMITS[type]!;
      if (big < lo || big > hi) throw bad("out of range");
      out[i] = big;
    } else {
      const number = Number(value);
      if (!Number.isInteger(number)) throw bad("not an integer");
      if (number < target.min || number > target.max) throw bad("out of range");
      out[i] = number;
    }
  }
  return out;
}

function where(node: NxNode): { path: string; plugin: string } {
  return { path: node.path, plugin: node.owner };
}

interface Prepared {
  data: NumericArray | string | string[];
  shape: number[];
  dtype: string;
}

function prepareField(field: NxField): Prepared {
  const { data, dtype: type, shape } = field;
  const count = shape.reduce((a, b) => a * b, 1);
  const length = typeof data === "object" ? (data as ArrayLike<unknown>).length : 1;
  if (count !== length) {
    throw new NexusLayoutError(
      `Shape [${shape.join(", ")}] holds ${count} values: the data has ${length}`,
      where(field),
    );
  }
  const text = typeof data === "string" || Array.isArray(data) && typeof data[0] === "string";
  if (type === "NX_CHAR") {
    if (!text && !(Array.isArray(data) && data.length === 0)) {
      throw new NexusLayoutError("NX_CHAR needs text: got numbers", where(field));
    }
    return { data: data as string | string[], shape, dtype: "S" };
  }
  if (text) throw new NexusLayoutError(`${type} needs numbers: got text`, where(field));
  const values = typeof data === "object" ? data as ArrayLike<Scalar> : [data as Scalar];
  return { data: toTyped(values, type, field), shape, dtype: NUMERIC[type].dtype };
}

function prepareAttribute(value: AttrValue, node: NxNode): Prepared {
  if (typeof value === "string") return { data: value, shape: [], dtype: "S" };
  if (typeof value === "boolean") {
    return { data: new Uint8Array([Number(value)]), shape: [], dtype: "<B" };
  }
  if (typeof value === "bigint") {
    return { data: toTyped([value], "NX_INT64", node), shape: [], dtype: "<q" };
  }
  if (typeof value === "number") {
    const type = isInt64(value) ? "NX_INT64" : "NX_FLOAT64";
    return { data: toTyped([value], type, node), shape: [], dtype: NUMERIC[type].dtype };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { data: new Float64Array(0), shape: [0], dtype: "<d" };
    if (typeof value[0] === "string") {
      return { data: value as string[], shape: [value.length], dtype: "S" };
    }
    const numbers = value as number[];
    const type = numbers.every(isInt64) ? "NX_INT64" : "NX_FLOAT64";
    return {
      data: toTyped(numbers, type, node),
      shape: [numbers.length],
      dtype: NUMERIC[type].dtype,
    };
  }
  const { value: typed, dtype: type } = value;
  if (type === "NX_CHAR") {
    throw new NexusLayoutError(
      "An NX_CHAR attribute takes a string: got a typed value",
      where(node),
    );
  }
  const scalar = typeof typed === "number" || typeof typed === "bigint";
  const values = scalar ? [typed] : typed;
  return {
    data: toTyped(values, type, node),
    shape: scalar ? [] : [values.length],
    dtype: NUMERIC[type].dtype,
  };
}

function isInt64(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < 2 ** 63;
}

function parentPath(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** Chunk shape and gzip level for a field, as h5wasm wants them; undefined for contiguous. */
function storage(field: NxField): { chunks: number[]; level: number | undefined } | undefined {
  const { chunks, compression, shape } = field;
  if (chunks === undefined && compression === undefined) return undefined;
  if (shape.length === 0) {
    throw new NexusLayoutError("A scalar field cannot be chunked or compressed", where(field));
  }
  if (
    compression !== undefined &&
    !(Number.isInteger(compression) && compression >= 0 && compression <= 9)
  ) {
    throw new NexusLayoutError(`The gzip level must be 0-9: got ${compression}`, where(field));
  }
  if (chunks !== undefined) {
    if (chunks.length !== shape.length || !chunks.every((c) => Number.isInteger(c) && c > 0)) {
      throw new NexusLayoutError(
        `Chunks [${chunks.join(", ")}] do not fit shape [${shape.join(", ")}]`,
        where(field),
      );
    }
  }
  // An empty dataset has nothing to chunk, and HDF5 refuses chunks larger than a fixed shape.
  if (shape.includes(0)) return undefined;
  const fitted = (chunks ?? shape).map((c, i) => Math.min(c, shape[i]!));
  // h5wasm cannot filter variable-length strings: they are chunked but stored uncompressed.
  const level = field.dtype === "NX_CHAR" || !compression ? undefined : compression;
  return { chunks: fitted, level };
}

/**
 * Writes a {@linkcode NexusTree} to a new HDF5 file with h5wasm.
 *
 * Types: `NX_FLOAT64` and `NX_FLOAT32` as IEEE floats, `NX_INT*` and `NX_UINT*` as integers of
 * their size, `NX_CHAR` as variable-length UTF-8 strings, and `NX_BOOLEAN` as unsigned 8-bit
 * integers (0 or 1), because h5wasm cannot write the enumeration h5py uses for booleans.
 * Attributes: strings, string arrays, booleans (8-bit, as above), integers as 64-bit, other
 * numbers as 64-bit floats, and typed values as their type. Chunked fields are gzip-compressed
 * at their level, except text, which h5wasm can only store uncompressed.
 *
 * @example Write a small tree and read it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { H5wasmBackend, loadH5wasm } from "./h5wasm_backend.ts";
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
 * const path = `${dir}/example.h5`;
 * await new H5wasmBackend().write(tree, path);
 *
 * const { api } = await loadH5wasm();
 * const file = new api.File(path, "r");
 * try {
 *   const y = file.get("/entry/y") as InstanceType<typeof api.Dataset>;
 *   assert.deepEqual(Array.from(y.value as Float64Array), [1, 4, 9]);
 *   const entry = file.get("/entry") as InstanceType<typeof api.Group>;
 *   assert.equal(entry.attrs["NX_class"]?.value, "NXentry");
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
   * removed.
   *
   * @param tree The tree, already checked with {@linkcode NexusTree.check}.
   * @param path Where to write; relative paths are taken from the current folder.
   * @throws {Deno.errors.AlreadyExists} When `path` exists.
   * @throws {NexusLayoutError} When a node cannot be written as described (data that does
   * not fit its type or shape, links that cannot be made), naming its path and plugin.
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
    try {
      // Claim the name first, so an existing file is never truncated.
      (await Deno.open(path, { write: true, createNew: true })).close();
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new Deno.errors.AlreadyExists(`Cannot write "${path}": the file already exists`);
      }
      throw error;
    }
    try {
      await writeTree(h5, tree, path);
    } catch (error) {
      await Deno.remove(path).catch(() => undefined);
      throw error;
    }
  }
}

async function writeTree(h5: H5wasm, tree: NexusTree, path: string): Promise<void> {
  const { api } = h5;
  h5.takeDiagnostics();
  const file = new api.File(path, "w");
  if (file.file_id < 0n) throw hdf5Error(`Cannot create "${path}"`, h5.takeDiagnostics());
  try {
    await writeContent(h5, file, tree);
  } catch (error) {
    file.close();
    h5.takeDiagnostics();
    throw error;
  }
  const status = file.close();
  const report = h5.takeDiagnostics();
  if (status < 0 || report) throw hdf5Error(`Cannot close "${path}"`, report);
}

async function writeContent(h5: H5wasm, file: H5File, tree: NexusTree): Promise<void> {
  const { api } = h5;
  const links: NxLink[] = [];
  const external: NxExternalLink[] = [];
  const stacks: NxField[] = [];
  for (const node of tree.walk()) {
    if (node.kind === "link") links.push(node);
    else if (node.kind === "external_link") external.push(node);
    else if (node.kind === "field" && isFrameStack(node.data)) {
      createStack(h5, file, node);
      stacks.push(node);
    } else writeNode(h5, file, node);
  }
  for (const field of stacks) await fillStack(h5, file, field);
  for (const link of linkOrder(tree, links)) {
    run(h5, link, `Cannot link to "${link.target}"`, () => {
      const parent = new api.Group(file.file_id, parentPath(link.path));
      return parent.create_hard_link(link.target, link.name);
    });
    writeLinkAttributes(h5, file, tree, link);
  }
  for (const link of external) {
    if (link.attrs.size > 0) {
      throw new NexusLayoutError(
        "An external link cannot carry attributes (they belong to the other file)",
        where(link),
      );
    }
    run(h5, link, `Cannot link to "${link.file}:${link.target}"`, () => {
      const parent = new api.Group(file.file_id, parentPath(link.path));
      return parent.create_external_link(link.file, link.target, link.name);
    });
  }
}

/** Run one h5wasm call for `node`; a negative status or an HDF5 report is an error. */
function run(h5: H5wasm, node: NxNode, message: string, call: () => unknown): void {
  h5.takeDiagnostics();
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    throw new NexusLayoutError(`${message}: ${(error as Error).message ?? error}`, where(node), {
      cause: error,
    });
  }
  const report = h5.takeDiagnostics();
  if (report || result === null || typeof result === "number" && result < 0) {
    const cause = hdf5Error(message, report);
    throw new NexusLayoutError(cause.message, where(node), { cause });
  }
}

type H5File = InstanceType<H5wasmApi["File"]>;

/** Pixel types as h5wasm names them. */
const FRAME_DTYPES: Readonly<Record<FrameDtype, string>> = {
  uint8: "<B",
  uint16: "<H",
  uint32: "<I",
  int8: "<b",
  int16: "<h",
  int32: "<i",
  float32: "<f",
  float64: "<d",
};

/** The dataset of a frame stack, empty; its frames are written by {@linkcode fillStack}. */
function createStack(h5: H5wasm, file: H5File, field: NxField): void {
  const stack = field.data as FrameStack;
  const parent = new h5.api.Group(file.file_id, parentPath(field.path));
  const full = [stack.count, ...stack.frameShape];
  const layout = stack.count === 0 ? undefined : storage(field);
  run(h5, field, "Cannot create the field", () =>
    parent.create_dataset({
      name: field.name,
      data: new FRAME_ARRAYS[stack.dtype](0),
      shape: [0, ...stack.frameShape],
      maxshape: full,
      dtype: FRAME_DTYPES[stack.dtype],
      ...(layout
        ? { chunks: layout.chunks }
        : { chunks: [1, ...stack.frameShape.map((n) => Math.max(n, 1))] }),
      ...(layout?.level !== undefined
        ? { compression: "gzip", compression_opts: layout.level }
        : {}),
    }));
  for (const [name, { value }] of field.attrs) {
    writeAttribute(h5, file, field, field.path, name, value);
  }
}

/** Write a stack's frames one at a time: memory holds one frame, whatever the count. */
async function fillStack(h5: H5wasm, file: H5File, field: NxField): Promise<void> {
  const stack = field.data as FrameStack;
  if (stack.count === 0) return;
  const dataset = new h5.api.Dataset(file.file_id, field.path);
  run(h5, field, "Cannot size the field", () => dataset.resize([stack.count, ...stack.frameShape]));
  const size = stack.frameShape.reduce((a, b) => a * b, 1);
  const rest = stack.frameShape.map((n): [number, number] => [0, n]);
  for (let i = 0; i < stack.count; i++) {
    let frame: ArrayLike<number>;
    try {
      frame = await stack.frame(i);
    } catch (error) {
      throw new NexusLayoutError(
        `Frame ${i} could not be read: ${(error as Error).message}`,
        where(field),
        {
          cause: error,
        },
      );
    }
    if (frame.length !== size) {
      throw new NexusLayoutError(
        `Frame ${i} has ${frame.length} values: a frame of [${
          stack.frameShape.join(", ")
        }] has ${size}`,
        where(field),
      );
    }
    const values = frame instanceof FRAME_ARRAYS[stack.dtype]
      ? frame
      : FRAME_ARRAYS[stack.dtype].from(frame as ArrayLike<number>);
    run(
      h5,
      field,
      `Cannot write frame ${i}`,
      () => dataset.write_slice([[i, i + 1], ...rest], values),
    );
  }
}

function writeNode(h5: H5wasm, file: H5File, node: Exclude<NxNode, NxLink | NxExternalLink>) {
  const { api } = h5;
  const parent = new api.Group(file.file_id, parentPath(node.path));
  if (node.kind === "group") {
    if (node.path !== "/") {
      run(h5, node, "Cannot create the group", () => parent.create_group(node.name));
      if (node.nxClass) writeAttribute(h5, file, node, node.path, "NX_class", node.nxClass);
    }
  } else {
    const { data, shape, dtype } = prepareField(node);
    const layout = storage(node);
    run(h5, node, "Cannot create the field", () =>
      parent.create_dataset({
        name: node.name,
        data,
        shape,
        dtype,
        ...(layout ? { chunks: layout.chunks } : {}),
        ...(layout?.level !== undefined
          ? { compression: "gzip", compression_opts: layout.level }
          : {}),
      }));
  }
  for (const [name, { value }] of node.attrs) {
    writeAttribute(h5, file, node, node.path, name, value);
  }
}

function writeAttribute(
  h5: H5wasm,
  file: H5File,
  node: NxNode,
  objectPath: string,
  name: string,
  value: AttrValue,
): void {
  const { data, shape, dtype } = prepareAttribute(value, node);
  run(h5, node, `Cannot write attribute "@${name}"`, () => {
    new h5.api.Group(file.file_id, objectPath).create_attribute(name, data, shape, dtype);
  });
}

/** Attributes set on a link belong to the object it links to. */
function writeLinkAttributes(h5: H5wasm, file: H5File, tree: NexusTree, link: NxLink): void {
  if (link.attrs.size === 0) return;
  const target = tree.resolve(link.target);
  for (const [name, { value }] of link.attrs) {
    if (target?.attrs.has(name) || name === "NX_class") {
      throw new NexusLayoutError(
        `Attribute "@${name}" is set both on the link and on its target "${link.target}"`,
        where(link),
      );
    }
    writeAttribute(h5, file, link, link.path, name, value);
  }
}

/**
 * Hard links in an order HDF5 can make them: a link whose target passes through another link
 * comes after that link.
 */
function linkOrder(tree: NexusTree, links: NxLink[]): NxLink[] {
  for (const link of links) {
    if (tree.resolve(link.target)?.kind === "external_link") {
      throw new NexusLayoutError(
        `A hard link cannot point into another file (through "${link.target}")`,
        where(link),
      );
    }
  }
  const ordered: NxLink[] = [];
  let pending = links;
  while (pending.length > 0) {
    const waiting = new Set(pending.map((link) => link.path));
    const blocked = (link: NxLink) =>
      [...waiting].some((p) => link.target === p || link.target.startsWith(`${p}/`));
    const ready = pending.filter((link) => !blocked(link));
    if (ready.length === 0) {
      throw new NexusLayoutError(
        `Links form a cycle: ${pending.map((l) => `"${l.path}"`).join(", ")}`,
        where(pending[0]!),
      );
    }
    ordered.push(...ready);
    pending = pending.filter(blocked);
  }
  return ordered;
}
