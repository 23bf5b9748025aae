/**
 * Putting a written tree at its final path without ever exposing half a file there: the
 * backend writes a hidden temporary file in the same folder, which is then moved into place.
 *
 * @module
 */

import { fileSystemFull } from "../disk_full.ts";
import { FileExistsError, NexusLayoutError } from "../errors.ts";
import type { Hdf5Backend } from "./backend.ts";
import { numberedName } from "./file_name.ts";
import type { NexusTree } from "./tree.ts";

/** What to do when the file to write already exists. */
export type OverwritePolicy = "fail" | "replace" | "rename";

/**
 * Write `tree` with `backend` and move it to `finalPath` (or, with `"rename"`, the first free
 * `name-N.ext` beside it).
 * @returns The path the file has.
 */
export async function placeTree(
  backend: Hdf5Backend,
  tree: NexusTree,
  finalPath: string,
  policy: OverwritePolicy,
): Promise<string> {
  const slash = finalPath.lastIndexOf("/");
  const folder = slash >= 0 ? finalPath.slice(0, slash) || "/" : ".";
  const base = finalPath.slice(slash + 1);
  const temporary = `${folder}/.${base}.${crypto.randomUUID().slice(0, 8)}.partial`;
  temporaryFiles.add(temporary);
  try {
    await backend.write(tree, temporary);
  } catch (error) {
    await Deno.remove(temporary).catch(() => undefined);
    temporaryFiles.delete(temporary);
    // HDF5 reports a full disk deep in its error stack, as the failure of whatever node was
    // being written: that is the disk's fault, not the plugin's.
    const full = fileSystemFull(error);
    if (error instanceof NexusLayoutError && full === undefined) throw error;
    throw new Error(`Cannot write "${finalPath}": ${full ?? writeFailure(error)}`, {
      cause: error,
    });
  }
  try {
    // No turn of the event loop comes between this check and the placement (synchronous):
    // a stop either comes first, and nothing is placed, or finds the file in place.
    if (stopReason === undefined) {
      const placed = placeFile(temporary, finalPath, policy);
      placements++;
      return placed;
    }
  } catch (error) {
    if (error instanceof FileExistsError) throw error;
    throw new Error(`Cannot write "${finalPath}": ${writeFailure(error)}`, { cause: error });
  } finally {
    await Deno.remove(temporary).catch(() => undefined);
    temporaryFiles.delete(temporary);
  }
  throw new Error(stopReason);
}

/** The hidden temporary files this process is writing now, for {@linkcode removeTemporaryFiles}. */
const temporaryFiles = new Set<string>();

/** Files this process has placed. */
let placements = 0;
/** Why writes no longer place their files, once {@linkcode stopPlacing} has been called. */
let stopReason: string | undefined;

/**
 * How many files this process has moved into place so far: a program told to stop compares
 * it with the count before its write, to tell whether the file was placed before the stop.
 * @returns The count.
 */
export function placedFiles(): number {
  return placements;
}

/**
 * Stop this process's writes for good, for a program told to stop (Ctrl-C, SIGTERM): a write
 * that ends after this does not place its file but fails with `reason`, and the hidden
 * temporary files are removed at once ({@linkcode removeTemporaryFiles}).
 * @param reason Why, the message of the writes that fail.
 */
export function stopPlacing(reason: string): void {
  stopReason ??= reason;
  removeTemporaryFiles();
}

/**
 * Remove, at once, the hidden temporary files this process is writing: for a program told to
 * stop (Ctrl-C, SIGTERM) that exits before its writes finish and would leave them behind.
 * @returns The files removed.
 */
export function removeTemporaryFiles(): string[] {
  const removed: string[] = [];
  for (const path of temporaryFiles) {
    try {
      Deno.removeSync(path);
      removed.push(path);
    } catch {
      // Not created yet, or gone already.
    }
  }
  // The set stays: a write still under way may make its file again, and a second call (at
  // exit) removes it then; each write takes its own file out of the set when it ends.
  return removed;
}

/** Why a file could not be written, in words a user acts on. */
function writeFailure(error: unknown): string {
  const full = fileSystemFull(error);
  if (full !== undefined) return full;
  if (error instanceof Deno.errors.NotFound) return "the folder does not exist";
  if (error instanceof Deno.errors.PermissionDenied) return "the folder cannot be written";
  return (error as Error).message ?? String(error);
}

/**
 * A hard link refuses to replace an existing file, atomically, which is what "fail" and
 * "rename" need; "replace" is a rename, atomic too. Synchronous, so that nothing else runs
 * between the last check of a stop and the placement.
 */
function placeFile(temporary: string, finalPath: string, policy: OverwritePolicy): string {
  if (policy === "replace") {
    Deno.renameSync(temporary, finalPath);
    return finalPath;
  }
  for (let n = 0; n < 10_000; n++) {
    const candidate = n === 0 ? finalPath : numberedName(finalPath, n);
    try {
      Deno.linkSync(temporary, candidate);
      return candidate;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      if (policy === "fail") throw new FileExistsError(finalPath, { cause: error });
    }
  }
  throw new Error(`No free file name found next to "${finalPath}"`);
}
