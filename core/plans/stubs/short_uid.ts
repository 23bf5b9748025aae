/**
 * Short, readable ids for the groups that plans wait on.
 *
 * @module
 */

/**
 * A readable but unique id such as `"set-1f0c2a"` (bluesky's `short_uid`), used for groups.
 *
 * @example A group name
 * ```ts
 * import assert from "node:assert/strict";
 * import { shortUid } from "./mod.ts";
 * assert.match(shortUid("set"), /^set-[0-9a-f]{6}$/);
 * ```
 *
 * @param label Prefix of the id.
 * @returns The id.
 */
export function shortUid(label?: string): string {
  const uid = crypto.randomUUID().slice(0, 6);
  return label ? `${label}-${uid}` : uid;
}
