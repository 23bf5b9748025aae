/**
 * The NXWriter callback: collects each run's documents and, at its stop document, composes
 * the NeXus file from plugins and writes it (apstools' `NXWriter`, in TypeScript).
 *
 * @module
 */

import type { DocumentMap, DocumentName, RunStart } from "../documents/types.ts";
import { AssetsMissingError, NoRunError } from "../errors.ts";
import {
  type AssetHandler,
  AssetRegistry,
  builtinAssetHandlers,
  waitDefaults,
} from "../assets/mod.ts";
import { resolveAssets } from "./run_assets.ts";
import { defaultFileName, fileNameDefaults } from "./file_name.ts";
import { RunAccumulator } from "./run_data.ts";
import { DocumentGate, type GatedCallback, problemKind } from "../bus/document_gate.ts";
import type { Hdf5Backend } from "./backend.ts";
import { H5wasmBackend } from "./h5wasm_backend.ts";
import { type NexusPlugin, type PluginLike, resolvePlugin } from "./plugin.ts";
import {
  buildTree,
  buildTreeDefaults,
  type NexusWarning,
  pluginOrder,
  WRITER,
} from "./build_tree.ts";
import { type OverwritePolicy, placeTree } from "./_place_file.ts";

export type { NexusWarning } from "./build_tree.ts";
export type { OverwritePolicy } from "./_place_file.ts";

/**
 * Options of {@linkcode NXWriter}. The choices of what goes in the file (the default plot's
 * signal, linked or copied frames, the source's name) are the plugins' own options.
 *
 * @example Files named by scan id in a folder, never overwritten
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
  /** Pass on what plugins report as missing content, as apstools' `warn_on_missing_content`. */
  warnOnMissingContent?: boolean;
  /** An existing file is an error (`"fail"`), replaced, or kept with the new file renamed. */
  overwrite?: OverwritePolicy;
  /** IANA time zone of file names and of times written as text; the system's by default. */
  timeZone?: string;
  /** Plugins, registered in this order before any added with `use()`. */
  plugins?: PluginLike[];
  /** When true, a failing plugin or a broken link fails the file instead of being left out. */
  strict?: boolean;
  /**
   * Leave out documents that break the event model (`"strict"`), or take them as recorded
   * (`"lenient"`, the default: Python bluesky does not validate, so real runs hold such
   * documents). Either way each is reported as a warning, once per run and kind of problem;
   * a document that does not fit its run (unknown run or descriptor, repeated uid) is always
   * left out.
   */
  documents?: "lenient" | "strict";
  /** The HDF5 implementation. Default: h5wasm. */
  backend?: Hdf5Backend;
  /** Receives each warning; by default they are kept in `warnings`. */
  onWarning?: (warning: NexusWarning) => void;
  /** Receives each run's outcome as soon as its file is written or has failed. */
  onWritten?: (outcome: WrittenRun) => void;
  /** Frames written by detectors to their own files: how to wait for them and read them. */
  assets?: AssetOptions;
  /**
   * Write a run that has received no document for this many ms, as an incomplete run (an
   * event stream that never stops). Default: never; `flush()` writes it on demand.
   */
  idleTimeout?: number;
  /**
   * How many written runs `written(uid)` still answers for; older results are let go, so a
   * writer that lives for days holds a bounded amount of memory. Runs still being written
   * are always kept.
   */
  history?: number;
}

/**
 * How the writer waits for, and reads, the frames that detectors write to their own files.
 * How they get into the file (linked or copied) is the streams plugin's `frames` option.
 *
 * @example Wait up to 30 s for a slow detector
 * ```ts
 * import { createNXWriter } from "../../mod.ts";
 * createNXWriter({ assets: { timeout: 30_000 } });
 * ```
 */
export interface AssetOptions {
  /** How long to wait after the stop for the files to hold their frames, in ms (default
   * `waitDefaults.timeout`). */
  timeout?: number;
  /** Time between two looks at a file, in ms (default `waitDefaults.interval`). */
  interval?: number;
  /** Handlers of more resource specs or mimetypes, after the built-in ones. */
  handlers?: AssetHandler[];
  /** Folder that relative resource paths are taken in. */
  root?: string;
}

/**
 * Defaults of {@linkcode NXWriterOptions}; those of the file name and of the build are
 * `fileNameDefaults`' and `buildTreeDefaults`'.
 */
export const nxWriterDefaults = {
  filePath: ".",
  fileExtension: fileNameDefaults.extension,
  warnOnMissingContent: buildTreeDefaults.warnOnMissingContent,
  overwrite: "fail",
  strict: buildTreeDefaults.strict,
  history: 1000,
} as const satisfies NXWriterOptions;

/**
 * A run's outcome: the path of its file, or why it was not written in full.
 */
export type WrittenRun =
  | { readonly run: string; readonly path: string; readonly error?: undefined }
  | { readonly run: string; readonly path?: undefined; readonly error: Error };

/** How many warnings `warnings` keeps when no `onWarning` is given. */
const KEPT_WARNINGS = 1000;
/** How many kinds of repeated warning are counted apart per run; the rest are counted together. */
const KINDS_PER_RUN = 100;
/** The key of the warnings past `KINDS_PER_RUN` kinds. */
const OTHER = "\u0000other";

/** A warning about a document that came back in a run: shown once, then counted. */
interface Repeat {
  readonly descriptor: string | undefined;
  readonly message: string;
  count: number;
}

/**
 * Writes one NeXus file per run, at the run's stop document: collects the run's documents,
 * builds its tree with the plugins ({@linkcode buildTree}), and has the backend write it to a
 * temporary file that is then moved into place.
 *
 * Subscribe its `receiver` to a bus or a RunEngine. Each run has its own state, so a run that
 * starts while the previous file is still being written does not disturb it, and a run's
 * state is let go once its file is written. `wait()` gives the path of the last file
 * written, or the error that kept a file from being written.
 *
 * @example Write a file for each run of a RunEngine
 * ```ts
 * import assert from "node:assert/strict";
 * import { NXWriter } from "./nxwriter.ts";
 * import { RunEngine } from "../engine/mod.ts";
 * import { msg } from "../engine/mod.ts";
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
  /** The latest warnings (at most 1,000), when no `onWarning` was given. */
  readonly warnings: NexusWarning[] = [];
  readonly #options: NXWriterOptions;
  readonly #plugins: NexusPlugin[] = [];
  readonly #backend: Hdf5Backend;
  readonly #assetHandlers: AssetRegistry;
  /** Runs that have started and not yet been handed to the writing queue. */
  readonly #runs = new Map<string, RunAccumulator>();
  /** The run of the last document taken, and its accumulator: the next document's, nearly always. */
  #lastUid: string | undefined;
  #lastRun: RunAccumulator | undefined;
  /** Checks every document and tells which run it belongs to. */
  readonly #gate: DocumentGate;
  readonly #idle = new Map<string, ReturnType<typeof setTimeout>>();
  /** Results of the runs handed to the queue, the oldest settled ones let go past `history`. */
  readonly #results = new Map<string, Promise<string>>();
  readonly #settled = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  /** The first failure since the last `wait()`, and how many there were. */
  #failure: { error: unknown; count: number } | undefined;
  #lastStopped: string | undefined;
  /** Warnings about documents, by run, by descriptor and kind; summed up at the run's write. */
  readonly #repeats = new Map<string, Map<string, Repeat>>();
  /** The descriptor of the event being taken, which the run's warnings are counted by. */
  #descriptor: string | undefined;

  /**
   * Make a writer; it writes nothing until a run stops.
   * @param options File naming, plugins, backend and more.
   */
  constructor(options: NXWriterOptions = {}) {
    this.#options = { ...options };
    this.#backend = options.backend ?? new H5wasmBackend();
    // One backend writes the file and reads the detectors' files.
    this.#assetHandlers = new AssetRegistry([
      ...builtinAssetHandlers({ backend: this.#backend }),
      ...(options.assets?.handlers ?? []),
    ]);
    for (const plugin of options.plugins ?? []) this.use(plugin);
    this.#gate = new DocumentGate(this.#receive, {
      strict: options.documents === "strict",
      onProblem: (problem, report) =>
        this.#warn(
          report.run ?? "",
          undefined,
          `${problem.message} (${report.passed ? "kept as recorded" : "left out"})`,
        ),
    });
    this.receiver = this.#gate.receiver;
    // A strict writer leaves out what a lenient gate in front of it kept: it checks again.
    this.checkedReceiver = options.documents === "strict"
      ? (name, doc) => this.#gate.receiver(name, doc)
      : (name, doc, run) => this.#receive(name, doc, run);
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
    pluginOrder([...this.#plugins, resolved]); // refuses a second plugin of one name
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
    return pluginOrder(this.#plugins);
  }

  /**
   * The callback to subscribe: takes every document of every run, checked at the door (see
   * `documents`).
   */
  readonly receiver: <K extends DocumentName>(name: K, doc: DocumentMap[K]) => void;

  /**
   * The callback behind a {@linkcode DocumentGate} of the caller's own, which has checked each
   * document and traced it to its run (the command line's, which reports problems with their
   * place in the file): the writer does not check them a second time, unless it is strict
   * (`documents: "strict"`). Problems the caller's gate reported are not reported again; a
   * `seq_num` that goes back is reported by that gate only.
   *
   * @example Behind a gate
   * ```ts
   * import assert from "node:assert/strict";
   * import { DocumentGate } from "../bus/document_gate.ts";
   * import { composeRun } from "../documents/compose.ts";
   * import { NXWriter } from "./nxwriter.ts";
   *
   * const dir = await Deno.makeTempDir();
   * const writer = new NXWriter({ filePath: dir, fileName: "run.h5" });
   * const gate = new DocumentGate(writer.checkedReceiver);
   * const run = composeRun();
   * gate.receiver("start", run.start);
   * gate.receiver("stop", run.stop());
   * assert.equal(await writer.wait(), `${dir}/run.h5`);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  readonly checkedReceiver: GatedCallback;

  /** A document the gate let in, with the uid of its run. */
  readonly #receive = <K extends DocumentName>(name: K, doc: DocumentMap[K], uid: string): void => {
    if (name === "start") {
      const open = [...this.#runs.keys()];
      if (open.length > 0) {
        this.#warn(
          uid,
          undefined,
          `start document, uid "${uid}": run(s) ${
            open.map((u) => `"${u}"`).join(", ")
          } have not stopped; each run is kept and written at its own stop`,
        );
      }
      const run = new RunAccumulator(doc as RunStart, {
        onWarning: (problem) => this.#warnOnce(uid, problem.message),
      });
      this.#runs.set(uid, run);
      this.#lastUid = undefined;
      this.#watch(uid);
      return;
    }
    let run = uid === this.#lastUid ? this.#lastRun : undefined;
    if (run === undefined) {
      run = this.#runs.get(uid);
      this.#lastUid = uid;
      this.#lastRun = run;
    }
    if (!run) {
      this.#warnOnce(uid, `Ignored a ${name} document of a run already written`);
      return;
    }
    const descriptor = (doc as { descriptor?: unknown }).descriptor;
    this.#descriptor = typeof descriptor === "string" ? descriptor : undefined;
    try {
      run.receive(name, doc);
    } catch (error) {
      this.#warnOnce(uid, (error as Error).message);
    } finally {
      this.#descriptor = undefined;
    }
    if (name === "stop") {
      this.#finish(uid, run);
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
      this.#gate.forget(run);
      this.#finish(run, this.#runs.get(run)!);
    }
    return uids;
  }

  /**
   * The file of a run, once written.
   * @param uid The run's uid.
   * @returns The path, or undefined when the run has not stopped yet (or was written so long
   *   ago that its result was let go: see `history`).
   */
  written(uid: string): Promise<string> | undefined {
    return this.#results.get(uid);
  }

  /**
   * Wait for every file whose run has stopped.
   * @returns The path of the last stopped run's file.
   * @throws The first error that kept a file from being written since the last `wait()`.
   * @throws {NoRunError} When no run has stopped.
   */
  async wait(): Promise<string> {
    for (let queue = this.#queue;; queue = this.#queue) {
      await queue;
      if (queue === this.#queue) break;
    }
    // Documents of runs already written, ignored since: their counts.
    for (const run of this.#repeats.keys()) if (!this.#runs.has(run)) this.#summarize(run);
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure) throw failure.error;
    const last = this.#lastStopped === undefined ? undefined : this.#results.get(this.#lastStopped);
    if (!last) throw new NoRunError();
    return await last;
  }

  #finish(uid: string, run: RunAccumulator): void {
    this.#summarize(uid);
    this.#runs.delete(uid);
    if (uid === this.#lastUid) this.#lastUid = this.#lastRun = undefined;
    clearTimeout(this.#idle.get(uid));
    this.#idle.delete(uid);
    // Files are written one at a time: the HDF5 library is not re-entrant.
    const result = this.#queue.then(() => this.#write(run));
    this.#queue = result.then(
      (path) => this.#done(uid, { run: uid, path }),
      (error) => this.#done(uid, { run: uid, error: error as Error }),
    );
    this.#results.set(uid, result);
    this.#lastStopped = uid;
    // A caller that never waits must not see an unhandled rejection.
    result.catch(() => undefined);
  }

  #done(uid: string, outcome: WrittenRun): void {
    if (outcome.error !== undefined) {
      if (this.#failure) this.#failure.count++;
      else this.#failure = { error: outcome.error, count: 1 };
    }
    this.#settled.add(uid);
    const keep = this.#options.history ?? nxWriterDefaults.history;
    for (const old of this.#settled) {
      if (this.#results.size <= keep) break;
      if (old === this.#lastStopped) continue;
      this.#results.delete(old);
      this.#settled.delete(old);
    }
    this.#options.onWritten?.(outcome);
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

  async #write(run: RunAccumulator): Promise<string> {
    const o = this.#options;
    const finalPath = this.#finalPath(run.start);
    const assets = await resolveAssets(run, {
      registry: this.#assetHandlers,
      timeout: o.assets?.timeout ?? waitDefaults.timeout,
      interval: o.assets?.interval ?? waitDefaults.interval,
      ...(o.assets?.root === undefined ? {} : { root: o.assets.root }),
    });
    let path: string;
    try {
      const { tree } = await buildTree(run, this.#plugins, {
        filePath: finalPath,
        ...(o.timeZone === undefined ? {} : { timeZone: o.timeZone }),
        warnOnMissingContent: o.warnOnMissingContent ?? nxWriterDefaults.warnOnMissingContent,
        strict: o.strict ?? nxWriterDefaults.strict,
        assets,
        versions: await this.#backend.versions(),
        onWarning: (warning) => this.#emit(warning),
      });
      path = await placeTree(
        this.#backend,
        tree,
        finalPath,
        o.overwrite ?? nxWriterDefaults.overwrite,
      );
    } finally {
      assets.close();
    }
    if (assets.errors.length > 0) {
      for (const error of assets.errors) this.#warn(run.start.uid, undefined, error.message);
      throw new AssetsMissingError(path, assets.errors);
    }
    return path;
  }

  /**
   * Warn about a document, once per run, descriptor and kind of problem (values aside); the
   * repeats are counted and summed up when the run is written.
   */
  #warnOnce(run: string, message: string): void {
    let repeats = this.#repeats.get(run);
    if (repeats === undefined) this.#repeats.set(run, repeats = new Map());
    const descriptor = this.#descriptor;
    let key = `${descriptor ?? ""}\u0000${problemKind(message)}`;
    if (!repeats.has(key) && repeats.size >= KINDS_PER_RUN) key = OTHER;
    const repeat = repeats.get(key);
    if (repeat !== undefined) {
      repeat.count++;
      return;
    }
    repeats.set(key, { descriptor, message, count: 0 });
    this.#warn(run, undefined, message);
  }

  /** One warning per kind of problem that came back in a run, with its count. */
  #summarize(run: string): void {
    const repeats = this.#repeats.get(run);
    this.#repeats.delete(run);
    for (const [key, { descriptor, message, count }] of repeats ?? []) {
      if (count === 0) continue;
      const documents = `${count.toLocaleString("en-US")} more ${
        count === 1 ? "document" : "documents"
      }${descriptor === undefined ? "" : ` of descriptor "${descriptor}"`}`;
      this.#warn(
        run,
        undefined,
        key === OTHER
          ? `${documents} had problems of other kinds, counted together after: ${message}`
          : `${documents} had the same problem as: ${message}`,
      );
    }
  }

  #warn(run: string, path: string | undefined, message: string): void {
    this.#emit({ run, plugin: WRITER, path, message });
  }

  #emit(warning: NexusWarning): void {
    if (this.#options.onWarning) return this.#options.onWarning(warning);
    this.warnings.push(warning);
    if (this.warnings.length > KEPT_WARNINGS) this.warnings.shift();
  }
}
