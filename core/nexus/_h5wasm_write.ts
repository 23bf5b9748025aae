/**
 * Writing a {@linkcode NexusTree} with h5wasm: each node converted to what the library takes,
 * in one pass. The tree has passed `checkTree()`, so nothing here checks a layout rule
 * again; what fails here is what only the library, or the frames of a stack, can tell.
 *
 * @module
 */

import { EventLoopTurns } from "../event_loop_turns.ts";
import { NexusLayoutError } from "../errors.ts";
import { FRAME_ARRAYS, type FrameStack, isFrameStack } from "./frame_stack.ts";
import type { Compression } from "./backend.ts";
import type {
  AttrValue,
  NumericArray,
  NxExternalLink,
  NxField,
  NxLink,
  NxNode,
  NxType,
} from "./nodes.ts";
import type { NexusTree } from "./tree.ts";
import {
  closeFile,
  createFile,
  FILTER_SETTINGS,
  FRAME_DTYPES,
  type H5File,
  type H5wasm,
  hdf5Error,
  loadFilterPlugins,
} from "./_h5wasm.ts";

/**
 * Write `tree` to `path`, a new file the caller has claimed.
 * @param h5 The library.
 * @param tree The checked tree.
 * @param path The file.
 * @throws {NexusLayoutError} Naming the node's path and plugin, when the library refuses a
 * node or a frame of a stack cannot be had.
 */
export async function writeTree(h5: H5wasm, tree: NexusTree, path: string): Promise<void> {
  const file = createFile(h5, path);
  const calls = new LibraryCalls(h5, file);
  try {
    await writeContent(h5, file, calls, tree);
  } catch (error) {
    calls.release();
    file.close();
    h5.takeDiagnostics();
    throw error;
  }
  calls.release();
  closeFile(h5, file);
}

async function writeContent(
  h5: H5wasm,
  file: H5File,
  calls: LibraryCalls,
  tree: NexusTree,
): Promise<void> {
  const { api } = h5;
  const links: NxLink[] = [];
  const external: NxExternalLink[] = [];
  const stacks: NxField[] = [];
  for (const node of tree.walk()) {
    if (node.kind === "link") links.push(node);
    else if (node.kind === "external_link") external.push(node);
    else if (node.kind === "field" && isFrameStack(node.data)) {
      if (typeof node.compression === "string") await filterPlugins(h5, node);
      createStack(h5, file, calls, node);
      stacks.push(node);
    } else {
      if (node.kind === "field" && typeof node.compression === "string") {
        await filterPlugins(h5, node);
      }
      writeNode(h5, calls, node);
    }
  }
  for (const field of stacks) await fillStack(h5, file, field);
  for (const link of linkOrder(links)) {
    run(h5, link, `Cannot link to "${link.target}"`, () => calls.hardLink(link.target, link.path));
    // Attributes set on a link belong to the object it links to.
    for (const [name, { value }] of link.attrs) writeAttribute(h5, calls, link, name, value);
  }
  // An external link has no attributes of its own in HDF5 (checkTree refuses them), and
  // writing through it would change the other file.
  for (const link of external) {
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

function where(node: NxNode): { path: string; plugin: string } {
  return { path: node.path, plugin: node.owner };
}

function parentPath(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

// ---------------------------------------------------------------------------------------------
// Values: NeXus types to the typed arrays and dtype strings of h5wasm.

interface TypeInfo {
  /** h5wasm's dtype string. */
  dtype: string;
  Values: new (length: number) => NumericArray;
}

const NUMERIC: Record<Exclude<NxType, "NX_CHAR">, TypeInfo> = {
  NX_FLOAT64: { dtype: "<d", Values: Float64Array },
  NX_FLOAT32: { dtype: "<f", Values: Float32Array },
  NX_INT64: { dtype: "<q", Values: BigInt64Array },
  NX_INT32: { dtype: "<i", Values: Int32Array },
  NX_INT16: { dtype: "<h", Values: Int16Array },
  NX_INT8: { dtype: "<b", Values: Int8Array },
  NX_UINT64: { dtype: "<Q", Values: BigUint64Array },
  NX_UINT32: { dtype: "<I", Values: Uint32Array },
  NX_UINT16: { dtype: "<H", Values: Uint16Array },
  NX_UINT8: { dtype: "<B", Values: Uint8Array },
  // h5wasm cannot make the enum type h5py uses for booleans.
  NX_BOOLEAN: { dtype: "<B", Values: Uint8Array },
};

const TEXT = "S";

type Scalar = number | bigint | boolean;

/** Values as the typed array of `type`; an array of that type already is used as it is. */
function toTyped(values: ArrayLike<Scalar>, type: Exclude<NxType, "NX_CHAR">): NumericArray {
  const { Values } = NUMERIC[type];
  if (values.constructor === Values && type !== "NX_BOOLEAN") return values as NumericArray;
  const out = new Values(values.length);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!);
  } else {
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]!);
  }
  return out;
}

interface Prepared {
  data: NumericArray | string | string[];
  shape: number[];
  dtype: string;
}

function prepareField(field: NxField): Prepared {
  const { data, dtype: type, shape } = field;
  if (type === "NX_CHAR") return { data: data as string | string[], shape, dtype: TEXT };
  const values = typeof data === "object" ? data as ArrayLike<Scalar> : [data as Scalar];
  return { data: toTyped(values, type), shape, dtype: NUMERIC[type].dtype };
}

function prepareAttribute(value: AttrValue): Prepared {
  if (typeof value === "string") return { data: value, shape: [], dtype: TEXT };
  if (typeof value === "boolean") return { data: toTyped([value], "NX_BOOLEAN"), ...scalar("<B") };
  if (typeof value === "bigint") return { data: toTyped([value], "NX_INT64"), ...scalar("<q") };
  if (typeof value === "number") {
    const type = isInt64(value) ? "NX_INT64" : "NX_FLOAT64";
    return { data: toTyped([value], type), ...scalar(NUMERIC[type].dtype) };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { data: new Float64Array(0), shape: [0], dtype: "<d" };
    if (typeof value[0] === "string") {
      return { data: value as string[], shape: [value.length], dtype: TEXT };
    }
    const numbers = value as number[];
    const type = numbers.every(isInt64) ? "NX_INT64" : "NX_FLOAT64";
    return { data: toTyped(numbers, type), shape: [numbers.length], dtype: NUMERIC[type].dtype };
  }
  const { value: typed, dtype: type } = value;
  const single = typeof typed === "number" || typeof typed === "bigint";
  const values = single ? [typed] : typed;
  const shape = single ? [] : [values.length];
  if (type === "NX_CHAR") {
    return { data: single ? String(typed) : Array.from(values, String), shape, dtype: TEXT };
  }
  return { data: toTyped(values, type), shape, dtype: NUMERIC[type].dtype };
}

function scalar(dtype: string): { shape: number[]; dtype: string } {
  return { shape: [], dtype };
}

function isInt64(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) < 2 ** 63;
}

/** Chunk shape and compression of a field, as h5wasm wants them; undefined for contiguous. */
function storage(
  field: NxField,
): { chunks: number[]; level: Compression | undefined } | undefined {
  const { chunks, compression, shape } = field;
  if (chunks === undefined && compression === undefined) return undefined;
  // An empty dataset has nothing to chunk, and HDF5 refuses chunks larger than a fixed shape.
  if (shape.length === 0 || shape.includes(0)) return undefined;
  const fitted = (chunks ?? shape).map((c, i) => Math.min(c, shape[i]!));
  // h5wasm cannot filter variable-length strings: they are chunked but stored uncompressed.
  const level = field.dtype === "NX_CHAR" || !compression ? undefined : compression;
  return { chunks: fitted, level };
}

/** A filter as HDF5 takes it: its id and client values. */
interface Filter {
  id: number;
  options: number[];
}

/** The filter of a compressed field: gzip at its level, or a filter of detectors. */
function filterOf(field: NxField, level: Compression): Filter {
  if (typeof level === "number") return { id: GZIP, options: [level] };
  const setting = FILTER_SETTINGS[level];
  if (setting === undefined) {
    throw new NexusLayoutError(
      `Unknown filter "${level}": one of ${
        Object.keys(FILTER_SETTINGS).map((f) => `"${f}"`).join(", ")
      }`,
      where(field),
    );
  }
  return { id: setting.id, options: [...setting.options] };
}

/** HDF5's id of the deflate (gzip) filter. */
const GZIP = 1;

/** The filter plugins, for a field that needs one; their failure names the field. */
async function filterPlugins(h5: H5wasm, field: NxField): Promise<void> {
  try {
    await loadFilterPlugins(h5);
  } catch (error) {
    const filter = field.compression;
    throw new NexusLayoutError(
      `Cannot compress with "${filter}": ${(error as Error).message}`,
      where(field),
      { cause: error },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Library calls.

type Module = H5wasm["api"]["Module"];
/** What h5wasm's Module takes to describe a new attribute's or dataset's type and shape. */
type WriteMetadata = Parameters<Module["create_dataset"]>[3];
type TypeMetadata = Omit<WriteMetadata, "shape" | "maxshape">;

/**
 * The calls of h5wasm's Module that write a file, made as h5wasm's `Group.create_group`,
 * `create_dataset`, `create_attribute` and `create_hard_link` make them, without what those
 * do besides. Each `create_*` of h5wasm parses its dtype string again, converts the data it
 * is given whatever its type, and `create_group` and `create_dataset` end by looking the new
 * member up, to return it: nearly a third of a small file's writing. Here each dtype is
 * parsed once per file (by h5wasm's own `dtype_to_metadata`), the data already has the type
 * of its dtype (see `prepareField`, `prepareAttribute`), numbers are copied into one buffer
 * of the library's memory kept for the whole file, and nothing is looked up. The library
 * receives the same calls, with the same values: the file is the same.
 */
class LibraryCalls {
  readonly #h5: H5wasm;
  readonly #module: Module;
  readonly #file: bigint;
  readonly #types = new Map<string, TypeMetadata>();
  /** The buffer in the library's memory that numbers are copied to, and its size. */
  #buffer = 0;
  #capacity = 0;

  constructor(h5: H5wasm, file: H5File) {
    this.#h5 = h5;
    this.#module = h5.api.Module;
    this.#file = file.file_id;
  }

  /** Create the group at `path`; the status of HDF5's close of it. */
  group(path: string): number {
    return this.#module.create_group(this.#file, path, false);
  }

  /** Link `path` to the object at `target`; HDF5's status. */
  hardLink(target: string, path: string): number {
    return this.#module.create_hard_link(this.#file, target, path);
  }

  /** Create the dataset at `path` holding `prepared`; HDF5's status. */
  dataset(
    path: string,
    prepared: Prepared,
    chunks: number[] | undefined,
    filter: Filter | undefined,
  ): number {
    const type = this.#type(prepared.dtype);
    const shape = prepared.shape.map(BigInt);
    const metadata = {
      ...type,
      shape,
      maxshape: shape,
      chunks: chunks === undefined ? null : chunks.map(BigInt),
      compression: filter?.id ?? 0,
      compression_opts: filter?.options ?? [],
      track_order: false,
    } as unknown as WriteMetadata;
    if (type.vlen) {
      return this.#module.create_vlen_str_dataset(this.#file, path, texts(prepared), metadata);
    }
    return this.#module.create_dataset(this.#file, path, this.#copy(prepared), metadata);
  }

  /** Create the attribute `name` of the object at `path` holding `prepared`; HDF5's status. */
  attribute(path: string, name: string, prepared: Prepared): number {
    const type = this.#type(prepared.dtype);
    const shape = prepared.shape.length === 0 ? SCALAR : prepared.shape.map(BigInt);
    const metadata = { ...type, shape, maxshape: shape } as WriteMetadata;
    if (type.vlen) {
      return this.#module.create_vlen_str_attribute(
        this.#file,
        path,
        name,
        texts(prepared),
        metadata,
      );
    }
    return this.#module.create_attribute(this.#file, path, name, this.#copy(prepared), metadata);
  }

  /** Give the buffer back to the library. */
  release(): void {
    if (this.#buffer !== 0) this.#module._free(this.#buffer);
    this.#buffer = 0;
    this.#capacity = 0;
  }

  #type(dtype: string): TypeMetadata {
    let type = this.#types.get(dtype);
    if (type === undefined) {
      type = this.#h5.api.dtype_to_metadata(dtype) as unknown as TypeMetadata;
      this.#types.set(dtype, type);
    }
    return type;
  }

  /** The numbers of `prepared`, copied into the library's memory: their address there. */
  #copy(prepared: Prepared): bigint {
    const values = prepared.data as NumericArray;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    if (bytes.length > this.#capacity || this.#buffer === 0) {
      this.release();
      const size = Math.max(bytes.length, 64);
      const address = this.#module._malloc(size);
      if (address === 0) throw new Error(`Memory allocation of ${size} bytes failed`);
      this.#buffer = address;
      this.#capacity = size;
    }
    // Read the heap after the allocation: a memory that grew has a new buffer.
    this.#module.HEAPU8.set(bytes, this.#buffer);
    return BigInt(this.#buffer);
  }
}

/** The shape of a single value. */
const SCALAR: bigint[] = [];

/** The strings of a text value, as the library takes them: a list, even for one. */
function texts(prepared: Prepared): string[] {
  const { data } = prepared;
  return typeof data === "string" ? [data] : data as string[];
}

// ---------------------------------------------------------------------------------------------
// Nodes.

function writeNode(
  h5: H5wasm,
  calls: LibraryCalls,
  node: Exclude<NxNode, NxLink | NxExternalLink>,
) {
  if (node.kind === "group") {
    if (node.path !== "/") {
      run(h5, node, "Cannot create the group", () => calls.group(node.path));
      if (node.nxClass) writeAttribute(h5, calls, node, "NX_class", node.nxClass);
    }
  } else {
    const prepared = prepareField(node);
    const layout = storage(node);
    const filter = layout?.level === undefined ? undefined : filterOf(node, layout.level);
    run(
      h5,
      node,
      "Cannot create the field",
      () => calls.dataset(node.path, prepared, layout?.chunks, filter),
    );
  }
  for (const [name, { value }] of node.attrs) writeAttribute(h5, calls, node, name, value);
}

function writeAttribute(
  h5: H5wasm,
  calls: LibraryCalls,
  node: NxNode,
  name: string,
  value: AttrValue,
): void {
  const prepared = prepareAttribute(value);
  run(
    h5,
    node,
    `Cannot write attribute "@${name}"`,
    () => calls.attribute(node.path, name, prepared),
  );
}

/**
 * Hard links in an order HDF5 can make them: a link whose target passes through another link
 * comes after that link. Links that wait on each other (checkTree reports them as a cycle)
 * come last, as given, for HDF5 to refuse.
 */
function linkOrder(links: NxLink[]): NxLink[] {
  const ordered: NxLink[] = [];
  let pending = links;
  while (pending.length > 0) {
    const waiting = pending.map((link) => link.path);
    const blocked = (link: NxLink) =>
      waiting.some((p) => link.target === p || link.target.startsWith(`${p}/`));
    const ready = pending.filter((link) => !blocked(link));
    if (ready.length === 0) return [...ordered, ...pending];
    ordered.push(...ready);
    pending = pending.filter(blocked);
  }
  return ordered;
}

// ---------------------------------------------------------------------------------------------
// Frame stacks: the dataset made empty, then filled one frame at a time.

/** h5wasm's `create_dataset` options of a filter. */
function filterOptions(field: NxField, level: Compression) {
  const { id, options } = filterOf(field, level);
  return { compression: id, compression_opts: options };
}

function createStack(h5: H5wasm, file: H5File, calls: LibraryCalls, field: NxField): void {
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
      chunks: layout ? layout.chunks : [1, ...stack.frameShape.map((n) => Math.max(n, 1))],
      ...(stack.count === 0 || layout?.level === undefined
        ? {}
        : filterOptions(field, layout.level)),
    }));
  for (const [name, { value }] of field.attrs) writeAttribute(h5, calls, field, name, value);
}

/** Write a stack's frames one at a time: memory holds one frame, whatever the count. */
async function fillStack(h5: H5wasm, file: H5File, field: NxField): Promise<void> {
  const stack = field.data as FrameStack;
  if (stack.count === 0) return;
  const dataset = new h5.api.Dataset(file.file_id, field.path);
  run(h5, field, "Cannot size the field", () => dataset.resize([stack.count, ...stack.frameShape]));
  const size = stack.frameShape.reduce((a, b) => a * b, 1);
  const rest = stack.frameShape.map((n): [number, number] => [0, n]);
  const Pixels = FRAME_ARRAYS[stack.dtype];
  // A signal (Ctrl-C) that comes while thousands of frames are copied is handled within a
  // turn's interval (or one frame's write), not once the copy ends.
  const turns = new EventLoopTurns();
  for (let i = 0; i < stack.count; i++) {
    await turns.due();
    let frame: ArrayLike<number>;
    try {
      frame = await stack.frame(i);
    } catch (error) {
      throw new NexusLayoutError(
        `Frame ${i} could not be read: ${(error as Error).message}`,
        where(field),
        { cause: error },
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
    const values = frame instanceof Pixels ? frame : Pixels.from(frame);
    run(
      h5,
      field,
      `Cannot write frame ${i}`,
      () => dataset.write_slice([[i, i + 1], ...rest], values),
    );
  }
}
