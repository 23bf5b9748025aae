/**
 * The NXWriter callback: collects each run's documents and, at its stop document, composes
 * the NeXus file from plugins and writes it (apstools' `NXWriter`, in TypeScript).
 *
 * @module
 */

import type { DocumentMap, DocumentName, RunStart } from "../documents/types.ts";
import { AssetsMissingError, NexusLayoutError, PluginError } from "../errors.ts";
import { type AssetHandler, AssetRegistry, builtinAssetHandlers } from "../assets/mod.ts";
import { resolveAssets, type RunAssets } from "./run_assets.ts";
import { defaultFileName } from "./file_name.ts";
import { RunAccumulator } from "./run_data.ts";
import { RunRouter } from "../bus/run_router.ts";
import { VERSION } from "../version.ts";
import type { Hdf5Backend } from "./backend.ts";
import { H5wasmBackend } from "./h5wasm_backend.ts";
import type { NexusPlugin, PluginLike, WriterSettings } from "./plugin.ts";
import { resolvePlugin, runningOrder } from "./plugin.ts";
import { isoTime } from "../time.ts";
import { NexusTree } from "./tree.ts";
import { type NxExternalLink, type NxLink } from "./nodes.ts";

/**
 * What to do when the file to write already exists.
 *
 * @example Keep both files
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OverwritePolicy } from "./nxwriter.ts";
 * const policy: OverwritePolicy = "rename";
 * assert.equal(policy, "rename");
 * ```
 */
export type OverwritePolicy = "fail" | "replace" | "rename";

/**
 * Options of {@linkcode NXWriter}.
 *
 * @example Files named by scan id in a folder
 * ```ts
 * import assert from "node:assert/strict";
 * import { NXWriter, type NXWriterOptions } from "./nxwriter.ts";
 * const options: NXWriterOptions = {
 *   filePath: "/data",
 *   fileName: (start) => `scan_${start.scan_id}.h5`,
 *   overwrite: "rename",
 * };
 * assert.equal(new NXWriter(options).plugins.length, 0);
 * ```
 */
export interface NXWriterOptions {
  /**
   * File name or path; a relative name is taken inside `filePath`. A function gets the start
   * document. Default: `YYYYmmdd-HHMMSS-S00001-c888d28.hdf` from the start time in `timeZone`.
   */
  fileName?: string | ((start: RunStart) => string);
  /** Folder of the files. Default: the current folder. */
  filePath?: string;
  /** Extension of default file names, without the dot. */
  fileExtension?: string;
  /** Plugins warn about content they expected and did not find. */
  warnOnMissingContent?: boolean;
  /** Signal of the default plot (`/entry/data@signal`). */
  nxdataSignal?: string;
  /** Axes of the default plot. */
  nxdataSignalAxes?: string[];
  /** Name of the instrument. */
  instrumentName?: string;
  /** An existing file is an error (`"fail"`), replaced, or kept with the new file renamed. */
  overwrite?: OverwritePolicy;
  /** IANA time zone of file names and of times written as text; the system's by default. */
  timeZone?: string;
  /** Plugins, registered in this order before any added with `use()`. */
  plugins?: PluginLike[];
  /** When true, a failing plugin fails the file instead of being left out of it. */
  strict?: boolean;
  /** The HDF5 implementation. Default: h5wasm. */
  backend?: Hdf5Backend;
  /** Receives each warning; by default they are kept in `warnings`. */
  onWarning?: (warning: NexusWarning) => void;
  /** Frames written by detectors to their own files: how to wait for them and take them in. */
  assets?: AssetOptions;
  /**
   * Write a run that has received no document for this many ms, as an incomplete run (an
   * event stream that never stops). Default: never; `flush()` writes it on demand.
   */
  idleTimeout?: number;
}

/**
 * How the writer takes in the frames that detectors write to their own files.
 *
 * @example Copy frames, waiting up to 30 s
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AssetOptions } from "./nxwriter.ts";
 * const assets: AssetOptions = { mode: "copy", timeout: 30_000, compression: 0 };
 * assert.equal(assets.mode, "copy");
 * ```
 */
export interface AssetOptions {
  /**
   * `"link"`: an HDF5 external link to the detector's dataset when it holds exactly the run's
   * frames in order (else a copy); `"copy"`: the frames copied, one gzip-compressed chunk per
   * frame, read one frame at a time.
   */
  mode?: "link" | "copy";
  /** How long to wait after the stop for the files to hold their frames, in ms. */
  timeout?: number;
  /** Time between two looks at a file, in ms. */
  interval?: number;
  /** Handlers of more resource specs or mimetypes, after the built-in ones. */
  handlers?: AssetHandler[];
  /** Folder that relative resource paths are taken in. */
  root?: string;
  /** gzip level of copied frames, 0 for none (faster, larger). */
  compression?: number;
}

/**
 * Defaults of {@linkcode AssetOptions}.
 *
 * @example Frames are linked by default
 * ```ts
 * import assert from "node:assert/strict";
 * import { assetDefaults } from "./nxwriter.ts";
 * assert.equal(assetDefaults.mode, "link");
 * assert.equal(assetDefaults.timeout, 10_000);
 * ```
 */
export const assetDefaults = {
  mode: "link",
  timeout: 10_000,
  interval: 200,
  compression: 1,
} as const satisfies AssetOptions;

/**
 * Defaults of {@linkcode NXWriterOptions}.
 *
 * @example An existing file is not overwritten by default
 * ```ts
 * import assert from "node:assert/strict";
 * import { nxWriterDefaults } from "./nxwriter.ts";
 * assert.equal(nxWriterDefaults.overwrite, "fail");
 * ```
 */
export const nxWriterDefaults = {
  filePath: ".",
  fileExtension: "hdf",
  warnOnMissingContent: true,
  overwrite: "fail",
  strict: false,
} as const satisfies NXWriterOptions;

/**
 * Something a user should know about a file that was still written.
 *
 * @example Warnings go to a callback
 * ```ts
 * import assert from "node:assert/strict";
 * import { NXWriter, type NexusWarning } from "./nxwriter.ts";
 * const seen: NexusWarning[] = [];
 * const writer = new NXWriter({ onWarning: (w) => void seen.push(w) });
 * writer.receiver("event", null as never);
 * assert.match(seen[0]!.message, /not an object/);
 * ```
 */
export interface NexusWarning {
  /** Uid of the run. */
  readonly run: string;
  /** Plugin that raised it (`"NXWriter"` for the writer itself). */
  readonly plugin: string;
  /** NeXus path concerned, when there is one. */
  readonly path: string | undefined;
  /** What happened. */
  readonly message: string;
}

interface RunState {
  readonly accumulator: RunAccumulator;
  /** Documents of this run that could not be recorded. */
  readonly problems: Error[];
}

/**
 * Writes one NeXus file per run, at the run's stop document.
 *
 * Subscribe its `receiver` to a bus or a RunEngine. Each run has its own state, so a run that
 * starts while the previous file is still being written does not disturb it. `wait()` gives
 * the path of the last file written, or the error that kept a file from being written.
 *
 * @example Write a file for each run of a RunEngine
 * ```ts
 * import assert from "node:assert/strict";
 * import { NXWriter } from "./nxwriter.ts";
 * import { RunEngine } from "../engine/run_engine.ts";
 * import { msg } from "../engine/messages.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const writer = new NXWriter({ filePath: dir, fileName: "run.h5" });
 * const RE = new RunEngine();
 * RE.subscribe("all", writer.receiver);
 * await RE.run([msg("open_run"), msg("close_run")][Symbol.iterator]() as never);
 * assert.equal(await writer.wait(), `${dir}/run.h5`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NXWriter {
  /** Warnings of the files written so far (when no `onWarning` was given). */
  readonly warnings: NexusWarning[] = [];
  readonly #options: NXWriterOptions;
  readonly #plugins: NexusPlugin[] = [];
  readonly #backend: Hdf5Backend;
  readonly #assetHandlers: AssetRegistry;
  readonly #runs = new Map<string, RunState>();
  readonly #router = new RunRouter();
  readonly #idle = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #results = new Map<string, Promise<string>>();
  #queue: Promise<unknown> = Promise.resolve();
  #pending: Promise<string>[] = [];
  #lastRun: string | undefined;

  /**
   * Make a writer; it writes nothing until a run stops.
   * @param options File naming, plugins, backend and more.
   */
  constructor(options: NXWriterOptions = {}) {
    this.#options = { ...options };
    this.#backend = options.backend ?? new H5wasmBackend();
    this.#assetHandlers = new AssetRegistry([
      ...builtinAssetHandlers(),
      ...(options.assets?.handlers ?? []),
    ]);
    for (const plugin of options.plugins ?? []) this.use(plugin);
  }

  /**
   * Register a plugin. Plugins run in their phase (`"pre"`, normal, `"post"`) in the order
   * they were registered.
   * @param plugin The plugin or its factory.
   * @returns This writer, for chaining.
   * @throws {TypeError} When a plugin of the same name is already registered.
   */
  use(plugin: PluginLike): this {
    const resolved = resolvePlugin(plugin);
    if (this.#plugins.some((p) => p.name === resolved.name)) {
      throw new TypeError(`A NeXus plugin named "${resolved.name}" is already registered`);
    }
    this.#plugins.push(resolved);
    return this;
  }

  /**
   * Register a handler of asset files, for a resource spec or mimetype the built-in handlers
   * (`AD_HDF5`, `application/x-hdf5`, `NPY_SEQ`) do not read.
   * @param handler The handler.
   * @returns This writer, for chaining.
   * @throws {TypeError} When a handler of one of its specs is already registered.
   */
  useAssetHandler(handler: AssetHandler): this {
    this.#assetHandlers.use(handler);
    return this;
  }

  /** The registered plugins, in running order. */
  get plugins(): readonly NexusPlugin[] {
    return runningOrder(this.#plugins);
  }

  /**
   * The callback to subscribe: takes every document of every run.
   * @param name Document name.
   * @param doc The document.
   */
  readonly receiver = <K extends DocumentName>(name: K, doc: DocumentMap[K]): void => {
    let uid: string;
    try {
      uid = this.#router.route(name, doc as unknown as Record<string, unknown>);
    } catch (error) {
      this.#warn("", "NXWriter", undefined, `${(error as Error).message}: ignored`);
      return;
    }
    if (name === "start") {
      const open = [...this.#runs.keys()];
      if (open.length > 0) {
        this.#warn(
          uid,
          "NXWriter",
          undefined,
          `start document, uid "${uid}": run(s) ${
            open.map((u) => `"${u}"`).join(", ")
          } have not stopped; each run is kept and written at its own stop`,
        );
      }
      const accumulator = new RunAccumulator(doc as RunStart, {
        onWarning: (problem) => this.#warn(uid, "NXWriter", undefined, problem.message),
      });
      this.#runs.set(uid, { accumulator, problems: [] });
      this.#lastRun = uid;
      this.#watch(uid);
      return;
    }
    const state = this.#runs.get(uid);
    if (!state) {
      this.#warn(uid, "NXWriter", undefined, `Ignored a ${name} document of a run already written`);
      return;
    }
    try {
      state.accumulator.receive(name, doc);
    } catch (error) {
      state.problems.push(error as Error);
      this.#warn(uid, "NXWriter", undefined, (error as Error).message);
    }
    if (name === "stop") {
      this.#router.forget(uid);
      this.#finish(uid, state);
    } else {
      this.#watch(uid);
    }
  };

  /** Restart the idle timer of a run. */
  #watch(uid: string): void {
    const timeout = this.#options.idleTimeout;
    if (timeout === undefined) return;
    clearTimeout(this.#idle.get(uid));
    this.#idle.set(
      uid,
      setTimeout(() => {
        this.#idle.delete(uid);
        if (!this.#runs.has(uid)) return;
        this.#warn(
          uid,
          "NXWriter",
          undefined,
          `No document for ${timeout / 1000} s: written as an incomplete run`,
        );
        this.flush(uid);
      }, timeout),
    );
  }

  /**
   * Write the files of runs that have not stopped (a run recorded without its stop document,
   * or one whose stop never came): each file holds what was received and says it is
   * incomplete. Await them with `wait()` or `written(uid)`.
   * @param uid The run to write; by default every run still open.
   * @returns The uids of the runs handed to the writer.
   */
  flush(uid?: string): string[] {
    const uids = uid === undefined ? [...this.#runs.keys()] : this.#runs.has(uid) ? [uid] : [];
    for (const run of uids) {
      this.#router.forget(run);
      this.#finish(run, this.#runs.get(run)!);
    }
    return uids;
  }

  /**
   * The file of a run, once written.
   * @param uid The run's uid.
   * @returns The path, or undefined when the run has not stopped yet.
   */
  written(uid: string): Promise<string> | undefined {
    return this.#results.get(uid);
  }

  /**
   * Wait for every file whose run has stopped.
   * @returns The path of the last run's file.
   * @throws The first error that kept a file from being written since the last `wait()`.
   */
  async wait(): Promise<string> {
    const pending = this.#pending;
    this.#pending = [];
    const settled = await Promise.allSettled(pending);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const last = this.#lastRun === undefined ? undefined : this.#results.get(this.#lastRun);
    if (!last) throw new Error("No run has stopped yet, so no file was written");
    return await last;
  }

  #finish(uid: string, state: RunState): void {
    this.#runs.delete(uid);
    clearTimeout(this.#idle.get(uid));
    this.#idle.delete(uid);
    // Files are written one at a time: the HDF5 library is not re-entrant.
    const result = this.#queue.then(() => this.#write(state));
    this.#queue = result.catch(() => undefined);
    this.#results.set(uid, result);
    this.#pending.push(result);
    // A caller that never waits must not see an unhandled rejection.
    result.catch(() => undefined);
  }

  #settings(filePath: string): WriterSettings {
    const o = this.#options;
    return {
      filePath,
      nxdataSignal: o.nxdataSignal,
      nxdataSignalAxes: o.nxdataSignalAxes,
      instrumentName: o.instrumentName,
      warnOnMissingContent: o.warnOnMissingContent ?? nxWriterDefaults.warnOnMissingContent,
      timeZone: o.timeZone,
      assetMode: o.assets?.mode ?? assetDefaults.mode,
      assetCompression: o.assets?.compression ?? assetDefaults.compression,
    };
  }

  #finalPath(start: RunStart): string {
    const o = this.#options;
    const name = typeof o.fileName === "function"
      ? o.fileName(start)
      : o.fileName ?? defaultFileName(start, {
        ...(o.timeZone ? { timeZone: o.timeZone } : {}),
        extension: o.fileExtension ?? nxWriterDefaults.fileExtension,
      });
    if (name.startsWith("/")) return name;
    const folder = o.filePath ?? nxWriterDefaults.filePath;
    return folder === "." ? name : `${folder.replace(/\/+$/, "")}/${name}`;
  }

  async #write(state: RunState): Promise<string> {
    const run = state.accumulator;
    const uid = run.start.uid;
    const finalPath = this.#finalPath(run.start);
    const a = this.#options.assets ?? {};
    const assets = await resolveAssets(run, {
      registry: this.#assetHandlers,
      timeout: a.timeout ?? assetDefaults.timeout,
      interval: a.interval ?? assetDefaults.interval,
      ...(a.root === undefined ? {} : { root: a.root }),
    });
    let path: string;
    try {
      path = await this.#compose(run, finalPath, assets);
    } finally {
      assets.close();
    }
    if (assets.errors.length > 0) {
      for (const error of assets.errors) this.#warn(uid, "NXWriter", undefined, error.message);
      throw new AssetsMissingError(path, assets.errors);
    }
    return path;
  }

  async #compose(run: RunAccumulator, finalPath: string, assets: RunAssets): Promise<string> {
    const uid = run.start.uid;
    const tree = new NexusTree();
    const settings = this.#settings(finalPath);
    for (const plugin of this.plugins) {
      try {
        await plugin.build({
          run,
          assets,
          tree: tree.builder(plugin.name),
          settings,
          warn: (message, path) => this.#warn(uid, plugin.name, path, message),
        });
      } catch (error) {
        const path = error instanceof NexusLayoutError ? error.path : undefined;
        const failure = new PluginError(plugin.name, error, path);
        if (this.#options.strict) throw failure;
        tree.removeOwner(plugin.name);
        this.#warn(uid, plugin.name, path, `${failure.message} (left out of the file)`);
      }
    }
    const versions = await this.#backend.versions();
    this.#rootAttributes(tree, finalPath, versions);
    this.#resolveProblems(tree, uid);
    externalizeLinks(tree);
    markTargets(tree);
    return await this.#place(tree, finalPath);
  }

  #rootAttributes(
    tree: NexusTree,
    finalPath: string,
    versions: { library: string; libraryVersion: string; hdf5: string },
  ): void {
    const root = tree.builder("NXWriter");
    root.attr("/", "creator", "NXWriter");
    root.attr("/", "creator_version", `nxdaq ${VERSION}`);
    root.attr("/", "file_name", finalPath);
    root.attr("/", "file_time", isoTime(Date.now() / 1000, this.#options.timeZone));
    root.attr("/", "HDF5_Version", versions.hdf5);
    root.attr("/", `${versions.library}_version`, versions.libraryVersion);
    root.attr("/", "NeXus_version", "v2020.1");
  }

  /** Drop links whose targets are missing (strict: fail); other problems always fail. */
  #resolveProblems(tree: NexusTree, uid: string): void {
    for (const problem of tree.check()) {
      const node = tree.get(problem.path);
      if (node?.kind === "link" && !this.#options.strict) {
        const parentPath = problem.path.slice(0, problem.path.lastIndexOf("/")) || "/";
        const parent = tree.get(parentPath);
        if (parent?.kind === "group") parent.children.delete(node.name);
        this.#warn(uid, node.owner, problem.path, `${problem.message} (link left out)`);
        continue;
      }
      throw problem;
    }
  }

  async #place(tree: NexusTree, finalPath: string): Promise<string> {
    const slash = finalPath.lastIndexOf("/");
    const folder = slash >= 0 ? finalPath.slice(0, slash) || "/" : ".";
    const base = finalPath.slice(slash + 1);
    const temporary = `${folder}/.${base}.${crypto.randomUUID().slice(0, 8)}.partial`;
    try {
      await this.#backend.write(tree, temporary);
    } catch (error) {
      await Deno.remove(temporary).catch(() => undefined);
      if (error instanceof NexusLayoutError) throw error;
      throw new Error(`Cannot write "${finalPath}": ${writeFailure(error)}`, { cause: error });
    }
    try {
      return await placeFile(temporary, finalPath, this.#options.overwrite ?? "fail");
    } finally {
      await Deno.remove(temporary).catch(() => undefined);
    }
  }

  #warn(run: string, plugin: string, path: string | undefined, message: string): void {
    const warning: NexusWarning = { run, plugin, path, message };
    if (this.#options.onWarning) this.#options.onWarning(warning);
    else this.warnings.push(warning);
  }
}

/**
 * A link to an external link (an image stack linked from a detector's file, linked again as
 * `NXdetector/data` or into `/entry/data`) becomes an external link to the same place: HDF5
 * hard links cannot reach into another file.
 */
function externalizeLinks(tree: NexusTree): void {
  const replace: [NxLink, NxExternalLink][] = [];
  for (const node of tree.walk()) {
    if (node.kind !== "link") continue;
    const target = tree.resolve(node.target);
    if (target?.kind !== "external_link") continue;
    replace.push([node, {
      kind: "external_link",
      name: node.name,
      path: node.path,
      owner: node.owner,
      file: target.file,
      target: target.target,
      attrs: new Map(),
    }]);
  }
  for (const [link, external] of replace) {
    const parentPath = link.path.slice(0, link.path.lastIndexOf("/")) || "/";
    const parent = tree.get(parentPath);
    if (parent?.kind === "group") parent.children.set(link.name, external);
  }
}

/** Give every group, and every node a link points at, `@target` with its own path. */
function markTargets(tree: NexusTree): void {
  const targets = new Set<string>();
  for (const node of tree.walk()) {
    if (node.kind === "link") targets.add(node.target);
  }
  const writer = tree.builder("NXWriter");
  for (const node of tree.walk()) {
    if (node === tree.root || node.kind === "link" || node.kind === "external_link") continue;
    if ((node.kind === "group" || targets.has(node.path)) && !node.attrs.has("target")) {
      writer.attr(node.path, "target", node.path);
    }
  }
}

/** Why a file could not be written, in words a user acts on. */
function writeFailure(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOSPC" || /ENOSPC|No space left/i.test(String(error))) {
    return "the disk is full";
  }
  if (error instanceof Deno.errors.NotFound) return "the folder does not exist";
  if (error instanceof Deno.errors.PermissionDenied) return "the folder cannot be written";
  return (error as Error).message ?? String(error);
}

function withSuffix(path: string, n: number): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? `${path.slice(0, dot)}-${n}${path.slice(dot)}` : `${path}-${n}`;
}

/**
 * Move a finished temporary file to its final path without ever exposing a partial file
 * there. A hard link refuses to replace an existing file atomically, which is what "fail"
 * and "rename" need.
 */
async function placeFile(
  temporary: string,
  finalPath: string,
  policy: OverwritePolicy,
): Promise<string> {
  if (policy === "replace") {
    await Deno.rename(temporary, finalPath);
    return finalPath;
  }
  for (let n = 0; n < 10_000; n++) {
    const candidate = n === 0 ? finalPath : withSuffix(finalPath, n);
    try {
      await Deno.link(temporary, candidate);
      return candidate;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      if (policy === "fail") {
        throw new Error(
          `File "${finalPath}" already exists: not overwritten (choose overwrite "replace" or "rename")`,
          { cause: error },
        );
      }
    }
  }
  throw new Error(`No free file name found next to "${finalPath}"`);
}
