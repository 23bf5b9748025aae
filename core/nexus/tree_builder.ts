/**
 * Adds nodes to a tree on behalf of one plugin, recording the plugin as their owner.
 *
 * @module
 */

import { NexusLayoutError } from "../errors.ts";
import { FRAME_TYPES, type FrameStack, isFrameStack } from "./frame_stack.ts";
import { splitPath } from "./names.ts";
import { checkAttribute, checkNode } from "./check.ts";
import type {
  AttrValue,
  FieldData,
  FieldOptions,
  NxExternalLink,
  NxField,
  NxGroup,
  NxLink,
  NxNode,
  NxType,
} from "./nodes.ts";
import type { NexusTree } from "./tree.ts";
import { attrsOf, childrenOf } from "./_mutable.ts";

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
  readonly #tree: NexusTree;
  /** The plugin this builder works for. */
  readonly owner: string;

  /**
   * Make a builder; {@linkcode NexusTree.builder} is the usual way.
   * @param tree The tree.
   * @param owner Name of the plugin.
   */
  constructor(tree: NexusTree, owner: string) {
    this.#tree = tree;
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
      this.#insert(parent, group);
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
    const field: NxField = {
      kind: "field",
      name,
      path,
      owner: this.owner,
      dtype: stack ? inferType(data) : options.dtype ?? inferType(data),
      shape,
      data,
      attrs: new Map(),
      // A stack is stored one frame per chunk: frames are written one at a time.
      ...(options.chunks
        ? { chunks: options.chunks }
        : stack
        ? { chunks: [1, ...(data as FrameStack).frameShape] }
        : {}),
      ...(options.compression ? { compression: options.compression } : {}),
    };
    this.#insert(parent, field);
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
    const node = this.#tree.get(path);
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
    this.#insert(parent, link);
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
    this.#insert(parent, link);
    return link;
  }

  /**
   * Whether a node exists at `path` (without following links).
   * @param path Absolute path.
   * @returns True when it does.
   */
  has(path: string): boolean {
    return this.#tree.get(path) !== undefined;
  }

  /**
   * The node at `path` as the tree holds it so far (without following links), to read what
   * other plugins wrote.
   * @param path Absolute path.
   * @returns The node, or undefined.
   */
  get(path: string): NxNode | undefined {
    return this.#tree.get(path);
  }

  /**
   * The node at `path`, following hard links (also in the middle of the path).
   * @param path Absolute path.
   * @returns The node, or undefined when it or a link target is missing.
   */
  resolve(path: string): NxNode | undefined {
    return this.#tree.resolve(path);
  }

  #parentOf(path: string): { parent: NxGroup; name: string } {
    const segments = splitPath(path);
    const name = segments.pop();
    if (name === undefined) {
      throw new NexusLayoutError("The root cannot be made again", { path, plugin: this.owner });
    }
    const parentPath = segments.length === 0 ? "/" : `/${segments.join("/")}`;
    const parent = this.#tree.get(parentPath);
    if (!parent || parent.kind !== "group") {
      throw new NexusLayoutError(
        `Parent group "${parentPath}" does not exist (declare it with group() first)`,
        { path, plugin: this.owner },
      );
    }
    return { parent, name };
  }

  /** Add a node that breaks no rule of its own (see `checkNode`): the plugin hears at once. */
  #insert(parent: NxGroup, node: NxNode): void {
    const [problem] = checkNode(node);
    if (problem) throw problem;
    childrenOf(parent).set(node.name, node);
  }

  #setAttr(node: NxNode, name: string, value: AttrValue): void {
    const [problem] = checkAttribute(node, { name, value, owner: this.owner });
    if (problem) throw problem;
    const existing = node.attrs.get(name);
    if (existing && existing.owner !== this.owner) {
      throw new NexusLayoutError(
        `Attribute "@${name}" was already set by plugin "${existing.owner}"`,
        { path: node.path, plugin: this.owner },
      );
    }
    attrsOf(node).set(name, { value, owner: this.owner });
  }

  #conflict(path: string, existing: NxNode, wanted: string): NexusLayoutError {
    const what = existing.kind === "group" ? `a ${existing.nxClass} group` : `a ${existing.kind}`;
    return new NexusLayoutError(
      `Plugin "${this.owner}" wants ${wanted} where plugin "${existing.owner}" made ${what}`,
      { path, plugin: this.owner },
    );
  }
}
