/**
 * The shape of `nxdaq.config.ts`, the file that sets up the command line's NeXus writer as
 * Vite's `vite.config.ts` sets up Vite: the writer's options, the built-in plugins' options,
 * and more plugins. {@linkcode defineConfig} types it and checks it where it is written.
 *
 * @module
 */

import { type NexusPlugin, type PluginLike, resolvePlugin } from "../core/nexus/mod.ts";
import type { BuiltinPluginsOptions } from "./builtin.ts";
import type { CreateNXWriterOptions } from "./default_writer.ts";
import { compressionProblem } from "./streams.ts";

/**
 * A plugin of a config: a plugin, its factory, or the specifier of a module whose default
 * export (or `plugin` export) is one. A relative specifier is taken from the config's folder.
 */
export type ConfigPlugin = PluginLike | string;

/**
 * What `nxdaq.config.ts` default-exports: the options of {@linkcode createNXWriter} except
 * its callbacks (the command line reports warnings and files itself), with plugins that may
 * also be given by specifier. Options given on the command line win over these.
 *
 * @example The config file of a beamline
 * ```ts
 * import { defineConfig } from "jsr:@nxdaq/nxdaq";
 * import { sample, user } from "jsr:@nxdaq/nxdaq/plugins";
 *
 * export default defineConfig({
 *   timeZone: "America/Chicago",
 *   overwrite: "rename",
 *   builtins: {
 *     source: { name: "Advanced Photon Source", shortName: "APS" },
 *     entry: { instrumentName: "8-ID-I" },
 *   },
 *   // Plugins in their order; a string is a module beside this file.
 *   plugins: [sample(), user(), "./xpcs_plugin.ts"],
 * });
 * ```
 */
export interface NxdaqConfig
  extends Omit<CreateNXWriterOptions, "plugins" | "onWarning" | "onWritten"> {
  /** More plugins, after the built-in ones, in this order. */
  plugins?: ConfigPlugin[];
}

/**
 * A key of a config that is not what it should be: an unknown key, or a value of the wrong
 * type. The key is a dotted path, `builtins.entry.signal` or `plugins[2]`.
 *
 * @example Which key is wrong
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigKeyError, defineConfig } from "../mod.ts";
 * assert.throws(
 *   () => defineConfig({ builtins: { source: { name: 42 as unknown as string } } }),
 *   (error) => {
 *     assert.ok(error instanceof ConfigKeyError);
 *     assert.equal(error.key, "builtins.source.name");
 *     assert.equal(error.message, 'Config key "builtins.source.name" is a string: got 42');
 *     return true;
 *   },
 * );
 * ```
 */
export class ConfigKeyError extends TypeError {
  /** Always `"ConfigKeyError"`. */
  override name = "ConfigKeyError";
  /** The key, as a dotted path. */
  readonly key: string;

  /**
   * Name the key and what is wrong with it.
   * @param key The key, as a dotted path.
   * @param message What is wrong with it, after the key: `is unknown: ...`.
   */
  constructor(key: string, message: string) {
    super(`Config key "${key}" ${message}`);
    this.key = key;
  }
}

/** Says what a value should have been, or nothing when it is right. */
type Check = (value: unknown) => string | undefined;

/**
 * One check per option, and a type error when the options gain or lose a key, so the checks
 * follow the writer's and the plugins' options.
 */
type Checks<T> = { readonly [K in keyof Required<T>]: Check };

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a ${typeof value}`;
}

const text: Check = (v) => typeof v === "string" ? undefined : "a string";
const flag: Check = (v) => typeof v === "boolean" ? undefined : "true or false";
const count: Check = (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 ? undefined : "a whole number >= 0";
const duration: Check = (v) =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 ? undefined : "a number of ms >= 0";
const texts: Check = (v) =>
  Array.isArray(v) && v.every((s) => typeof s === "string") ? undefined : "a list of strings";
const objects: Check = (v) =>
  Array.isArray(v) && v.every((o) => typeof o === "object" && o !== null)
    ? undefined
    : "a list of objects";
const oneOf = (...choices: string[]): Check => (v) =>
  choices.includes(v as string)
    ? undefined
    : choices.map((c) => JSON.stringify(c)).join(", ").replace(/, ([^,]*)$/, " or $1");
const either = (a: Check, b: Check, expected: string): Check => (v) =>
  a(v) === undefined || b(v) === undefined ? undefined : expected;
const fn: Check = (v) => typeof v === "function" ? undefined : "a function";
const record: Check = (v) =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? undefined : "an object";
const timeZone: Check = (v) => {
  if (typeof v !== "string") return "an IANA time zone name";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: v });
    return undefined;
  } catch {
    return 'an IANA time zone name, for example "Europe/Berlin"';
  }
};
const withMethods = (...names: string[]): Check => (v) =>
  typeof v === "object" && v !== null &&
    names.every((n) => typeof (v as Record<string, unknown>)[n] === "function")
    ? undefined
    : `an object with ${names.map((n) => `${n}()`).join(" and ")}`;

/** The object's keys checked against a table: unknown keys and wrong values. */
function checkObject(value: unknown, checks: Record<string, Check>, key: string): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigKeyError(key, `is an object: got ${describe(value)}`);
  }
  for (const [name, option] of Object.entries(value)) {
    const path = key === "" ? name : `${key}.${name}`;
    const check = Object.hasOwn(checks, name) ? checks[name] : undefined;
    if (!check) {
      throw new ConfigKeyError(
        path,
        `is unknown: known keys are ${Object.keys(checks).join(", ")}`,
      );
    }
    if (option === undefined) continue;
    const expected = check(option);
    if (expected !== undefined) {
      throw new ConfigKeyError(path, `is ${expected}: got ${describe(option)}`);
    }
  }
}

const ASSET_CHECKS = {
  timeout: duration,
  interval: duration,
  handlers: objects,
  root: text,
} satisfies Checks<NonNullable<NxdaqConfig["assets"]>>;

/** Each built-in plugin's options. */
const BUILTIN_CHECKS: {
  readonly [P in keyof Required<BuiltinPluginsOptions>]: Checks<
    NonNullable<BuiltinPluginsOptions[P]>
  >;
} = {
  metadata: { exclude: texts },
  streams: {
    startEnd: texts,
    signalTypes: texts,
    frames: oneOf("link", "copy"),
    compression: compressionProblem,
  },
  detectors: { stream: text },
  positioners: { stream: text },
  source: { name: text, shortName: text, probe: text, type: text },
  entry: { stream: text, programName: text, signal: text, axes: texts, instrumentName: text },
  templates: { key: text },
};

/** The config's keys; `builtins` and `plugins` get checks of their own. */
const CONFIG_CHECKS = {
  fileName: either(text, fn, "a file name or a function of the start document"),
  filePath: text,
  fileExtension: text,
  warnOnMissingContent: flag,
  overwrite: oneOf("fail", "replace", "rename"),
  timeZone,
  strict: flag,
  documents: oneOf("lenient", "strict"),
  backend: withMethods("versions", "write"),
  assets: record,
  idleTimeout: duration,
  history: count,
  builtins: record,
  plugins: (v) => Array.isArray(v) ? undefined : "a list of plugins",
} satisfies Checks<NxdaqConfig>;

/** The built-in plugins' names, each checked as an object; their options are checked next. */
const BUILTIN_NAMES: Record<string, Check> = Object.fromEntries(
  Object.keys(BUILTIN_CHECKS).map((name) => [name, record]),
);

/** A plugin of a config is a specifier, a factory (called when the writer is made), or a plugin. */
function checkConfigPlugin(plugin: unknown, key: string): void {
  if (typeof plugin === "string" || typeof plugin === "function") return;
  try {
    resolvePlugin(plugin as NexusPlugin);
  } catch (error) {
    throw new ConfigKeyError(key, `is not a plugin: ${(error as Error).message}`);
  }
}

/**
 * Check a config's shape: known keys, values of the right type, plugins that are plugins.
 * The command line checks every config it loads this way; {@linkcode defineConfig} does it
 * where the config is written.
 * @param config What a config file exported.
 * @returns The config, typed.
 * @throws {ConfigKeyError} Naming the first key that is wrong.
 *
 * @example A misspelt key is named
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkConfig } from "./config.ts";
 * assert.throws(
 *   () => checkConfig({ overwrites: "rename" }),
 *   /Config key "overwrites" is unknown: known keys are fileName, filePath/,
 * );
 * assert.throws(
 *   () => checkConfig({ builtins: { entry: { axes: "motor" } } }),
 *   /Config key "builtins.entry.axes" is a list of strings: got "motor"/,
 * );
 * ```
 */
export function checkConfig(config: unknown): NxdaqConfig {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new TypeError(`A config is an object of options: got ${describe(config)}`);
  }
  checkObject(config, CONFIG_CHECKS, "");
  const { assets, builtins, plugins } = config as NxdaqConfig;
  if (assets !== undefined) checkObject(assets, ASSET_CHECKS, "assets");
  if (builtins !== undefined) {
    checkObject(builtins, BUILTIN_NAMES, "builtins");
    for (const [name, options] of Object.entries(builtins)) {
      const checks: Record<string, Check> = BUILTIN_CHECKS[name as keyof BuiltinPluginsOptions];
      if (options !== undefined) checkObject(options, checks, `builtins.${name}`);
    }
  }
  plugins?.forEach((plugin, i) => checkConfigPlugin(plugin, `plugins[${i}]`));
  return config as NxdaqConfig;
}

/**
 * Type the default export of `nxdaq.config.ts`, and check it: an unknown key or a value of
 * the wrong type is an error where the config is written, naming the key.
 *
 * @example A config with a facility plugin and a plugin of one's own
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineConfig } from "../mod.ts";
 * import { sample } from "./mod.ts";
 *
 * const config = defineConfig({
 *   overwrite: "rename",
 *   builtins: { source: { name: "Advanced Photon Source", shortName: "APS" } },
 *   plugins: [sample(), { name: "beamline", build: ({ tree }) => void tree.group("/entry", "NXentry") }],
 * });
 * assert.deepEqual(config.plugins?.map((p) => typeof p === "object" && p.name), ["sample", "beamline"]);
 * assert.throws(
 *   () => defineConfig({ overwrite: "always" as "fail" }),
 *   /Config key "overwrite" is "fail", "replace" or "rename": got "always"/,
 * );
 * ```
 *
 * @param config The config.
 * @returns The same config.
 * @throws {ConfigKeyError} Naming the first key that is wrong.
 */
export function defineConfig(config: NxdaqConfig): NxdaqConfig {
  return checkConfig(config);
}
