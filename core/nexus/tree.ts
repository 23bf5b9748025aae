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

import { splitPath } from "./names.ts";
import type { NxGroup, NxNode } from "./nodes.ts";
import { attrsOf, childrenOf } from "./_mutable.ts";
import { TreeBuilder } from "./tree_builder.ts";

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
          childrenOf(group).delete(name);
          continue;
        }
        for (const [key, attr] of child.attrs) {
          if (attr.owner === owner) attrsOf(child).delete(key);
        }
      }
    };
    prune(this.root);
    for (const [key, attr] of this.root.attrs) {
      if (attr.owner === owner) attrsOf(this.root).delete(key);
    }
  }

  /**
   * Remove the node at `path` (a group with everything in it), without following links.
   * @param path Absolute path; not the root.
   * @returns The node removed, or undefined when there was none.
   */
  remove(path: string): NxNode | undefined {
    const segments = splitPath(path);
    const name = segments.pop();
    if (name === undefined) return undefined;
    const parent = this.get(segments.length === 0 ? "/" : `/${segments.join("/")}`);
    if (parent?.kind !== "group") return undefined;
    const node = parent.children.get(name);
    childrenOf(parent).delete(name);
    return node;
  }
}
