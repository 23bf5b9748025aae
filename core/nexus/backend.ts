/**
 * The HDF5 backend interface. The core depends on it, never on a particular library: the
 * writer writes trees through it, the listing and the asset handlers read files through it,
 * and the simulated area detector appends its frames through it, so another HDF5
 * implementation can take h5wasm's place without anything else changing.
 *
 * The interface is shaped by those callers: write a checked tree in one pass; open a file
 * read-only and walk its groups, links, datasets and attributes; read a dataset whole or a
 * few rows of it (one frame of a stack); create a file holding a growable stack of frames.
 *
 * @module
 */

import type { FrameDtype, FrameFilter } from "./frame_stack.ts";
import type { NexusTree } from "./tree.ts";

/**
 * Versions of the HDF5 library a backend writes with.
 *
 * @example The attributes a file gets from them
 * ```ts
 * import assert from "node:assert/strict";
 * import { H5wasmBackend } from "./h5wasm_backend.ts";
 * const { library, libraryVersion } = await new H5wasmBackend().versions();
 * const attribute = `${library}_version`;
 * assert.equal(attribute, "h5wasm_version");
 * assert.match(libraryVersion, /^\d+\.\d+\.\d+/);
 * ```
 */
export interface BackendVersions {
  /** Name of the backend library, for example `"h5wasm"`. */
  readonly library: string;
  /** Version of the backend library. */
  readonly libraryVersion: string;
  /** Version of the HDF5 C library underneath, for the file's `@HDF5_Version`. */
  readonly hdf5: string;
}

/**
 * The classes of HDF5 types (HDF5's `H5T_class_t`).
 */
export type Hdf5TypeClass =
  | "integer"
  | "float"
  | "time"
  | "string"
  | "bitfield"
  | "opaque"
  | "compound"
  | "reference"
  | "enum"
  | "vlen"
  | "array"
  | "unknown";

/**
 * The type of a dataset or attribute, as much of it as a reader needs to tell numbers, text
 * and the rest apart, and to print them as numpy would.
 */
export interface Hdf5Type {
  /** The class of the type. */
  readonly class: Hdf5TypeClass;
  /** Bytes of one value (for a variable-length string, of its reference). */
  readonly size: number;
  /** Whether an integer (or an enum's base integer) is signed. */
  readonly signed: boolean;
  /** Whether a string is of variable length. */
  readonly vlen: boolean;
  /** Whether a string is UTF-8 (otherwise ASCII). */
  readonly utf8: boolean;
  /** The members of an enum, by name. */
  readonly members?: Readonly<Record<string, number>>;
}

/**
 * One value read from a file: numbers, 64-bit integers and text. Arrays are row-major, as
 * typed arrays for numbers.
 */
export type Hdf5Value = number | bigint | string | ArrayLike<number | bigint | string>;

/**
 * An attribute, read when asked for.
 */
export interface Hdf5Attribute {
  /** The attribute's name. */
  readonly name: string;
  /** Its type. */
  readonly type: Hdf5Type;
  /** Its shape: `[]` for a scalar, `null` for an empty (null) dataspace. */
  readonly shape: readonly number[] | null;
  /**
   * Its value.
   * @returns The value.
   * @throws {Error} Naming the file, the object and the attribute, when the type cannot be
   * read (a compound, a reference, a half-precision float, ...).
   */
  read(): Hdf5Value;
}

/**
 * A member of a group. In HDF5 every member is a link: a hard link to a group, a dataset
 * or a committed datatype (two hard links to one object are the same object, under two
 * names); a soft link to a path of the file; an external link to a path of another file.
 *
 * @example Describe each kind of member
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Hdf5Link } from "./backend.ts";
 * const describe = (link: Hdf5Link) =>
 *   link.link === "hard"
 *     ? `${link.name}: ${link.object}`
 *     : link.link === "soft"
 *     ? `${link.name} -> ${link.target}`
 *     : `${link.name} -> ${link.file}:${link.target}`;
 * const ext: Hdf5Link = { name: "img", path: "/img", link: "external", file: "d.h5", target: "/x" };
 * assert.equal(describe(ext), "img -> d.h5:/x");
 * ```
 */
export type Hdf5Link =
  | {
    /** The member's name in its group. */
    readonly name: string;
    /** The member's absolute path. */
    readonly path: string;
    /** A hard link. */
    readonly link: "hard";
    /** What it links to. */
    readonly object: "group" | "dataset" | "datatype";
  }
  | {
    /** The member's name in its group. */
    readonly name: string;
    /** The member's absolute path. */
    readonly path: string;
    /** A soft link. */
    readonly link: "soft";
    /** The path it points at (which may not exist). */
    readonly target: string;
  }
  | {
    /** The member's name in its group. */
    readonly name: string;
    /** The member's absolute path. */
    readonly path: string;
    /** A link into another file. */
    readonly link: "external";
    /** The other file, as the link names it. */
    readonly file: string;
    /** The path inside the other file. */
    readonly target: string;
  };

/**
 * A group of an open file.
 *
 * @example Walk a file, depth first
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Hdf5File, Hdf5Group } from "./backend.ts";
 * import { H5wasmBackend } from "./h5wasm_backend.ts";
 * import { NexusTree } from "./tree.ts";
 *
 * const tree = new NexusTree();
 * const b = tree.builder("example");
 * b.group("/entry", "NXentry");
 * b.field("/entry/x", [1, 2]);
 * b.link("/x", "/entry/x");
 * const dir = await Deno.makeTempDir();
 * const backend = new H5wasmBackend();
 * await backend.write(tree, `${dir}/a.h5`);
 *
 * const paths = (file: Hdf5File, group: Hdf5Group): string[] =>
 *   group.children().flatMap((child) => {
 *     const node = child.link === "hard" ? file.get(child.path) : undefined;
 *     return [child.path, ...(node?.kind === "group" ? paths(file, node) : [])];
 *   });
 * const file = await backend.open(`${dir}/a.h5`);
 * try {
 *   assert.deepEqual(paths(file, file.get("/") as Hdf5Group), ["/entry", "/entry/x", "/x"]);
 * } finally {
 *   file.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export interface Hdf5Group {
  /** Tells groups from datasets. */
  readonly kind: "group";
  /** Absolute path it was reached by. */
  readonly path: string;
  /** The object's address in the file: the same whatever hard link reaches it. */
  readonly address: string;
  /**
   * Its attributes, in the file's order.
   * @returns The attributes, read when asked for.
   */
  attributes(): Hdf5Attribute[];
  /**
   * Its members, in the file's order.
   * @returns One link per member.
   */
  children(): Hdf5Link[];
}

/**
 * A dataset of an open file.
 *
 * @example One frame of a stack, without reading the others
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Hdf5Dataset } from "./backend.ts";
 * import { H5wasmBackend } from "./h5wasm_backend.ts";
 * import { frameStack } from "./frame_stack.ts";
 * import { NexusTree } from "./tree.ts";
 *
 * const tree = new NexusTree();
 * const frame = (i: number) => new Uint16Array(6).fill(i);
 * tree.builder("example").field("/images", frameStack({ count: 4, frameShape: [2, 3], dtype: "uint16", frame }));
 * const dir = await Deno.makeTempDir();
 * const backend = new H5wasmBackend();
 * await backend.write(tree, `${dir}/a.h5`);
 *
 * const file = await backend.open(`${dir}/a.h5`);
 * try {
 *   const images = file.get("/images") as Hdf5Dataset;
 *   assert.deepEqual(images.shape, [4, 2, 3]);
 *   assert.deepEqual([...images.readRows(2, 3) as Uint16Array], [2, 2, 2, 2, 2, 2]);
 * } finally {
 *   file.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export interface Hdf5Dataset {
  /** Tells datasets from groups. */
  readonly kind: "dataset";
  /** Absolute path it was reached by. */
  readonly path: string;
  /** The object's address in the file: the same whatever hard link reaches it. */
  readonly address: string;
  /** The type of its values. */
  readonly type: Hdf5Type;
  /** Its shape: `[]` for a scalar, `null` for an empty (null) dataspace. */
  readonly shape: readonly number[] | null;
  /**
   * Its attributes, in the file's order.
   * @returns The attributes, read when asked for.
   */
  attributes(): Hdf5Attribute[];
  /**
   * All its values.
   * @returns A scalar, or the values row-major.
   * @throws {Error} Naming the file and the dataset, when it cannot be read.
   */
  read(): Hdf5Value;
  /**
   * Rows `start` to `stop - 1` of the first axis, and nothing else of the dataset: one frame
   * of a stack is `readRows(i, i + 1)`.
   * @param start First row.
   * @param stop Row after the last.
   * @returns The rows' values, row-major.
   * @throws {Error} Naming the file and the dataset, when they cannot be read.
   */
  readRows(start: number, stop: number): Hdf5Value;
}

/**
 * A file open for reading.
 *
 * @example Read a field and its units
 * ```ts
 * import assert from "node:assert/strict";
 * import { H5wasmBackend } from "./h5wasm_backend.ts";
 * import { NexusTree } from "./tree.ts";
 *
 * const tree = new NexusTree();
 * tree.builder("example").field("/x", [0.5, 1.5], { attrs: { units: "mm" } });
 * const dir = await Deno.makeTempDir();
 * const backend = new H5wasmBackend();
 * await backend.write(tree, `${dir}/a.h5`);
 *
 * const file = await backend.open(`${dir}/a.h5`);
 * try {
 *   const x = file.get("/x");
 *   assert.ok(x?.kind === "dataset");
 *   assert.deepEqual([...x.read() as Float64Array], [0.5, 1.5]);
 *   assert.equal(x.attributes().find((a) => a.name === "units")?.read(), "mm");
 *   assert.equal(file.get("/nothing"), undefined);
 * } finally {
 *   file.close();
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export interface Hdf5File {
  /** The file, as it was named to {@linkcode Hdf5Backend.open}. */
  readonly path: string;
  /**
   * The group or dataset at `path`, following links.
   * @param path Absolute path; `"/"` is the root group.
   * @returns The object, or undefined when there is none (or it is a committed datatype,
   * or a link that leads nowhere).
   */
  get(path: string): Hdf5Group | Hdf5Dataset | undefined;
  /** Close the file; what was read from it stays usable, its objects do not. */
  close(): void;
}

/**
 * How a chunked field (a stack of frames, one chunk per frame) is compressed: a gzip level,
 * 1-9, 0 for none,
 * which every HDF5 reader opens; or a {@linkcode FrameFilter} of detectors (`"bslz4"`,
 * `"lz4"`), which readers open with HDF5's filter plugins installed. A backend
 * that cannot apply a filter refuses the tree, naming the field.
 *
 * @example The streams plugin's setting
 * ```ts
 * import type { Compression } from "./backend.ts";
 * const fast: Compression = "bslz4";
 * const portable: Compression = 1;
 * ```
 */
export type Compression = number | FrameFilter;

/**
 * What {@linkcode Hdf5Backend.createFrameFile} makes: one growable dataset of frames, and
 * the groups above it.
 */
export interface FrameFileOptions {
  /** Absolute path of the dataset; the groups above it are made. */
  readonly dataset: string;
  /** Shape of one frame. */
  readonly frameShape: readonly number[];
  /** Type of the pixels. */
  readonly dtype: FrameDtype;
  /** `NX_class` of the groups made, by path (groups not named get none). */
  readonly classes?: Readonly<Record<string, string>>;
}

/**
 * A file being filled with frames, one at a time, as a detector takes them.
 *
 * @example Append two frames, then read the second back
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Hdf5Dataset } from "./backend.ts";
 * import { H5wasmBackend } from "./h5wasm_backend.ts";
 * const dir = await Deno.makeTempDir();
 * const backend = new H5wasmBackend();
 * const frames = await backend.createFrameFile(`${dir}/det.h5`, {
 *   dataset: "/data",
 *   frameShape: [2],
 *   dtype: "int32",
 * });
 * frames.append([1, 2]);
 * frames.append(new Int32Array([3, 4]));
 * assert.equal(frames.count, 2);
 * frames.close();
 * const file = await backend.open(`${dir}/det.h5`);
 * assert.deepEqual([...(file.get("/data") as Hdf5Dataset).readRows(1, 2) as Int32Array], [3, 4]);
 * file.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface FrameFile {
  /** The file. */
  readonly path: string;
  /** Frames appended so far. */
  readonly count: number;
  /**
   * Add a frame at the end of the stack, visible to readers of the file when this returns.
   * @param frame The pixels, row-major; converted to the stack's type.
   * @throws {RangeError} When the frame does not have the size of the frame shape.
   * @throws {Error} Naming the file and the dataset, when the library cannot write it.
   */
  append(frame: ArrayLike<number>): void;
  /** Close the file. */
  close(): void;
}

/**
 * An HDF5 implementation: it writes trees, reads files, and fills detectors' frame files.
 * {@linkcode H5wasmBackend} is the default; a caller that needs only part of it asks for
 * that part (`Pick<Hdf5Backend, "open">`), so a test can give a small fake.
 *
 * @example A fake that records what it is asked to write
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Hdf5Backend } from "./backend.ts";
 * import { NexusTree } from "./tree.ts";
 * const written: string[] = [];
 * const backend: Pick<Hdf5Backend, "versions" | "write"> = {
 *   versions: () => Promise.resolve({ library: "none", libraryVersion: "0", hdf5: "0" }),
 *   write: (_tree, path) => Promise.resolve(void written.push(path)),
 * };
 * await backend.write(new NexusTree(), "a.h5");
 * assert.deepEqual(written, ["a.h5"]);
 * ```
 */
export interface Hdf5Backend {
  /**
   * The library versions, for the file's root attributes.
   * @returns The versions.
   */
  versions(): Promise<BackendVersions>;
  /**
   * Write `tree` to a new file at `path` (which must not exist), in one pass: groups and
   * fields with their attributes first, then hard and external links. A backend only
   * converts: the tree has passed `checkTree()` (`./check.ts`), which it does not repeat; it
   * throws for what only the library can find out (a call that fails, a frame of the wrong
   * size produced while writing), naming the path and the plugin.
   * @param tree The tree, already checked.
   * @param path Where to write.
   */
  write(tree: NexusTree, path: string): Promise<void>;
  /**
   * Open a file read-only.
   * @param path The file.
   * @returns The open file; close it when done.
   * @throws {Deno.errors.NotFound} Naming the file, when it does not exist.
   * @throws {Error} Naming the file, when it is not a file or not HDF5.
   */
  open(path: string): Promise<Hdf5File>;
  /**
   * Create a new file (which must not exist) holding an empty, growable stack of frames.
   * @param path The file.
   * @param options The dataset, its frames and the groups above it.
   * @returns The file, to append frames to and close.
   */
  createFrameFile(path: string, options: FrameFileOptions): Promise<FrameFile>;
}
