/**
 * Loading `nxdaq.config.ts`, the writer's setup for `scan`, `nx convert`, `nx export` and
 * `nx import`: found in the current folder or given with `--config FILE`, imported as the
 * TypeScript module it is, checked, its plugin specifiers imported from the config's folder.
 * Every problem is one {@linkcode ConfigError} naming the file.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { type NexusPlugin, type NXWriter, resolvePlugin } from "../core/nexus/mod.ts";
import { checkConfig, type ConfigKeyError } from "../plugins/config.ts";
import { createNXWriter, type CreateNXWriterOptions } from "../plugins/default_writer.ts";
import { UsageError } from "./_io.ts";

/** The name of the config file looked for in the current folder. */
export const CONFIG_FILE_NAME = "nxdaq.config.ts";

/**
 * Help text of `--config` and `--no-config`.
 * @param column Where the descriptions of the command's other options start.
 * @param notes Lines about what the command uses the config for.
 * @returns The lines.
 */
export function configOptionHelp(column: number, notes: readonly string[] = []): string {
  const pad = " ".repeat(column);
  return [
    `${"  --config FILE".padEnd(column)}the writer's setup, a TypeScript module (default:`,
    `${pad}nxdaq.config.ts in the current folder, if there is one);`,
    `${pad}options given here win over it`,
    ...notes.map((note) => `${pad}${note}`),
    `${"  --no-config".padEnd(column)}do not read nxdaq.config.ts`,
  ].join("\n");
}

/** The command-line options of the config, as `parseArgs` takes them. */
export const CONFIG_OPTIONS = {
  config: { type: "string" },
  "no-config": { type: "boolean", default: false },
} as const;

/** What the tasks of `deno.json` allow; a config that needs more is run with `deno run`. */
const TASK_PERMISSIONS = "--allow-read --allow-write --allow-env=HOME,XDG_DATA_HOME";

/** A config that cannot be loaded or has the wrong shape; the message names the file. */
export class ConfigError extends Error {
  override name = "ConfigError";
  /** The config file. */
  readonly file: string;

  /**
   * Name the file and what is wrong with it.
   * @param file The config file.
   * @param problem What is wrong, after the file's name.
   * @param options Standard error options (`cause`).
   */
  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(`Config "${file}": ${problem}`, options);
    this.file = file;
  }
}

/** A loaded config: its file and the writer's options it gives, plugins imported. */
export interface LoadedConfig {
  /** The config file, as an absolute path. */
  readonly file: string;
  /** Options of `createNXWriter`, with every plugin a plugin object. */
  readonly options: CreateNXWriterOptions;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** One line of an import error: its first line and where it happened. */
function oneLine(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(ANSI, "");
  const lines = message.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const first = (lines[0] ?? "unknown error").replace(/\.$/, "");
  const at = lines.slice(1).find((line) => line.startsWith("at "));
  const where = at?.slice(3).replace(/^file:\/\//, "");
  let text = where && !first.includes(where) ? `${first} (at ${where})` : first;
  if (/Requires \w+ access|--allow-/.test(first)) {
    text += `; the tasks allow only ${TASK_PERMISSIONS}: run nx.ts or scan.ts with ` +
      `deno run and the permissions the config needs (README: "The config file")`;
  }
  return text;
}

/** A wrong key found by `checkConfig()`, of this copy of the package or another. */
function isKeyError(error: unknown): error is ConfigKeyError {
  return error instanceof Error && error.name === "ConfigKeyError" && "key" in error;
}

/** The key error's message, after the file's name: `key "overwrite" is ...`. */
function keyProblem(error: ConfigKeyError): string {
  return error.message.replace(/^Config key/, "key");
}

/** The file to load: `--config`, or the current folder's config, or none. */
async function chooseFile(
  values: Record<string, string | boolean | string[] | undefined>,
  cwd: string,
): Promise<string | undefined> {
  const given = values.config;
  if (given !== undefined && values["no-config"]) {
    throw new UsageError("Options --config and --no-config cannot be used together");
  }
  if (values["no-config"]) return undefined;
  if (typeof given === "string") {
    const file = given.startsWith("/") ? given : `${cwd}/${given}`;
    const found = await Deno.stat(file).then((s) => s.isFile, () => false);
    if (!found) throw new ConfigError(file, "no such file");
    return file;
  }
  const file = `${cwd}/${CONFIG_FILE_NAME}`;
  return await Deno.stat(file).then((s) => (s.isFile ? file : undefined), () => undefined);
}

/** Import a plugin given by specifier: the module's default export, or its `plugin`. */
async function importPlugin(file: string, spec: string, key: string): Promise<NexusPlugin> {
  const url = /^\.{0,2}\//.test(spec) ? new URL(spec, pathToFileURL(file)).href : spec;
  let module: Record<string, unknown>;
  try {
    module = await import(url);
  } catch (error) {
    throw new ConfigError(file, `${key} "${spec}" cannot be loaded: ${oneLine(error)}`, {
      cause: error,
    });
  }
  const exported = module.default ?? module.plugin;
  if (exported === undefined) {
    throw new ConfigError(file, `${key} "${spec}" has no default export and no "plugin" export`);
  }
  try {
    return resolvePlugin(exported as NexusPlugin);
  } catch (error) {
    throw new ConfigError(file, `${key} "${spec}" is not a plugin: ${(error as Error).message}`);
  }
}

/**
 * Load the config that the command-line options choose.
 * @param values The parsed options: `config` and `no-config`.
 * @param cwd Folder of a relative `--config` and of the default config.
 * @returns The config, or undefined when there is none.
 * @throws {ConfigError} When the file is missing, fails to load, or exports the wrong shape.
 * @throws {UsageError} With both `--config` and `--no-config`.
 */
export async function loadConfig(
  values: Record<string, string | boolean | string[] | undefined>,
  cwd: string = Deno.cwd(),
): Promise<LoadedConfig | undefined> {
  const file = await chooseFile(values, cwd);
  if (file === undefined) return undefined;
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    // defineConfig() in the file found a wrong key while the file was being evaluated.
    if (isKeyError(error)) throw new ConfigError(file, keyProblem(error), { cause: error });
    throw new ConfigError(file, `cannot be loaded: ${oneLine(error)}`, { cause: error });
  }
  if (!("default" in module)) {
    throw new ConfigError(file, "has no default export: export default defineConfig({ ... })");
  }
  const exported = module.default;
  if (typeof exported !== "object" || exported === null || Array.isArray(exported)) {
    const got = typeof exported === "number" ? String(exported) : `a ${typeof exported}`;
    throw new ConfigError(file, `the default export is not an object of options: got ${got}`);
  }
  let config;
  try {
    config = checkConfig(exported);
  } catch (error) {
    throw new ConfigError(file, isKeyError(error) ? keyProblem(error) : String(error), {
      cause: error,
    });
  }
  const plugins: NexusPlugin[] = [];
  for (const [i, plugin] of (config.plugins ?? []).entries()) {
    const key = `plugins[${i}]`;
    if (typeof plugin === "string") {
      plugins.push(await importPlugin(file, plugin, key));
      continue;
    }
    try {
      // A factory is called here, once; a plugin object was checked with the config.
      plugins.push(resolvePlugin(plugin));
    } catch (error) {
      throw new ConfigError(file, `${key} is not a plugin: ${(error as Error).message}`);
    }
  }
  return { file, options: { ...config, plugins } };
}

/** Later layers win; `builtins` merge plugin by plugin; plugins add up; undefined is unset. */
function merge(...layers: CreateNXWriterOptions[]): CreateNXWriterOptions {
  const merged: Record<string, unknown> = {};
  const builtins: Record<string, Record<string, unknown>> = {};
  const plugins: NonNullable<CreateNXWriterOptions["plugins"]> = [];
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (key === "plugins") plugins.push(...(value as typeof plugins));
      else if (key === "builtins") {
        for (const [name, options] of Object.entries(value as Record<string, object>)) {
          builtins[name] = { ...builtins[name], ...options };
        }
      } else merged[key] = value;
    }
  }
  return { ...merged, builtins, plugins } as CreateNXWriterOptions;
}

/**
 * Make a command's writer: the command's defaults, then the config, then the options given
 * on the command line (which win).
 * @param config The loaded config, if any.
 * @param layers The command's own defaults, and the options of its command line.
 * @returns The writer.
 * @throws {ConfigError} When the config's plugins cannot be registered (two of one name).
 */
export function configuredWriter(
  config: LoadedConfig | undefined,
  layers: { defaults?: CreateNXWriterOptions; commandLine: CreateNXWriterOptions },
): NXWriter {
  const options = merge(layers.defaults ?? {}, config?.options ?? {}, layers.commandLine);
  try {
    return createNXWriter(options);
  } catch (error) {
    if (!config) throw error;
    throw new ConfigError(config.file, (error as Error).message, { cause: error });
  }
}

/**
 * The folder of the files that the config's writer writes, for files that must go beside
 * them: the folder of its `fileName` when that is a path, else its `filePath`.
 * @param config The loaded config, if any.
 * @returns The folder.
 */
export function outputFolder(config: LoadedConfig | undefined): string {
  const name = config?.options.fileName;
  const folder = config?.options.filePath ?? ".";
  if (typeof name !== "string" || !name.includes("/")) return folder;
  const dir = name.slice(0, name.lastIndexOf("/")) || "/";
  return name.startsWith("/") ? dir : `${folder}/${dir}`;
}
