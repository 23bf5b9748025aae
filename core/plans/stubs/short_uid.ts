/**
 * Short, readable ids for the groups that plans wait on.
 *
 * @module
 */

/** The last id's number; the first one is random. */
let counter = Math.floor(Math.random() * 0x1000000);

/**
 * A readable id such as `"set-1f0c2a"` (bluesky's `short_uid`), used for groups; no two of
 * 16,777,216 ids in a row are alike.
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
  // A counter from a random start rather than a fresh uuid: as short and as readable, cheaper
  // (scans make one per point), and no two of 16,777,216 in a row are alike.
  counter = (counter + 1) % 0x1000000;
  const uid = counter.toString(16).padStart(6, "0");
  return label ? `${label}-${uid}` : uid;
}
