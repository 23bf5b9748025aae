/**
 * A NeXus group plugin to copy: rename it, fill in `build()`, and register it with
 * `createNXWriter({ plugins: [myGroup()] })` or `writer.use(myGroup())`. Test it with
 * `buildPluginTree` from the package's `./testing` entry point.
 *
 * @module
 */

import type { NexusPlugin } from "../core/nexus/mod.ts";

/** Options of {@linkcode myGroup}. */
export interface Options {
  /** Where the group goes. */
  path?: string;
}

/** Defaults of {@linkcode Options}. */
export const defaults = { path: "/entry/my_group" } as const satisfies Options;

/**
 * The plugin.
 * @param userOptions Options, merged over the defaults.
 * @returns The plugin, named `"my_group"`: the name appears in every error it causes.
 */
export function myGroup(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  return {
    name: "my_group",
    // enforce: "pre" | "post",  // only to run before or after the built-in plugins
    build({ run, tree }) {
      tree.group("/entry", "NXentry");
      tree.group(options.path, "NXnote");
      tree.field(`${options.path}/plan_name`, String(run.start.plan_name ?? ""));
    },
  };
}
