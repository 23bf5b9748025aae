/**
 * The `aps` plugin, a facility example: the Advanced Photon Source as
 * `/entry/instrument/source:NXsource` (ring current, fill number, 6 GeV) and its undulator as
 * `/entry/instrument/undulator:NXinsertion_device`, from baseline signals (apstools'
 * `NXWriterAPS`). It takes the place of the generic source group.
 *
 * @module
 */

import { linkBaseline, type NexusPlugin, nxFloat, presentFields } from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode aps} plugin.
 *
 * @example The upstream undulator
 * ```ts
 * import { aps, type Options } from "./aps.ts";
 * const options: Options = { undulatorPrefix: "undulator_upstream" };
 * aps(options);
 * ```
 */
export interface Options {
  /** Prefix of the storage ring's signals (`<prefix>_current`, ...). */
  sourcePrefix?: string;
  /** Prefix of the undulator's signals. */
  undulatorPrefix?: string;
}

/**
 * Defaults of {@linkcode Options}.
 */
export const defaults = {
  sourcePrefix: "aps",
  undulatorPrefix: "undulator_downstream",
} as const satisfies Options;

const SOURCE = "/entry/instrument/source";
const UNDULATOR = "/entry/instrument/undulator";
const UNDULATOR_FIELDS = [
  "device",
  "location",
  "energy",
  "energy_taper",
  "gap",
  "gap_taper",
  "harmonic_value",
  "total_power",
  "version",
];

/**
 * The APS plugin. The source group has `name` ("Advanced Photon Source", `@short_name`),
 * `type`, `probe`, `energy` (6 GeV) and links to `current`, `fill_number` and `cycle` where
 * the baseline has them; the undulator group links the undulator's signals the baseline has.
 *
 * @example It is a plugin named "aps"
 * ```ts
 * import assert from "node:assert/strict";
 * import { aps } from "./aps.ts";
 * assert.equal(aps().name, "aps");
 * ```
 *
 * @param userOptions Prefixes of the signals.
 * @returns The plugin, named `"aps"`.
 */
export function aps(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "aps",
    build(context) {
      const { tree, missing } = context;
      tree.group("/entry", "NXentry");
      tree.group("/entry/instrument", "NXinstrument");
      tree.group(SOURCE, "NXsource");
      tree.field(`${SOURCE}/name`, "Advanced Photon Source", { attrs: { short_name: "APS" } });
      tree.field(`${SOURCE}/type`, "Synchrotron X-ray Source");
      tree.field(`${SOURCE}/probe`, "x-ray");
      tree.field(`${SOURCE}/energy`, nxFloat(6).value as number, {
        dtype: "NX_FLOAT64",
        attrs: { units: "GeV" },
      });
      const p = options.sourcePrefix;
      linkBaseline(context, SOURCE, {
        current: `${p}_current`,
        fill_number: `${p}_fill_number`,
        cycle: `${p}_aps_cycle`,
      });
      const u = options.undulatorPrefix;
      const fields = Object.fromEntries(UNDULATOR_FIELDS.map((f) => [f, `${u}_${f}`]));
      if (presentFields(context, fields).length === 0) {
        missing(`No "${u}_*" signals: no undulator group`);
        return;
      }
      tree.group(UNDULATOR, "NXinsertion_device");
      tree.field(`${UNDULATOR}/type`, "undulator");
      linkBaseline(context, UNDULATOR, fields);
    },
  };
}
