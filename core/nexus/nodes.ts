/**
 * The nodes of a NeXus tree: groups, fields, hard and external links, their attributes
 * and data types.
 *
 * @module
 */

import type { Compression } from "./backend.ts";
import type { FrameStack } from "./frame_stack.ts";

/**
 * NeXus data types of fields and attributes.
 *
 * @example Unsigned 16-bit pixels
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree } from "./tree.ts";
 * import { type NxType } from "./nodes.ts";
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

/** Typed arrays that hold numeric field data. */
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
 * Data of a field: a scalar, a string or strings, numbers (row-major for N-d shapes), or a
 * stack of frames written one at a time.
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

/** An attribute value with an explicit type, for numbers whose type matters. */
export interface TypedValue {
  /** The number or numbers. */
  value: number | bigint | number[] | NumericArray;
  /** The type to write them as. */
  dtype: NxType;
}

/**
 * An attribute value. Plain integers are written as `NX_INT64` and other numbers as
 * `NX_FLOAT64`; use a {@linkcode TypedValue} (or {@linkcode nxFloat}) where that guess is wrong.
 */
export type AttrValue = string | string[] | number | bigint | boolean | number[] | TypedValue;

/**
 * A stored attribute and the plugin that set it.
 *
 * @example Who set an attribute
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree } from "./tree.ts";
 * import { type NxAttribute } from "./nodes.ts";
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

/** What every node of the tree has. */
export interface NodeBase {
  /** Name of the node, the last path segment. */
  readonly name: string;
  /** Absolute path. */
  readonly path: string;
  /** Name of the plugin that made the node. */
  readonly owner: string;
  /** Attributes by name. */
  readonly attrs: ReadonlyMap<string, NxAttribute>;
}

/** A group: an HDF5 group with an `NX_class`. */
export interface NxGroup extends NodeBase {
  /** Tells the node kinds apart. */
  readonly kind: "group";
  /** Its NeXus base class, for example `"NXentry"` (empty for the root). */
  readonly nxClass: string;
  /** Children by name, in insertion order. */
  readonly children: ReadonlyMap<string, NxNode>;
}

/**
 * A field: an HDF5 dataset.
 *
 * @example A field with its inferred type and shape
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree } from "./tree.ts";
 * import { type NxField } from "./nodes.ts";
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
  /** How its chunks are compressed: a gzip level 1-9, or a filter of detectors. */
  readonly compression?: Compression;
}

/**
 * A hard link to another node of the file, by absolute path.
 *
 * @example A hard link
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusTree } from "./tree.ts";
 * import { type NxLink } from "./nodes.ts";
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
 * import { NexusTree } from "./tree.ts";
 * import { type NxExternalLink } from "./nodes.ts";
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

/** Any node of the tree. */
export type NxNode = NxGroup | NxField | NxLink | NxExternalLink;

/**
 * Options of {@linkcode TreeBuilder.field}.
 *
 * @example Chunked and compressed
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FieldOptions } from "./nodes.ts";
 * import { NexusTree } from "./tree.ts";
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
  /** A gzip level 1-9, or a filter of detectors (`"bslz4"`, `"lz4"`), for chunked storage
   * (`chunks`, which a frame stack has: one frame per chunk; a field given neither is one
   * chunk); 0 or none for no compression. */
  compression?: Compression;
  /** Give the field `@target` with its own path, as apstools does for fields it links to. */
  target?: boolean;
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
 * import { nxFloat } from "./nodes.ts";
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
 * import { nxInt } from "./nodes.ts";
 * assert.equal(nxInt(3).dtype, "NX_INT64");
 * ```
 */
export function nxInt(value: number | number[]): TypedValue {
  return { value, dtype: "NX_INT64" };
}
