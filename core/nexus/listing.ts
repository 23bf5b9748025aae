/**
 * The structure of any HDF5 file as text, in the layout of `punx tree` (the NeXus tool
 * behind the seed's listing): one line per group, field, attribute and link, indented by
 * depth.
 *
 * Within a group come its attributes sorted by name, then its fields and links sorted by
 * name, then its subgroups sorted by name. A group or field whose `@target` attribute names
 * another path is shown as a link to that path, `name --> /target`, as punx does with NeXus
 * links. Values print as punx prints them through Python and numpy: floats as `repr()`
 * (`0.0`, `1660343259.975937`), text fields as bytes (`b'scan'`), long arrays abbreviated
 * (`[1.0, 2.0, 3.0, '...', 10.0]`), numeric attribute arrays as numpy prints them
 * (`[0.5  1.25]`).
 *
 * Where this listing differs from punx on purpose:
 * - a scalar field shows its value (`duration:NX_FLOAT64[] = 2.5`), where punx leaves it
 *   empty (`duration:NX_FLOAT64[] =`);
 * - an external link shows as `name --> file.h5:/path`, where punx opens the other file and
 *   lists the linked object (or reports it missing);
 * - a hard link back to an enclosing group shows as a link to it, where punx would list the
 *   group again without end.
 *
 * @module
 */

import { type H5wasm, type H5wasmApi, loadH5wasm } from "./h5wasm_backend.ts";

/**
 * Options of {@linkcode treeLines}.
 *
 * @example Without values
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TreeOptions } from "./listing.ts";
 * const options: TreeOptions = {};
 * assert.equal(typeof options, "object");
 * ```
 */
export interface TreeOptions {
  /**
   * Arrays longer than this show their first `arrayItemsShown - 2` items, `...` and the last
   * one (punx's `array_items_shown`); `Infinity` shows everything.
   */
  arrayItemsShown?: number;
  /** List attributes. */
  attributes?: boolean;
}

/**
 * Defaults of {@linkcode TreeOptions}, punx's.
 *
 * @example Show whole arrays
 * ```ts
 * import assert from "node:assert/strict";
 * import { treeDefaults } from "./listing.ts";
 * const options = { ...treeDefaults, arrayItemsShown: Infinity };
 * assert.ok(options.attributes);
 * ```
 */
export const treeDefaults = {
  arrayItemsShown: 5,
  attributes: true,
} satisfies Required<TreeOptions>;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The structure of an HDF5 file, one string per line, as `punx tree` prints it (see the
 * module's notes for the few differences).
 *
 * @param path The file; the first line shows it as given.
 * @param options What to show.
 * @returns The lines, without newlines.
 * @throws {Error} Naming the file, when it does not exist, cannot be read or is not HDF5.
 *
 * @example List a file written by the backend
 * ```ts
 * import assert from "node:assert/strict";
 * import { treeLines } from "./listing.ts";
 * import { H5wasmBackend } from "./h5wasm_backend.ts";
 * import { NexusTree } from "./tree.ts";
 *
 * const tree = new NexusTree();
 * const b = tree.builder("example");
 * b.group("/entry", "NXentry");
 * b.field("/entry/title", "scan-S0001");
 * b.field("/entry/x", new Float64Array([0, 0.25, 0.5]), { attrs: { units: "mm" } });
 * const dir = await Deno.makeTempDir();
 * await new H5wasmBackend().write(tree, `${dir}/x.h5`);
 *
 * assert.deepEqual(await treeLines(`${dir}/x.h5`), [
 *   `${dir}/x.h5 : NeXus data file`,
 *   "  entry:NXentry",
 *   '    @NX_class = "NXentry"',
 *   "    title:NX_CHAR = b'scan-S0001'",
 *   "    x:NX_FLOAT64[3] = [0.0, 0.25, 0.5]",
 *   '      @units = "mm"',
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function treeLines(path: string, options: TreeOptions = {}): Promise<string[]> {
  await assertHdf5(path);
  const h5 = await loadH5wasm();
  h5.takeDiagnostics();
  const file = new h5.api.File(path, "r");
  if (file.file_id < 0n) {
    const reason = /: ([^:\n]+)\n\s+major/.exec(h5.takeDiagnostics())?.[1];
    throw new Error(`Cannot open "${path}" as HDF5${reason ? `: ${reason}` : ""}`);
  }
  try {
    const lister = new Lister(h5, file.file_id, { ...treeDefaults, ...options });
    return lister.list(path);
  } catch (error) {
    throw new Error(`Cannot read "${path}": ${(error as Error).message ?? error}`, {
      cause: error,
    });
  } finally {
    file.close();
    h5.takeDiagnostics();
  }
}

/** Throw an error naming the file unless it exists and has an HDF5 signature. */
async function assertHdf5(path: string): Promise<void> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot read "${path}": no such file`);
    }
    throw new Error(`Cannot read "${path}": ${(error as Error).message}`, { cause: error });
  }
  try {
    const { size, isFile } = await file.stat();
    if (!isFile) throw new Error(`Cannot read "${path}": not a file`);
    // The superblock sits at 0 or, after a user block, at 512, 1024, 2048, ...
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      await file.seek(offset, Deno.SeekMode.Start);
      const bytes = new Uint8Array(8);
      let got = 0;
      while (got < 8) {
        const n = await file.read(bytes.subarray(got));
        if (n === null) break;
        got += n;
      }
      if (HDF5_SIGNATURE.every((byte, i) => bytes[i] === byte)) return;
    }
    throw new Error(`"${path}" is not an HDF5 file: it has no HDF5 signature`);
  } finally {
    file.close();
  }
}

type Options = Required<TreeOptions>;
type Metadata = InstanceType<H5wasmApi["Dataset"]>["metadata"];
type Scalar = number | bigint | string;
type Flat = ArrayLike<Scalar>;

/** A block of an array in memory: row-major values and their shape. */
interface Block {
  data: Flat;
  shape: number[];
}

const ELLIPSIS = Symbol("...");

/** The type classes of HDF5 (`H5T_class_t`). */
const H5T = {
  INTEGER: 0,
  FLOAT: 1,
  TIME: 2,
  STRING: 3,
  BITFIELD: 4,
  OPAQUE: 5,
  COMPOUND: 6,
  REFERENCE: 7,
  ENUM: 8,
  VLEN: 9,
  ARRAY: 10,
} as const;

class Lister {
  readonly #api: H5wasmApi;
  readonly #fileId: bigint;
  readonly #options: Options;
  readonly #lines: string[] = [];
  #nexus = false;

  constructor(h5: H5wasm, fileId: bigint, options: Options) {
    this.#api = h5.api;
    this.#fileId = fileId;
    this.#options = options;
  }

  list(path: string): string[] {
    this.#nexus = this.#isNexus();
    const title = this.#nexus ? `${path} : NeXus data file` : path;
    this.#group("/", title, "", new Map());
    return this.#lines;
  }

  /** punx's test: some top-level group has `NX_class = "NXentry"`. */
  #isNexus(): boolean {
    const root = this.#groupAt("/");
    return root.keys().some((name) => {
      const path = `/${name}`;
      if (this.#link(root, path)) return false;
      return root.get_type(path) === this.#api.Module.H5G_GROUP &&
        this.#stringAttribute(path, "NX_class") === "NXentry";
    });
  }

  #groupAt(path: string): InstanceType<H5wasmApi["Group"]> {
    return new this.#api.Group(this.#fileId, path);
  }

  /** The line of a soft or external link, or undefined for a hard link. */
  #link(parent: InstanceType<H5wasmApi["Group"]>, path: string): string | undefined {
    const soft = parent.get_link(path) as string | null;
    if (typeof soft === "string") return `: --> ${soft}`;
    const external = parent.get_external_link(path) as { filename?: string; obj_path?: string };
    if (typeof external.filename === "string") {
      return ` --> ${external.filename}:${external.obj_path}`;
    }
    return undefined;
  }

  #group(path: string, title: string, indent: string, ancestors: Map<string, string>): void {
    const nxClass = this.#stringAttribute(path, "NX_class");
    this.#lines.push(`${indent}${title}${nxClass ? `:${nxClass}` : ""}`);
    this.#attributes(path, indent);
    const group = this.#groupAt(path);
    const address = this.#address(path);
    const inside = new Map(ancestors).set(address, path);
    const subgroups: [string, string][] = [];
    const { H5G_GROUP, H5G_DATASET } = this.#api.Module;
    for (const name of group.keys().sort(byCodePoint)) {
      const child = path === "/" ? `/${name}` : `${path}/${name}`;
      const item = `${indent}  ${name}`;
      const link = this.#link(group, child);
      if (link !== undefined) {
        this.#lines.push(`${item}${link}`);
        continue;
      }
      const type = group.get_type(child);
      const target = type === H5G_GROUP || type === H5G_DATASET
        ? this.#stringAttribute(child, "target")
        : undefined;
      if (target && target !== child) {
        this.#lines.push(`${item} --> ${target}`);
      } else if (type === H5G_GROUP) {
        subgroups.push([child, name]);
      } else if (type === H5G_DATASET) {
        this.#dataset(child, name, `${indent}  `);
      } else {
        this.#lines.push(`${item}: committed datatype`);
      }
    }
    for (const [child, name] of subgroups) {
      // A hard link back to an enclosing group would list forever: show it as a link.
      const seen = inside.get(this.#address(child));
      if (seen !== undefined) this.#lines.push(`${indent}  ${name} --> ${seen}`);
      else this.#group(child, name, `${indent}  `, inside);
    }
  }

  /** The object's address in the file, which identifies it whatever path reaches it. */
  #address(path: string): string {
    const bytes = this.#groupAt(path).create_reference().ref_data;
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  #attributeNames(path: string): string[] {
    return (this.#api.Module.get_attribute_names(this.#fileId, path) as string[]).sort(
      byCodePoint,
    );
  }

  #stringAttribute(path: string, name: string): string | undefined {
    if (!this.#attributeNames(path).includes(name)) return undefined;
    const value = new this.#api.Attribute(this.#fileId, path, name).value;
    const text = Array.isArray(value) ? value[0] : value;
    return typeof text === "string" ? text : undefined;
  }

  #attributes(path: string, indent: string): void {
    if (!this.#options.attributes) return;
    for (const name of this.#attributeNames(path)) {
      let text: string;
      try {
        text = attributeText(new this.#api.Attribute(this.#fileId, path, name));
      } catch {
        text = "?";
      }
      this.#lines.push(...`${indent}  @${name} = ${text}`.split("\n"));
    }
  }

  #dataset(path: string, name: string, indent: string): void {
    const dataset = new this.#api.Dataset(this.#fileId, path);
    const metadata = dataset.metadata;
    const typeName = numpyName(metadata);
    const label = this.#nexus ? `NX_${typeName.toUpperCase()}` : typeName;
    const shape = metadata.shape;
    const head = `${indent}${name}:${label}`;
    if (shape === null) {
      this.#lines.push(`${head} = None`);
    } else if (metadata.type === H5T.STRING) {
      const text = this.#safe(() => {
        const value = dataset.value as string | string[];
        return `${fixedSizes(value, metadata, shape)} = ${textValue(value, metadata, shape)}`;
      }, " = ?");
      this.#lines.push(...`${head}${text}`.split("\n"));
    } else if (!isNumeric(metadata)) {
      this.#lines.push(`${head}${shapeText(shape)}`);
    } else if (shape.length === 0 || shape.length === 1 && shape[0] === 1) {
      const value = this.#safe(() => {
        const data = dataset.value as Flat | Scalar;
        return scalarText(typeof data === "object" ? data[0]! : data, metadata);
      });
      this.#lines.push(`${head}${shape.length === 0 ? "[]" : ""} = ${value}`);
    } else if (this.#options.arrayItemsShown <= 2) {
      this.#lines.push(`${head}${shapeText(shape)} = [ ... ]`);
    } else {
      const text = this.#safe(() => this.#array(dataset, metadata, shape, `${indent}    `));
      if (shape.length === 1) {
        this.#lines.push(`${head}${shapeText(shape)} = ${text}`);
      } else {
        this.#lines.push(`${head}${shapeText(shape)} = __array`);
        this.#lines.push(...`${indent}  __array = ${text}`.split("\n"));
      }
    }
    this.#attributes(path, indent);
  }

  /** What `render` makes, or `fallback` for values h5wasm cannot read (float16, ...). */
  #safe(render: () => string, fallback = "?"): string {
    try {
      return render();
    } catch {
      return fallback;
    }
  }

  /** punx's rendering of an array, reading only the rows it shows. */
  #array(
    dataset: InstanceType<H5wasmApi["Dataset"]>,
    metadata: Metadata,
    shape: number[],
    indent: string,
  ): string {
    const [length, ...rest] = shape as [number, ...number[]];
    const shown = this.#shown(length);
    const rowShape = rest;
    const read = (start: number, stop: number): Block[] => {
      if (stop <= start || shape.length >= 4) {
        return Array.from({ length: stop - start }, () => ({ data: [], shape: rowShape }));
      }
      const data = dataset.slice([[start, stop]]) as Flat;
      const size = rowShape.reduce((a, b) => a * b, 1);
      return Array.from({ length: stop - start }, (_, i) => ({
        data: slice(data, i * size, (i + 1) * size),
        shape: rowShape,
      }));
    };
    const items: (Block | typeof ELLIPSIS)[] = read(0, shown);
    if (shown < length) items.push(ELLIPSIS, ...read(length - 1, length));
    return this.#join(items, shape.length, indent, metadata);
  }

  #block(block: Block, indent: string, metadata: Metadata): string {
    const [length, ...rest] = block.shape as [number, ...number[]];
    const size = rest.reduce((a, b) => a * b, 1);
    const row = (i: number): Block => ({
      data: slice(block.data, i * size, (i + 1) * size),
      shape: rest,
    });
    const shown = this.#shown(length);
    const items: (Block | typeof ELLIPSIS)[] = Array.from({ length: shown }, (_, i) => row(i));
    if (shown < length) items.push(ELLIPSIS, row(length - 1));
    return this.#join(items, block.shape.length, indent, metadata);
  }

  #join(items: (Block | typeof ELLIPSIS)[], rank: number, indent: string, metadata: Metadata) {
    if (rank === 1) {
      const texts = items.map((item) =>
        item === ELLIPSIS ? "'...'" : scalarText(item.data[0]!, metadata)
      );
      return `[${texts.join(", ")}]`;
    }
    const texts = items.map((item) =>
      item === ELLIPSIS
        ? "..."
        : rank < 4
        ? this.#block(item, `${indent}    `, metadata)
        : `rank=${rank - 1}`
    );
    const gap = `\n${indent}  `;
    return `[${gap}${texts.join(gap)}\n${indent}]`;
  }

  #shown(length: number): number {
    const limit = this.#options.arrayItemsShown;
    return length > limit ? limit - 2 : length;
  }
}

function slice(data: Flat, start: number, stop: number): Flat {
  return "subarray" in data
    ? (data as unknown as Uint8Array).subarray(start, stop) as unknown as Flat
    : Array.prototype.slice.call(data, start, stop) as Scalar[];
}

function byCodePoint(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return x.length - y.length;
}

function isBooleanEnum(metadata: Metadata): boolean {
  const members = metadata.enum_type?.members;
  return metadata.type === H5T.ENUM && members !== undefined &&
    Object.keys(members).length === 2 && members["FALSE"] === 0 && members["TRUE"] === 1;
}

function isNumeric(metadata: Metadata): boolean {
  return metadata.type === H5T.INTEGER || metadata.type === H5T.FLOAT ||
    metadata.type === H5T.ENUM;
}

/** The name numpy gives the type (`float64`, `int32`, `bool`), as punx builds its labels. */
function numpyName(metadata: Metadata): string {
  const bits = metadata.size * 8;
  switch (metadata.type) {
    case H5T.INTEGER:
      return `${metadata.signed ? "int" : "uint"}${bits}`;
    case H5T.FLOAT:
      return `float${bits}`;
    case H5T.STRING:
      return "CHAR";
    case H5T.ENUM:
      return isBooleanEnum(metadata) ? "bool" : `${metadata.signed ? "int" : "uint"}${bits}`;
    case H5T.COMPOUND:
      return "compound";
    case H5T.REFERENCE:
    case H5T.VLEN:
      return "object";
    case H5T.ARRAY:
      return "array";
    case H5T.OPAQUE:
      return "void";
    default:
      return "unknown";
  }
}

function shapeText(shape: number[]): string {
  return shape.length === 1 && shape[0] === 1 ? "" : `[${shape.join(",")}]`;
}

/** One value as numpy's `str()` shows it. */
function scalarText(value: Scalar, metadata: Metadata): string {
  if (isBooleanEnum(metadata)) return Number(value) ? "True" : "False";
  if (metadata.type === H5T.FLOAT && typeof value === "number") {
    return pythonFloatRepr(value, metadata.size === 4 ? 32 : 64);
  }
  return String(value);
}

/** A string field as punx shows it: bytes for variable-length strings, text for fixed. */
function textValue(value: string | string[], metadata: Metadata, shape: number[]): string {
  if (metadata.vlen) {
    if (typeof value === "string") return pythonBytesRepr(encode(value, metadata));
    const items = value.map((text) => pythonBytesRepr(encode(text, metadata)));
    return numpyArrayStr(items, shape, "object");
  }
  if (typeof value === "string") return value;
  return value.length === 1 ? `"${value[0]}"` : `[${value.map((v) => `"${v}"`).join(", ")}]`;
}

/**
 * punx labels an array of fixed-length strings with the sizes of its items, as numpy sees
 * them: the length of each string of one dimension, or the fixed size for each row of more.
 */
function fixedSizes(value: string | string[], metadata: Metadata, shape: number[]): string {
  if (metadata.vlen || typeof value === "string" || shape.length === 0) return "";
  const sizes = shape.length === 1
    ? value.map((text) => encode(text, metadata).length)
    : Array.from({ length: shape[0]! }, () => metadata.size);
  return `[${sizes.join(",")}]`;
}

/** The bytes of a string as stored: UTF-8, or one byte per character for ASCII. */
function encode(text: string, metadata: Metadata): Uint8Array {
  return metadata.cset === 1
    ? new TextEncoder().encode(text)
    : Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

/** An attribute as punx shows it: text in double quotes, numbers as Python prints them. */
function attributeText(attribute: InstanceType<H5wasmApi["Attribute"]>): string {
  const { metadata } = attribute;
  const shape = metadata.shape;
  if (shape === null) return "Empty";
  const value = attribute.value as Flat | Scalar;
  if (metadata.type === H5T.STRING) {
    if (typeof value !== "object") return `"${value}"`;
    const items = Array.from(value, String);
    // punx turns arrays of text into lists: ["a", "b"], or Python's nested lists.
    if (items.length === 0) return "None";
    if (shape.length === 1) return `[${items.map((item) => `"${item}"`).join(", ")}]`;
    return pythonNestedList(items.map(pythonStrRepr), shape);
  }
  if (!isNumeric(metadata)) return "?";
  // A scalar goes through Python's format(), which prints a float32 as a double.
  if (typeof value !== "object") {
    return metadata.type === H5T.FLOAT
      ? pythonFloatRepr(Number(value))
      : scalarText(value, metadata);
  }
  return numpyArrayStr(Array.from(value), shape, numpyKind(metadata));
}

function pythonNestedList(items: string[], shape: number[]): string {
  const nest = (offset: number, depth: number): string => {
    const size = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    const parts = Array.from(
      { length: shape[depth]! },
      (_, i) =>
        depth === shape.length - 1 ? items[offset + i]! : nest(offset + i * size, depth + 1),
    );
    return `[${parts.join(", ")}]`;
  };
  return nest(0, 0);
}

// ---------------------------------------------------------------------------------------------
// Python's and numpy's ways of printing values, which punx's listing inherits.

type NumpyKind = "float32" | "float64" | "int" | "bool" | "object";

function numpyKind(metadata: Metadata): NumpyKind {
  if (isBooleanEnum(metadata)) return "bool";
  if (metadata.type === H5T.FLOAT) return metadata.size === 4 ? "float32" : "float64";
  return "int";
}

const NUMPY_LINE_WIDTH = 75;
const NUMPY_THRESHOLD = 1000;
const NUMPY_EDGE_ITEMS = 3;

/**
 * numpy's `str()` of an array (row-major `values` of the given shape): items aligned in
 * columns, lines wrapped at 75 characters, and arrays of more than 1000 items summarised with
 * `...` after the first and before the last three of each long axis.
 */
function numpyArrayStr(values: (Scalar | boolean)[], shape: number[], kind: NumpyKind): string {
  if (values.length === 0) return "[]";
  const summarize = values.length > NUMPY_THRESHOLD;
  const picked = (length: number) =>
    summarize && length > 2 * NUMPY_EDGE_ITEMS
      ? [
        ...Array.from({ length: NUMPY_EDGE_ITEMS }, (_, i) => i),
        -1,
        ...Array.from({ length: NUMPY_EDGE_ITEMS }, (_, i) => length - NUMPY_EDGE_ITEMS + i),
      ]
      : Array.from({ length }, (_, i) => i);
  const shown: number[] = [];
  const collect = (offset: number, axis: number): void => {
    if (axis === shape.length) {
      shown.push(offset);
      return;
    }
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    for (const i of picked(shape[axis]!)) if (i >= 0) collect(offset + i * stride, axis + 1);
  };
  collect(0, 0);
  const word = numpyFormatter(shown.map((i) => values[i]!), kind);
  const render = (offset: number, axis: number, hang: string, width: number): string => {
    if (axis === shape.length) return word(values[offset]!);
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const picks = picked(shape[axis]!);
    const at = (i: number) => render(offset + i * stride, axis + 1, `${hang} `, width - 1);
    let text = "";
    if (axis === shape.length - 1) {
      // One line of items, wrapped before an item that would pass the width.
      let line = hang;
      picks.forEach((i, n) => {
        const item = i < 0 ? "..." : at(i);
        if (line.length + item.length > width - 1 && line.length > hang.length) {
          text += `${line.trimEnd()}\n`;
          line = hang;
        }
        line += item + (n < picks.length - 1 ? " " : "");
      });
      text += line;
    } else {
      const gap = "\n".repeat(shape.length - axis - 1);
      text = picks.map((i) => hang + (i < 0 ? "..." : at(i))).join(gap);
    }
    return `[${text.slice(hang.length)}]`;
  };
  return render(0, 0, " ", NUMPY_LINE_WIDTH);
}

/** How numpy prints each item of an array, given the items it shows. */
function numpyFormatter(
  values: (Scalar | boolean)[],
  kind: NumpyKind,
): (value: Scalar | boolean) => string {
  if (kind === "object") return String;
  if (kind === "bool") return (value) => (Number(value) ? " True" : "False");
  if (kind === "int") {
    const width = Math.max(...values.map((v) => String(v).length));
    return (value) => String(value).padStart(width);
  }
  const bits = kind === "float32" ? 32 : 64;
  const numbers = values.map(Number);
  const finite = numbers.filter(Number.isFinite);
  const sizes = finite.filter((v) => v !== 0).map(Math.abs);
  const scientific = sizes.length > 0 &&
    (Math.max(...sizes) >= 1e8 || Math.min(...sizes) < 1e-4 ||
      Math.max(...sizes) / Math.min(...sizes) > 1e3);
  const special = (value: number) => Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  const negativeInfinity = numbers.some((v) => v === -Infinity);
  let padLeft = 0;
  let padRight = 0;
  let format: (value: number) => string = () => "";
  if (scientific) {
    const parts = finite.map((v) => {
      const { digits, exponent } = shortestDigits(v, bits, 9);
      return { whole: `${v < 0 ? "-" : ""}${digits[0]}`, fraction: digits.slice(1), exponent };
    });
    const precision = Math.max(...parts.map((p) => p.fraction.length));
    const exponentDigits = Math.max(2, ...parts.map((p) => String(Math.abs(p.exponent)).length));
    padLeft = Math.max(...parts.map((p) => p.whole.length));
    padRight = exponentDigits + 2 + precision;
    format = (value) => {
      let { digits, exponent } = shortestDigits(value, bits, 9);
      if (digits.length - 1 < precision && value !== 0) {
        // numpy fills up to the common precision with the value's true digits, not zeros.
        const scale = precision - exponent;
        const rounded = roundedDigits(value, scale);
        digits = rounded.slice(0, precision + 1);
        exponent = rounded.length - 1 - scale;
      }
      const whole = `${value < 0 ? "-" : ""}${digits[0]}`;
      const power = String(Math.abs(exponent)).padStart(exponentDigits, "0");
      return `${whole.padStart(padLeft)}.${digits.slice(1).padEnd(precision, "0")}e${
        exponent < 0 ? "-" : "+"
      }${power}`;
    };
  } else if (finite.length > 0) {
    const parts = finite.map((v) => positional(v, bits));
    padLeft = Math.max(...parts.map((p) => p.whole.length));
    padRight = Math.max(...parts.map((p) => p.fraction.length));
    format = (value) => {
      const { whole, fraction } = positional(value, bits);
      return `${whole.padStart(padLeft)}.${fraction.padEnd(padRight)}`;
    };
  }
  const offset = padRight + 1;
  if (finite.length < numbers.length) {
    padLeft = Math.max(padLeft, 3 - offset, 3 + Number(negativeInfinity) - offset);
  }
  return (value) => {
    const number = Number(value);
    return Number.isFinite(number) ? format(number) : special(number).padStart(padLeft + offset);
  };
}

/** A float in positional notation with at most 8 decimals, as numpy prints array items. */
function positional(value: number, bits: 32 | 64): { whole: string; fraction: string } {
  const { digits, exponent } = shortestDigits(value, bits, Infinity);
  const decimals = digits.length - 1 - exponent;
  let text: string;
  if (decimals > 8) {
    const rounded = roundedDigits(value, 8).padStart(9, "0");
    text = `${rounded.slice(0, -8)}.${rounded.slice(-8)}`.replace(/0+$/, "");
  } else if (exponent < 0) {
    text = `0.${"0".repeat(-exponent - 1)}${digits}`;
  } else if (digits.length <= exponent) {
    // Fewer digits than the integer part: numpy prints the value's true integer digits.
    text = `${roundedDigits(value, 0)}.`;
  } else {
    text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  }
  const [whole, fraction] = text.split(".") as [string, string];
  return { whole: `${value < 0 || Object.is(value, -0) ? "-" : ""}${whole}`, fraction };
}

/**
 * The shortest decimal digits that identify `value` among floats of `bits` bits (at most
 * `limit` of them, rounded), and the decimal exponent of the first.
 */
function shortestDigits(
  value: number,
  bits: 32 | 64,
  limit: number,
): { digits: string; exponent: number } {
  if (value === 0) return { digits: "0", exponent: 0 };
  const [mantissa, exponentText] = Math.abs(value).toExponential().split("e") as [
    string,
    string,
  ];
  const exponent = Number(exponentText);
  const rounded = (count: number) => {
    const scale = count - 1 - exponent;
    const digits = roundedDigits(value, scale);
    return { digits: digits.replace(/(?<=.)0+$/, ""), exponent: digits.length - 1 - scale };
  };
  if (bits === 32) {
    // The fewest digits that read back as this float32, ties rounded to even as numpy does.
    for (let count = 1; count < Math.min(limit, 9); count++) {
      const candidate = rounded(count);
      const back = Number(
        `${candidate.digits[0]}.${candidate.digits.slice(1)}e${candidate.exponent}`,
      );
      if (Math.fround(back) === Math.abs(value)) return candidate;
    }
    return rounded(Math.min(limit, 9));
  }
  const digits = mantissa.replace(".", "");
  return digits.length <= limit ? { digits, exponent } : rounded(limit);
}

/**
 * The digits of |value| × 10^scale rounded to an integer, ties to even, as numpy rounds:
 * computed exactly from the binary value.
 */
function roundedDigits(value: number, scale: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const power = (biased === 0 ? 1 : biased) - 1075;
  let numerator = mantissa * (scale > 0 ? 10n ** BigInt(scale) : 1n);
  let denominator = scale < 0 ? 10n ** BigInt(-scale) : 1n;
  if (power >= 0) numerator <<= BigInt(power);
  else denominator <<= BigInt(-power);
  let quotient = numerator / denominator;
  const twice = 2n * (numerator % denominator);
  if (twice > denominator || twice === denominator && quotient % 2n === 1n) quotient += 1n;
  return quotient.toString();
}

/**
 * A float as Python's `repr()` (and numpy's) prints it: the shortest digits that read back
 * as the same value, positional from 1e-4 up to 1e16, scientific otherwise.
 *
 * @param value The number.
 * @param bits 64 for a double; 32 for a single-precision value, printed with the fewest
 * digits that identify it as a 32-bit float, as numpy prints `float32`.
 * @returns For example `"0.0"`, `"-0.5"`, `"1e-05"`, `"nan"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonFloatRepr } from "./listing.ts";
 * assert.equal(pythonFloatRepr(-32000), "-32000.0");
 * assert.equal(pythonFloatRepr(1660343259.975937), "1660343259.975937");
 * assert.equal(pythonFloatRepr(1e16), "1e+16");
 * assert.equal(pythonFloatRepr(Math.fround(0.1), 32), "0.1");
 * ```
 */
export function pythonFloatRepr(value: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const { digits, exponent } = shortestDigits(value, bits, Infinity);
  const sign = value < 0 ? "-" : "";
  const size = Math.abs(value);
  if (size < 1e-4 || size >= 1e16) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const power = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${head}e${exponent < 0 ? "-" : "+"}${power}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  return `${sign}${whole}.${digits.slice(exponent + 1) || "0"}`;
}

/**
 * Bytes as Python's `repr()` prints them, for example `b'text'`, or `b"it's"` when that
 * avoids escaping a quote.
 *
 * @param bytes The bytes.
 * @returns The literal, with `\n`, `\t`, `\r`, `\\` and `\xNN` escapes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pythonBytesRepr } from "./listing.ts";
 * const encode = (text: string) => new TextEncoder().encode(text);
 * assert.equal(pythonBytesRepr(encode("- sensor\n")), "b'- sensor\\n'");
 * assert.equal(pythonBytesRepr(encode("prefix='gp:m10'")), `b"prefix='gp:m10'"`);
 * assert.equal(pythonBytesRepr(encode("é")), "b'\\xc3\\xa9'");
 * ```
 */
export function pythonBytesRepr(bytes: Uint8Array): string {
  return `b${quoted(Array.from(bytes), (code) => code >= 0x7f)}`;
}

function pythonStrRepr(text: string): string {
  const codes = Array.from(text, (c) => c.codePointAt(0)!);
  return quoted(codes, (code) => code === 0x7f || code >= 0x80 && code <= 0xa0 || code === 0xad);
}

function quoted(codes: number[], escaped: (code: number) => boolean): string {
  const single = 0x27;
  const double = 0x22;
  const quote = codes.includes(single) && !codes.includes(double) ? double : single;
  let out = String.fromCharCode(quote);
  for (const code of codes) {
    if (code === 0x5c) out += "\\\\";
    else if (code === quote) out += `\\${String.fromCharCode(quote)}`;
    else if (code === 0x0a) out += "\\n";
    else if (code === 0x09) out += "\\t";
    else if (code === 0x0d) out += "\\r";
    else if (code < 0x20 || escaped(code)) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += String.fromCodePoint(code);
  }
  return out + String.fromCharCode(quote);
}
