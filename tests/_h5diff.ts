/**
 * Test helper: whether two HDF5 files are the same as the HDF Group's own `h5diff` sees them,
 * at a fraction of h5py's cost per pair (a C program reading both files once): for tests that
 * compare many files. h5diff compares every object's presence, every attribute's presence and
 * value, and every dataset's type, shape and values; it does not look at chunks and filters,
 * which h5py's comparison (`_same_nexus.ts`) does.
 *
 * @module
 */

import { installedAt } from "./_local.ts";

/**
 * Where h5diff is, or null when it is not installed.
 * @returns The path of the program.
 */
export function h5diffPath(): string | null {
  return installedAt(["/usr/bin/h5diff", "/usr/local/bin/h5diff"]);
}

/**
 * The differences of two files, as h5diff finds them (`h5diff -v2`).
 *
 * @param first The first file.
 * @param second The second file.
 * @param ignoreAttributes Attributes whose values may differ, as `path@name` (`/@file_time`).
 * @returns One line per difference, naming the path (and `@attribute`); empty when the files
 *   are the same but for the attributes left out.
 * @throws {Error} Without h5diff, or when it cannot read a file.
 */
export async function h5diffDifferences(
  first: string,
  second: string,
  ignoreAttributes: readonly string[] = ["/@file_time"],
): Promise<string[]> {
  const program = h5diffPath();
  if (program === null) throw new Error("h5diff is not installed (Debian: hdf5-tools)");
  const { code, stdout, stderr } = await new Deno.Command(program, {
    args: ["-v2", first, second],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (code > 1) {
    throw new Error(`h5diff ${first} ${second} failed: ${new TextDecoder().decode(stderr)}`);
  }
  const ignored = new Set(ignoreAttributes);
  const found: string[] = [];
  // The object being compared: "attribute: <NAME of <PATH>>", "dataset: <PATH>", ...
  let object = "";
  let listing = false;
  for (const line of text.split("\n")) {
    if (/^-{10,}$/.test(line)) {
      listing = true;
      continue;
    }
    if (listing) {
      // The table of objects: "x      x    /path" for both, one "x" for one file only.
      const row = /^ {4}(x| ) {6}(x| ) {4}(\S.*?)\s*$/.exec(line);
      if (row !== null && (row[1] === "x" || row[2] === "x")) {
        if (row[1] !== "x" || row[2] !== "x") {
          found.push(`${row[3]}: only in the ${row[1] === "x" ? "first" : "second"} file`);
        }
        continue;
      }
      listing = false;
    }
    const attribute = /^attribute: <(.+) of <(.+)>> and </.exec(line);
    if (attribute !== null) {
      object = `${attribute[2]}@${attribute[1]}`;
      continue;
    }
    const other = /^(?:dataset|group|link|datatype)\s*: <(.+?)> and </.exec(line);
    if (other !== null) {
      object = other[1]!;
      continue;
    }
    const status = /^Attributes status:\s+\d+ common, (\d+) only in obj1, (\d+) only in obj2/.exec(
      line,
    );
    if (status !== null && (status[1] !== "0" || status[2] !== "0")) {
      found.push(`${object}: attributes only in one file (${status[1]} and ${status[2]})`);
      continue;
    }
    const count = /^(\d+) differences? found/.exec(line);
    if (count !== null && count[1] !== "0" && !ignored.has(object)) {
      found.push(`${object}: ${count[1]} difference${count[1] === "1" ? "" : "s"}`);
      continue;
    }
    if (/not comparable/i.test(line)) found.push(`${object}: ${line.trim()}`);
  }
  if (code === 1 && found.length === 0 && !/differences? found/.test(text)) {
    found.push(`h5diff says the files differ: ${text.trim().split("\n").at(-1)}`);
  }
  return found;
}
