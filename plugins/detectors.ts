/**
 * The run's detectors in the file: `/entry/instrument/detectors`, one NXdetector per
 * detector key (and per image key: frames in the detector's own file), linked to the key's data.
 *
 * @module
 */

import { linkRoleGroups, type NexusPlugin, signalRoles } from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode detectors} plugin.
 *
 * @example Detectors of a fly scan's stream
 * ```ts
 * import { detectors, type Options } from "./detectors.ts";
 * const options: Options = { stream: "fly" };
 * detectors(options);
 * ```
 */
export interface Options {
  /** The stream whose keys the detectors are. */
  stream?: string;
}

/**
 * Defaults of {@linkcode Options}.
 */
export const defaults = { stream: "primary" } satisfies Options;

/**
 * The detectors plugin: for each key of the primary stream that stands for one of the start
 * document's `detectors` (its hinted fields, else all its keys), writes
 * `/entry/instrument/detectors/<key>:NXdetector` with a link `data` to the key's NXdata group
 * in the streams. A run without detector keys gets no detectors group, and a warning when the
 * writer warns about missing content.
 *
 * @example The detector of a count
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { buildTree, RunAccumulator } from "../core/nexus/mod.ts";
 * import { detectors } from "./detectors.ts";
 * import { streams } from "./streams.ts";
 *
 * const run = composeRun({ detectors: ["det"] });
 * const primary = run.descriptor({
 *   name: "primary",
 *   data_keys: { det: { dtype: "number", shape: [], source: "SIM:det" } },
 *   hints: { det: { fields: ["det"] } },
 * });
 * const acc = new RunAccumulator(run.start);
 * acc.receive("descriptor", primary.doc);
 * const { tree } = await buildTree(acc, [streams(), detectors()]);
 * const link = tree.get("/entry/instrument/detectors/det/data");
 * const target = link?.kind === "link" ? link.target : undefined;
 * assert.equal(target, "/entry/instrument/bluesky/streams/primary/det");
 * ```
 *
 * @param userOptions The stream of the detectors.
 * @returns The plugin, named `"detectors"`.
 */
export function detectors(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "detectors",
    build(context) {
      const stream = context.run.streams.get(options.stream);
      const hinted = stream ? signalRoles(context.run, stream).detectors : [];
      // Images (keys whose frames are in the detector's own file) are detector data too,
      // though a detector hints its scalar statistics rather than its image.
      const images = stream
        ? stream.keys().filter((key) =>
          stream.column(key)?.dataKey.external !== undefined && !hinted.includes(key)
        )
        : [];
      linkRoleGroups(context, {
        stream: options.stream,
        keys: [...hinted, ...images],
        folder: "detectors",
        nxClass: "NXdetector",
        linkName: "data",
        role: "detector",
      });
    },
  };
}
