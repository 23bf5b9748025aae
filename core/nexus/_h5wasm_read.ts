/**
 * Reading HDF5 files with h5wasm, behind the {@linkcode Hdf5File} interface.
 *
 * @module
 */

import type {
  Hdf5Attribute,
  Hdf5Dataset,
  Hdf5File,
  Hdf5Group,
  Hdf5Link,
  Hdf5Type,
  Hdf5TypeClass,
  Hdf5Value,
} from "./backend.ts";
import { filterPluginsNow, type H5File, type H5wasm, type H5wasmApi } from "./_h5wasm.ts";
import { openToRead } from "./_open_file.ts";

type Metadata = InstanceType<H5wasmApi["Dataset"]>["metadata"];
type Module = H5wasmApi["Module"];

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5's `H5T_class_t`, in its order. */
const CLASSES: readonly Hdf5TypeClass[] = [
  "integer",
  "float",
  "time",
  "string",
  "bitfield",
  "opaque",
  "compound",
  "reference",
  "enum",
  "vlen",
  "array",
];

/** Classes whose values h5wasm reads as numbers or text. */
const READABLE = new Set<Hdf5TypeClass>(["integer", "float", "enum", "string"]);

/**
 * Open `path` read-only.
 * @param h5 The library.
 * @param path The file.
 * @returns The open file.
 * @throws {Deno.errors.NotFound} Naming the file, when it does not exist.
 * @throws {Error} Naming the file, when it is not a file, not HDF5, or HDF5 cannot open it.
 */
export async function openFile(h5: H5wasm, path: string): Promise<Hdf5File> {
  await assertHdf5(path);
  h5.takeDiagnostics();
  let handle: H5File;
  try {
    handle = new h5.api.File(path, "r");
  } catch (cause) {
    h5.takeDiagnostics();
    throw new Error(`Cannot open "${path}" as HDF5: ${(cause as Error).message}`, { cause });
  }
  if (handle.file_id < 0n) {
    const reason = /: ([^:\n]+)\n\s+major/.exec(h5.takeDiagnostics())?.[1];
    throw new Error(`Cannot open "${path}" as HDF5${reason ? `: ${reason}` : ""}`);
  }
  h5.takeDiagnostics();
  return new H5wasmFile(h5, handle, path);
}

/** Throw an error naming the file unless it exists and has an HDF5 signature. */
async function assertHdf5(path: string): Promise<void> {
  const { file, size } = await openToRead(path);
  try {
    // The superblock sits at 0 or, after a user block, at 512, 1024, 2048, ...
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      await file.seek(offset, Deno.SeekMode.Start);
      const bytes = new Uint8Array(8);
      let got = 0;
      while (got < 8) {
        const n = await file.read(bytes.subarray(got));
        if (n === null) break;
        got += n;
      }
      if (HDF5_SIGNATURE.every((byte, i) => bytes[i] === byte)) return;
    }
    throw new Error(`"${path}" is not an HDF5 file: it has no HDF5 signature`);
  } finally {
    file.close();
  }
}

class H5wasmFile implements Hdf5File {
  readonly path: string;
  readonly #h5: H5wasm;
  readonly #handle: H5File;
  /** HDF5's object type of the members #children listed, until get() takes them. */
  readonly #childTypes = new Map<string, number>();

  constructor(h5: H5wasm, handle: H5File, path: string) {
    this.#h5 = h5;
    this.#handle = handle;
    this.path = path;
  }

  get(path: string): Hdf5Group | Hdf5Dataset | undefined {
    const { H5G_GROUP, H5G_DATASET } = this.#h5.api.Module;
    // A member just listed by #children: its type is known, and asking again costs a call.
    let type = this.#childTypes.get(path);
    if (type === undefined) type = this.#call(`"${path}"`, () => this.#handle.get_type(path));
    else this.#childTypes.delete(path);
    if (type === H5G_GROUP) return this.#group(path);
    if (type === H5G_DATASET) return this.#dataset(path);
    return undefined;
  }

  close(): void {
    this.#handle.close();
    this.#h5.takeDiagnostics();
  }

  /** Run a library call about `what`; HDF5's report, if any, is dropped (nothing prints). */
  #call<T>(what: string, call: () => T): T {
    try {
      return call();
    } catch (cause) {
      throw new Error(`Cannot read ${what} in "${this.path}": ${(cause as Error).message}`, {
        cause,
      });
    } finally {
      this.#h5.takeDiagnostics();
    }
  }

  #address(path: string): string {
    const group = new this.#h5.api.Group(this.#handle.file_id, path);
    const bytes = this.#call(`"${path}"`, () => group.create_reference().ref_data);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /**
   * The attributes of the object at `path`. Each one's metadata is read once, the first time
   * its type, shape or value is asked for, and its value is read with that metadata: h5wasm's
   * own `Attribute` reads the metadata again for every value.
   */
  #attributes(path: string): Hdf5Attribute[] {
    const { api } = this.#h5;
    const fileId = this.#handle.file_id;
    const names = this.#call(
      `"${path}"`,
      () => api.Module.get_attribute_names(fileId, path) as string[],
    );
    return names.map((name) => {
      const where = `attribute "@${name}" of "${path}"`;
      const metadata = once(() =>
        this.#call(where, () => api.Module.get_attribute_metadata(fileId, path, name))
      );
      return {
        name,
        get type() {
          return typeOf(metadata());
        },
        get shape() {
          return metadata().shape;
        },
        read: () =>
          this.#value(
            where,
            metadata(),
            () => readAttribute(api.Module, fileId, path, name, metadata()),
          ),
      };
    });
  }

  /**
   * Read a dataset's values, its filter plugins on the search path first when it needs any
   * beyond HDF5's own (ids 1 to 6). h5wasm returns whatever is in its buffer when a chunk cannot
   * be decoded (a plugin missing): HDF5's report of it makes the read an error.
   */
  #filtered(filters: readonly { id: number }[], read: () => unknown): unknown {
    if (filters.some((filter) => filter.id > 6)) filterPluginsNow(this.#h5);
    this.#h5.takeDiagnostics();
    const value = read();
    const report = this.#h5.takeDiagnostics();
    if (report.trim() !== "") {
      const ids = filters.map((filter) => filter.id).join(", ");
      throw new Error(
        `HDF5 could not decode the data (filters ${ids || "none"}): ${report.trim()}`,
      );
    }
    return value;
  }

  /** A value as h5wasm reads it, for the types it reads as numbers or text. */
  #value(where: string, metadata: Metadata, read: () => unknown): Hdf5Value {
    const type = typeOf(metadata);
    if (!READABLE.has(type.class)) {
      throw new Error(`Cannot read ${where} in "${this.path}": values of type ${type.class}`);
    }
    if (metadata.shape === null) {
      throw new Error(`Cannot read ${where} in "${this.path}": it has no value (null dataspace)`);
    }
    return this.#call(where, read) as Hdf5Value;
  }

  #group(path: string): Hdf5Group {
    const address = once(() => this.#address(path));
    return {
      kind: "group",
      path,
      get address() {
        return address();
      },
      attributes: () => this.#attributes(path),
      children: () => this.#children(path),
    };
  }

  #children(path: string): Hdf5Link[] {
    const { api } = this.#h5;
    const { H5G_GROUP, H5G_DATASET } = api.Module;
    const group = new api.Group(this.#handle.file_id, path);
    const names = this.#call(`"${path}"`, () => group.keys());
    return names.map((name): Hdf5Link => {
      const child = path === "/" ? `/${name}` : `${path}/${name}`;
      const soft = this.#call(`"${child}"`, () => group.get_link(child) as string | null);
      if (typeof soft === "string") return { name, path: child, link: "soft", target: soft };
      const external = this.#call(
        `"${child}"`,
        () => group.get_external_link(child) as { filename?: string; obj_path?: string },
      );
      if (typeof external.filename === "string") {
        const target = String(external.obj_path);
        return { name, path: child, link: "external", file: external.filename, target };
      }
      const type = this.#call(`"${child}"`, () => group.get_type(child));
      if (type === H5G_GROUP || type === H5G_DATASET) this.#childTypes.set(child, type);
      const object = type === H5G_GROUP ? "group" : type === H5G_DATASET ? "dataset" : "datatype";
      return { name, path: child, link: "hard", object };
    });
  }

  #dataset(path: string): Hdf5Dataset {
    const { api } = this.#h5;
    const dataset = this.#call(`"${path}"`, () => new api.Dataset(this.#handle.file_id, path));
    const metadata = this.#call(`"${path}"`, () => dataset.metadata);
    const address = once(() => this.#address(path));
    // Asked of HDF5 once, at the first read: a stack of frames is read a row at a time.
    const filters = once(() => (dataset.filters ?? []) as { id: number }[]);
    return {
      kind: "dataset",
      path,
      type: typeOf(metadata),
      shape: metadata.shape,
      get address() {
        return address();
      },
      attributes: () => this.#attributes(path),
      read: () =>
        this.#value(`"${path}"`, metadata, () => this.#filtered(filters(), () => dataset.value)),
      readRows: (start, stop) =>
        this.#value(
          `rows ${start} to ${stop - 1} of "${path}"`,
          metadata,
          () => this.#filtered(filters(), () => dataset.slice([[start, stop]])),
        ),
    };
  }
}

/** `make`, called the first time it is needed only. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/**
 * The value of an attribute whose metadata is read already, for the classes of `READABLE`:
 * numbers as a typed array of their size, text as strings, a scalar as its one value; what
 * h5wasm's `Attribute.value` gives, without reading the metadata a second time.
 */
function readAttribute(
  module: Module,
  fileId: bigint,
  path: string,
  name: string,
  metadata: Metadata,
): Hdf5Value {
  const bytes = metadata.size * metadata.total_size;
  const pointer = module._malloc(Math.max(bytes, 1));
  if (pointer === 0) throw new Error(`no memory for its ${bytes} bytes`);
  try {
    module.get_attribute_data(fileId, path, name, BigInt(pointer));
    const values = decode(module, module.HEAPU8.slice(pointer, pointer + bytes), metadata);
    return metadata.shape?.length ? values : values[0]!;
  } finally {
    // The strings of variable length live in the library's memory until reclaimed.
    if (metadata.vlen) module.reclaim_vlen_memory(fileId, path, name, BigInt(pointer));
    module._free(pointer);
  }
}

/** The values in `data`, as {@linkcode readAttribute} returns them. */
function decode(
  module: Module,
  data: Uint8Array<ArrayBuffer>,
  metadata: Metadata,
): ArrayLike<number | bigint | string> {
  const { size, signed } = metadata;
  const type = CLASSES[metadata.type];
  if (type === "string") {
    if (metadata.vlen) {
      const text = metadata.cset === 1 ? module.UTF8ToString : module.AsciiToString;
      return Array.from(new Uint32Array(data.buffer), (pointer) => text(pointer));
    }
    // Fixed-size text ends at its first NUL byte; "ascii" is the decoder h5wasm uses.
    const decoder = new TextDecoder(metadata.cset === 1 ? "utf-8" : "ascii");
    return Array.from({ length: Math.floor(data.length / size) }, (_, i) => {
      const item = data.subarray(i * size, (i + 1) * size);
      const end = item.indexOf(0);
      return decoder.decode(end < 0 ? item : item.subarray(0, end));
    });
  }
  const base = type === "enum" ? CLASSES[metadata.enum_type!.type] : type;
  const buffer = data.buffer;
  if (base === "integer") {
    if (size === 8) return signed ? new BigInt64Array(buffer) : new BigUint64Array(buffer);
    if (size === 4) return signed ? new Int32Array(buffer) : new Uint32Array(buffer);
    if (size === 2) return signed ? new Int16Array(buffer) : new Uint16Array(buffer);
    return signed ? new Int8Array(buffer) : new Uint8Array(buffer);
  }
  if (base === "float" && (size === 8 || size === 4)) {
    return size === 8 ? new Float64Array(buffer) : new Float32Array(buffer);
  }
  throw new Error(`values of type ${type} of ${size * 8} bits`);
}

function typeOf(metadata: Metadata): Hdf5Type {
  const members = metadata.enum_type?.members;
  return {
    class: CLASSES[metadata.type] ?? "unknown",
    size: metadata.size,
    signed: metadata.signed,
    vlen: metadata.vlen,
    utf8: metadata.cset === 1,
    ...(members ? { members } : {}),
  };
}
