/**
 * The NeXus tree model: what plugins describe and the writer turns into an HDF5 file.
 *
 * Plugins never call the HDF5 library. They add groups, fields, attributes and links to a
 * {@linkcode NexusTree} through a {@linkcode TreeBuilder} that records which plugin made each
 * node, so a conflict names both plugins and the path, and the whole tree can be checked
 * before anything is written.
 *
 * @module
 */

import { NexusLayoutError } from "../errors.ts";

/**
 * NeXus data types of fields and attributes.
 *
 * @example Unsigned 16-bit pixels
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree, type NxType } from "./tree.ts";
 * const dtype: NxType = "NX_UINT16";
 * const tree = new NexusTree();
 * const b = tree.builder("x");
 * b.group("/entry", "NXentry");
 * assert.equal(b.field("/entry/n", [1, 2], { dtype }).dtype, "NX_UINT16");
 * ```
 */
export type NxType =
  | "NX_CHAR"
  | "NX_BOOLEAN"
  | "NX_FLOAT32"
  | "NX_FLOAT64"
  | "NX_INT8"
  | "NX_INT16"
  | "NX_INT32"
  | "NX_INT64"
  | "NX_UINT8"
  | "NX_UINT16"
  | "NX_UINT32"
  | "NX_UINT64";

/**
 * Typed arrays that hold numeric field data.
 *
 * @example Typed data of a field
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NumericArray } from "./tree.ts";
 * const data: NumericArray = new Float32Array([1, 2]);
 * assert.equal(data.length, 2);
 * ```
 */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/**
 * Pixel types of a {@linkcode FrameStack}.
 *
 * @example The type of a frame stack's pixels
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FrameDtype } from "./tree.ts";
 * const dtype: FrameDtype = "uint16";
 * assert.equal(dtype, "uint16");
 * ```
 */
export type FrameDtype =
  | "uint8"
  | "uint16"
  | "uint32"
  | "int8"
  | "int16"
  | "int32"
  | "float32"
  | "float64";

/**
 * A stack of frames produced on demand (an area detector's images read from its own file):
 * the backend asks for them one at a time, in order, so the stack is never in memory whole.
 *
 * @example Frames made when written
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameStack, type FrameStack } from "./tree.ts";
 * const stack: FrameStack = frameStack({ count: 2, frameShape: [1, 2], dtype: "uint8", frame: (i) => [i, i] });
 * assert.equal(stack.kind, "frames");
 * ```
 */
export interface FrameStack {
  /** Tells stacks apart from other field data. */
  readonly kind: "frames";
  /** Number of frames. */
  readonly count: number;
  /** Shape of one frame, for example `[512, 512]`. */
  readonly frameShape: readonly number[];
  /** Type of the pixels. */
  readonly dtype: FrameDtype;
  /**
   * Frame `i` (0-based), row-major, `product(frameShape)` values.
   * @param i The frame's index.
   * @returns Its values, or a promise of them.
   */
  frame(i: number): ArrayLike<number> | Promise<ArrayLike<number>>;
}

/**
 * The NeXus type of each frame pixel type.
 *
 * @example Pixels of 16 bits
 * ```ts
 * import assert from "node:assert/strict";
 * import { FRAME_TYPES } from "./tree.ts";
 * assert.equal(FRAME_TYPES.uint16, "NX_UINT16");
 * ```
 */
export const FRAME_TYPES: Readonly<Record<FrameDtype, NxType>> = {
  uint8: "NX_UINT8",
  uint16: "NX_UINT16",
  uint32: "NX_UINT32",
  int8: "NX_INT8",
  int16: "NX_INT16",
  int32: "NX_INT32",
  float32: "NX_FLOAT32",
  float64: "NX_FLOAT64",
};

/** The typed array of each frame pixel type. */
export const FRAME_ARRAYS = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const satisfies Record<FrameDtype, unknown>;

/**
 * Make a {@linkcode FrameStack}, checking its sizes.
 *
 * @example Three frames of 2 x 2, made when asked for
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameStack } from "./tree.ts";
 * const stack = frameStack({
 *   count: 3,
 *   frameShape: [2, 2],
 *   dtype: "uint16",
 *   frame: (i) => new Uint16Array(4).fill(i),
 * });
 * assert.deepEqual([...(stack.frame(2) as Uint16Array)], [2, 2, 2, 2]);
 * ```
 *
 * @param init Number of frames, frame shape, pixel type, and the function giving a frame.
 * @returns The stack.
 * @throws {RangeError} When the count or a dimension is not a whole number >= 0.
 */
export function frameStack(init: Omit<FrameStack, "kind">): FrameStack {
  const whole = (n: number) => Number.isInteger(n) && n >= 0;
  if (!whole(init.count)) {
    throw new RangeError(`A frame count must be a whole number: got ${init.count}`);
  }
  if (!init.frameShape.every(whole)) {
    throw new RangeError(
      `A frame shape must be whole numbers: got [${init.frameShape.join(", ")}]`,
    );
  }
  if (!(init.dtype in FRAME_TYPES)) throw new RangeError(`Unknown pixel type "${init.dtype}"`);
  return { kind: "frames", ...init, frame: (i) => init.frame(i) };
}

/**
 * Whether field data is a {@linkcode FrameStack}.
 * @param data Field data.
 * @returns True for a stack.
 *
 * @example Stacks and arrays
 * ```ts
 * import assert from "node:assert/strict";
 * import { frameStack, isFrameStack } from "./tree.ts";
 * const stack = frameStack({ count: 0, frameShape: [2], dtype: "uint8", frame: () => [0, 0] });
 * assert.equal(isFrameStack(stack), true);
 * assert.equal(isFrameStack([1, 2]), false);
 * ```
 */
export function isFrameStack(data: unknown): data is FrameStack {
  return typeof data === "object" && data !== null && (data as FrameStack).kind === "frames";
}

/**
 * Data of a field: a scalar, a string or strings, numbers (row-major for N-d shapes), or a
 * stack of frames written one at a time.
 *
 * @example Text, numbers, typed arrays
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FieldData } from "./tree.ts";
 * const values: FieldData[] = ["text", 1.5, [1, 2], new Uint8Array(2)];
 * assert.equal(values.length, 4);
 * ```
 */
export type FieldData =
  | string
  | string[]
  | number
  | bigint
  | boolean
  | number[]
  | NumericArray
  | FrameStack;

/**
 * An attribute value with an explicit type, for numbers whose type matters.
 *
 * @example A float attribute
 * ```ts
 * import assert from "node:assert/strict";
 * import { nxFloat, type TypedValue } from "./tree.ts";
 * const value: TypedValue = nxFloat(2);
 * assert.equal(value.dtype, "NX_FLOAT64");
 * ```
 */
export interface TypedValue {
  /** The number or numbers. */
  value: number | bigint | number[] | NumericArray;
  /** The type to write them as. */
  dtype: NxType;
}

/**
 * An attribute value. Plain integers are written as `NX_INT64` and other numbers as
 * `NX_FLOAT64`; use a {@linkcode TypedValue} (or {@linkcode nxFloat}) where that guess is wrong.
 *
 * @example Attribute values
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AttrValue } from "./tree.ts";
 * const attrs: Record<string, AttrValue> = { units: "mm", axes: ["x", "."], x_indices: 0 };
 * assert.equal(attrs.units, "mm");
 * ```
 */
export type AttrValue = string | string[] | number | bigint | boolean | number[] | TypedValue;

/**
 * A stored attribute and the plugin that set it.
 *
 * @example Who set an attribute
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree, type NxAttribute } from "./tree.ts";
 * const tree = new NexusTree();
 * tree.builder("me").group("/entry", "NXentry", { default: "data" });
 * const attr: NxAttribute | undefined = tree.get("/entry")?.attrs.get("default");
 * assert.deepEqual(attr, { value: "data", owner: "me" });
 * ```
 */
export interface NxAttribute {
  /** The value. */
  value: AttrValue;
  /** Name of the plugin that set it. */
  owner: string;
}

/**
 * What every node of the tree has.
 *
 * @example What every node has
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree, type NodeBase } from "./tree.ts";
 * const tree = new NexusTree();
 * const node: NodeBase = tree.builder("me").group("/entry", "NXentry");
 * assert.equal(node.path, "/entry");
 * assert.equal(node.owner, "me");
 * ```
 */
export interface NodeBase {
  /** Name of the node, the last path segment. */
  readonly name: string;
  /** Absolute path. */
  readonly path: string;
  /** Name of the plugin that made the node. */
  readonly owner: string;
  /** Attributes by name. */
  readonly attrs: Map<string, NxAttribute>;
}

/**
 * A group: an HDF5 group with an `NX_class`.
 *
 * @example A group and its children
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree, type NxGroup } from "./tree.ts";
 * const tree = new NexusTree();
 * const entry: NxGroup = tree.builder("me").group("/entry", "NXentry");
 * assert.equal(entry.nxClass, "NXentry");
 * assert.equal(entry.children.size, 0);
 * ```
 */
export interface NxGroup extends NodeBase {
  /** Tells the node kinds apart. */
  readonly kind: "group";
  /** Its NeXus base class, for example `"NXentry"` (empty for the root). */
  readonly nxClass: string;
  /** Children by name, in insertion order. */
  readonly children: Map<string, NxNode>;
}

/**
 * A field: an HDF5 dataset.
 *
 * @example A field with its inferred type and shape
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree, type NxField } from "./tree.ts";
 * const tree = new NexusTree();
 * const b = tree.builder("me");
 * b.group("/entry", "NXentry");
 * const field: NxField = b.field("/entry/x", [1.5, 2.5]);
 * assert.equal(field.dtype, "NX_FLOAT64");
 * assert.deepEqual(field.shape, [2]);
 * ```
 */
export interface NxField extends NodeBase {
  /** Tells the node kinds apart. */
  readonly kind: "field";
  /** Its NeXus data type. */
  readonly dtype: NxType;
  /** Shape; `[]` for a scalar. */
  readonly shape: number[];
  /** The values, row-major for N-d shapes. */
  readonly data: FieldData;
  /** Chunk shape, for chunked storage. */
  readonly chunks?: number[];
  /** gzip level 1-9, for chunked storage. */
  readonly compression?: number;
}

/**
 * A hard link to another node of the file, by absolute path.
 *
 * @example A hard link
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree, type NxLink } from "./tree.ts";
 * const tree = new NexusTree();
 * const b = tree.builder("me");
 * b.group("/entry", "NXentry");
 * b.field("/entry/x", 1);
 * const link: NxLink = b.link("/entry/y", "/entry/x");
 * assert.equal(tree.resolve(link.path)?.path, "/entry/x");
 * ```
 */
export interface NxLink extends NodeBase {
  /** Tells the node kinds apart. */
  readonly kind: "link";
  /** Absolute path of the linked node. */
  readonly target: string;
}

/**
 * A link to a node in another HDF5 file.
 *
 * @example A link into another file
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree, type NxExternalLink } from "./tree.ts";
 * const tree = new NexusTree();
 * const b = tree.builder("me");
 * b.group("/entry", "NXentry");
 * const link: NxExternalLink = b.externalLink("/entry/image", "images/a.h5", "/entry/data/data");
 * assert.equal(link.file, "images/a.h5");
 * ```
 */
export interface NxExternalLink extends NodeBase {
  /** Tells the node kinds apart. */
  readonly kind: "external_link";
  /** The other file, relative to this file's folder or absolute. */
  readonly file: string;
  /** Path of the node inside the other file. */
  readonly target: string;
}

/**
 * Any node of the tree.
 *
 * @example Telling nodes apart
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree, type NxNode } from "./tree.ts";
 * const tree = new NexusTree();
 * tree.builder("me").group("/entry", "NXentry");
 * const kinds = [...tree.walk()].map((node: NxNode) => node.kind);
 * assert.deepEqual(kinds, ["group", "group"]);
 * ```
 */
export type NxNode = NxGroup | NxField | NxLink | NxExternalLink;

/**
 * Options of {@linkcode TreeBuilder.field}.
 *
 * @example Chunked and compressed
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FieldOptions, NexusTree } from "./tree.ts";
 * const options: FieldOptions = { chunks: [100], compression: 4, attrs: { units: "s" } };
 * const tree = new NexusTree();
 * const b = tree.builder("me");
 * b.group("/entry", "NXentry");
 * assert.equal(b.field("/entry/t", new Float64Array(100), options).compression, 4);
 * ```
 */
export interface FieldOptions {
  /** Data type; inferred from the data when omitted. */
  dtype?: NxType;
  /** Shape; inferred from the data when omitted (1-D for arrays, scalar otherwise). */
  shape?: number[];
  /** Attributes of the field. */
  attrs?: Record<string, AttrValue>;
  /** Chunk shape (enables chunked storage). */
  chunks?: number[];
  /** gzip level 1-9 (needs `chunks`); 0 for none. Frame stacks default to 1 (the
   * fastest level: gzip dominates the time of copying frames). */
  compression?: number;
  /** Give the field `@target` with its own path, as apstools does for fields it links to. */
  target?: boolean;
}

const NEXUS_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.]*[A-Za-z0-9_])?$/;

/**
 * Why `name` cannot name an HDF5 object, or undefined when it can.
 * @param name A path segment.
 * @returns The reason, or undefined.
 *
 * @example A name with a slash
 * ```ts
 * import assert from "node:assert/strict";
 * import { illegalName } from "./tree.ts";
 * assert.equal(illegalName("a/b"), "a name may not contain '/'");
 * assert.equal(illegalName("ok"), undefined);
 * ```
 */
export function illegalName(name: string): string | undefined {
  if (name.length === 0) return "an empty name";
  if (name === "." || name === "..") return `"${name}" is reserved`;
  if (name.includes("/")) return "a name may not contain '/'";
  if (name.includes("\0")) return "a name may not contain NUL";
  if (new TextEncoder().encode(name).length > 255) return "a name longer than 255 bytes";
  return undefined;
}

/**
 * Whether `name` follows NeXus's recommended naming rule (letters, digits, `_`, inner `.`).
 * @param name A path segment.
 * @returns True when it does.
 *
 * @example NeXus names
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNexusName } from "./tree.ts";
 * assert.equal(isNexusName("motor_1"), true);
 * assert.equal(isNexusName("motor-1"), false);
 * ```
 */
export function isNexusName(name: string): boolean {
  return NEXUS_NAME.test(name);
}

/**
 * Split an absolute path into its segments.
 * @param path For example `"/entry/data"`.
 * @returns The segments, `[]` for the root.
 *
 * @example The segments
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitPath } from "./tree.ts";
 * assert.deepEqual(splitPath("/entry/data"), ["entry", "data"]);
 * assert.deepEqual(splitPath("/"), []);
 * ```
 */
export function splitPath(path: string): string[] {
  if (!path.startsWith("/")) {
    throw new NexusLayoutError(`Path "${path}" is not absolute (it must start with "/")`, {
      path,
    });
  }
  return path === "/" ? [] : path.slice(1).split("/");
}

/**
 * Join a parent path and a child name.
 * @param parent Absolute path of the parent.
 * @param name Child name.
 * @returns The child's absolute path.
 *
 * @example Under the root and below
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinPath } from "./tree.ts";
 * assert.equal(joinPath("/", "entry"), "/entry");
 * assert.equal(joinPath("/entry", "data"), "/entry/data");
 * ```
 */
export function joinPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

function inferType(data: FieldData): NxType {
  if (isFrameStack(data)) return FRAME_TYPES[data.dtype];
  if (typeof data === "string" || Array.isArray(data) && typeof data[0] === "string") {
    return "NX_CHAR";
  }
  if (typeof data === "boolean") return "NX_BOOLEAN";
  if (typeof data === "bigint") return "NX_INT64";
  if (typeof data === "number") return Number.isInteger(data) ? "NX_INT64" : "NX_FLOAT64";
  if (Array.isArray(data)) return "NX_FLOAT64";
  if (data instanceof Float64Array) return "NX_FLOAT64";
  if (data instanceof Float32Array) return "NX_FLOAT32";
  if (data instanceof BigInt64Array) return "NX_INT64";
  if (data instanceof BigUint64Array) return "NX_UINT64";
  if (data instanceof Int32Array) return "NX_INT32";
  if (data instanceof Int16Array) return "NX_INT16";
  if (data instanceof Int8Array) return "NX_INT8";
  if (data instanceof Uint32Array) return "NX_UINT32";
  if (data instanceof Uint16Array) return "NX_UINT16";
  return "NX_UINT8";
}

function inferShape(data: FieldData): number[] {
  if (isFrameStack(data)) return [data.count, ...data.frameShape];
  if (typeof data === "object") return [data.length];
  return [];
}

/**
 * A float attribute or scalar that stays a float even when its value is whole
 * (`-32000.0` rather than `-32000`).
 * @param value The number.
 * @returns A typed value of type `NX_FLOAT64`.
 *
 * @example A whole number that stays a float
 * ```ts
 * import assert from "node:assert/strict";
 * import { nxFloat } from "./tree.ts";
 * assert.deepEqual(nxFloat(-32000), { value: -32000, dtype: "NX_FLOAT64" });
 * ```
 */
export function nxFloat(value: number | number[]): TypedValue {
  return { value, dtype: "NX_FLOAT64" };
}

/**
 * An integer attribute of type `NX_INT64`.
 * @param value The integer.
 * @returns A typed value of type `NX_INT64`.
 *
 * @example An integer
 * ```ts
 * import assert from "node:assert/strict";
 * import { nxInt } from "./tree.ts";
 * assert.equal(nxInt(3).dtype, "NX_INT64");
 * ```
 */
export function nxInt(value: number | number[]): TypedValue {
  return { value, dtype: "NX_INT64" };
}

/**
 * The tree of one NeXus file. The writer owns it; each plugin gets a
 * {@linkcode TreeBuilder} bound to its name through {@linkcode NexusTree.builder}.
 *
 * @example Groups, a field and a link
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree } from "./tree.ts";
 * const tree = new NexusTree();
 * const b = tree.builder("example");
 * b.group("/entry", "NXentry");
 * b.group("/entry/data", "NXdata", { signal: "y" });
 * b.field("/entry/data/y", new Float64Array([1, 2, 3]), { attrs: { units: "counts" } });
 * b.link("/entry/y", "/entry/data/y");
 * assert.equal(tree.get("/entry/data/y")?.kind, "field");
 * assert.deepEqual(tree.check(), []);
 * ```
 */
export class NexusTree {
  /** The root group (the file); its attributes are the file's. */
  readonly root: NxGroup = {
    kind: "group",
    name: "",
    path: "/",
    owner: "",
    nxClass: "",
    attrs: new Map(),
    children: new Map(),
  };

  /**
   * A builder that records `owner` as the maker of everything it adds.
   * @param owner Name of the plugin.
   * @returns The builder.
   */
  builder(owner: string): TreeBuilder {
    return new TreeBuilder(this, owner);
  }

  /**
   * The node at `path`, without following links.
   * @param path Absolute path.
   * @returns The node, or undefined.
   */
  get(path: string): NxNode | undefined {
    let node: NxNode = this.root;
    for (const segment of splitPath(path)) {
      if (node.kind !== "group") return undefined;
      const child: NxNode | undefined = node.children.get(segment);
      if (!child) return undefined;
      node = child;
    }
    return node;
  }

  /**
   * The node at `path`, following hard links (also in the middle of the path).
   * @param path Absolute path.
   * @returns The node, or undefined when it or a link target is missing.
   */
  resolve(path: string, depth = 0): NxNode | undefined {
    if (depth > 32) return undefined;
    let node: NxNode = this.root;
    const segments = splitPath(path);
    for (let i = 0; i < segments.length; i++) {
      if (node.kind === "link") {
        const target = this.resolve(node.target, depth + 1);
        if (!target) return undefined;
        node = target;
      }
      if (node.kind !== "group") return undefined;
      const child: NxNode | undefined = node.children.get(segments[i]!);
      if (!child) return undefined;
      node = child;
    }
    return node.kind === "link" ? this.resolve(node.target, depth + 1) : node;
  }

  /**
   * Every node, depth first, parents before children.
   * @returns A generator of nodes (the root first).
   */
  *walk(): Generator<NxNode> {
    const stack: NxNode[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      yield node;
      if (node.kind === "group") stack.push(...[...node.children.values()].reverse());
    }
  }

  /**
   * Remove everything `owner` made, and the attributes it set on others' nodes, as if the
   * plugin had never run. Groups that others have added to are kept.
   * @param owner Name of the plugin.
   */
  removeOwner(owner: string): void {
    const prune = (group: NxGroup): void => {
      for (const [name, child] of group.children) {
        if (child.kind === "group") prune(child);
        const emptyGroup = child.kind === "group" && child.children.size === 0;
        if (child.owner === owner && (child.kind !== "group" || emptyGroup)) {
          group.children.delete(name);
          continue;
        }
        for (const [key, attr] of child.attrs) if (attr.owner === owner) child.attrs.delete(key);
      }
    };
    prune(this.root);
    for (const [key, attr] of this.root.attrs) {
      if (attr.owner === owner) this.root.attrs.delete(key);
    }
  }

  /**
   * Check the whole tree: link targets exist, names are legal, groups have classes.
   * @returns The problems found (empty when the tree can be written).
   */
  check(): NexusLayoutError[] {
    const problems: NexusLayoutError[] = [];
    for (const node of this.walk()) {
      if (node === this.root) continue;
      const why = illegalName(node.name);
      if (why) {
        problems.push(
          new NexusLayoutError(`Illegal name: ${why}`, { path: node.path, plugin: node.owner }),
        );
      }
      if (node.kind === "group" && !/^NX[A-Za-z_]+$/.test(node.nxClass)) {
        problems.push(
          new NexusLayoutError(`Group has no valid NX_class: got "${node.nxClass}"`, {
            path: node.path,
            plugin: node.owner,
          }),
        );
      }
      if (node.kind === "link") {
        const target = this.resolve(node.target);
        if (!target) {
          problems.push(
            new NexusLayoutError(`Link target "${node.target}" does not exist`, {
              path: node.path,
              plugin: node.owner,
            }),
          );
        }
      }
    }
    return problems;
  }
}

/**
 * Adds nodes to a {@linkcode NexusTree} on behalf of one plugin.
 *
 * A group may be declared by several plugins if they agree on its class; a field, a link or
 * an attribute belongs to the first plugin that made it, and a second claim by another
 * plugin is a {@linkcode NexusLayoutError} naming both.
 *
 * @example A plugin's builder
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree } from "./tree.ts";
 * const tree = new NexusTree();
 * const b = tree.builder("example");
 * b.group("/entry", "NXentry");
 * b.field("/entry/title", "hello");
 * assert.equal(tree.get("/entry/title")?.owner, "example");
 * ```
 */
export class TreeBuilder {
  /** The tree being built. */
  readonly tree: NexusTree;
  /** The plugin this builder works for. */
  readonly owner: string;

  /**
   * Make a builder; {@linkcode NexusTree.builder} is the usual way.
   * @param tree The tree.
   * @param owner Name of the plugin.
   */
  constructor(tree: NexusTree, owner: string) {
    this.tree = tree;
    this.owner = owner;
  }

  /**
   * Declare a group (its parent must exist). Declaring an existing group of the same class
   * returns it, and sets the given attributes.
   * @param path Absolute path.
   * @param nxClass NeXus base class, for example `"NXdata"`.
   * @param attrs Attributes to set (besides `NX_class`, which is written from `nxClass`).
   * @returns The group.
   */
  group(path: string, nxClass: string, attrs: Record<string, AttrValue> = {}): NxGroup {
    const { parent, name } = this.#parentOf(path);
    const existing = parent.children.get(name);
    let group: NxGroup;
    if (existing) {
      if (existing.kind !== "group" || existing.nxClass !== nxClass) {
        throw this.#conflict(path, existing, `a ${nxClass} group`);
      }
      group = existing;
    } else {
      group = {
        kind: "group",
        name,
        path,
        owner: this.owner,
        nxClass,
        attrs: new Map(),
        children: new Map(),
      };
      parent.children.set(name, group);
    }
    for (const [key, value] of Object.entries(attrs)) this.#setAttr(group, key, value);
    return group;
  }

  /**
   * Add a field (its parent group must exist).
   * @param path Absolute path.
   * @param data The data.
   * @param options Type, shape, attributes, storage.
   * @returns The field.
   */
  field(path: string, data: FieldData, options: FieldOptions = {}): NxField {
    const { parent, name } = this.#parentOf(path);
    const existing = parent.children.get(name);
    if (existing) throw this.#conflict(path, existing, "a field");
    const stack = isFrameStack(data);
    const shape = stack ? inferShape(data) : options.shape ?? inferShape(data);
    const expected = stack
      ? shape.reduce((a, b) => a * b, 1)
      : typeof data === "object"
      ? data.length
      : 1;
    const count = shape.reduce((a, b) => a * b, 1);
    if (options.shape && typeof data === "object" && count !== expected) {
      throw new NexusLayoutError(
        `Shape [${shape.join(", ")}] holds ${count} values, the data has ${expected}`,
        { path, plugin: this.owner },
      );
    }
    const field: NxField = {
      kind: "field",
      name,
      path,
      owner: this.owner,
      dtype: stack ? inferType(data) : options.dtype ?? inferType(data),
      shape,
      data,
      attrs: new Map(),
      // A stack is stored one frame per chunk, gzip-compressed unless told otherwise.
      ...(options.chunks
        ? { chunks: options.chunks }
        : stack
        ? { chunks: [1, ...(data as FrameStack).frameShape] }
        : {}),
      ...(options.compression !== undefined
        ? (options.compression ? { compression: options.compression } : {})
        : stack
        ? { compression: 1 }
        : {}),
    };
    parent.children.set(name, field);
    for (const [key, value] of Object.entries(options.attrs ?? {})) {
      this.#setAttr(field, key, value);
    }
    if (options.target) this.#setAttr(field, "target", path);
    return field;
  }

  /**
   * Set an attribute of an existing node (`"/"` for the file).
   * @param path Absolute path of the node.
   * @param name Attribute name.
   * @param value Attribute value.
   */
  attr(path: string, name: string, value: AttrValue): void {
    const node = this.tree.get(path);
    if (!node) {
      throw new NexusLayoutError(`Cannot set attribute "${name}": no node at this path`, {
        path,
        plugin: this.owner,
      });
    }
    this.#setAttr(node, name, value);
  }

  /**
   * Add a hard link; the target must exist by the time the tree is checked.
   * @param path Absolute path of the link.
   * @param target Absolute path of the linked node.
   * @returns The link.
   */
  link(path: string, target: string): NxLink {
    splitPath(target);
    const { parent, name } = this.#parentOf(path);
    const existing = parent.children.get(name);
    if (existing) throw this.#conflict(path, existing, `a link to "${target}"`);
    const link: NxLink = { kind: "link", name, path, owner: this.owner, target, attrs: new Map() };
    parent.children.set(name, link);
    return link;
  }

  /**
   * Add a link to a node in another HDF5 file.
   * @param path Absolute path of the link.
   * @param file The other file.
   * @param target Path inside the other file.
   * @returns The external link.
   */
  externalLink(path: string, file: string, target: string): NxExternalLink {
    const { parent, name } = this.#parentOf(path);
    const existing = parent.children.get(name);
    if (existing) throw this.#conflict(path, existing, `an external link to "${file}"`);
    const link: NxExternalLink = {
      kind: "external_link",
      name,
      path,
      owner: this.owner,
      file,
      target,
      attrs: new Map(),
    };
    parent.children.set(name, link);
    return link;
  }

  /**
   * Whether a node exists at `path` (without following links).
   * @param path Absolute path.
   * @returns True when it does.
   */
  has(path: string): boolean {
    return this.tree.get(path) !== undefined;
  }

  #parentOf(path: string): { parent: NxGroup; name: string } {
    const segments = splitPath(path);
    const name = segments.pop();
    if (name === undefined) {
      throw new NexusLayoutError("The root cannot be made again", { path, plugin: this.owner });
    }
    const why = illegalName(name);
    if (why) throw new NexusLayoutError(`Illegal name: ${why}`, { path, plugin: this.owner });
    const parentPath = segments.length === 0 ? "/" : `/${segments.join("/")}`;
    const parent = this.tree.get(parentPath);
    if (!parent || parent.kind !== "group") {
      throw new NexusLayoutError(
        `Parent group "${parentPath}" does not exist (declare it with group() first)`,
        { path, plugin: this.owner },
      );
    }
    return { parent, name };
  }

  #setAttr(node: NxNode, name: string, value: AttrValue): void {
    if (name === "NX_class") {
      throw new NexusLayoutError("NX_class is set from the group's class, not as an attribute", {
        path: node.path,
        plugin: this.owner,
      });
    }
    const existing = node.attrs.get(name);
    if (existing && existing.owner !== this.owner) {
      throw new NexusLayoutError(
        `Attribute "@${name}" was already set by plugin "${existing.owner}"`,
        { path: node.path, plugin: this.owner },
      );
    }
    node.attrs.set(name, { value, owner: this.owner });
  }

  #conflict(path: string, existing: NxNode, wanted: string): NexusLayoutError {
    const what = existing.kind === "group" ? `a ${existing.nxClass} group` : `a ${existing.kind}`;
    return new NexusLayoutError(
      `Plugin "${this.owner}" wants ${wanted} where plugin "${existing.owner}" made ${what}`,
      { path, plugin: this.owner },
    );
  }
}
