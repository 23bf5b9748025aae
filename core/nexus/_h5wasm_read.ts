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
import type { H5File, H5wasm, H5wasmApi } from "./_h5wasm.ts";

type Metadata = InstanceType<H5wasmApi["Dataset"]>["metadata"];

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
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Cannot read "${path}": no such file`);
    }
    throw new Error(`Cannot read "${path}": ${(error as Error).message}`, { cause: error });
  }
  try {
    const { size, isFile } = await file.stat();
    if (!isFile) throw new Error(`Cannot read "${path}": not a file`);
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

  constructor(h5: H5wasm, handle: H5File, path: string) {
    this.#h5 = h5;
    this.#handle = handle;
    this.path = path;
  }

  get(path: string): Hdf5Group | Hdf5Dataset | undefined {
    const { H5G_GROUP, H5G_DATASET } = this.#h5.api.Module;
    const type = this.#call(`"${path}"`, () => this.#handle.get_type(path));
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

  #attributes(path: string): Hdf5Attribute[] {
    const { api } = this.#h5;
    const fileId = this.#handle.file_id;
    const names = this.#call(
      `"${path}"`,
      () => api.Module.get_attribute_names(fileId, path) as string[],
    );
    return names.map((name) => {
      const where = `attribute "@${name}" of "${path}"`;
      let attribute: InstanceType<H5wasmApi["Attribute"]> | undefined;
      const open = () =>
        attribute ??= this.#call(where, () => new api.Attribute(fileId, path, name));
      return {
        name,
        get type() {
          return typeOf(open().metadata);
        },
        get shape() {
          return open().metadata.shape;
        },
        read: () => this.#value(where, open().metadata, () => open().value),
      };
    });
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
      const object = type === H5G_GROUP ? "group" : type === H5G_DATASET ? "dataset" : "datatype";
      return { name, path: child, link: "hard", object };
    });
  }

  #dataset(path: string): Hdf5Dataset {
    const { api } = this.#h5;
    const dataset = this.#call(`"${path}"`, () => new api.Dataset(this.#handle.file_id, path));
    const metadata = this.#call(`"${path}"`, () => dataset.metadata);
    const address = once(() => this.#address(path));
    return {
      kind: "dataset",
      path,
      type: typeOf(metadata),
      shape: metadata.shape,
      get address() {
        return address();
      },
      attributes: () => this.#attributes(path),
      read: () => this.#value(`"${path}"`, metadata, () => dataset.value),
      readRows: (start, stop) =>
        this.#value(
          `rows ${start} to ${stop - 1} of "${path}"`,
          metadata,
          () => dataset.slice([[start, stop]]),
        ),
    };
  }
}

/** `make`, called the first time it is needed only. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
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
