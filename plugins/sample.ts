/**
 * The `sample` plugin: `/entry/sample:NXsample` from the start's `sample` metadata and from
 * baseline signals named `sample_data_<field>` (apstools' `write_sample`).
 *
 * @module
 */

import {
  isNexusName,
  linkBaseline,
  type NexusPlugin,
  presentFields,
  toYaml,
} from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode sample} plugin.
 *
 * @example Another prefix
 * ```ts
 * import { type Options, sample } from "./sample.ts";
 * const options: Options = { prefix: "sample" };
 * sample(options);
 * ```
 */
export interface Options {
  /** Prefix of the baseline signals: `<prefix>_<field>`. */
  prefix?: string;
  /** NXsample fields to look for in the baseline. */
  fields?: readonly string[];
}

/**
 * Defaults of {@linkcode Options}: apstools' fields.
 */
export const defaults = {
  prefix: "sample_data",
  fields: [
    "chemical_formula",
    "concentration",
    "description",
    "electric_field",
    "magnetic_field",
    "rotation_angle",
    "scattering_length_density",
    "stress_field",
    "temperature",
    "volume_fraction",
    "x_translation",
  ],
} as const satisfies Options;

const GROUP = "/entry/sample";

/**
 * The sample plugin. A `sample` that is text becomes `name`; an object gives one field per
 * key (objects and lists as YAML text with `@text_format = "yaml"`); baseline signals are
 * linked, fields get `@direction` from `<prefix>_<field>_dir` when the baseline has it. Parts
 * that are missing are left out; with none at all there is no group (and a
 * warning), never an error.
 *
 * @example The sample's name from the start metadata
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { buildTree, RunAccumulator } from "../core/nexus/mod.ts";
 * import { sample } from "./sample.ts";
 * const run = composeRun({ sample: { name: "Si powder", temperature: 295 } });
 * const { tree } = await buildTree(new RunAccumulator(run.start), [sample()]);
 * const name = tree.get("/entry/sample/name");
 * assert.equal(name?.kind === "field" && name.data, "Si powder");
 * ```
 *
 * @param userOptions Prefix and fields.
 * @returns The plugin, named `"sample"`.
 */
export function sample(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "sample",
    build(context) {
      const { run, tree, warn, missing } = context;
      const md = run.start.sample as unknown;
      const fields = Object.fromEntries(options.fields.map((f) => [f, `${options.prefix}_${f}`]));
      const present = presentFields(context, fields);
      if ((md === undefined || md === null) && present.length === 0) {
        missing("No sample metadata or signals: no sample group");
        return;
      }
      tree.group("/entry", "NXentry");
      tree.group(GROUP, "NXsample");
      const written = new Set<string>();
      if (typeof md === "string") {
        tree.field(`${GROUP}/name`, md);
        written.add("name");
      } else if (md && typeof md === "object" && !Array.isArray(md)) {
        for (const [key, value] of Object.entries(md)) {
          if (!isNexusName(key) || present.includes(key)) {
            if (!isNexusName(key)) warn(`Sample key "${key}" is not a NeXus name: left out`, GROUP);
            continue;
          }
          if (typeof value === "string" || typeof value === "boolean") {
            tree.field(`${GROUP}/${key}`, value);
          } else if (typeof value === "number" && Number.isFinite(value)) {
            tree.field(`${GROUP}/${key}`, value, { dtype: "NX_FLOAT64" });
          } else {
            tree.field(`${GROUP}/${key}`, toYaml(value), { attrs: { text_format: "yaml" } });
          }
          written.add(key);
        }
      }
      const baseline = Object.fromEntries(
        Object.entries(fields).filter(([field]) => !written.has(field)),
      );
      const linked = linkBaseline(context, GROUP, baseline);
      // A field's direction, when the baseline has it, as apstools writes it (an attribute).
      const stream = run.streams.get("baseline");
      for (const field of ["electric_field", "magnetic_field", "stress_field"]) {
        const column = stream?.column(`${options.prefix}_${field}_dir`);
        const first = column?.values()[0];
        if (!linked.includes(field) || typeof first !== "string" || first === "") continue;
        tree.attr(`${GROUP}/${field}`, "direction", first.toLowerCase());
      }
    },
  };
}
