/**
 * The `monochromator` plugin: `/entry/instrument/monochromator:NXmonochromator` from the
 * baseline signals `monochromator_dcm_*` (apstools' `write_monochromator`).
 *
 * @module
 */

import { linkBaseline, type NexusPlugin, presentFields } from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode monochromator} plugin.
 *
 * @example Fields of another monochromator
 * ```ts
 * import { monochromator, type Options } from "./monochromator.ts";
 * const options: Options = { fields: { energy: "mono_energy" } };
 * monochromator(options);
 * ```
 */
export interface Options {
  /** NXmonochromator field to baseline data key. */
  fields?: Readonly<Record<string, string>>;
}

/**
 * Defaults of {@linkcode Options}: a double-crystal monochromator's signals.
 */
export const defaults = {
  fields: {
    wavelength: "monochromator_dcm_wavelength",
    energy: "monochromator_dcm_energy",
    theta: "monochromator_dcm_theta",
    y_offset: "monochromator_dcm_y_offset",
    mode: "monochromator_dcm_mode",
    feedback_on: "monochromator_feedback_on",
  },
} as const satisfies Options;

const GROUP = "/entry/instrument/monochromator";

/**
 * The monochromator plugin: links each field whose signal the baseline has (apstools needs
 * all five and otherwise writes nothing); without any, no group and a warning.
 *
 * @example It is a plugin named "monochromator"
 * ```ts
 * import assert from "node:assert/strict";
 * import { monochromator } from "./monochromator.ts";
 * assert.equal(monochromator().name, "monochromator");
 * ```
 *
 * @param userOptions Fields.
 * @returns The plugin, named `"monochromator"`.
 */
export function monochromator(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "monochromator",
    build(context) {
      const { tree, missing } = context;
      if (presentFields(context, options.fields).length === 0) {
        missing("No monochromator signals in the baseline: no monochromator group");
        return;
      }
      tree.group("/entry", "NXentry");
      tree.group("/entry/instrument", "NXinstrument");
      tree.group(GROUP, "NXmonochromator");
      linkBaseline(context, GROUP, options.fields);
    },
  };
}
