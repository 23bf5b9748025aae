/**
 * The tree's maps as the tree and its builder change them. Everyone else sees them as
 * read-only (`ReadonlyMap`): a plugin adds nodes through its builder, never by hand.
 *
 * @module
 */

import type { NxAttribute, NxGroup, NxNode } from "./nodes.ts";

/** The children of a group, to change. */
export function childrenOf(group: NxGroup): Map<string, NxNode> {
  return group.children as Map<string, NxNode>;
}

/** The attributes of a node, to change. */
export function attrsOf(node: NxNode): Map<string, NxAttribute> {
  return node.attrs as Map<string, NxAttribute>;
}
