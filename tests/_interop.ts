/**
 * Independent readers of HDF5 files, as test oracles: h5py (the Python library NeXus tools are
 * built on) and `h5dump` (the HDF5 Group's own tool). Files the project writes are read back
 * with them, and checked against the NeXus promises the writer makes.
 *
 * The tools may be absent from a user's machine. Then tests that need them are skipped with a
 * printed reason, except under CI (`CI=true`), where they must be installed and their absence
 * fails the tests.
 *
 * @module
 */

import { isCi } from "./_ci.ts";
import { parseJson } from "../core/readers/_parse_json.ts";
import { runH5pyScript } from "./_h5py_service.ts";
import { AssertionError } from "node:assert";

/** An attribute as h5py reads it. */
export interface H5pyAttribute {
  /** The value: text decoded, numbers as JSON numbers, arrays as (nested) lists. */
  value: unknown;
  /** numpy's name of the type (`float64`, `int64`, `uint8`, `bool`) or `"string"`. */
  dtype: string;
  /** For strings: `"utf-8"` or `"ascii"`, and the fixed length (null when variable). */
  string?: { encoding: string; length: number | null };
  /** Shape; `[]` for a scalar, null for an empty (null) dataspace. */
  shape: number[] | null;
}

/** One path of the file as h5py sees it. */
export interface H5pyObject {
  /** Absolute path. */
  path: string;
  /** What the link at this path is, or leads to for hard links. */
  kind: "group" | "dataset" | "softlink" | "externallink" | "datatype";
  /** Address of the object in the file: equal for two paths hard-linked to one object. */
  addr?: string;
  /** For a group met before through another path: that first path (it is not walked again). */
  aliasOf?: string;
  /** Attributes by name. */
  attrs: Record<string, H5pyAttribute>;
  /** For datasets: numpy's name of the type, or `"string"`. */
  dtype?: string;
  /** For string datasets: encoding and fixed length (null when variable). */
  string?: { encoding: string; length: number | null };
  /** For datasets: the shape, `[]` for a scalar. */
  shape?: number[] | null;
  /** For datasets: the largest shape (null items are unlimited). */
  maxshape?: (number | null)[] | null;
  /** For chunked datasets: the chunk shape. */
  chunks?: number[] | null;
  /** For filtered datasets: the filter, for example `"gzip"`. */
  compression?: string | null;
  /** For filtered datasets: the filter's setting, for example the gzip level. */
  compressionOpts?: unknown;
  /** The value, for datasets of at most 1000 values. Non-finite floats are `"nan"`, `"inf"`. */
  value?: unknown;
  /** For soft and external links: where they point. */
  target?: string;
  /** For external links: the other file. */
  file?: string;
  /** For soft and external links: whether h5py can open what they point at. */
  resolves?: boolean;
}

/** What h5py read from a file. */
export interface H5Summary {
  /** Version of h5py. */
  h5py: string;
  /** Version of the HDF5 library h5py uses. */
  hdf5: string;
  /** Every path, from the root `"/"` down. */
  objects: Record<string, H5pyObject>;
}

const PYTHON_SCRIPT = String.raw`
import json, math, sys
import h5py, numpy

def plain(v):
    if isinstance(v, h5py.Empty):
        return None
    if isinstance(v, numpy.ndarray):
        return [plain(x) for x in v]
    if isinstance(v, (bytes, numpy.bytes_)):
        return bytes(v).decode("utf-8", "replace")
    if isinstance(v, (bool, numpy.bool_)):
        return bool(v)
    if isinstance(v, (int, numpy.integer)):
        i = int(v)
        return i if abs(i) <= 2**53 else str(i)
    if isinstance(v, (float, numpy.floating)):
        f = float(v)
        return f if math.isfinite(f) else repr(f)
    if isinstance(v, str):
        return v
    return repr(v)

def dtype_of(dt, out):
    s = h5py.check_string_dtype(dt)
    if s is not None:
        out["dtype"] = "string"
        out["string"] = {"encoding": s.encoding, "length": s.length}
    else:
        out["dtype"] = str(dt)

def attrs_of(obj):
    out = {}
    for name in sorted(obj.attrs):
        aid = obj.attrs.get_id(name)
        a = {"value": plain(obj.attrs[name]), "shape": None if aid.shape is None else list(aid.shape)}
        dtype_of(aid.dtype, a)
        out[name] = a
    return out

def addr_of(obj):
    info = h5py.h5o.get_info(obj.id)
    a = getattr(info, "addr", None)
    return str(a) if a is not None else str(hash(obj.id))

objects = {}
seen = {}

def walk(group, path):
    for name in sorted(group.keys()):
        child = path.rstrip("/") + "/" + name
        link = group.get(name, getlink=True)
        entry = {"path": child, "attrs": {}}
        objects[child] = entry
        if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
            entry["kind"] = "softlink" if isinstance(link, h5py.SoftLink) else "externallink"
            entry["target"] = link.path
            if isinstance(link, h5py.ExternalLink):
                entry["file"] = link.filename
            try:
                entry["resolves"] = group[name] is not None
            except Exception:
                entry["resolves"] = False
            continue
        obj = group[name]
        entry["addr"] = addr_of(obj)
        entry["attrs"] = attrs_of(obj)
        if isinstance(obj, h5py.Group):
            entry["kind"] = "group"
            if entry["addr"] in seen:
                entry["aliasOf"] = seen[entry["addr"]]
            else:
                seen[entry["addr"]] = child
                walk(obj, child)
        elif isinstance(obj, h5py.Dataset):
            entry["kind"] = "dataset"
            dtype_of(obj.dtype, entry)
            entry["shape"] = None if obj.shape is None else list(obj.shape)
            entry["maxshape"] = None if obj.maxshape is None else list(obj.maxshape)
            entry["chunks"] = None if obj.chunks is None else list(obj.chunks)
            entry["compression"] = obj.compression
            entry["compressionOpts"] = plain(obj.compression_opts)
            if obj.shape is not None and obj.size <= 1000:
                entry["value"] = plain(obj[()])
        else:
            entry["kind"] = "datatype"

with h5py.File(sys.argv[1], "r") as f:
    root = {"path": "/", "kind": "group", "addr": addr_of(f), "attrs": attrs_of(f)}
    objects["/"] = root
    seen[root["addr"]] = "/"
    walk(f, "/")
print(json.dumps({"h5py": h5py.version.version, "hdf5": h5py.version.hdf5_version, "objects": objects}, allow_nan=False))
`;

function runs(command: string, args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

let python: string | null | undefined;

/**
 * Python finds h5py without importing it (and numpy), which would cost a tenth of this: the
 * scripts that read files then report a broken installation.
 */
const HAS_H5PY = "import importlib.util, sys; sys.exit(importlib.util.find_spec('h5py') is None)";

/** Debian's python3 (with python3-h5py) first, then whichever `python3` is on the PATH. */
function findPython(): string | null {
  if (python === undefined) {
    python = ["/usr/bin/python3", "python3"].find((exe) => runs(exe, ["-c", HAS_H5PY])) ?? null;
  }
  return python;
}

let h5dump: boolean | undefined;

/**
 * The Python that has h5py: Debian's `/usr/bin/python3` (with python3-h5py) first, then
 * whichever `python3` is on the PATH.
 *
 * @returns The executable, or null when no Python here can import h5py.
 */
export function pythonWithH5py(): string | null {
  return findPython();
}

/**
 * Tells whether Python with h5py is there to read files with.
 *
 * @returns `true` when `/usr/bin/python3` or `python3` can import h5py.
 */
export function h5pyAvailable(): boolean {
  return findPython() !== null;
}

/**
 * Tells whether the `h5dump` tool is there.
 *
 * @returns `true` when `h5dump --version` runs.
 */
export function h5dumpAvailable(): boolean {
  h5dump ??= runs("h5dump", ["--version"]);
  return h5dump;
}

const reported = new Set<string>();

function ignoreWithout(tool: string, available: boolean): boolean {
  if (available || isCi()) return false;
  if (!reported.has(tool)) {
    console.log(`${tool} not found: skipping the tests that need it (with CI=true they fail)`);
    reported.add(tool);
  }
  return true;
}

/**
 * Whether a test that needs h5py should be ignored, for `Deno.test`'s `ignore` option.
 * Without h5py it prints why (once) and returns `true`; under CI it returns `false`, so that the
 * test runs and fails on the missing tool.
 *
 * @returns `true` when the test should be skipped, as in
 * `Deno.test({ name, ignore: ignoreWithoutH5py(), fn })`.
 */
export function ignoreWithoutH5py(): boolean {
  return ignoreWithout("Python with h5py", h5pyAvailable());
}

/**
 * Whether a test that needs `h5dump` should be ignored; see {@linkcode ignoreWithoutH5py}.
 *
 * @returns `true` when the test should be skipped.
 */
export function ignoreWithoutH5dump(): boolean {
  return ignoreWithout("h5dump", h5dumpAvailable());
}

function missing(tool: string): Error {
  return new Error(`${tool} is not available${isCi() ? " (CI=true: it must be installed)" : ""}`);
}

/**
 * Reads a file with h5py: every path with its kind, object address, attributes, type, shape
 * and (for small datasets) value, and where links point and whether they resolve.
 *
 * @param path The file.
 * @returns What h5py saw.
 * @throws {Error} When h5py is not available, or cannot read the file (with Python's error).
 *
 * @example The root of a file
 * ```ts
 * import assert from "node:assert/strict";
 * import { h5pyAvailable, readWithH5py } from "./_interop.ts";
 * import { H5wasmBackend } from "../core/nexus/h5wasm_backend.ts";
 * import { NexusTree } from "../core/nexus/tree.ts";
 * if (h5pyAvailable()) {
 *   const tree = new NexusTree();
 *   tree.builder("example").attr("/", "creator", "example");
 *   const dir = await Deno.makeTempDir();
 *   await new H5wasmBackend().write(tree, `${dir}/a.h5`);
 *   const summary = await readWithH5py(`${dir}/a.h5`);
 *   assert.equal(summary.objects["/"]?.attrs["creator"]?.value, "example");
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function readWithH5py(path: string): Promise<H5Summary> {
  const exe = findPython();
  if (exe === null) throw missing("Python with h5py");
  const { success, stdout, stderr } = await runH5pyScript(exe, PYTHON_SCRIPT, [path]);
  if (!success) {
    const lines = stderr.trim().split("\n");
    throw new Error(`h5py cannot read "${path}": ${lines.at(-1)}`);
  }
  return JSON.parse(stdout) as H5Summary;
}

/**
 * Whether `h5dump -H` (the header: every object and attribute, without data) parses the file.
 *
 * @param path The file.
 * @returns `true` when h5dump succeeds without reporting an error.
 * @throws {Error} When h5dump is not available.
 *
 * @example A text file is not HDF5
 * ```ts
 * import assert from "node:assert/strict";
 * import { h5dumpAvailable, h5dumpOk } from "./_interop.ts";
 * if (h5dumpAvailable()) {
 *   const path = await Deno.makeTempFile();
 *   await Deno.writeTextFile(path, "not HDF5");
 *   assert.equal(await h5dumpOk(path), false);
 *   await Deno.remove(path);
 * }
 * ```
 */
export async function h5dumpOk(path: string): Promise<boolean> {
  if (!h5dumpAvailable()) throw missing("h5dump");
  const { success, stderr } = await new Deno.Command("h5dump", {
    args: ["-H", path],
    stdout: "null",
    stderr: "piped",
  }).output();
  return success && !/error/i.test(new TextDecoder().decode(stderr));
}

/**
 * The object at `path`, following hard-linked groups (listed once) and soft links.
 *
 * @param summary What h5py read.
 * @param path An absolute path.
 * @returns The object, or undefined when nothing is there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type H5Summary, resolvePath } from "./_interop.ts";
 * const summary: H5Summary = { h5py: "", hdf5: "", objects: {
 *   "/": { path: "/", kind: "group", attrs: {} },
 *   "/a": { path: "/a", kind: "group", addr: "1", attrs: {} },
 *   "/a/x": { path: "/a/x", kind: "dataset", addr: "2", attrs: {} },
 *   "/b": { path: "/b", kind: "group", addr: "1", aliasOf: "/a", attrs: {} },
 * } };
 * assert.equal(resolvePath(summary, "/b/x")?.path, "/a/x");
 * ```
 */
export function resolvePath(summary: H5Summary, path: string): H5pyObject | undefined {
  return resolve(summary, path, 0);
}

function resolve(summary: H5Summary, path: string, depth: number): H5pyObject | undefined {
  if (depth > 16) return undefined;
  let current = summary.objects["/"];
  for (const segment of path.split("/").filter((s) => s !== "")) {
    if (current === undefined || current.kind !== "group") return undefined;
    const prefix = current.path === "/" ? "" : current.path;
    let next: H5pyObject | undefined = summary.objects[`${prefix}/${segment}`];
    if (next?.aliasOf !== undefined) next = summary.objects[next.aliasOf];
    if (next?.kind === "softlink") next = resolve(summary, next.target!, depth + 1);
    current = next;
  }
  return current;
}

/** Options of {@linkcode nexusProblems} and {@linkcode checkNexusFile}. */
export interface NexusCheckOptions {
  /** External links must open (their files must be there). */
  externalLinksResolve?: boolean;
}

/** Defaults of {@linkcode NexusCheckOptions}: external links must resolve. */
export const nexusCheckDefaults = {
  externalLinksResolve: true,
} satisfies Required<NexusCheckOptions>;

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function names(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  return undefined;
}

function join(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/**
 * The NeXus promises a file breaks: every group has `NX_class`; every `@target` names the
 * object it is on; links resolve; the `@default` chain from the root reaches an NXdata (or
 * an NXentry with no NXdata in it: nothing to plot) whose
 * `@signal` is a field; every NXdata's `@signal` and `@axes` name its fields (or `"."`); every
 * `AXISNAME_indices` names an axis field and dimensions of the signal.
 *
 * @param summary What h5py read.
 * @param options What else to require.
 * @returns One sentence per problem, each naming its path; empty when there are none.
 *
 * @example A group without its class
 * ```ts
 * import assert from "node:assert/strict";
 * import { nexusProblems } from "./_interop.ts";
 * const problems = nexusProblems({ h5py: "", hdf5: "", objects: {
 *   "/": { path: "/", kind: "group", attrs: {} },
 *   "/entry": { path: "/entry", kind: "group", addr: "1", attrs: {} },
 * } });
 * assert.ok(problems.includes('"/entry": group has no @NX_class'));
 * ```
 */
export function nexusProblems(summary: H5Summary, options: NexusCheckOptions = {}): string[] {
  const { externalLinksResolve } = { ...nexusCheckDefaults, ...options };
  const problems: string[] = [];
  const objects = Object.values(summary.objects);
  for (const object of objects) {
    const at = `"${object.path}"`;
    if (object.kind === "group" && object.path !== "/" && !text(object.attrs["NX_class"]?.value)) {
      problems.push(`${at}: group has no @NX_class`);
    }
    if (object.kind === "softlink" && !object.resolves) {
      problems.push(`${at}: soft link to "${object.target}" does not resolve`);
    }
    if (object.kind === "externallink" && externalLinksResolve && !object.resolves) {
      problems.push(`${at}: external link to "${object.file}:${object.target}" does not resolve`);
    }
    const target = object.attrs["target"]?.value;
    if (target !== undefined) {
      const found = typeof target === "string" ? resolvePath(summary, target) : undefined;
      if (found === undefined) {
        problems.push(`${at}: @target ${JSON.stringify(target)} does not exist`);
      } else if (found.addr !== object.addr) {
        problems.push(`${at}: @target "${target}" is another object`);
      }
    }
  }
  problems.push(...defaultChainProblems(summary));
  for (const object of objects) {
    if (
      object.kind === "group" && !object.aliasOf && object.attrs["NX_class"]?.value === "NXdata"
    ) {
      problems.push(...nxdataProblems(summary, object));
    }
  }
  return problems;
}

function defaultChainProblems(summary: H5Summary): string[] {
  let group = summary.objects["/"]!;
  for (let depth = 0; depth < 16; depth++) {
    if (group.attrs["NX_class"]?.value === "NXdata") return [];
    const name = text(group.attrs["default"]?.value);
    // An entry with nothing to plot (no NXdata in it) ends the chain without a plot.
    if (
      name === undefined && group.attrs["NX_class"]?.value === "NXentry" &&
      !hasNxdata(summary, group)
    ) {
      return [];
    }
    if (name === undefined) return [`"${group.path}": no @default on the way to the default plot`];
    const next = resolvePath(summary, join(group.path, name));
    if (next?.kind !== "group") {
      return [`"${group.path}": @default "${name}" is not a group`];
    }
    group = next;
  }
  return [`"${group.path}": the @default chain is too long`];
}

function hasNxdata(summary: H5Summary, entry: H5pyObject): boolean {
  return Object.values(summary.objects).some((object) =>
    object.path.startsWith(`${entry.path}/`) && object.attrs["NX_class"]?.value === "NXdata" &&
    !object.aliasOf && !object.path.startsWith(`${entry.path}/instrument/`)
  );
}

function nxdataProblems(summary: H5Summary, group: H5pyObject): string[] {
  const problems: string[] = [];
  const at = `"${group.path}"`;
  const field = (name: string) => {
    const found = resolvePath(summary, join(group.path, name));
    // An external link to a dataset (an image stack in a detector's file) is a field too.
    const linked = found?.kind === "externallink" && found.resolves === true;
    return found?.kind === "dataset" || linked ? found : undefined;
  };
  const signalName = group.attrs["signal"]?.value;
  let rank: number | undefined;
  if (signalName !== undefined) {
    const signal = typeof signalName === "string" ? field(signalName) : undefined;
    if (signal === undefined) {
      problems.push(`${at}: @signal ${JSON.stringify(signalName)} is not a field of the group`);
    } else {
      rank = signal.shape?.length;
    }
  } else if (isDefault(summary, group)) {
    problems.push(`${at}: the default NXdata has no @signal`);
  }
  const axes = group.attrs["axes"]?.value;
  if (axes !== undefined) {
    const list = names(axes);
    if (list === undefined) problems.push(`${at}: @axes is not text`);
    for (const axis of list ?? []) {
      if (axis !== "." && field(axis) === undefined) {
        problems.push(`${at}: @axes names "${axis}", which is not a field of the group`);
      }
    }
  }
  for (const [name, { value }] of Object.entries(group.attrs)) {
    if (!name.endsWith("_indices")) continue;
    const axis = name.slice(0, -"_indices".length);
    if (field(axis) === undefined) {
      problems.push(`${at}: @${name} is for a missing field "${axis}"`);
    }
    const indices = Array.isArray(value) ? value : [value];
    for (const index of indices) {
      const valid = Number.isInteger(index) && (index as number) >= 0 &&
        (rank === undefined || (index as number) < rank);
      if (!valid) {
        problems.push(
          `${at}: @${name} = ${JSON.stringify(value)} is not a dimension of the signal` +
            (rank === undefined ? "" : ` (rank ${rank})`),
        );
      }
    }
  }
  return problems;
}

function isDefault(summary: H5Summary, group: H5pyObject): boolean {
  let current = summary.objects["/"];
  for (let depth = 0; depth < 16 && current !== undefined; depth++) {
    if (current.addr !== undefined && current.addr === group.addr) return true;
    const name = text(current.attrs["default"]?.value);
    if (name === undefined) return false;
    current = resolvePath(summary, join(current.path, name));
  }
  return false;
}

/**
 * Reads a file with h5py and asserts the NeXus promises of {@linkcode nexusProblems}.
 *
 * @param path The file.
 * @param options What else to require.
 * @returns What h5py read, for further checks.
 * @throws {AssertionError} Listing every problem found.
 *
 * @example
 * ```ts
 * import { checkNexusFile, h5pyAvailable } from "./_interop.ts";
 * import { H5wasmBackend } from "../core/nexus/h5wasm_backend.ts";
 * import { NexusTree } from "../core/nexus/tree.ts";
 * if (h5pyAvailable()) {
 *   const tree = new NexusTree();
 *   const b = tree.builder("example");
 *   b.attr("/", "default", "entry");
 *   b.group("/entry", "NXentry", { default: "data" });
 *   b.group("/entry/data", "NXdata", { signal: "y", axes: ["x"], x_indices: 0 });
 *   b.field("/entry/data/x", [1, 2, 3]);
 *   b.field("/entry/data/y", [4, 5, 6]);
 *   const dir = await Deno.makeTempDir();
 *   await new H5wasmBackend().write(tree, `${dir}/a.h5`);
 *   await checkNexusFile(`${dir}/a.h5`);
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function checkNexusFile(
  path: string,
  options: NexusCheckOptions = {},
): Promise<H5Summary> {
  const summary = await readWithH5py(path);
  const problems = nexusProblems(summary, options);
  if (problems.length > 0) {
    throw new AssertionError({
      message: `"${path}" breaks NeXus promises:\n  ${problems.join("\n  ")}`,
    });
  }
  return summary;
}

/** Root attributes that differ between two writes of one run: where and when it was written. */
const WRITE_ATTRIBUTES = ["file_name", "file_time"];

/**
 * A file's tree and data as h5py read it, without what differs between two writes of the
 * same run (object addresses, the root's `file_name` and `file_time`): two files of one run
 * give deep-equal results.
 *
 * @param summary What {@linkcode readWithH5py} returned.
 * @returns The objects by path, comparable with `assert.deepEqual`.
 */
export function comparableTree(summary: H5Summary): Record<string, H5pyObject> {
  const out: Record<string, H5pyObject> = {};
  for (const [path, object] of Object.entries(summary.objects)) {
    const { addr: _addr, ...rest } = object;
    if (path === "/") {
      rest.attrs = Object.fromEntries(
        Object.entries(rest.attrs).filter(([name]) => !WRITE_ATTRIBUTES.includes(name)),
      );
    }
    out[path] = rest;
  }
  return out;
}

const VALUES_SCRIPT = String.raw`
import json, sys, h5py
out = {}
with h5py.File(sys.argv[1], "r") as f:
    for path in sys.argv[2:]:
        obj = f.get(path)
        value = None if obj is None else obj[()]
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        out[path] = value.tolist() if hasattr(value, "tolist") else value
print(json.dumps(out))
`;

/**
 * Values of datasets as h5py reads them, following soft and external links (`null` for a
 * path that is not there), for data too large for {@linkcode readWithH5py}'s summary.
 *
 * @param file The HDF5 file.
 * @param paths Paths of datasets.
 * @returns The values by path, as nested lists.
 */
export async function h5pyValues(file: string, paths: string[]): Promise<Record<string, unknown>> {
  const exe = findPython();
  if (exe === null) throw missing("Python with h5py");
  const { success, stdout, stderr } = await runH5pyScript(exe, VALUES_SCRIPT, [file, ...paths]);
  if (!success) throw new Error(`h5py cannot read "${file}": ${stderr.trim()}`);
  // Python writes NaN and infinities as bare tokens.
  return parseJson(stdout) as Record<string, unknown>;
}
