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

import type {
  Hdf5Attribute,
  Hdf5Backend,
  Hdf5Dataset,
  Hdf5File,
  Hdf5Group,
  Hdf5Type,
  Hdf5Value,
} from "./backend.ts";
import { Hdf5FormatUnsupported, hdf5Reader } from "./_hdf5_reader.ts";
import {
  numpyArrayStr,
  type NumpyKind,
  pythonBytesRepr,
  pythonFloatRepr,
  pythonStrRepr,
} from "./python_format.ts";

/**
 * Options of {@linkcode treeLines}.
 *
 * @example Structure only: no attributes, arrays abbreviated to their ends
 * ```ts
 * import assert from "node:assert/strict";
 * import { treeLines, type TreeOptions } from "./listing.ts";
 * import { H5wasmBackend } from "./h5wasm_backend.ts";
 * import { NexusTree } from "./tree.ts";
 * const tree = new NexusTree();
 * tree.builder("example").field("/x", [1, 2, 3, 4], { attrs: { units: "mm" } });
 * const dir = await Deno.makeTempDir();
 * await new H5wasmBackend().write(tree, `${dir}/x.h5`);
 * const options: TreeOptions = { attributes: false, arrayItemsShown: 3 };
 * assert.deepEqual((await treeLines(`${dir}/x.h5`, options)).slice(1), [
 *   "  x:float64[4] = [1.0, '...', 4.0]",
 * ]);
 * await Deno.remove(dir, { recursive: true });
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
  /** The HDF5 backend that reads the file. */
  backend?: Pick<Hdf5Backend, "open">;
  /**
   * The backend that lists the file again, from the start, when `backend` meets a structure
   * it does not read (the TypeScript reader's `Hdf5FormatUnsupported`); `false` for none,
   * so that the error reaches the caller.
   */
  fallback?: Pick<Hdf5Backend, "open"> | false;
}

/**
 * Defaults of {@linkcode TreeOptions}: punx's, read with the project's own TypeScript reader
 * of HDF5, which starts in no time, and with h5wasm (its reading half only, loaded only then)
 * for a file that uses anything that reader does not read.
 */
export const treeDefaults: Required<TreeOptions> = {
  arrayItemsShown: 5,
  attributes: true,
  backend: hdf5Reader,
  fallback: {
    open: async (path) => {
      const [{ loadH5wasm }, { openFile }] = await Promise.all([
        import("./_h5wasm.ts"),
        import("./_h5wasm_read.ts"),
      ]);
      return openFile(await loadH5wasm(), path);
    },
  },
};

/**
 * The structure of an HDF5 file, one string per line, as `punx tree` prints it (see the
 * module's notes for the few differences).
 *
 * @param path The file; the first line shows it as given.
 * @param options What to show, and the backend that reads the file.
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
  const o = { ...treeDefaults, ...options };
  try {
    return await listWith(o.backend, path, o);
  } catch (error) {
    if (!(error instanceof Hdf5FormatUnsupported) || o.fallback === false) throw error;
    return await listWith(o.fallback, path, o);
  }
}

async function listWith(
  backend: Pick<Hdf5Backend, "open">,
  path: string,
  options: Options,
): Promise<string[]> {
  const file = await backend.open(path);
  try {
    return new Lister(file, options).list(path);
  } catch (error) {
    if (error instanceof Hdf5FormatUnsupported) throw error;
    throw new Error(`Cannot read "${path}": ${(error as Error).message ?? error}`, {
      cause: error,
    });
  } finally {
    file.close();
  }
}

type Options = Required<Omit<TreeOptions, "backend" | "fallback">>;
type Scalar = number | bigint | string;
type Flat = ArrayLike<Scalar>;

/** A block of an array in memory: row-major values and their shape. */
interface Block {
  data: Flat;
  shape: readonly number[];
}

const ELLIPSIS = Symbol("...");

/** An attribute with its value read at most once: the listing asks for some twice. */
interface ReadAttribute {
  readonly attribute: Hdf5Attribute;
  /** Its value, or the error reading it gave. */
  value(): { value: Hdf5Value } | { error: unknown };
}

class Lister {
  readonly #file: Hdf5File;
  readonly #options: Options;
  readonly #lines: string[] = [];
  /** Each object's attributes, sorted by name, read once (`@NX_class`, `@target`, listing). */
  readonly #attributesOf = new WeakMap<Hdf5Group | Hdf5Dataset, ReadAttribute[]>();
  /** The top-level groups that #isNexus opened, until the listing reaches them. */
  readonly #opened = new Map<string, Hdf5Group | Hdf5Dataset | undefined>();
  #nexus = false;

  constructor(file: Hdf5File, options: Options) {
    this.#file = file;
    this.#options = options;
  }

  list(path: string): string[] {
    const root = this.#file.get("/") as Hdf5Group;
    this.#nexus = this.#isNexus(root);
    const title = this.#nexus ? `${path} : NeXus data file` : path;
    this.#group(root, title, "", new Map());
    return this.#lines;
  }

  /** punx's test: some top-level group has `NX_class = "NXentry"`. */
  #isNexus(root: Hdf5Group): boolean {
    return root.children().some((child) => {
      if (child.link !== "hard" || child.object !== "group") return false;
      const group = this.#get(child.path);
      this.#opened.set(child.path, group);
      return group !== undefined && this.#text(group, "NX_class") === "NXentry";
    });
  }

  #get(path: string): Hdf5Group | Hdf5Dataset | undefined {
    if (!this.#opened.has(path)) return this.#file.get(path);
    const node = this.#opened.get(path);
    this.#opened.delete(path);
    return node;
  }

  #attributesRead(node: Hdf5Group | Hdf5Dataset): ReadAttribute[] {
    let read = this.#attributesOf.get(node);
    if (read === undefined) {
      read = node.attributes().sort((a, b) => byCodePoint(a.name, b.name)).map((attribute) => {
        let value: { value: Hdf5Value } | { error: unknown } | undefined;
        return {
          attribute,
          value: () => {
            if (value === undefined) {
              try {
                value = { value: attribute.read() };
              } catch (error) {
                value = { error };
              }
            }
            return value;
          },
        };
      });
      this.#attributesOf.set(node, read);
    }
    return read;
  }

  /** The text of an attribute of `node` (the first item of an array), or undefined. */
  #text(node: Hdf5Group | Hdf5Dataset, name: string): string | undefined {
    const read = this.#attributesRead(node).find((a) => a.attribute.name === name)?.value();
    if (read === undefined) return undefined;
    if ("error" in read) throw read.error;
    const text = typeof read.value === "object" ? read.value[0] : read.value;
    return typeof text === "string" ? text : undefined;
  }

  #group(group: Hdf5Group, title: string, indent: string, ancestors: Map<string, string>) {
    const nxClass = this.#text(group, "NX_class");
    this.#lines.push(`${indent}${title}${nxClass ? `:${nxClass}` : ""}`);
    this.#attributes(group, indent);
    const inside = new Map(ancestors).set(group.address, group.path);
    const subgroups: [Hdf5Group, string][] = [];
    const children = group.children().sort((a, b) => byCodePoint(a.name, b.name));
    for (const child of children) {
      const item = `${indent}  ${child.name}`;
      if (child.link === "soft") {
        this.#lines.push(`${item}: --> ${child.target}`);
        continue;
      }
      if (child.link === "external") {
        this.#lines.push(`${item} --> ${child.file}:${child.target}`);
        continue;
      }
      const node = child.object === "datatype" ? undefined : this.#get(child.path);
      const target = node && this.#text(node, "target");
      if (target && target !== child.path) {
        this.#lines.push(`${item} --> ${target}`);
      } else if (node?.kind === "group") {
        subgroups.push([node, child.name]);
      } else if (node?.kind === "dataset") {
        this.#dataset(node, child.name, `${indent}  `);
      } else {
        this.#lines.push(`${item}: committed datatype`);
      }
    }
    for (const [child, name] of subgroups) {
      // A hard link back to an enclosing group would list forever: show it as a link.
      const seen = inside.get(child.address);
      if (seen !== undefined) this.#lines.push(`${indent}  ${name} --> ${seen}`);
      else this.#group(child, name, `${indent}  `, inside);
    }
  }

  #attributes(node: Hdf5Group | Hdf5Dataset, indent: string): void {
    if (!this.#options.attributes) return;
    for (const { attribute, value } of this.#attributesRead(node)) {
      let text: string;
      try {
        text = attributeText(attribute, value);
      } catch (error) {
        if (error instanceof Hdf5FormatUnsupported) throw error;
        text = "?";
      }
      this.#lines.push(...`${indent}  @${attribute.name} = ${text}`.split("\n"));
    }
  }

  #dataset(dataset: Hdf5Dataset, name: string, indent: string): void {
    const { type, shape } = dataset;
    const typeName = numpyName(type);
    const label = this.#nexus ? `NX_${typeName.toUpperCase()}` : typeName;
    const head = `${indent}${name}:${label}`;
    if (shape === null) {
      this.#lines.push(`${head} = None`);
    } else if (type.class === "string") {
      const text = this.#safe(() => {
        const value = textOf(dataset.read());
        return `${fixedSizes(value, type, shape)} = ${textValue(value, type, shape)}`;
      }, " = ?");
      this.#lines.push(...`${head}${text}`.split("\n"));
    } else if (!isNumeric(type)) {
      this.#lines.push(`${head}${shapeText(shape)}`);
    } else if (shape.length === 0 || shape.length === 1 && shape[0] === 1) {
      const value = this.#safe(() => {
        const data = dataset.read();
        return scalarText(typeof data === "object" ? data[0]! : data, type);
      });
      this.#lines.push(`${head}${shape.length === 0 ? "[]" : ""} = ${value}`);
    } else if (this.#options.arrayItemsShown <= 2) {
      this.#lines.push(`${head}${shapeText(shape)} = [ ... ]`);
    } else {
      const text = this.#safe(() => this.#array(dataset, shape, `${indent}    `));
      if (shape.length === 1) {
        this.#lines.push(`${head}${shapeText(shape)} = ${text}`);
      } else {
        this.#lines.push(`${head}${shapeText(shape)} = __array`);
        this.#lines.push(...`${indent}  __array = ${text}`.split("\n"));
      }
    }
    this.#attributes(dataset, indent);
  }

  /** What `render` makes, or `fallback` for values the backend cannot read (float16, ...). */
  #safe(render: () => string, fallback = "?"): string {
    try {
      return render();
    } catch (error) {
      if (error instanceof Hdf5FormatUnsupported) throw error;
      return fallback;
    }
  }

  /** punx's rendering of an array, reading only the rows it shows. */
  #array(dataset: Hdf5Dataset, shape: readonly number[], indent: string): string {
    const [length, ...rowShape] = shape as [number, ...number[]];
    const shown = this.#shown(length);
    const read = (start: number, stop: number): Block[] => {
      if (stop <= start || shape.length >= 4) {
        return Array.from({ length: stop - start }, () => ({ data: [], shape: rowShape }));
      }
      const data = dataset.readRows(start, stop) as Flat;
      const size = rowShape.reduce((a, b) => a * b, 1);
      return Array.from({ length: stop - start }, (_, i) => ({
        data: slice(data, i * size, (i + 1) * size),
        shape: rowShape,
      }));
    };
    const items: (Block | typeof ELLIPSIS)[] = read(0, shown);
    if (shown < length) items.push(ELLIPSIS, ...read(length - 1, length));
    return this.#join(items, shape.length, indent, dataset.type);
  }

  #block(block: Block, indent: string, type: Hdf5Type): string {
    const [length, ...rest] = block.shape as [number, ...number[]];
    const size = rest.reduce((a, b) => a * b, 1);
    const row = (i: number): Block => ({
      data: slice(block.data, i * size, (i + 1) * size),
      shape: rest,
    });
    const shown = this.#shown(length);
    const items: (Block | typeof ELLIPSIS)[] = Array.from({ length: shown }, (_, i) => row(i));
    if (shown < length) items.push(ELLIPSIS, row(length - 1));
    return this.#join(items, block.shape.length, indent, type);
  }

  #join(items: (Block | typeof ELLIPSIS)[], rank: number, indent: string, type: Hdf5Type) {
    if (rank === 1) {
      const texts = items.map((item) =>
        item === ELLIPSIS ? "'...'" : scalarText(item.data[0]!, type)
      );
      return `[${texts.join(", ")}]`;
    }
    const texts = items.map((item) =>
      item === ELLIPSIS
        ? "..."
        : rank < 4
        ? this.#block(item, `${indent}    `, type)
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

function textOf(value: Hdf5Value): string | string[] {
  return typeof value === "object" ? Array.from(value, String) : String(value);
}

function slice(data: Flat, start: number, stop: number): Flat {
  return "subarray" in data
    ? (data as unknown as Uint8Array).subarray(start, stop) as unknown as Flat
    : Array.prototype.slice.call(data, start, stop) as Scalar[];
}

/**
 * Order by code point, which is the order of the UTF-8 bytes that h5py and punx sort by.
 * UTF-16 units keep that order below the surrogates; past them, compare whole code points.
 */
function byCodePoint(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    return x < 0xd800 && y < 0xd800 ? x - y : a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}

function isBooleanEnum(type: Hdf5Type): boolean {
  const members = type.members;
  return type.class === "enum" && members !== undefined &&
    Object.keys(members).length === 2 && members["FALSE"] === 0 && members["TRUE"] === 1;
}

function isNumeric(type: Hdf5Type): boolean {
  return type.class === "integer" || type.class === "float" || type.class === "enum";
}

/** The name numpy gives the type (`float64`, `int32`, `bool`), as punx builds its labels. */
function numpyName(type: Hdf5Type): string {
  const bits = type.size * 8;
  switch (type.class) {
    case "integer":
      return `${type.signed ? "int" : "uint"}${bits}`;
    case "float":
      return `float${bits}`;
    case "string":
      return "CHAR";
    case "enum":
      return isBooleanEnum(type) ? "bool" : `${type.signed ? "int" : "uint"}${bits}`;
    case "compound":
      return "compound";
    case "reference":
    case "vlen":
      return "object";
    case "array":
      return "array";
    case "opaque":
      return "void";
    default:
      return "unknown";
  }
}

function numpyKind(type: Hdf5Type): NumpyKind {
  if (isBooleanEnum(type)) return "bool";
  if (type.class === "float") return type.size === 4 ? "float32" : "float64";
  return "int";
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 && shape[0] === 1 ? "" : `[${shape.join(",")}]`;
}

/** One value as numpy's `str()` shows it. */
function scalarText(value: Scalar, type: Hdf5Type): string {
  if (isBooleanEnum(type)) return Number(value) ? "True" : "False";
  if (type.class === "float" && typeof value === "number") {
    return pythonFloatRepr(value, type.size === 4 ? 32 : 64);
  }
  return String(value);
}

/** A string field as punx shows it: bytes for variable-length strings, text for fixed. */
function textValue(value: string | string[], type: Hdf5Type, shape: readonly number[]): string {
  if (type.vlen) {
    if (typeof value === "string") return pythonBytesRepr(encode(value, type));
    const items = value.map((text) => pythonBytesRepr(encode(text, type)));
    return numpyArrayStr(items, [...shape], "object");
  }
  if (typeof value === "string") return value;
  return value.length === 1 ? `"${value[0]}"` : `[${value.map((v) => `"${v}"`).join(", ")}]`;
}

/**
 * punx labels an array of fixed-length strings with the sizes of its items, as numpy sees
 * them: the length of each string of one dimension, or the fixed size for each row of more.
 */
function fixedSizes(value: string | string[], type: Hdf5Type, shape: readonly number[]): string {
  if (type.vlen || typeof value === "string" || shape.length === 0) return "";
  const sizes = shape.length === 1
    ? value.map((text) => encode(text, type).length)
    : Array.from({ length: shape[0]! }, () => type.size);
  return `[${sizes.join(",")}]`;
}

/** The bytes of a string as stored: UTF-8, or one byte per character for ASCII. */
function encode(text: string, type: Hdf5Type): Uint8Array {
  return type.utf8
    ? new TextEncoder().encode(text)
    : Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
}

/**
 * An attribute as punx shows it: text in double quotes, numbers as Python prints them.
 * @param attribute The attribute.
 * @param read Its value, read once: the error of a failed read is thrown here.
 */
function attributeText(
  attribute: Hdf5Attribute,
  read: () => { value: Hdf5Value } | { error: unknown },
): string {
  const { type, shape } = attribute;
  if (shape === null) return "Empty";
  if (!isNumeric(type) && type.class !== "string") return "?";
  const got = read();
  if ("error" in got) throw got.error;
  const value = got.value as Flat | Scalar;
  if (type.class === "string") {
    if (typeof value !== "object") return `"${value}"`;
    const items = Array.from(value, String);
    // punx turns arrays of text into lists: ["a", "b"], or Python's nested lists.
    if (items.length === 0) return "None";
    if (shape.length === 1) return `[${items.map((item) => `"${item}"`).join(", ")}]`;
    return pythonNestedList(items.map(pythonStrRepr), shape);
  }
  // A scalar goes through Python's format(), which prints a float32 as a double.
  if (typeof value !== "object") {
    return type.class === "float" ? pythonFloatRepr(Number(value)) : scalarText(value, type);
  }
  return numpyArrayStr(Array.from(value), [...shape], numpyKind(type));
}

function pythonNestedList(items: string[], shape: readonly number[]): string {
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
