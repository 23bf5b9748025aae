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
 * the caller reads the file with h5wasm instead; the values it gives are h5wasm's.
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
  Hdf5Type,
} from "./backend.ts";
import {
  Bytes,
  Cursor,
  FractalHeap,
  Hdf5FormatUnsupported,
  inflate,
  undefinedAddress,
  v2BTreeRecords,
} from "./_hdf5_storage.ts";

export { Hdf5FormatUnsupported };

/** The TypeScript reader, as a backend: it throws {@linkcode Hdf5FormatUnsupported}. */
export const hdf5Reader: Pick<Hdf5Backend, "open"> = { open: openHdf5 };

/**
 * Open `path` read-only with the TypeScript reader.
 * @param path The file.
 * @returns The open file.
 * @throws {Deno.errors.NotFound} Naming the file, when it does not exist.
 * @throws {Error} Naming the file, when it is not a file, not HDF5, or truncated.
 * @throws {Hdf5FormatUnsupported} When its superblock is of a version it does not read.
 */
export async function openHdf5(path: string): Promise<Hdf5File> {
  const bytes = await Bytes.open(path);
  try {
    return new TsFile(path, bytes);
  } catch (error) {
    bytes.close();
    throw error;
  }
}

/** A datatype as read from a message: what the interface shows, and how to decode it. */
interface Datatype {
  readonly type: Hdf5Type;
  /** Bytes of one value in the file. */
  readonly fileSize: number;
  /** `count` values from the file's bytes. */
  decode(data: Uint8Array, count: number): ArrayLike<number | bigint | string>;
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
  readonly layout?: Uint8Array;
  readonly filters?: Uint8Array;
  readonly fill?: Uint8Array;
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
  readonly #heaps = new Map<number, Map<number, Uint8Array>>();
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
  }

  #truncated(size: number): never {
    throw new Error(
      `Cannot open "${this.path}" as HDF5: the file is truncated (${this.#bytes.size} bytes of ${size})`,
    );
  }

  get(path: string): Hdf5Group | Hdf5Dataset | undefined {
    const address = this.#resolve(path, 0);
    if (address === undefined) return undefined;
    const header = this.#header(address);
    if (header.kind === "group") return this.#group(header, path);
    if (header.kind === "dataset") return this.#dataset(header, path);
    return undefined;
  }

  close(): void {
    this.#bytes.close();
  }

  /** Throw {@linkcode Hdf5FormatUnsupported} for `feature`. */
  unsupported(feature: string): never {
    throw new Hdf5FormatUnsupported(this.path, feature);
  }

  /** A damaged file: an error naming it and what is wrong. */
  #damaged(what: string): never {
    throw new Error(`"${this.path}" is damaged: ${what}`);
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
    const signature = String.fromCharCode(...prefix.subarray(0, 4));
    if (signature !== "OHDR") {
      if (prefix[0] === 1) this.unsupported("object headers of version 1");
      this.#damaged(`no object header at byte ${address}`);
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
          const signature = String.fromCharCode(...this.#bytes.at(chunk, 4));
          if (signature !== "OCHK") this.#damaged(`no continuation block at byte ${chunk}`);
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
      ...optional("layout", layout),
      ...optional("filters", one(0x0b)),
      ...optional("fill", one(0x05)),
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
      list.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
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
        [...this.#members(header).values()].map((member): Hdf5Link => {
          const child = path === "/" ? `/${member.name}` : `${path}/${member.name}`;
          if (member.link !== "hard") return { ...member, path: child };
          const { name, object } = member;
          return { name, path: child, link: "hard", object };
        }),
    };
  }

  #attributes(header: Header, path: string): Hdf5Attribute[] {
    const messages = header.attributeInfo && this.#dense(header.attributeInfo, "attributes") ||
      header.attributes;
    return messages.map((data) => this.#attribute(data, path)).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
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
    const datatype = this.#datatype(c.bytes(pad(typeSize)));
    const shape = this.#dataspace(c.bytes(pad(spaceSize)));
    const raw = c.bytes(datatype.fileSize * count(shape));
    const where = `attribute "@${name}" of "${path}"`;
    return {
      name,
      type: datatype.type,
      shape,
      read: () => {
        if (shape === null) {
          throw new Error(
            `Cannot read ${where} in "${this.path}": it has no value (null dataspace)`,
          );
        }
        const values = datatype.decode(raw, count(shape));
        return shape.length ? values : values[0]!;
      },
    };
  }

  #dataset(header: Header, path: string): Hdf5Dataset {
    if (header.datatype === undefined || header.dataspace === undefined) {
      this.#damaged(`the dataset "${path}" has no type or no dataspace`);
    }
    const datatype = this.#datatype(header.datatype);
    const shape = this.#dataspace(header.dataspace);
    const layout = this.#layout(header, datatype, shape);
    const rows = (start: number, stop: number) => {
      if (shape === null) {
        throw new Error(
          `Cannot read "${path}" in "${this.path}": it has no value (null dataspace)`,
        );
      }
      const values = datatype.decode(layout(start, stop), (stop - start) * count(shape.slice(1)));
      return shape.length ? values : values[0]!;
    };
    return {
      kind: "dataset",
      path,
      address: header.address.toString(16),
      type: datatype.type,
      shape,
      attributes: () => this.#attributes(header, path),
      read: () => rows(0, shape?.length ? shape[0]! : 1),
      readRows: (start, stop) => rows(start, Math.min(stop, shape?.[0] ?? 0)),
    };
  }

  /** A datatype message. */
  #datatype(data: Uint8Array): Datatype {
    const c = new Cursor(data);
    const head = c.u8();
    const typeClass = head & 0x0f;
    const bits = c.uint(3);
    const size = c.uint(4);
    const base = { size, signed: false, vlen: false, utf8: false };
    if (typeClass === 0) {
      if (bits & 0x01) this.unsupported("big-endian integers");
      const [offset, precision] = [c.uint(2), c.uint(2)];
      if (![1, 2, 4, 8].includes(size) || offset !== 0 || precision !== size * 8) {
        this.unsupported(`integers of ${precision} bits in ${size} bytes`);
      }
      const signed = (bits & 0x08) !== 0;
      return {
        type: { ...base, class: "integer", signed },
        fileSize: size,
        decode: (data) => integers(data, size, signed),
      };
    }
    if (typeClass === 1) {
      if (bits & 0x41) this.unsupported("floats of other byte orders");
      const [offset, precision] = [c.uint(2), c.uint(2)];
      if ((size !== 4 && size !== 8) || offset !== 0 || precision !== size * 8) {
        this.unsupported(`floats of ${precision} bits in ${size} bytes`);
      }
      const copy = (data: Uint8Array) => data.slice().buffer;
      return {
        type: { ...base, class: "float" },
        fileSize: size,
        decode: (data) => size === 8 ? new Float64Array(copy(data)) : new Float32Array(copy(data)),
      };
    }
    if (typeClass === 3) {
      const utf8 = (bits >> 4 & 0x0f) === 1;
      const decoder = new TextDecoder(utf8 ? "utf-8" : "ascii");
      return {
        type: { ...base, class: "string", utf8 },
        fileSize: size,
        decode: (data, n) =>
          Array.from({ length: n }, (_, i) => {
            const item = data.subarray(i * size, (i + 1) * size);
            const end = item.indexOf(0);
            return decoder.decode(end < 0 ? item : item.subarray(0, end));
          }),
      };
    }
    if (typeClass === 9 && (bits & 0x0f) === 1) {
      const utf8 = (bits >> 8 & 0x0f) === 1;
      return {
        type: { ...base, class: "string", size: 4, vlen: true, utf8 },
        fileSize: 16,
        decode: (data, n) =>
          Array.from({ length: n }, (_, i) => this.#vlenString(data.subarray(i * 16), utf8)),
      };
    }
    if (typeClass === 8) {
      const members = bits & 0xffff;
      const version = head >> 4;
      const parent = this.#datatype(data.subarray(8));
      if (parent.type.class !== "integer") this.unsupported("enums of a base other than integers");
      c.skip(12); // the base type's message: 8 bytes, and 4 of an integer's properties
      const names: string[] = [];
      for (let i = 0; i < members; i++) {
        const rest = data.subarray(c.pos);
        const end = rest.indexOf(0);
        names.push(utf8(rest.subarray(0, end)));
        c.skip(version >= 3 ? end + 1 : Math.ceil((end + 1) / 8) * 8);
      }
      const values = parent.decode(c.bytes(members * parent.fileSize), members);
      const table = Object.fromEntries(names.map((name, i) => [name, Number(values[i])]));
      return { ...parent, type: { ...parent.type, class: "enum", members: table } };
    }
    const names = ["time", "bitfield", "opaque", "compound", "reference", "sequence", "array"];
    const name = names[[2, 4, 5, 6, 7, 9, 10].indexOf(typeClass)] ?? typeClass;
    return this.unsupported(`datatypes of class ${name}`);
  }

  /** A variable-length string, from its length and its object in a global heap. */
  #vlenString(data: Uint8Array, utf8: boolean): string {
    const c = new Cursor(data);
    const length = c.uint(4);
    const collection = c.uint(8);
    const index = c.uint(4);
    if (length === 0 || collection === undefinedAddress || collection === 0) return "";
    let heap = this.#heaps.get(collection);
    if (heap === undefined) {
      heap = this.#globalHeap(collection);
      this.#heaps.set(collection, heap);
    }
    const object = heap.get(index);
    if (object === undefined) this.#damaged(`no object ${index} in the heap at ${collection}`);
    // h5wasm's strings end at their first NUL, as C strings do.
    const end = object.indexOf(0);
    const text = end < 0 ? object : object.subarray(0, end);
    return utf8 ? new TextDecoder().decode(text) : String.fromCharCode(...text);
  }

  #globalHeap(address: number): Map<number, Uint8Array> {
    const at = this.#base + address;
    const head = this.#bytes.at(at, 16);
    if (String.fromCharCode(...head.subarray(0, 4)) !== "GCOL") {
      this.#damaged(`no global heap at byte ${address}`);
    }
    const size = new Cursor(head.subarray(8)).uint(8);
    const c = new Cursor(this.#bytes.at(at, size), 16);
    const objects = new Map<number, Uint8Array>();
    while (c.pos + 16 <= size) {
      const index = c.uint(2);
      c.skip(6);
      const length = c.uint(8);
      if (index === 0) break;
      objects.set(index, c.bytes(length));
      c.skip((8 - length % 8) % 8);
    }
    return objects;
  }

  /** A dataspace message: `[]` for a scalar, null for a null dataspace. */
  #dataspace(data: Uint8Array): number[] | null {
    const c = new Cursor(data);
    const version = c.u8();
    const rank = c.u8();
    c.skip(1);
    if (version === 1) c.skip(5);
    else if (version !== 2) this.unsupported(`dataspaces of version ${version}`);
    else if (c.u8() === 2) return null;
    return Array.from({ length: rank }, () => c.uint(8));
  }

  /** The bytes of rows `start` to `stop - 1`, as the layout stores them. */
  #layout(
    header: Header,
    datatype: Datatype,
    shape: number[] | null,
  ): (start: number, stop: number) => Uint8Array {
    const c = new Cursor(header.layout!);
    const version = c.u8();
    const layoutClass = c.u8();
    // Version 4 stores compact and contiguous data as 3 does; its chunk indexes are new.
    if (version !== 3 && version !== 4 || layoutClass > 2) {
      this.unsupported(`data layouts of version ${version}, class ${layoutClass}`);
    }
    if (version === 4 && layoutClass === 2) this.unsupported("chunk indexes of layout version 4");
    const filters = this.#filters(header.filters);
    const rowShape = shape?.slice(1) ?? [];
    const rowBytes = datatype.fileSize * count(rowShape);
    const fill = this.#fill(header.fill, datatype.fileSize);
    const filled = (bytes: number) => {
      const data = new Uint8Array(bytes);
      if (fill !== undefined) { for (let i = 0; i < bytes; i += fill.length) data.set(fill, i); }
      return data;
    };
    if (layoutClass === 0 || layoutClass === 1) {
      const stored = layoutClass === 0 ? c.bytes(c.uint(2)) : undefined;
      const address = layoutClass === 1 ? c.uint(8) : undefinedAddress;
      const rank = shape?.length ? 1 : 0;
      return (start, stop) => {
        const length = (rank ? stop - start : 1) * rowBytes;
        if (stored !== undefined) return stored.slice(start * rowBytes, start * rowBytes + length);
        if (address === undefinedAddress) return filled(length);
        return this.#bytes.at(this.#base + address + start * rowBytes, length).slice();
      };
    }
    const rank = c.u8() - 1;
    const index = c.uint(8);
    const chunk = Array.from({ length: rank }, () => c.uint(4));
    const chunks = index === undefinedAddress ? [] : this.#chunks(index, rank);
    const full = shape ?? [];
    return (start, stop) => {
      const out = filled((stop - start) * rowBytes);
      for (const { offsets, size, mask, address } of chunks) {
        if (offsets[0]! >= stop || offsets[0]! + chunk[0]! <= start) continue;
        let data = this.#bytes.at(this.#base + address, size);
        for (const [i, filter] of [...filters.entries()].reverse()) {
          if (!(mask & (1 << i))) data = filter(data);
        }
        copyChunk(data, out, offsets, chunk, full, start, stop, datatype.fileSize);
      }
      return out;
    };
  }

  /** The filters of a pipeline message, as functions undoing them. */
  #filters(data: Uint8Array | undefined): ((data: Uint8Array) => Uint8Array)[] {
    if (data === undefined) return [];
    const c = new Cursor(data);
    const version = c.u8();
    const n = c.u8();
    if (version === 1) c.skip(6);
    return Array.from({ length: n }, () => {
      const id = c.uint(2);
      const nameLength = version === 1 || id >= 256 ? c.uint(2) : 0;
      c.skip(2);
      const values = c.uint(2);
      c.skip(version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength);
      const parameters = Array.from({ length: values }, () => c.uint(4));
      if (version === 1 && values % 2) c.skip(4);
      if (id === 1) return inflate;
      if (id === 2) return (bytes: Uint8Array) => unshuffle(bytes, parameters[0] ?? 1);
      return this.unsupported(`the filter ${id}`);
    });
  }

  /** The fill value of a dataset, or undefined for zeros. */
  #fill(data: Uint8Array | undefined, size: number): Uint8Array | undefined {
    if (data === undefined) return undefined;
    const c = new Cursor(data);
    const version = c.u8();
    let defined: boolean;
    if (version === 3) defined = (c.u8() & 0x20) !== 0;
    else {
      c.skip(2);
      defined = c.u8() !== 0;
    }
    if (!defined) return undefined;
    const length = c.uint(4);
    if (length !== size) return undefined;
    const value = c.bytes(length);
    return value.some((byte) => byte !== 0) ? value : undefined;
  }

  /** The chunks of a chunked dataset, from the leaves of its v1 B-tree. */
  #chunks(address: number, rank: number) {
    const chunks: { offsets: number[]; size: number; mask: number; address: number }[] = [];
    const keyBytes = 8 + 8 * (rank + 1);
    const visit = (node: number) => {
      const head = this.#bytes.at(this.#base + node, 24);
      if (String.fromCharCode(...head.subarray(0, 4)) !== "TREE" || head[4] !== 1) {
        this.#damaged(`no chunk index node at byte ${node}`);
      }
      const level = head[5]!;
      const entries = head[6]! | head[7]! << 8;
      const c = new Cursor(this.#bytes.at(this.#base + node + 24, entries * (keyBytes + 8)));
      for (let i = 0; i < entries; i++) {
        const size = c.uint(4);
        const mask = c.uint(4);
        const offsets = Array.from({ length: rank }, () => c.uint(8));
        c.skip(8);
        const child = c.uint(8);
        if (level > 0) visit(child);
        else chunks.push({ offsets, size, mask, address: child });
      }
    };
    visit(address);
    return chunks;
  }
}

/** `{ [key]: value }`, or nothing when value is undefined (for exact optional types). */
function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V };
}

function count(shape: readonly number[] | null): number {
  return shape === null ? 0 : shape.reduce((a, b) => a * b, 1);
}

function utf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function integers(data: Uint8Array, size: number, signed: boolean) {
  const buffer = data.slice().buffer;
  if (size === 8) return signed ? new BigInt64Array(buffer) : new BigUint64Array(buffer);
  if (size === 4) return signed ? new Int32Array(buffer) : new Uint32Array(buffer);
  if (size === 2) return signed ? new Int16Array(buffer) : new Uint16Array(buffer);
  return signed ? new Int8Array(buffer) : new Uint8Array(buffer);
}

/** Undo the shuffle filter: bytes grouped by their place in a value, back to values. */
function unshuffle(data: Uint8Array, size: number): Uint8Array {
  const n = Math.floor(data.length / size);
  const out = new Uint8Array(data.length);
  out.set(data.subarray(n * size), n * size);
  for (let b = 0; b < size; b++) {
    for (let i = 0; i < n; i++) out[i * size + b] = data[b * n + i]!;
  }
  return out;
}

/**
 * Copy the part of a chunk that falls in rows `start` to `stop - 1` into `out`, which holds
 * those rows of a dataset of `shape`; runs along the last axis are copied whole.
 */
function copyChunk(
  data: Uint8Array,
  out: Uint8Array,
  offsets: readonly number[],
  chunk: readonly number[],
  shape: readonly number[],
  start: number,
  stop: number,
  size: number,
): void {
  const rank = shape.length;
  const last = rank - 1;
  if (rank === 1) {
    const from = Math.max(start, offsets[0]!);
    const to = Math.min(stop, offsets[0]! + chunk[0]!, shape[0]!);
    const bytes = data.subarray((from - offsets[0]!) * size, (to - offsets[0]!) * size);
    if (to > from) out.set(bytes, (from - start) * size);
    return;
  }
  const run = Math.min(chunk[last]!, shape[last]! - offsets[last]!) * size;
  const index = new Array<number>(rank).fill(0);
  for (;;) {
    const row = offsets[0]! + index[0]!;
    let inside = row >= start && row < stop;
    let source = 0;
    let target = row - start;
    for (let d = 0; d < rank; d++) {
      if (d > 0) target = target * shape[d]! + offsets[d]! + index[d]!;
      source = source * chunk[d]! + index[d]!;
      if (offsets[d]! + index[d]! >= shape[d]!) inside = false;
    }
    if (inside) out.set(data.subarray(source * size, source * size + run), target * size);
    // Next position along all axes but the last.
    let d = last - 1;
    while (d >= 0 && ++index[d]! >= chunk[d]!) index[d--] = 0;
    if (d < 0) return;
  }
}
