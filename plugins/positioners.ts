/**
 * The run's positioners in the file: `/entry/instrument/positioners`, one NXpositioner per
 * motor key, linked to the key's data.
 *
 * @module
 */

import { linkRoleGroups, type NexusPlugin, signalRoles } from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode positioners} plugin.
 *
 * @example Positioners of a fly scan's stream
 * ```ts
 * import { type Options, positioners } from "./positioners.ts";
 * const options: Options = { stream: "fly" };
 * positioners(options);
 * ```
 */
export interface Options {
  /** The stream whose keys the positioners are. */
  stream?: string;
}

/**
 * Defaults of {@linkcode Options}.
 */
export const defaults = { stream: "primary" } satisfies Options;

/**
 * The positioners plugin: for each key of the primary stream that stands for one of the start
 * document's `motors` (their hinted fields: the readbacks), or when the start names no motors
 * for the fields of `hints.dimensions`, writes `/entry/instrument/positioners/<key>:NXpositioner`
 * with a link `value` to the key's NXdata group in the streams. A run without motor keys (a
 * count) gets no positioners group, and a warning when the writer warns about missing content.
 *
 * @example The motor of a scan
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { buildTree, RunAccumulator } from "../core/nexus/mod.ts";
 * import { positioners } from "./positioners.ts";
 * import { streams } from "./streams.ts";
 *
 * const run = composeRun({ motors: ["motor"] });
 * const primary = run.descriptor({
 *   name: "primary",
 *   data_keys: {
 *     motor: { dtype: "number", shape: [], source: "SIM:motor" },
 *     motor_setpoint: { dtype: "number", shape: [], source: "SIM:motor.VAL" },
 *   },
 *   hints: { motor: { fields: ["motor"] } },
 *   object_keys: { motor: ["motor", "motor_setpoint"] },
 * });
 * const acc = new RunAccumulator(run.start);
 * acc.receive("descriptor", primary.doc);
 * const { tree } = await buildTree(acc, [streams(), positioners()]);
 * assert.equal(tree.get("/entry/instrument/positioners/motor/value")?.kind, "link");
 * assert.equal(tree.get("/entry/instrument/positioners/motor_setpoint"), undefined);
 * ```
 *
 * @param userOptions The stream of the positioners.
 * @returns The plugin, named `"positioners"`.
 */
export function positioners(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "positioners",
    build(context) {
      const stream = context.run.streams.get(options.stream);
      linkRoleGroups(context, {
        stream: options.stream,
        keys: stream ? signalRoles(context.run, stream).positioners : [],
        folder: "positioners",
        nxClass: "NXpositioner",
        linkName: "value",
        role: "positioner",
      });
    },
  };
}
