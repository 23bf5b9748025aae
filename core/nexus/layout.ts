/**
 * Where the built-in plugins put things, and how they turn names from documents into names
 * of HDF5 objects. Exported for every plugin, built-in or not, from the plugin author's entry point.
 *
 * @module
 */

import { illegalName } from "./names.ts";
import type { BuildContext } from "./plugin.ts";
import type { StreamData } from "./run_data.ts";

/** The bluesky part of the instrument: start metadata and the streams. */
export const BLUESKY = "/entry/instrument/bluesky";
/**
 * The start document's keys, one field each.
 *
 * @example Link to the run's uid as the metadata plugin writes it
 * ```ts
 * import { METADATA, type NexusPlugin } from "./mod.ts";
 * const plugin: NexusPlugin = {
 *   name: "uid",
 *   build({ tree }) {
 *     tree.group("/entry/note", "NXnote");
 *     tree.link("/entry/note/uid", `${METADATA}/run_start_uid`);
 *   },
 * };
 * void plugin;
 * ```
 */
export const METADATA = `${BLUESKY}/metadata`;
/**
 * One group per stream, one NXdata per data key.
 *
 * @example Every stream of the run
 * ```ts
 * import { STREAMS, type NexusPlugin } from "./mod.ts";
 * const plugin: NexusPlugin = {
 *   name: "streams_seen",
 *   build({ run, tree, warn }) {
 *     for (const stream of run.streams.keys()) {
 *       if (!tree.has(`${STREAMS}/${stream}`)) warn(`Stream "${stream}" is not in the file`);
 *     }
 *   },
 * };
 * void plugin;
 * ```
 */
export const STREAMS = `${BLUESKY}/streams`;

/**
 * A name from a document, changed only as far as HDF5 needs: `/` and NUL become `_`, an empty
 * name or `.`/`..` becomes underscores, and the name is cut to 255 bytes. Names that HDF5
 * takes but NeXus does not recommend (spaces, dashes) are kept, as apstools keeps them, so
 * that a key in the file is the key in the documents.
 * @param name A start document key, stream name or data key.
 * @returns The name to use in the file (`name` itself when it is legal).
 *
 * @example Names HDF5 refuses, and names it takes
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeName } from "./mod.ts";
 * assert.equal(safeName("a/b"), "a_b");
 * assert.equal(safeName("motor-1"), "motor-1");
 * ```
 */
export function safeName(name: string): string {
  if (illegalName(name) === undefined) return name;
  if (name === "" || name === "." || name === "..") return "_".repeat(Math.max(1, name.length));
  let safe = name.replace(/[/\0]/g, "_");
  const encoder = new TextEncoder();
  while (encoder.encode(safe).length > 255) safe = [...safe].slice(0, -1).join("");
  return safe;
}

/**
 * Names for the file of several names from documents, one each: each made legal by
 * {@linkcode safeName}; a name already legal keeps itself, and the others, in sorted order,
 * take the first of `name`, `name_2`, `name_3`, ... that no other has taken, so two keys never
 * share one group (`a_b` and `a/b` become `a_b` and `a_b_2`, whatever their order).
 * @param names The names as in the documents (each once).
 * @param taken Names already in use in the group (they are not given out).
 * @returns The name in the file of each name.
 *
 * @example Two keys that one group name would hold
 * ```ts
 * import assert from "node:assert/strict";
 * import { uniqueNames } from "./mod.ts";
 * const names = uniqueNames(["a/b", "a_b", "x"]);
 * assert.deepEqual([...names], [["a_b", "a_b"], ["x", "x"], ["a/b", "a_b_2"]]);
 * assert.equal(uniqueNames(["EPOCH"], ["EPOCH"]).get("EPOCH"), "EPOCH_2");
 * ```
 */
export function uniqueNames(
  names: Iterable<string>,
  taken: Iterable<string> = [],
): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set(taken);
  const changed: string[] = [];
  for (const name of names) {
    if (safeName(name) === name && !used.has(name)) {
      out.set(name, name);
      used.add(name);
    } else {
      changed.push(name);
    }
  }
  for (const name of changed.sort()) {
    const base = safeName(name);
    let candidate = base;
    for (let n = 2; used.has(candidate); n++) candidate = `${base}_${n}`;
    out.set(name, candidate);
    used.add(candidate);
  }
  return out;
}

/**
 * The path of a stream's group.
 * @param stream The stream (its {@linkcode StreamData.groupName} is unique in the run), or
 *   its name as in the documents (then made legal by {@linkcode safeName} only).
 * @returns Its absolute path.
 *
 * @example The group of the primary stream
 * ```ts
 * import assert from "node:assert/strict";
 * import { streamPath } from "./mod.ts";
 * assert.equal(streamPath("primary"), "/entry/instrument/bluesky/streams/primary");
 * ```
 */
export function streamPath(stream: string | StreamData): string {
  return `${STREAMS}/${typeof stream === "string" ? safeName(stream) : stream.groupName}`;
}

/**
 * The path of a data key's NXdata group in a stream.
 * @param stream The stream (then the key's group name is unique in it, see
 *   {@linkcode StreamData.keyName}), or its name as in the documents.
 * @param key Data key as in the documents.
 * @returns Its absolute path.
 *
 * @example Link to a detector's readings, wherever the streams plugin put them
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyPath } from "./mod.ts";
 * assert.equal(keyPath("primary", "I0"), "/entry/instrument/bluesky/streams/primary/I0");
 * assert.equal(`${keyPath("baseline", "temperature")}/value_start`.split("/").at(-1), "value_start");
 * ```
 */
export function keyPath(stream: string | StreamData, key: string): string {
  const name = typeof stream === "string" ? safeName(key) : stream.keyName(key);
  return `${streamPath(stream)}/${name}`;
}

/** What {@linkcode linkRoleGroups} writes for one role (detectors or positioners). */
export interface RoleGroups {
  /** The stream whose keys are linked. */
  stream: string;
  /** The keys that have the role. */
  keys: readonly string[];
  /** Folder under `/entry/instrument`, e.g. `"detectors"`. */
  folder: string;
  /** Class of each key's group, e.g. `"NXdetector"`. */
  nxClass: string;
  /** Name of the link inside each key's group, e.g. `"data"`. */
  linkName: string;
  /** The role in words, for the warning, e.g. `"detector"`. */
  role: string;
}

/**
 * Write `/entry/instrument/<folder>:NXnote` with one `<key>:<nxClass>` group per key, each
 * linking `<linkName>` to the key's NXdata group in the streams; warn (when asked) and write
 * nothing when there are no keys.
 * @param context The plugin's build context.
 * @param groups What to write.
 *
 * @example A group per monitor key, linked to its readings
 * ```ts
 * import type { NexusPlugin } from "./mod.ts";
 * import { linkRoleGroups } from "./mod.ts";
 * const monitors: NexusPlugin = {
 *   name: "monitors",
 *   build(context) {
 *     linkRoleGroups(context, {
 *       stream: "primary",
 *       keys: ["I0"],
 *       folder: "monitors",
 *       nxClass: "NXmonitor",
 *       linkName: "data",
 *       role: "monitor",
 *     });
 *   },
 * };
 * void monitors;
 * ```
 */
export function linkRoleGroups(context: BuildContext, groups: RoleGroups): void {
  const { tree, missing } = context;
  if (groups.keys.length === 0) {
    missing(`No ${groups.role} keys in stream "${groups.stream}": no ${groups.folder} group`);
    return;
  }
  const folder = `/entry/instrument/${groups.folder}`;
  tree.group("/entry", "NXentry");
  tree.group("/entry/instrument", "NXinstrument");
  tree.group(folder, "NXnote");
  const stream = context.run.streams.get(groups.stream) ?? groups.stream;
  for (const key of groups.keys) {
    const group = `${folder}/${typeof stream === "string" ? safeName(key) : stream.keyName(key)}`;
    tree.group(group, groups.nxClass);
    tree.link(`${group}/${groups.linkName}`, keyPath(stream, key));
  }
}
