/**
 * The start document in the file: `/entry/instrument/bluesky/metadata`, one field per key.
 *
 * @module
 */

import {
  BLUESKY,
  type FieldOptions,
  METADATA,
  type NexusPlugin,
  safeName,
  toYaml,
} from "../core/nexus/mod.ts";

/**
 * Options of the {@linkcode metadata} plugin.
 *
 * @example Also leave out the owner
 * ```ts
 * import { defaults, metadata, type Options } from "./metadata.ts";
 * const options: Options = { exclude: [...defaults.exclude, "owner"] };
 * metadata(options);
 * ```
 */
export interface Options {
  /**
   * Start document keys that get no field. By default those the file holds elsewhere, as
   * apstools leaves them out: `scan_id` (in `/entry/title`) and `time` (`/entry/start_time`).
   * The `uid` is always written, as `run_start_uid`.
   */
  exclude?: string[];
}

/**
 * Defaults of {@linkcode Options}.
 */
export const defaults = { exclude: ["scan_id", "time"] } satisfies Options;

/**
 * The metadata plugin: writes every key of the start document as a field of
 * `/entry/instrument/bluesky/metadata:NXnote`, each with `@target`.
 *
 * Strings become `NX_CHAR`, whole numbers `NX_INT64`, other numbers `NX_FLOAT64`, booleans
 * `NX_BOOLEAN`; objects, arrays and `null` become YAML text with `@text_format = "yaml"`.
 * The `uid` is written as `run_start_uid` (with `@long_name = "bluesky run uid"`), and
 * `/entry/instrument/bluesky` links `uid` to it and `plan_name` to the `plan_name` field. A
 * key HDF5 cannot take as a name is changed as little as possible, with a warning and the
 * original key as `@long_name`. A start document without `plan_name` gets no `plan_name`
 * link and a warning (apstools fails there).
 *
 * @example The metadata of a run
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeRun } from "../mod.ts";
 * import { buildTree, RunAccumulator } from "../core/nexus/mod.ts";
 * import { metadata } from "./metadata.ts";
 *
 * const run = composeRun({ plan_name: "count", detectors: ["det"], num_points: 1 });
 * const { tree } = await buildTree(new RunAccumulator(run.start), [metadata()]);
 * const field = tree.get("/entry/instrument/bluesky/metadata/detectors");
 * assert.equal(field?.kind === "field" && field.data, "- det\n");
 * assert.equal(tree.get("/entry/instrument/bluesky/uid")?.kind, "link");
 * ```
 *
 * @param userOptions Keys to leave out.
 * @returns The plugin, named `"metadata"`.
 */
export function metadata(userOptions: Options = {}): NexusPlugin {
  const options = { ...defaults, ...userOptions };
  const excluded = new Set(options.exclude);
  return {
    name: "metadata",
    build({ run, tree, warn, missing }) {
      tree.group("/entry", "NXentry");
      tree.group("/entry/instrument", "NXinstrument");
      tree.group(BLUESKY, "NXnote");
      tree.group(METADATA, "NXnote");
      const uidPath = `${METADATA}/run_start_uid`;
      tree.field(uidPath, run.start.uid, {
        attrs: { long_name: "bluesky run uid" },
        target: true,
      });
      let planNamePath: string | undefined;
      for (const [key, value] of Object.entries(run.start)) {
        if (key === "uid" || excluded.has(key) || value === undefined) continue;
        const safe = safeName(key);
        const name = uniqueName(safe, (n) => tree.has(`${METADATA}/${n}`));
        const path = `${METADATA}/${name}`;
        const field: FieldOptions = { target: true };
        if (name !== key) {
          const why = safe === key ? `"${key}" is taken` : "not a legal HDF5 name";
          warn(`Start document key "${key}" is written as "${name}": ${why}`, path);
          field.attrs = { long_name: key };
        }
        if (isScalar(value)) {
          tree.field(path, value, field);
        } else {
          tree.field(path, toYaml(value), {
            ...field,
            attrs: { ...field.attrs, text_format: "yaml" },
          });
        }
        if (key === "plan_name") planNamePath = path;
      }
      tree.link(`${BLUESKY}/uid`, uidPath);
      if (planNamePath) {
        tree.link(`${BLUESKY}/plan_name`, planNamePath);
      } else {
        missing(`The start document has no plan_name: no ${BLUESKY}/plan_name link`, BLUESKY);
      }
    },
  };
}

function isScalar(value: unknown): value is string | number | boolean | bigint {
  const type = typeof value;
  return type === "string" || type === "number" || type === "boolean" || type === "bigint";
}

function uniqueName(name: string, taken: (name: string) => boolean): string {
  if (!taken(name)) return name;
  for (let n = 2;; n++) {
    if (!taken(`${name}_${n}`)) return `${name}_${n}`;
  }
}
