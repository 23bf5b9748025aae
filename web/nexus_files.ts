/**
 * The NeXus file of a catalog run, for the web view: written from the run's stored documents by
 * the same writer as `nx export` (frames copied in, so the file stands alone in a browser),
 * into the server's own cache folder, once per stopped run.
 *
 * A run's area-detector frames are read only from the data folders the server was given: a
 * resource whose file, with every symlink followed, lies outside them is refused, so a
 * catalog cannot make the server read and send an arbitrary file.
 *
 * @example The file of a stored run
 * ```ts
 * import assert from "node:assert/strict";
 * import { temp } from "../core/catalog/mod.ts";
 * import { composeRun } from "../mod.ts";
 * import { NexusFiles } from "./nexus_files.ts";
 * const catalog = temp();
 * const run = composeRun({ uid: "run-nx-0001", plan_name: "count" });
 * const primary = run.descriptor({
 *   name: "primary",
 *   data_keys: { det: { dtype: "number", shape: [], source: "SIM:det" } },
 * });
 * catalog.insert("start", run.start);
 * catalog.insert("descriptor", primary.doc);
 * catalog.insert("event", primary.event({ data: { det: 1.5 }, timestamps: { det: 0 } }));
 * catalog.insert("stop", run.stop());
 * const cache = await Deno.makeTempDir();
 * const files = new NexusFiles({ cache, dataFolders: [] });
 * const file = await files.file(catalog.byUid("run-nx-0001"));
 * assert.equal(file.complete, true);
 * assert.ok((await Deno.stat(file.path)).size > 0);
 * catalog.close();
 * await Deno.remove(cache, { recursive: true });
 * ```
 *
 * @module
 */

import type { CatalogRun } from "../core/catalog/mod.ts";
import type { RunStop } from "../core/documents/types.ts";
import { replay } from "../core/catalog/mod.ts";
import { resourceFile } from "../core/assets/hdf5_handlers.ts";
import type { AnyResource } from "../core/assets/mod.ts";
import { createNXWriter } from "../plugins/mod.ts";

/** Where {@linkcode NexusFiles} writes, and what it may read. */
export interface NexusFilesOptions {
  /** The folder the files are written to: the server's own, emptied by its owner. */
  cache: string;
  /**
   * The folders a run's detector files may be read from (symlinks followed); a resource
   * elsewhere makes the run's file a {@linkcode OutsideDataFolders} error.
   */
  dataFolders: readonly string[];
  /** Stopped runs' files kept in the cache at most (default 32); the oldest used go first. */
  keep?: number;
  /** Milliseconds to wait for a detector's frames (default 2000: the run is stored already). */
  assetTimeout?: number;
}

/** A run's NeXus file in the cache. */
export interface NexusFile {
  /** Its path. */
  path: string;
  /** The name to download it as. */
  name: string;
  /** `false` for a run without a stop document: written as an incomplete run, not kept. */
  complete: boolean;
}

/** A run's detector files lie outside the data folders (sent as 404, naming no path). */
export class OutsideDataFolders extends Error {
  override name = "OutsideDataFolders";
}

/**
 * Whether `path` (already real: symlinks resolved) lies in one of `folders` (real too).
 * @param path The path.
 * @param folders The folders.
 * @returns `true` when `path` is one of them or below one.
 */
function inside(path: string, folders: readonly string[]): boolean {
  return folders.some((folder) =>
    path === folder || path.startsWith(folder.endsWith("/") ? folder : `${folder}/`)
  );
}

/** The real path of `path`, or of its nearest existing parent joined with the rest. */
async function realPath(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const slash = path.lastIndexOf("/");
    if (slash <= 0) return path;
    return `${await realPath(path.slice(0, slash))}${path.slice(slash)}`;
  }
}

/** The files a resource names: its file, or for `NPY_SEQ` every `<base>_<n>.npy`. */
async function filesOf(resource: AnyResource): Promise<string[]> {
  const path = resourceFile(resource);
  if (!("spec" in resource) || resource.spec !== "NPY_SEQ") return [path];
  const slash = path.lastIndexOf("/");
  const folder = slash < 0 ? "." : path.slice(0, slash) || "/";
  const base = path.slice(slash + 1);
  const files = [folder];
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (entry.name.startsWith(`${base}_`)) files.push(`${folder}/${entry.name}`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return files;
}

/** A file name made of a uid: what is not a word character, `.` or `-` becomes `_`. */
function safeName(uid: string): string {
  return uid.replace(/[^\w.-]/g, "_");
}

/**
 * The NeXus files of a catalog's runs, written on demand and kept for stopped runs.
 */
export class NexusFiles {
  readonly #options: NexusFilesOptions;
  readonly #kept = new Map<string, NexusFile>();
  readonly #writing = new Map<string, Promise<NexusFile>>();
  #folders: Promise<string[]> | undefined;
  #sequence = 0;

  /**
   * @param options The cache folder and the data folders.
   */
  constructor(options: NexusFilesOptions) {
    this.#options = options;
  }

  /**
   * The run's NeXus file: the kept one for a stopped run, else written now. Two requests for
   * one run at once share one write.
   * @param run The run.
   * @returns The file.
   * @throws {OutsideDataFolders} When one of its detector files lies outside the data folders.
   */
  file(run: CatalogRun): Promise<NexusFile> {
    const uid = run.summary.uid;
    const kept = this.#kept.get(uid);
    if (kept !== undefined) {
      // Most recently used last.
      this.#kept.delete(uid);
      this.#kept.set(uid, kept);
      return Promise.resolve(kept);
    }
    const writing = this.#writing.get(uid);
    if (writing !== undefined) return writing;
    const promise = this.#write(run).finally(() => this.#writing.delete(uid));
    this.#writing.set(uid, promise);
    return promise;
  }

  async #write(run: CatalogRun): Promise<NexusFile> {
    const uid = run.summary.uid;
    const complete = run.stop !== undefined;
    // An incomplete run's file is written afresh each time, under a name of its own.
    const fileName = complete ? `${safeName(uid)}.hdf` : `${safeName(uid)}-${++this.#sequence}.hdf`;
    const writer = createNXWriter({
      filePath: this.#options.cache,
      fileName,
      overwrite: "replace",
      builtins: { streams: { frames: "copy" } },
      assets: { timeout: this.#options.assetTimeout ?? 2000, interval: 20 },
    });
    // One reading of the run: its resources are kept aside as they pass, and checked before
    // the stop (or flush()) makes the writer read their files.
    const resources: [string, AnyResource][] = [];
    let stop: RunStop | undefined;
    await replay(run, (name, doc) => {
      if (name === "resource" || name === "stream_resource") {
        resources.push([name, doc as AnyResource]);
      }
      if (name === "stop") stop = doc as RunStop;
      else writer.receiver(name, doc as never);
    });
    await this.#checkResources(uid, resources);
    if (stop !== undefined) writer.receiver("stop", stop);
    writer.flush();
    const written = writer.written(uid);
    if (written === undefined) throw new Error(`Run "${uid}": the writer wrote no file`);
    const path = await written;
    const scanId = run.start.scan_id;
    const name = `${scanId === undefined ? "" : `S${String(scanId).padStart(5, "0")}-`}${
      safeName(uid)
    }.hdf`;
    const file = { path, name, complete };
    if (complete) this.#keep(uid, file);
    return file;
  }

  #keep(uid: string, file: NexusFile): void {
    this.#kept.set(uid, file);
    const keep = this.#options.keep ?? 32;
    for (const [old, oldFile] of this.#kept) {
      if (this.#kept.size <= keep) break;
      this.#kept.delete(old);
      Deno.remove(oldFile.path).catch(() => {});
    }
  }

  /**
   * An incomplete run's file, once sent, is not needed any more.
   * @param file The file {@linkcode file} gave.
   */
  async release(file: NexusFile): Promise<void> {
    if (!file.complete) await Deno.remove(file.path).catch(() => {});
  }

  async #checkResources(uid: string, resources: [string, AnyResource][]): Promise<void> {
    if (resources.length === 0) return;
    const folders = await (this.#folders ??= Promise.all(
      this.#options.dataFolders.map((folder) => realPath(folder)),
    ));
    for (const [name, doc] of resources) {
      for (const file of await filesOf(doc)) {
        const real = await realPath(file);
        if (!inside(real, folders)) {
          throw new OutsideDataFolders(
            `Run "${uid}": ${name} "${doc.uid}" names a file outside the data ` +
              `folders (serve --data DIR adds one)`,
          );
        }
      }
    }
  }
}
