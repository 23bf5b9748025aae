/**
 * The plugin author's guide's example (docs/plugins.md): a beamline's slits as
 * `/entry/instrument/slits:NXnote/<slit>:NXslit`, with `x_gap` and `y_gap` linked to the
 * slits' baseline readings and the slit motors' configuration as attributes. It uses only the
 * package's public API, as a plugin in its own module does.
 *
 * @module
 */

import { baselinePath, type NexusPlugin } from "../core/nexus/mod.ts";

/** Options of {@linkcode slits}. */
export interface Options {
  /** Slit names; the baseline has `<slit>_h_size` and `<slit>_v_size`. */
  slits?: readonly string[];
}

/** Defaults of {@linkcode Options}. */
export const defaults = { slits: ["guard_slit", "beam_slit"] } as const satisfies Options;

/**
 * The slits plugin.
 * @param userOptions The slits.
 * @returns The plugin, named `"slits"`.
 */
export function slits(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "slits",
    build(context) {
      const { run, tree, missing } = context;
      // 1. Read: the baseline stream's columns (one value per baseline reading).
      const baseline = run.streams.get("baseline");
      const found = options.slits.filter((slit) => baseline?.column(`${slit}_h_size`));
      // Nothing to write is not an error: say so (the writer passes it on when the user asks).
      if (found.length === 0) return missing("No slit readings in the baseline: no slits");
      // 2. Describe: groups first (each with its class), then fields, links and attributes.
      tree.group("/entry", "NXentry");
      tree.group("/entry/instrument", "NXinstrument");
      tree.group("/entry/instrument/slits", "NXnote");
      for (const slit of found) {
        const group = `/entry/instrument/slits/${slit}`;
        tree.group(group, "NXslit");
        for (const [field, axis] of [["x_gap", "h"], ["y_gap", "v"]] as const) {
          // 3. Link to what the streams plugin wrote instead of copying it: the helper knows
          // where it is (the slit's first baseline reading), and whether it is there.
          const reading = baselinePath(context, `${slit}_${axis}_size`);
          if (reading !== undefined) tree.link(`${group}/${field}`, reading);
        }
        // 4. Configuration of the device, from the descriptors.
        const config = baseline!.configuration[slit]?.data ?? {};
        for (const [name, value] of Object.entries(config)) {
          if (typeof value === "number" || typeof value === "string") tree.attr(group, name, value);
        }
      }
    },
  };
}
