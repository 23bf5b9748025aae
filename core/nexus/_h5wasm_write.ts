/**
 * Writing a {@linkcode NexusTree} with h5wasm: each node converted to what the library takes,
 * in one pass. The tree has passed `checkTree()`, so nothing here checks a layout rule
 * again; what fails here is what only the library, or the frames of a stack, can tell.
 *
 * @module
 */

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
  try {
    await writeContent(h5, file, tree);
  } catch (error) {
    file.close();
    h5.takeDiagnostics();
    throw error;
  }
  closeFile(h5, file);
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
      if (typeof node.compression === "string") await filterPlugins(h5, node);
      createStack(h5, file, node);
      stacks.push(node);
    } else {
      if (node.kind === "field" && typeof node.compression === "string") {
        await filterPlugins(h5, node);
      }
      writeNode(h5, file, node);
    }
  }
  for (const field of stacks) await fillStack(h5, file, field);
  for (const link of linkOrder(links)) {
    run(h5, link, `Cannot link to "${link.target}"`, () => {
      const parent = new api.Group(file.file_id, parentPath(link.path));
      return parent.create_hard_link(link.target, link.name);
    });
    // Attributes set on a link belong to the object it links to.
    for (const [name, { value }] of link.attrs) {
      writeAttribute(h5, file, link, name, value);
    }
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

/** h5wasm's filter options of a field: its gzip level, or its filter of detectors. */
function filterOptions(field: NxField, level: Compression | undefined) {
  if (level === undefined) return {};
  if (typeof level === "number") return { compression: "gzip" as const, compression_opts: level };
  const filter = level;
  const setting = FILTER_SETTINGS[filter];
  if (setting === undefined) {
    throw new NexusLayoutError(
      `Unknown filter "${filter}": one of ${
        Object.keys(FILTER_SETTINGS).map((f) => `"${f}"`).join(", ")
      }`,
      where(field),
    );
  }
  return { compression: setting.id, compression_opts: [...setting.options] };
}

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
// Nodes.

/**
 * A group to create members in that does not open each member it has created: h5wasm's
 * `create_group` and `create_dataset` end by looking the new member up, to return it, which
 * costs a tenth of a small file's writing; a failure is still HDF5's report or exception.
 */
function creatorIn(h5: H5wasm, file: H5File, path: string): InstanceType<H5wasm["api"]["Group"]> {
  const group = new h5.api.Group(file.file_id, path);
  Object.defineProperty(group, "get", { value: () => group });
  return group;
}

function writeNode(h5: H5wasm, file: H5File, node: Exclude<NxNode, NxLink | NxExternalLink>) {
  const parent = creatorIn(h5, file, parentPath(node.path));
  if (node.kind === "group") {
    if (node.path !== "/") {
      run(h5, node, "Cannot create the group", () => parent.create_group(node.name));
      if (node.nxClass) writeAttribute(h5, file, node, "NX_class", node.nxClass);
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
        ...filterOptions(node, layout?.level),
      }));
  }
  for (const [name, { value }] of node.attrs) writeAttribute(h5, file, node, name, value);
}

function writeAttribute(
  h5: H5wasm,
  file: H5File,
  node: NxNode,
  name: string,
  value: AttrValue,
): void {
  const { data, shape, dtype } = prepareAttribute(value);
  run(h5, node, `Cannot write attribute "@${name}"`, () => {
    new h5.api.Group(file.file_id, node.path).create_attribute(name, data, shape, dtype);
  });
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
      chunks: layout ? layout.chunks : [1, ...stack.frameShape.map((n) => Math.max(n, 1))],
      ...(stack.count === 0 ? {} : filterOptions(field, layout?.level)),
    }));
  for (const [name, { value }] of field.attrs) writeAttribute(h5, file, field, name, value);
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
  for (let i = 0; i < stack.count; i++) {
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
