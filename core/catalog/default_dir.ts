/**
 * Where the catalog lives when the user names no folder.
 *
 * @module
 */

/**
 * Read access to environment variables, as `Deno.env` gives it.
 *
 * @example A map as the environment
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCatalogDir, type Environment } from "./default_dir.ts";
 * const env: Environment = new Map([["HOME", "/home/jane"]]);
 * assert.equal(defaultCatalogDir(env), "/home/jane/.local/share/nxdaq/catalog");
 * ```
 */
export interface Environment {
  /** The value of a variable, or `undefined`. */
  get(key: string): string | undefined;
}

/**
 * The default catalog folder, after the XDG base directory specification:
 * `$XDG_DATA_HOME/nxdaq/catalog`, or `~/.local/share/nxdaq/catalog` when `XDG_DATA_HOME` is
 * unset or not an absolute path.
 *
 * @example From the environment's variables
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCatalogDir } from "./default_dir.ts";
 * const env = new Map([["HOME", "/home/ada"]]);
 * assert.equal(defaultCatalogDir(env), "/home/ada/.local/share/nxdaq/catalog");
 * env.set("XDG_DATA_HOME", "/data");
 * assert.equal(defaultCatalogDir(env), "/data/nxdaq/catalog");
 * ```
 *
 * @param env Where to read `XDG_DATA_HOME` and `HOME` (or `USERPROFILE`); `Deno.env` by default.
 * @returns The folder.
 * @throws {Error} When neither `XDG_DATA_HOME` nor a home folder is set.
 */
export function defaultCatalogDir(env: Environment = Deno.env): string {
  const xdg = env.get("XDG_DATA_HOME");
  if (xdg?.startsWith("/")) return `${xdg.replace(/\/+$/, "")}/nxdaq/catalog`;
  const home = env.get("HOME") ?? env.get("USERPROFILE");
  if (!home) {
    throw new Error("Cannot find a folder for the catalog: set XDG_DATA_HOME or HOME, or name one");
  }
  return `${home.replace(/[\/\\]+$/, "")}/.local/share/nxdaq/catalog`;
}
