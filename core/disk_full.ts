/**
 * How a full file system shows in an error, whichever layer reports it: the OS's ENOSPC or
 * EDQUOT, Rust's "os error 28", HDF5's "No space left on device" deep in its report.
 *
 * @module
 */

/** The reports of a full disk (ENOSPC) or an exhausted quota (EDQUOT), as OS and HDF5 word them. */
const DISK_FULL = /ENOSPC|No space left on device|os error 28\b/i;
const QUOTA = /EDQUOT|Disk quota exceeded|os error 122\b/i;
/** A file beyond the file system's or the process's size limit (`ulimit -f`). */
const TOO_LARGE = /EFBIG|File too large|os error 27\b/i;

/**
 * Whether an error, or any error in its chain of causes (HDF5's report among them), says the
 * file system is full.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileSystemFull } from "./disk_full.ts";
 * const cause = new Error("write failed: No space left on device (os error 28)");
 * assert.equal(fileSystemFull(new Error("Cannot create the field", { cause })), "the disk is full");
 * assert.equal(fileSystemFull(new Error("Permission denied")), undefined);
 * ```
 *
 * @param error The error.
 * @returns The words for the user, or undefined.
 */
export function fileSystemFull(error: unknown): string | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    const code = (e as { code?: unknown }).code;
    const text = e instanceof Error ? e.message : String(e);
    if (code === "ENOSPC" || DISK_FULL.test(text)) return "the disk is full";
    if (code === "EDQUOT" || QUOTA.test(text)) return "the disk quota is exhausted";
    if (code === "EFBIG" || TOO_LARGE.test(text)) {
      return "the file is larger than the file system or the process's file size limit allows";
    }
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}
