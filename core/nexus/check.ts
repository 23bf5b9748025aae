/**
 * The layout rules of a NeXus tree, in one place: what makes a tree one that HDF5 can hold
 * and NeXus readers understand. The writer checks the whole tree with
 * {@linkcode checkTree} before anything is written, so a backend only converts; a builder
 * can check each node as it is added with {@linkcode checkNode} and
 * {@linkcode checkAttribute}, for feedback at the line that made the mistake.
 *
 * The rules:
 * - names are legal HDF5 names (and, with `nexusNames`, NeXus names);
 * - a group's `NX_class` is a NeXus class name;
 * - a field's shape holds as many values as its data; `NX_CHAR` holds text and the other
 *   types numbers; integers fit their type (booleans are `true`, `false`, 0 or 1);
 * - chunks have the rank of the shape, a scalar is neither chunked nor compressed, and the
 *   gzip level is 0 to 9;
 * - attributes are not `NX_class` (a group's class is written from the group), and typed
 *   values fit their type;
 * - an external link carries no attributes (they would belong to the other file);
 * - a hard link's target exists, is in this file (not in or through an external link), and
 *   links do not form a cycle; an attribute is not set both on a link and on its target,
 *   or on two links to one object (they all land on the object).
 *
 * @module
 */

import { NexusLayoutError } from "../errors.ts";
import { FRAME_FILTERS, isFrameFilter, isFrameStack } from "./frame_stack.ts";
import { illegalName, isNexusName } from "./names.ts";
import type { NxAttribute, NxExternalLink, NxField, NxLink, NxNode, NxType } from "./nodes.ts";
import type { NexusTree } from "./tree.ts";

/**
 * Options of {@linkcode checkTree} and {@linkcode checkNode}.
 *
 * @example The writer's check and the plugin contract's check
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTree, type CheckOptions } from "./check.ts";
 * import { NexusTree } from "./tree.ts";
 * const tree = new NexusTree();
 * tree.builder("example").group("/motor-1", "NXnote");
 * const contract: CheckOptions = { nexusNames: true };
 * assert.equal(checkTree(tree).length, 0);
 * assert.equal(checkTree(tree, contract).length, 1);
 * ```
 */
export interface CheckOptions {
  /**
   * Require NeXus's recommended names (NXDL's `validItemName`: letters, digits, `_` and
   * inner `.`, at most 63 characters) for groups, fields, links and attributes. Off, names
   * only need to be legal HDF5 names, so the writer keeps data keys such as `motor-1` as
   * apstools does.
   */
  nexusNames?: boolean;
}

/**
 * Defaults of {@linkcode CheckOptions}.
 */
export const checkDefaults = { nexusNames: false } as const satisfies Required<CheckOptions>;

/**
 * An attribute with its name, as {@linkcode checkAttribute} takes it: what a builder is about
 * to set.
 */
export interface NamedAttribute extends NxAttribute {
  /** The attribute's name. */
  name: string;
}

/**
 * Every layout problem of a tree (see the module's list of rules), each naming its path and
 * the plugin that made the node (or set the attribute).
 *
 * @param tree The tree.
 * @param options Which names to accept.
 * @returns The problems, empty when the tree can be written.
 *
 * @example A link whose target never came, and names NeXus does not recommend
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTree } from "./check.ts";
 * import { NexusTree } from "./tree.ts";
 * const tree = new NexusTree();
 * const b = tree.builder("mine");
 * b.group("/entry", "NXentry");
 * b.field("/entry/motor-1", [1, 2]);
 * b.link("/entry/plot", "/entry/data/y");
 * assert.deepEqual(checkTree(tree).map((p) => p.message), [
 *   'plugin "mine", path "/entry/plot": Link target "/entry/data/y" does not exist',
 * ]);
 * assert.equal(checkTree(tree, { nexusNames: true }).length, 2);
 * ```
 */
export function checkTree(tree: NexusTree, options: CheckOptions = {}): NexusLayoutError[] {
  const problems: NexusLayoutError[] = [];
  const links: NxLink[] = [];
  for (const node of tree.walk()) {
    if (node === tree.root) {
      for (const [name, attribute] of node.attrs) {
        problems.push(...checkAttribute(node, { name, ...attribute }, options));
      }
      continue;
    }
    problems.push(...checkNode(node, options));
    if (node.kind === "link") links.push(node);
  }
  problems.push(...checkLinks(tree, links));
  return problems;
}

/**
 * The problems of one node on its own: its name, a group's class, a field's data, type,
 * shape and storage, an external link's attributes, and each attribute (see
 * {@linkcode checkAttribute}). What depends on other nodes (link targets, cycles,
 * attributes that meet on one object) waits for {@linkcode checkTree}. A builder calls this
 * for each node it adds.
 *
 * @param node The node (not the root).
 * @param options Which names to accept.
 * @returns The problems, each naming the node's path and owner.
 *
 * @example A field whose shape does not fit its data
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkNode } from "./check.ts";
 * import type { NxField } from "./nodes.ts";
 * const field: NxField = {
 *   kind: "field", name: "image", path: "/image", owner: "mine", attrs: new Map(),
 *   dtype: "NX_UINT16", shape: [2, 3], data: new Uint16Array(4),
 * };
 * const [problem] = checkNode(field);
 * assert.equal(problem?.message, 'plugin "mine", path "/image": Shape [2, 3] holds 6 values: the data has 4');
 * ```
 */
export function checkNode(node: NxNode, options: CheckOptions = {}): NexusLayoutError[] {
  const problems: string[] = [];
  const name = nameProblem(node.name, options);
  if (name) problems.push(name);
  if (node.kind === "group" && !isNxClass(node.nxClass)) {
    problems.push(`Group has no valid NX_class: got "${node.nxClass}"`);
  }
  if (node.kind === "field") problems.push(...fieldProblems(node));
  if (node.kind === "external_link" && node.attrs.size > 0) {
    problems.push("An external link cannot carry attributes (they belong to the other file)");
  }
  const errors = problems.map((message) => layoutError(message, node));
  for (const [name, attribute] of node.attrs) {
    errors.push(...checkAttribute(node, { name, ...attribute }, options));
  }
  return errors;
}

/**
 * The problems of one attribute: its name (never `NX_class`, which is written from a
 * group's class) and, for a typed value, that it fits its type.
 *
 * @param node The node it is set on.
 * @param attribute Its name, its value and the plugin setting it.
 * @param options Which names to accept.
 * @returns The problems, each naming the node's path and the attribute's owner.
 *
 * @example An integer attribute that is not whole
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAttribute } from "./check.ts";
 * import { NexusTree } from "./tree.ts";
 * const tree = new NexusTree();
 * const entry = tree.builder("mine").group("/entry", "NXentry");
 * const value = { value: 1.5, dtype: "NX_INT32" as const };
 * const [problem] = checkAttribute(entry, { name: "count", value, owner: "mine" });
 * assert.match(problem?.message ?? "", /"@count": NX_INT32 cannot hold 1.5: not an integer/);
 * ```
 */
export function checkAttribute(
  node: NxNode,
  attribute: NamedAttribute,
  options: CheckOptions = {},
): NexusLayoutError[] {
  const problem = attributeProblem(attribute, options);
  return problem === undefined
    ? []
    : [new NexusLayoutError(problem, { path: node.path, plugin: attribute.owner })];
}

// ---------------------------------------------------------------------------------------------
// Names and classes.

/** NXDL's `maxLength` of `validItemName` (and so of class names). */
const NEXUS_NAME_LENGTH = 63;

/**
 * NXDL's `validNXClassName`: a `validItemName` that starts with `NX` and has something after
 * it. Upper-case letters and digits are allowed after `NX`, as NXDL allows them (contributed
 * definitions such as `NXcanSAS` use them); a stricter lower-case pattern would refuse classes
 * NeXus itself defines.
 */
const NX_CLASS = /^NX[A-Za-z0-9_.]*[A-Za-z0-9_]$/;

function isNxClass(nxClass: string): boolean {
  return NX_CLASS.test(nxClass) && nxClass.length <= NEXUS_NAME_LENGTH;
}

function nameProblem(name: string, options: CheckOptions): string | undefined {
  const why = illegalName(name);
  if (why) return `Illegal name: ${why}`;
  if (options.nexusNames ?? checkDefaults.nexusNames) return nexusNameProblem(name);
  return undefined;
}

function nexusNameProblem(name: string): string | undefined {
  if (isNexusName(name) && name.length <= NEXUS_NAME_LENGTH) return undefined;
  return `"${name}" is not a NeXus name: letters, digits, "_" and inner ".", ` +
    `at most ${NEXUS_NAME_LENGTH} characters`;
}

function attributeProblem(attribute: NamedAttribute, options: CheckOptions): string | undefined {
  const { name, value } = attribute;
  if (name === "NX_class") {
    return "NX_class is set from the group's class, not as an attribute";
  }
  if (name.length === 0) return "Illegal attribute name: an empty name";
  if (name.includes("\0")) return `Illegal attribute name "${name}": it contains NUL`;
  if (options.nexusNames ?? checkDefaults.nexusNames) {
    const why = nexusNameProblem(name);
    if (why) return `Attribute ${why}`;
  }
  const at = `Attribute "@${name}"`;
  if (typeof value === "bigint") {
    const why = fitProblem([value], "NX_INT64");
    return why && `${at}: ${why}`;
  }
  if (typeof value !== "object" || Array.isArray(value)) return undefined;
  if (value.dtype === "NX_CHAR") {
    return `${at}: an NX_CHAR attribute takes a string: got a typed value`;
  }
  const values = typeof value.value === "object" ? value.value : [value.value];
  const why = fitProblem(values, value.dtype);
  return why && `${at}: ${why}`;
}

// ---------------------------------------------------------------------------------------------
// Fields: shape, type, values, storage.

function fieldProblems(field: NxField): string[] {
  const problems: string[] = [];
  const { data, dtype, shape } = field;
  if (!shape.every((n) => Number.isInteger(n) && n >= 0)) {
    problems.push(`Shape [${shape.join(", ")}] is not a shape: its sizes must be whole numbers`);
  } else if (!isFrameStack(data)) {
    // A frame stack's shape is made from it; its frames are counted as they are written.
    const count = shape.reduce((a, b) => a * b, 1);
    const length = typeof data === "object" ? data.length : 1;
    if (count !== length) {
      problems.push(`Shape [${shape.join(", ")}] holds ${count} values: the data has ${length}`);
    }
    const text = typeof data === "string" || Array.isArray(data) && typeof data[0] === "string";
    if (dtype === "NX_CHAR") {
      if (!text && !(Array.isArray(data) && data.length === 0)) {
        problems.push("NX_CHAR needs text: got numbers");
      }
    } else if (text) {
      problems.push(`${dtype} needs numbers: got text`);
    } else {
      const values = typeof data === "object" ? data as ArrayLike<Scalar> : [data];
      const why = fitProblem(values, dtype);
      if (why) problems.push(why);
    }
  }
  problems.push(...storageProblems(field));
  return problems;
}

function storageProblems(field: NxField): string[] {
  const { chunks, compression, shape } = field;
  if (chunks === undefined && compression === undefined) return [];
  if (shape.length === 0) return ["A scalar field cannot be chunked or compressed"];
  const problems: string[] = [];
  if (typeof compression === "string") {
    if (!isFrameFilter(compression)) {
      problems.push(
        `Unknown filter "${compression}": a gzip level 0-9 or one of ${
          FRAME_FILTERS.map((f) => `"${f}"`).join(", ")
        }`,
      );
    }
  } else if (
    compression !== undefined &&
    !(Number.isInteger(compression) && compression >= 0 && compression <= 9)
  ) {
    problems.push(`The gzip level must be 0-9: got ${compression}`);
  }
  // A chunk is at least one value along each axis, except along an axis of length 0.
  const fits = (c: number, i: number) => Number.isInteger(c) && (c >= 1 || shape[i] === 0);
  if (chunks !== undefined && (chunks.length !== shape.length || !chunks.every(fits))) {
    problems.push(`Chunks [${chunks.join(", ")}] do not fit shape [${shape.join(", ")}]`);
  }
  return problems;
}

type Scalar = number | bigint | boolean;

interface IntegerType {
  min: bigint;
  max: bigint;
}

const INTEGERS: Partial<Record<NxType, IntegerType>> = {
  NX_INT8: range(8, true),
  NX_INT16: range(16, true),
  NX_INT32: range(32, true),
  NX_INT64: range(64, true),
  NX_UINT8: range(8, false),
  NX_UINT16: range(16, false),
  NX_UINT32: range(32, false),
  NX_UINT64: range(64, false),
};

function range(bits: number, signed: boolean): IntegerType {
  const size = 1n << BigInt(bits);
  return signed ? { min: -(size >> 1n), max: (size >> 1n) - 1n } : { min: 0n, max: size - 1n };
}

/** The integer range of each typed array of integers, by its constructor's name. */
const ARRAY_RANGES: Readonly<Record<string, IntegerType>> = {
  Int8Array: range(8, true),
  Int16Array: range(16, true),
  Int32Array: range(32, true),
  BigInt64Array: range(64, true),
  Uint8Array: range(8, false),
  Uint8ClampedArray: range(8, false),
  Uint16Array: range(16, false),
  Uint32Array: range(32, false),
  BigUint64Array: range(64, false),
};

/**
 * Why `values` do not fit `type`, for the first value that does not. Floats take any number;
 * a typed array of integers whose whole range fits the type is not looked at, so the
 * columns of a long run cost nothing here.
 */
function fitProblem(values: ArrayLike<Scalar>, type: NxType): string | undefined {
  if (type === "NX_FLOAT64" || type === "NX_FLOAT32" || type === "NX_CHAR") return undefined;
  const bad = (value: Scalar, why: string) => `${type} cannot hold ${String(value)}: ${why}`;
  if (type === "NX_BOOLEAN") {
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value !== true && value !== false && Number(value) !== 0 && Number(value) !== 1) {
        return bad(value, "a boolean is true, false, 0 or 1");
      }
    }
    return undefined;
  }
  const target = INTEGERS[type]!;
  const source = ARRAY_RANGES[values.constructor.name];
  if (source && source.min >= target.min && source.max <= target.max) return undefined;
  const small = Number(target.max) < 2 ** 53;
  const [min, max] = [Number(target.min), Number(target.max)];
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (typeof value === "boolean") continue;
    if (typeof value === "number") {
      if (!Number.isInteger(value)) return bad(value, "not an integer");
      // Below 2^53 a number compares exactly; beyond, as the integer it is.
      if (small || Math.abs(value) < 2 ** 53) {
        if (value < min || value > max) return bad(value, "out of range");
        continue;
      }
    }
    const big = BigInt(value);
    if (big < target.min || big > target.max) return bad(value, "out of range");
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Links: targets, files, cycles, and attributes that meet on one object.

type Resolved =
  | { kind: "node"; node: Exclude<NxNode, NxLink> }
  | { kind: "missing" }
  | { kind: "external"; through: NxExternalLink }
  | { kind: "cycle"; links: NxLink[] };

function checkLinks(tree: NexusTree, links: readonly NxLink[]): NexusLayoutError[] {
  const problems: NexusLayoutError[] = [];
  const cycles = new Set<string>();
  // Attributes that land on each object: its own, then those set on links to it.
  const landing = new Map<NxNode, Map<string, NxLink | undefined>>();
  for (const link of links) {
    if (!link.target.startsWith("/")) {
      problems.push(layoutError(`Link target "${link.target}" is not an absolute path`, link));
      continue;
    }
    const resolved = resolve(tree, link.target, [link]);
    if (resolved.kind === "missing") {
      problems.push(layoutError(`Link target "${link.target}" does not exist`, link));
    } else if (resolved.kind === "external") {
      problems.push(layoutError(
        `A hard link cannot point into another file (through "${resolved.through.path}")`,
        link,
      ));
    } else if (resolved.kind === "cycle") {
      const key = resolved.links.map((l) => l.path).sort().join("\n");
      // Report a cycle once, at its first link; links into it are cut off by it.
      if (resolved.links[0] === link && !cycles.has(key)) {
        cycles.add(key);
        const chain = [...resolved.links, link].map((l) => `"${l.path}"`).join(" -> ");
        problems.push(layoutError(`Links form a cycle: ${chain}`, link));
      }
    } else if (link.attrs.size > 0) {
      const target = resolved.node;
      let names = landing.get(target);
      if (!names) {
        names = new Map([...target.attrs.keys()].map((name) => [name, undefined]));
        landing.set(target, names);
      }
      for (const name of link.attrs.keys()) {
        if (!names.has(name)) {
          names.set(name, link);
          continue;
        }
        const other = names.get(name);
        const where = other
          ? `on the link and on the link "${other.path}" to the same object "${target.path}"`
          : `both on the link and on its target "${target.path}"`;
        problems.push(
          new NexusLayoutError(`Attribute "@${name}" is set ${where}`, {
            path: link.path,
            plugin: link.attrs.get(name)!.owner,
          }),
        );
      }
    }
  }
  return problems;
}

/**
 * The node at `path`, following hard links anywhere along it; `chain` holds the links being
 * followed, to find a cycle.
 */
function resolve(tree: NexusTree, path: string, chain: readonly NxLink[]): Resolved {
  let node: NxNode = tree.root;
  const segments = path === "/" ? [] : path.slice(1).split("/");
  for (const segment of segments) {
    const here = follow(tree, node, chain);
    if (here.kind !== "node") return here;
    if (here.node.kind === "external_link") return { kind: "external", through: here.node };
    if (here.node.kind !== "group") return { kind: "missing" };
    const child = here.node.children.get(segment);
    if (!child) return { kind: "missing" };
    node = child;
  }
  const end = follow(tree, node, chain);
  if (end.kind === "node" && end.node.kind === "external_link") {
    return { kind: "external", through: end.node };
  }
  return end;
}

function follow(tree: NexusTree, node: NxNode, chain: readonly NxLink[]): Resolved {
  if (node.kind !== "link") return { kind: "node", node };
  const at = chain.indexOf(node);
  if (at >= 0) return { kind: "cycle", links: chain.slice(at) };
  if (!node.target.startsWith("/")) return { kind: "missing" };
  return resolve(tree, node.target, [...chain, node]);
}

function layoutError(message: string, node: NxNode): NexusLayoutError {
  return new NexusLayoutError(message, { path: node.path, plugin: node.owner });
}
