/**
 * The `user` plugin: `/entry/contact:NXuser` from the APS proposal-system signals
 * `bss_user_info_*` in the baseline (apstools' `write_user`), or the start's `user`.
 *
 * @module
 */

import { linkBaseline, type NexusPlugin, presentFields } from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode user} plugin.
 *
 * @example Other signal names
 * ```ts
 * import { type Options, user } from "./user.ts";
 * const options: Options = { fields: { name: "pi_name", email: "pi_email" } };
 * user(options);
 * ```
 */
export interface Options {
  /** NXuser field to baseline data key. */
  fields?: Readonly<Record<string, string>>;
  /** The user's `role`. */
  role?: string;
}

/**
 * Defaults of {@linkcode Options}: the APS beamline scheduling system's signals.
 */
export const defaults = {
  fields: {
    name: "bss_user_info_contact",
    affiliation: "bss_user_info_institution",
    email: "bss_user_info_email",
    facility_user_id: "bss_user_info_badge",
  },
  role: "contact",
} as const satisfies Options;

const GROUP = "/entry/contact";

/**
 * The user plugin: links each field whose signal the baseline has, and `role`; without any,
 * the start's `user` (text) as `name`; with neither, no group (and a warning).
 *
 * @example Nothing to write
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { buildTree, RunAccumulator } from "../core/nexus/mod.ts";
 * import { user } from "./user.ts";
 * const { tree, warnings } = await buildTree(new RunAccumulator(composeRun().start), [user()]);
 * assert.equal(tree.get("/entry/contact"), undefined);
 * assert.match(warnings[0]!.message, /no contact group/);
 * ```
 *
 * @param userOptions Fields and role.
 * @returns The plugin, named `"user"`.
 */
export function user(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "user",
    build(context) {
      const { run, tree, missing } = context;
      const present = presentFields(context, options.fields);
      const name = run.start.user;
      if (present.length === 0 && typeof name !== "string") {
        missing("No user signals or metadata: no contact group");
        return;
      }
      tree.group("/entry", "NXentry");
      tree.group(GROUP, "NXuser");
      tree.field(`${GROUP}/role`, options.role);
      if (present.length > 0) linkBaseline(context, GROUP, options.fields);
      else tree.field(`${GROUP}/name`, name as string);
    },
  };
}
