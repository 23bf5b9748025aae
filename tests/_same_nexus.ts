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
}

/** Defaults of {@linkcode SameNexusOptions}: the root's `@file_time` is left out. */
export const sameNexusDefaults = {
  ignoreAttributes: ["/@file_time"],
  limit: 50,
} as const satisfies SameNexusOptions;

const COMPARE = String.raw`
import json, sys
import h5py, numpy

ignored = set(json.loads(sys.argv[3]))
limit = int(sys.argv[4])

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

fa, a = describe(sys.argv[1])
fb, b = describe(sys.argv[2])
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
    if x["kind"] == "dataset" and y["kind"] == "dataset" and x["dtype"] == y["dtype"]:
        try:
            vx, vy = values(fa, path), values(fb, path)
            if vx != vy:
                differ(path + ": the values differ")
        except Exception as e:
            differ(path + ": values not read: " + type(e).__name__ + ": " + str(e))
print(json.dumps({"count": len(differences), "differences": differences[:limit]}))
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
  const python = pythonWithH5py();
  if (python === null) throw new Error("No python3 with h5py: the files cannot be compared");
  const ignore = options.ignoreAttributes ?? sameNexusDefaults.ignoreAttributes;
  const limit = options.limit ?? sameNexusDefaults.limit;
  const { code, stdout, stderr } = await new Deno.Command(python, {
    args: ["-c", COMPARE, first, second, JSON.stringify(ignore), String(limit)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (code !== 0) {
    throw new Error(`Comparing "${first}" with "${second}" failed: ${decoder.decode(stderr)}`);
  }
  const { count, differences } = JSON.parse(decoder.decode(stdout)) as {
    count: number;
    differences: string[];
  };
  return count > differences.length
    ? [...differences, `... ${count} differences in all`]
    : differences;
}
