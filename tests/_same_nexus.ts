/**
 * Test and bench helper: whether two NeXus (HDF5) files are the same, as h5py reads them. The
 * tree is compared (every path, its kind, NX class, attributes with their values, dtypes and
 * shapes, datasets' dtypes, shapes, chunks and filters, and the targets of soft and external
 * links), then the data (every dataset's values, bit for bit, so that NaN equals NaN and -0
 * differs from 0).
 *
 * Left out: what holds the time the file was written, which no two writes share. That is the
 * root's `@file_time` (the writer's clock when it builds the tree; see build_tree.ts). Nothing
 * else in a file comes from the time of writing: every other time in it comes from the
 * documents.
 *
 * @module
 */

import { pythonWithH5py } from "./_interop.ts";

/** Options of {@linkcode nexusDifferences}. */
export interface SameNexusOptions {
  /**
   * Attributes to leave out, as `path@name` (`/@file_time`); default
   * {@linkcode sameNexusDefaults}`.ignoreAttributes`.
   */
  ignoreAttributes?: readonly string[];
  /** How many differences to list at most (the count says how many there were). */
  limit?: number;
  /**
   * Compare only what h5diff does not: each object's presence and kind, datasets' dtypes,
   * shapes, chunks and filters, and links' targets; no attributes and no values. For a test
   * that has h5diff compare the same pair, at a fraction of the full comparison's cost.
   */
  storageOnly?: boolean;
}

/** Defaults of {@linkcode SameNexusOptions}: the root's `@file_time` is left out. */
export const sameNexusDefaults = {
  ignoreAttributes: ["/@file_time"],
  limit: 50,
} as const satisfies SameNexusOptions;

const COMPARE = String.raw`
import json, sys
import h5py, numpy

# On stdin, a first line {"ignored": [...], "limit": N}, then one pair [first, second] per line;
# on stdout, one line per pair as it is compared: {"count", "differences"}, or {"error"}.
job = json.loads(sys.stdin.readline())
ignored = set(job["ignored"])
limit = int(job["limit"])
storage_only = bool(job["storage_only"])

def plain(value):
    """A value as JSON can hold it, exactly: numbers as their bytes' hex where they are arrays."""
    if isinstance(value, bytes):
        return "b:" + value.decode("utf-8", "backslashreplace")
    if isinstance(value, str):
        return "s:" + value
    if isinstance(value, numpy.ndarray):
        if value.dtype.kind in "OSUV":
            return [plain(v) for v in value.ravel().tolist()] + ["shape", list(value.shape)]
        return {"dtype": value.dtype.str, "shape": list(value.shape), "hex": value.tobytes().hex()}
    if isinstance(value, numpy.generic):
        return {"dtype": value.dtype.str, "hex": value.tobytes().hex()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return repr(value)

def attributes(obj, path):
    out = {}
    if storage_only:
        return out
    for name in obj.attrs:
        if path + "@" + name in ignored:
            continue
        try:
            aid = obj.attrs.get_id(name)
            dtype, shape = str(aid.dtype), list(aid.shape or [])
        except Exception as e:
            dtype, shape = "?", []
        try:
            value = plain(obj.attrs[name])
        except Exception as e:
            value = "unreadable: " + type(e).__name__
        out[name] = {"dtype": dtype, "shape": shape, "value": value}
    return out

def describe(path):
    """Every node of a file: path -> what it is, without the data of datasets."""
    nodes = {}
    f = h5py.File(path, "r")
    def walk(group, at):
        nodes[at or "/"] = {"kind": "group", "attrs": attributes(group, at or "/")}
        for name in group:
            child = (at or "") + "/" + name
            link = group.get(name, getlink=True)
            if isinstance(link, h5py.SoftLink):
                nodes[child] = {"kind": "soft link", "target": link.path}
                continue
            if isinstance(link, h5py.ExternalLink):
                nodes[child] = {"kind": "external link", "file": link.filename, "target": link.path}
                continue
            obj = group.get(name)
            if isinstance(obj, h5py.Group):
                walk(obj, child)
            elif isinstance(obj, h5py.Dataset):
                filters = sorted(obj._filters.keys()) if hasattr(obj, "_filters") else []
                nodes[child] = {
                    "kind": "dataset",
                    "dtype": str(obj.dtype),
                    "shape": list(obj.shape) if obj.shape is not None else None,
                    "chunks": list(obj.chunks) if obj.chunks else None,
                    "filters": filters,
                    "attrs": attributes(obj, child),
                }
            else:
                nodes[child] = {"kind": type(obj).__name__}
    walk(f, "")
    return f, nodes

def values(f, path):
    ds = f[path]
    if ds.shape is None:
        return "empty"
    return plain(numpy.asarray(ds[()]))

def compare(first, second):
    fa, a = describe(first)
    try:
        fb, b = describe(second)
    except BaseException:
        fa.close()
        raise
    try:
        return differences_of(fa, a, fb, b)
    finally:
        fa.close()
        fb.close()

def differences_of(fa, a, fb, b):
    differences = []
    def differ(text):
        differences.append(text)
    for path in sorted(set(a) | set(b)):
        if path not in b:
            differ(path + ": only in the first file (" + a[path]["kind"] + ")")
            continue
        if path not in a:
            differ(path + ": only in the second file (" + b[path]["kind"] + ")")
            continue
        x, y = a[path], b[path]
        for key in sorted(set(x) | set(y)):
            if key == "attrs":
                ax, ay = x.get("attrs", {}), y.get("attrs", {})
                for name in sorted(set(ax) | set(ay)):
                    if ax.get(name) != ay.get(name):
                        differ(path + "@" + name + ": " + json.dumps(ax.get(name))[:200] + " != " +
                               json.dumps(ay.get(name))[:200])
            elif x.get(key) != y.get(key):
                differ(path + ": " + key + " " + json.dumps(x.get(key)) + " != " + json.dumps(y.get(key)))
        if storage_only:
            continue
        if x["kind"] == "dataset" and y["kind"] == "dataset" and x["dtype"] == y["dtype"]:
            try:
                vx, vy = values(fa, path), values(fb, path)
                if vx != vy:
                    differ(path + ": the values differ")
            except Exception as e:
                differ(path + ": values not read: " + type(e).__name__ + ": " + str(e))
    return differences

for line in iter(sys.stdin.readline, ""):
    first, second = json.loads(line)
    try:
        found = compare(first, second)
        print(json.dumps({"count": len(found), "differences": found[:limit]}), flush=True)
    except Exception as e:
        print(json.dumps({"error": type(e).__name__ + ": " + str(e)}), flush=True)
`;

/**
 * The differences between two NeXus files, in tree and data, as h5py sees them.
 *
 * @param first The first file.
 * @param second The second file.
 * @param options The attributes to leave out (by default the root's `@file_time`), and how many
 *   differences to list.
 * @returns One line per difference, naming the path (and `@attribute`); empty when the files
 *   are the same. Past `limit` differences, a last line gives the count.
 * @throws {Error} Without a python3 that has h5py, or when h5py cannot open a file.
 */
export async function nexusDifferences(
  first: string,
  second: string,
  options: SameNexusOptions = {},
): Promise<string[]> {
  const comparer = openNexusComparer(options);
  try {
    return await comparer.differences(first, second);
  } finally {
    await comparer.close();
  }
}

/** A Python process that compares pairs of files, one after the other, as they are given. */
export interface NexusComparer {
  /**
   * The differences of two files, as {@linkcode nexusDifferences} finds them.
   * @param first The first file.
   * @param second The second file.
   * @returns One line per difference; empty when the files are the same.
   * @throws {Error} When h5py cannot open a file, or the process ended.
   */
  differences(first: string, second: string): Promise<string[]>;
  /** End the process, once the pairs given are compared. */
  close(): Promise<void>;
}

/**
 * Start a comparer: one Python process for as many pairs as wanted, so that a thousand pairs
 * cost their reading, not a thousand starts of Python and h5py, and pairs can be compared while
 * the files of others are still being written.
 *
 * @param options As {@linkcode nexusDifferences}'s.
 * @returns The comparer; close it.
 * @throws {Error} Without a python3 that has h5py.
 */
export function openNexusComparer(options: SameNexusOptions = {}): NexusComparer {
  const python = pythonWithH5py();
  if (python === null) throw new Error("No python3 with h5py: the files cannot be compared");
  const limit = options.limit ?? sameNexusDefaults.limit;
  const child = new Deno.Command(python, {
    args: ["-c", COMPARE],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const encoder = new TextEncoder();
  const input = child.stdin.getWriter();
  const header = {
    ignored: options.ignoreAttributes ?? sameNexusDefaults.ignoreAttributes,
    limit,
    storage_only: options.storageOnly ?? false,
  };
  let writing = input.write(encoder.encode(JSON.stringify(header) + "\n"));
  const waiting: { pair: string; resolve: (line: string) => void; fail: (e: Error) => void }[] = [];
  const errors = new Response(child.stderr).text();
  const reading = (async () => {
    let buffer = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
        waiting.shift()?.resolve(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
      }
    }
    const { code } = await child.status;
    const why = `Python exited with ${code}: ${await errors}`;
    for (const left of waiting.splice(0)) {
      left.fail(new Error(`Comparing ${left.pair} failed: ${why}`));
    }
  })();
  return {
    async differences(first, second) {
      const pair = `"${first}" with "${second}"`;
      const line = new Promise<string>((resolve, fail) => waiting.push({ pair, resolve, fail }));
      writing = writing.then(() =>
        input.write(encoder.encode(JSON.stringify([first, second]) + "\n"))
      );
      await writing;
      const reply = JSON.parse(await line) as { count: number; differences: string[] } | {
        error: string;
      };
      if ("error" in reply) throw new Error(`Comparing ${pair} failed: ${reply.error}`);
      const { count, differences } = reply;
      return count > differences.length
        ? [...differences, `... ${count} differences in all`]
        : differences;
    },
    async close() {
      await writing.catch(() => undefined);
      await input.close().catch(() => undefined);
      await reading;
    },
  };
}
