/**
 * The framework's version, as the package's `deno.json` gives it (one place: publishing a
 * new version changes what every start document and file records).
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };

/**
 * The framework's version, recorded in every start document's `versions` and in every
 * NeXus file's `@creator_version`.
 *
 * @example The version the package is published as
 * ```ts
 * import assert from "node:assert/strict";
 * import config from "../deno.json" with { type: "json" };
 * import { VERSION } from "./version.ts";
 * assert.equal(VERSION, config.version);
 * ```
 */
export const VERSION: string = config.version;
