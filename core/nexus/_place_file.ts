/**
 * Putting a written tree at its final path without ever exposing half a file there: the
 * backend writes a hidden temporary file in the same folder, which is then moved into place.
 *
 * @module
 */

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
  try {
    await backend.write(tree, temporary);
  } catch (error) {
    await Deno.remove(temporary).catch(() => undefined);
    if (error instanceof NexusLayoutError) throw error;
    throw new Error(`Cannot write "${finalPath}": ${writeFailure(error)}`, { cause: error });
  }
  try {
    return await placeFile(temporary, finalPath, policy);
  } finally {
    await Deno.remove(temporary).catch(() => undefined);
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

/**
 * A hard link refuses to replace an existing file, atomically, which is what "fail" and
 * "rename" need; "replace" is a rename, atomic too.
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
    const candidate = n === 0 ? finalPath : numberedName(finalPath, n);
    try {
      await Deno.link(temporary, candidate);
      return candidate;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      if (policy === "fail") throw new FileExistsError(finalPath, { cause: error });
    }
  }
  throw new Error(`No free file name found next to "${finalPath}"`);
}
