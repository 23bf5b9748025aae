/**
 * The source in the file: `/entry/instrument/source:NXsource`.
 *
 * @module
 */

import type { NexusPlugin } from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode source} plugin.
 *
 * @example A facility's source
 * ```ts
 * import { type Options, source } from "./source.ts";
 * const options: Options = { name: "Advanced Photon Source", shortName: "APS" };
 * source(options);
 * ```
 */
export interface Options {
  /** `name` of the source. */
  name?: string;
  /** `name@short_name`; none when empty. */
  shortName?: string;
  /** `probe`: one of NeXus's NXsource probes, for example `"x-ray"` or `"neutron"`. */
  probe?: string;
  /** `type`: one of NeXus's NXsource types, for example `"Synchrotron X-ray Source"`. */
  type?: string;
}

/**
 * Defaults of {@linkcode Options}: apstools' generic source.
 */
export const defaults = {
  name: "Bluesky framework",
  shortName: "bluesky",
  probe: "x-ray",
  type: "Synchrotron X-ray Source",
} satisfies Options;

/**
 * The source plugin: writes `/entry/instrument/source:NXsource` with `name` (and
 * `@short_name`), `type` and `probe`. The defaults are apstools' generic ones; a facility
 * passes its own.
 *
 * @example A neutron source
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { buildTree, RunAccumulator } from "../core/nexus/mod.ts";
 * import { source } from "./source.ts";
 *
 * const plugin = source({
 *   name: "Spallation Neutron Source",
 *   shortName: "SNS",
 *   probe: "neutron",
 *   type: "Spallation Neutron Source",
 * });
 * const { tree } = await buildTree(new RunAccumulator(composeRun().start), [plugin]);
 * const probe = tree.get("/entry/instrument/source/probe");
 * assert.equal(probe?.kind === "field" && probe.data, "neutron");
 * ```
 *
 * @param userOptions Name, short name, probe and type of the source.
 * @returns The plugin, named `"source"`.
 */
export function source(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "source",
    // After the other plugins: a facility plugin (such as `aps`) that wrote the source wins.
    enforce: "post",
    build({ tree }) {
      if (tree.has("/entry/instrument/source")) return;
      tree.group("/entry", "NXentry");
      tree.group("/entry/instrument", "NXinstrument");
      tree.group("/entry/instrument/source", "NXsource");
      tree.field("/entry/instrument/source/name", options.name, {
        attrs: options.shortName ? { short_name: options.shortName } : {},
      });
      tree.field("/entry/instrument/source/type", options.type);
      tree.field("/entry/instrument/source/probe", options.probe);
    },
  };
}
