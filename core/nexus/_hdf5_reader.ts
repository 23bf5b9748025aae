/**
 * A small read-only HDF5 reader in TypeScript, for the files this project writes: it opens
 * them without loading h5wasm, so that `nx tree` starts quickly.
 *
 * It reads what HDF5 2.x writes with default properties and the 1.8 format bounds:
 * superblock 2 or 3, object headers 2, groups of link messages (compact, or dense in a
 * fractal heap indexed by a v2 B-tree), attributes (compact or dense), integers, IEEE floats,
 * fixed and variable-length strings, enums, scalar, simple and null dataspaces, and compact,
 * contiguous and chunked (v1 B-tree) layouts with the deflate and shuffle filters. At the
 * first structure outside that it throws {@linkcode Hdf5FormatUnsupported}, naming it, and
 * the caller reads the file with h5wasm instead. What it gives is what h5wasm's reader
 * (`./_h5wasm_read.ts`) gives: members and attributes in name order, numbers as typed arrays
 * of their size, strings cut at their first NUL.
 *
 * This file reads the superblock, object headers, links and attributes; `./_hdf5_data.ts`
 * decodes types, dataspaces and the values of datasets, `./_hdf5_storage.ts` reads the bytes,
 * heaps and B-trees underneath. They follow the HDF5 file format specification (version 3).
 *
 * @module
 */

import type {
  Hdf5Attribute,
  Hdf5Backend,
  Hdf5Dataset,
  Hdf5File,
  Hdf5Group,
  Hdf5Link,
} from "./backend.ts";
import { type Context, count, dataspace, datatype, rowReader } from "./_hdf5_data.ts";
import {
  Bytes,
  Cursor,
  damaged,
  FractalHeap,
  GlobalHeaps,
  Hdf5FormatUnsupported,
  signature,
  undefinedAddress,
  v2BTreeRecords,
} from "./_hdf5_storage.ts";

export { Hdf5FormatUnsupported };

/** The TypeScript reader, as a backend: it throws {@linkcode Hdf5FormatUnsupported}. */
export const hdf5Reader: Pick<Hdf5Backend, "open"> = { open: openHdf5 };

/**
 * Open `path` read-only with the TypeScript reader.
 * @param path The file.
 * @param options `readWhole`: up to which size the file is read whole when opened (32 MiB);
 * a larger one is read where asked.
 * @returns The open file.
 * @throws {Deno.errors.NotFound} Naming the file, when it does not exist.
 * @throws {Error} Naming the file, when it is not a file, not HDF5, or truncated.
 * @throws {Hdf5FormatUnsupported} When its superblock is of a version it does not read.
 */
export async function openHdf5(
  path: string,
  options: { readWhole?: number } = {},
): Promise<Hdf5File> {
  const bytes = await Bytes.open(path, options.readWhole);
  try {
    return new TsFile(path, bytes);
  } catch (error) {
    bytes.close();
    throw error;
  }
}

/** The messages of an object header that the reader uses. */
interface Header {
  readonly address: number;
  readonly kind: "group" | "dataset" | "datatype";
  readonly links: Uint8Array[];
  readonly linkInfo?: Uint8Array;
  readonly attributes: Uint8Array[];
  readonly attributeInfo?: Uint8Array;
  readonly datatype?: Uint8Array;
  readonly dataspace?: Uint8Array;
  /** For a dataset: its layout, filters and fill value messages. */
  readonly storage?: { layout: Uint8Array; filters?: Uint8Array; fill?: Uint8Array };
}

/** A link of a group, without the path it is reached by. */
type Member =
  | { name: string; link: "hard"; object: "group" | "dataset" | "datatype"; address: number }
  | { name: string; link: "soft"; target: string }
  | { name: string; link: "external"; file: string; target: string };

/** Messages the reader has no use for, and may skip. */
const IGNORED = new Set([0x00, 0x0a, 0x0d, 0x0e, 0x12, 0x13, 0x14, 0x16, 0x17]);

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

class TsFile implements Hdf5File {
  readonly path: string;
  readonly #bytes: Bytes;
  readonly #root: number;
  readonly #base: number;
  readonly #headers = new Map<number, Header>();
  readonly #context: Context;
  readonly #membersOf = new Map<number, Map<string, Member>>();

  constructor(path: string, bytes: Bytes) {
    this.path = path;
    this.#bytes = bytes;
    let at = 0;
    for (; at + 8 <= bytes.size; at = at === 0 ? 512 : at * 2) {
      const head = bytes.at(at, 8);
      if (SIGNATURE.every((byte, i) => head[i] === byte)) break;
    }
    if (at + 8 > bytes.size) {
      throw new Error(`"${path}" is not an HDF5 file: it has no HDF5 signature`);
    }
    if (bytes.size < at + 48) this.#truncated(at + 48);
    const version = bytes.at(at + 8, 1)[0]!;
    if (version !== 2 && version !== 3) this.unsupported(`superblock version ${version}`);
    const [offsets, lengths] = bytes.at(at + 9, 2);
    if (offsets !== 8 || lengths !== 8) this.unsupported(`addresses of ${offsets} bytes`);
    const c = new Cursor(bytes.at(at + 12, 32));
    this.#base = c.uint(8);
    c.skip(8); // the superblock extension: file-space settings, nothing a reader needs
    const eof = c.uint(8);
    this.#root = c.uint(8);
    if (bytes.size < this.#base + eof) this.#truncated(this.#base + eof);
    this.#context = {
      bytes,
      base: this.#base,
      strings: new GlobalHeaps(bytes, this.#base),
      unsupported: (feature) => this.unsupported(feature),
    };
  }

  #truncated(size: number): never {
    throw new Error(
      `Cannot open "${this.path}" as HDF5: the file is truncated (${this.#bytes.size} bytes of ${size})`,
    );
  }

  get(path: string): Hdf5Group | Hdf5Dataset | undefined {
    return this.#call(`"${path}"`, () => {
      const address = this.#resolve(path, 0);
      if (address === undefined) return undefined;
      const header = this.#header(address);
      if (header.kind === "group") return this.#group(header, path);
      if (header.kind === "dataset") return this.#dataset(header, path);
      return undefined;
    });
  }

  close(): void {
    this.#bytes.close();
  }

  /** Throw {@linkcode Hdf5FormatUnsupported} for `feature`. */
  unsupported(feature: string): never {
    throw new Hdf5FormatUnsupported(this.path, feature);
  }

  /** Read `what`: an error, unless the reader gives up, names it and the file. */
  #call<T>(what: string, read: () => T): T {
    try {
      return read();
    } catch (cause) {
      if (cause instanceof Hdf5FormatUnsupported) throw cause;
      throw new Error(`Cannot read ${what} in "${this.path}": ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /** The object header's address at `path`, following soft links; undefined if none. */
  #resolve(path: string, depth: number): number | undefined {
    if (depth > 32) return undefined;
    let address = this.#root;
    const names = path.split("/").filter((name) => name !== "");
    for (const [i, name] of names.entries()) {
      const header = this.#header(address);
      if (header.kind !== "group") return undefined;
      const link = this.#members(header).get(name);
      if (link === undefined || link.link === "external") return undefined;
      if (link.link === "hard") {
        address = link.address;
        continue;
      }
      const here = `/${names.slice(0, i).join("/")}`;
      const target = link.target.startsWith("/") ? link.target : `${here}/${link.target}`;
      const found = this.#resolve(target, depth + 1);
      if (found === undefined) return undefined;
      address = found;
    }
    return address;
  }

  #header(address: number): Header {
    let header = this.#headers.get(address);
    if (header === undefined) {
      header = this.#readHeader(address);
      this.#headers.set(address, header);
    }
    return header;
  }

  /** The object header at `address` (version 2), its continuation blocks included. */
  #readHeader(address: number): Header {
    const at = this.#base + address;
    const prefix = this.#bytes.at(at, 6);
    if (String.fromCharCode(...prefix.subarray(0, 4)) !== "OHDR") {
      if (prefix[0] === 1) this.unsupported("object headers of version 1");
      damaged(`no object header at byte ${address}`);
    }
    if (prefix[4] !== 2) this.unsupported(`object headers of version ${prefix[4]}`);
    const flags = prefix[5]!;
    let offset = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const sizeBytes = 1 << (flags & 3);
    const size = new Cursor(this.#bytes.at(at + offset, sizeBytes)).uint(sizeBytes);
    offset += sizeBytes;
    const messages: [number, Uint8Array][] = [];
    const blocks: [number, number][] = [[at + offset, size]];
    const order = flags & 0x04 ? 2 : 0;
    for (let b = 0; b < blocks.length; b++) {
      const [start, length] = blocks[b]!;
      const block = this.#bytes.at(start, length);
      const c = new Cursor(block);
      while (c.pos + 4 + order <= block.length) {
        const type = c.u8();
        const size = c.uint(2);
        const mflags = c.u8();
        c.skip(order);
        const data = c.bytes(size);
        if (mflags & 0x02) this.unsupported("shared object header messages");
        if (type === 0x10) {
          const d = new Cursor(data);
          const chunk = this.#base + d.uint(8);
          const length = d.uint(8);
          signature(this.#bytes, chunk, "OCHK");
          blocks.push([chunk + 4, length - 8]);
        } else {
          messages.push([type, data]);
        }
      }
    }
    const all = (type: number) => messages.filter(([t]) => t === type).map(([, data]) => data);
    const one = (type: number) => messages.find(([t]) => t === type)?.[1];
    for (const [type] of messages) {
      if (type === 0x11) this.unsupported("groups with a symbol table");
      if (type === 0x07) this.unsupported("external raw data files");
      if (![1, 2, 3, 5, 6, 8, 0x0b, 0x0c, 0x15].includes(type) && !IGNORED.has(type)) {
        this.unsupported(`object header messages of type ${type}`);
      }
    }
    const layout = one(0x08);
    const datatype = one(0x03);
    const kind = layout !== undefined
      ? "dataset"
      : datatype !== undefined && one(0x02) === undefined
      ? "datatype"
      : "group";
    return {
      address,
      kind,
      links: all(0x06),
      attributes: all(0x0c),
      ...optional("linkInfo", one(0x02)),
      ...optional("attributeInfo", one(0x15)),
      ...optional("datatype", datatype),
      ...optional("dataspace", one(0x01)),
      ...optional(
        "storage",
        layout && { layout, ...optional("filters", one(0x0b)), ...optional("fill", one(0x05)) },
      ),
    };
  }

  /** The messages kept in a dense storage: a fractal heap indexed by a v2 B-tree. */
  #dense(info: Uint8Array, kind: "links" | "attributes"): Uint8Array[] | undefined {
    const c = new Cursor(info);
    if (c.u8() !== 0) this.unsupported(`${kind} information of version ${info[0]}`);
    const flags = c.u8();
    if (flags & 1) c.skip(kind === "links" ? 8 : 2);
    const heapAddress = c.uint(8);
    const index = c.uint(8);
    if (heapAddress === undefinedAddress) return undefined;
    const heap = new FractalHeap(this.#bytes, this.#base, heapAddress, this);
    const recordType = kind === "links" ? 5 : 8;
    return v2BTreeRecords(this.#bytes, this.#base, index, recordType, this).map((record) => {
      if (kind === "attributes" && record[8]! & 0x02) {
        this.unsupported("shared attributes");
      }
      return heap.object(kind === "links" ? record.subarray(4) : record.subarray(0, 8));
    });
  }

  /** The members of a group, by name, in name order; read once. */
  #members(header: Header): Map<string, Member> {
    let members = this.#membersOf.get(header.address);
    if (members === undefined) {
      const messages = header.linkInfo && this.#dense(header.linkInfo, "links") ||
        header.links;
      const list = messages.map((data) => this.#link(data));
      list.sort(byName);
      members = new Map(list.map((member) => [member.name, member]));
      this.#membersOf.set(header.address, members);
    }
    return members;
  }

  /** A link message. */
  #link(data: Uint8Array): Member {
    const c = new Cursor(data);
    if (c.u8() !== 1) this.unsupported(`link messages of version ${data[0]}`);
    const flags = c.u8();
    const type = flags & 0x08 ? c.u8() : 0;
    if (flags & 0x04) c.skip(8);
    if (flags & 0x10) c.skip(1);
    const nameBytes = 1 << (flags & 3);
    const name = utf8(c.bytes(c.uint(nameBytes)));
    if (type === 0) {
      const address = c.uint(8);
      return { name, link: "hard", object: this.#header(address).kind, address };
    }
    if (type === 1) return { name, link: "soft", target: utf8(c.bytes(c.uint(2))) };
    if (type === 64) {
      // A version byte, then the file's and the object's names, each ending with NUL.
      const [file = "", target = ""] = utf8(c.bytes(c.uint(2)).subarray(1)).split("\0");
      return { name, link: "external", file, target };
    }
    return this.unsupported(`links of type ${type}`);
  }

  #group(header: Header, path: string): Hdf5Group {
    return {
      kind: "group",
      path,
      address: header.address.toString(16),
      attributes: () => this.#attributes(header, path),
      children: () =>
        this.#call(
          `"${path}"`,
          () =>
            [...this.#members(header).values()].map((member): Hdf5Link => {
              const child = path === "/" ? `/${member.name}` : `${path}/${member.name}`;
              if (member.link !== "hard") return { ...member, path: child };
              const { name, object } = member;
              return { name, path: child, link: "hard", object };
            }),
        ),
    };
  }

  #attributes(header: Header, path: string): Hdf5Attribute[] {
    return this.#call(`the attributes of "${path}"`, () => {
      const messages = header.attributeInfo && this.#dense(header.attributeInfo, "attributes") ||
        header.attributes;
      return messages.map((data) => this.#attribute(data, path)).sort(byName);
    });
  }

  #attribute(data: Uint8Array, path: string): Hdf5Attribute {
    const c = new Cursor(data);
    const version = c.u8();
    if (version < 1 || version > 3) this.unsupported(`attribute messages of version ${version}`);
    const flags = c.u8();
    if (flags & 0x03) this.unsupported("attributes of a shared type or dataspace");
    const nameSize = c.uint(2);
    const typeSize = c.uint(2);
    const spaceSize = c.uint(2);
    if (version === 3) c.skip(1);
    const pad = (n: number) => version === 1 ? Math.ceil(n / 8) * 8 : n;
    const nameBytes = c.bytes(pad(nameSize));
    const name = utf8(nameBytes.subarray(0, nameSize - 1));
    const type = datatype(c.bytes(pad(typeSize)), this.#context);
    const shape = dataspace(c.bytes(pad(spaceSize)), this.#context);
    const raw = c.bytes(type.fileSize * count(shape));
    return {
      name,
      type: type.type,
      shape,
      read: () =>
        this.#call(`attribute "@${name}" of "${path}"`, () => {
          if (shape === null) throw new Error("it has no value (null dataspace)");
          const values = type.decode(raw, count(shape));
          return shape.length ? values : values[0]!;
        }),
    };
  }

  #dataset(header: Header, path: string): Hdf5Dataset {
    if (!header.datatype || !header.dataspace || !header.storage) {
      damaged("a dataset without a type, a dataspace or a layout");
    }
    const type = datatype(header.datatype, this.#context);
    const shape = dataspace(header.dataspace, this.#context);
    const rows = rowReader(header.storage, type, shape, this.#context);
    const read = (what: string, start: number, stop: number) =>
      this.#call(what, () => {
        if (shape === null) throw new Error("it has no value (null dataspace)");
        const values = type.decode(rows(start, stop), (stop - start) * count(shape.slice(1)));
        return shape.length ? values : values[0]!;
      });
    return {
      kind: "dataset",
      path,
      address: header.address.toString(16),
      type: type.type,
      shape,
      attributes: () => this.#attributes(header, path),
      read: () => read(`"${path}"`, 0, shape?.length ? shape[0]! : 1),
      readRows: (start, stop) =>
        read(`rows ${start} to ${stop - 1} of "${path}"`, start, Math.min(stop, shape?.[0] ?? 0)),
    };
  }
}

/** HDF5's order of names: by their UTF-8 bytes, which is by code point. */
function byName(a: { name: string }, b: { name: string }): number {
  const [x, y] = [a.name, b.name];
  for (let i = 0; i < x.length && i < y.length; i++) {
    const [p, q] = [x.codePointAt(i)!, y.codePointAt(i)!];
    if (p !== q) return p - q;
    if (p > 0xffff) i++;
  }
  return x.length - y.length;
}

/** `{ [key]: value }`, or nothing when value is undefined (for exact optional types). */
function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V };
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
