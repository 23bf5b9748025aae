/**
 * The values of the TypeScript HDF5 reader (`./_hdf5_reader.ts`): datatypes, dataspaces, and
 * the layouts that say where a dataset's values are (compact, contiguous, chunked with a v1
 * B-tree of chunks, the deflate and shuffle filters undone), decoded as h5wasm decodes them.
 *
 * @module
 */

import type { Hdf5Type } from "./backend.ts";
import {
  type Bytes,
  Cursor,
  damaged,
  type GlobalHeaps,
  inflate,
  signature,
  undefinedAddress,
  type Unsupported,
} from "./_hdf5_storage.ts";

/** What decoding values needs of the file. */
export interface Context extends Unsupported {
  /** The file's bytes. */
  readonly bytes: Bytes;
  /** The address all others are relative to. */
  readonly base: number;
  /** Its variable-length strings. */
  readonly strings: GlobalHeaps;
}

/** A datatype as read from a message: what the interface shows, and how to decode it. */
export interface Datatype {
  /** The type, as `Hdf5Type` has it. */
  readonly type: Hdf5Type;
  /** Bytes of one value in the file. */
  readonly fileSize: number;
  /** `count` values from the file's bytes. */
  decode(data: Uint8Array, count: number): ArrayLike<number | bigint | string>;
}

/** A datatype message. */
export function datatype(data: Uint8Array, file: Context): Datatype {
  const c = new Cursor(data);
  const head = c.u8();
  const typeClass = head & 0x0f;
  const bits = c.uint(3);
  const size = c.uint(4);
  const base = { size, signed: false, vlen: false, utf8: false };
  if (typeClass === 0) {
    if (bits & 0x01) file.unsupported("big-endian integers");
    const [offset, precision] = [c.uint(2), c.uint(2)];
    if (![1, 2, 4, 8].includes(size) || offset !== 0 || precision !== size * 8) {
      file.unsupported(`integers of ${precision} bits in ${size} bytes`);
    }
    const signed = (bits & 0x08) !== 0;
    return {
      type: { ...base, class: "integer", signed },
      fileSize: size,
      decode: (data) => integers(data, size, signed),
    };
  }
  if (typeClass === 1) {
    if (bits & 0x41) file.unsupported("floats of other byte orders");
    const [offset, precision] = [c.uint(2), c.uint(2)];
    if ((size !== 4 && size !== 8) || offset !== 0 || precision !== size * 8) {
      file.unsupported(`floats of ${precision} bits in ${size} bytes`);
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
        Array.from({ length: n }, (_, i) => file.strings.string(data.subarray(i * 16), utf8)),
    };
  }
  if (typeClass === 8) {
    const members = bits & 0xffff;
    const version = head >> 4;
    const parent = datatype(data.subarray(8), file);
    if (parent.type.class !== "integer") file.unsupported("enums of a base other than integers");
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
  return file.unsupported(`datatypes of class ${name}`);
}

/** A dataspace message: `[]` for a scalar, null for a null dataspace. */
export function dataspace(data: Uint8Array, file: Unsupported): number[] | null {
  const c = new Cursor(data);
  const version = c.u8();
  const rank = c.u8();
  c.skip(1);
  if (version === 1) c.skip(5);
  else if (version !== 2) file.unsupported(`dataspaces of version ${version}`);
  else if (c.u8() === 2) return null;
  return Array.from({ length: rank }, () => c.uint(8));
}

/** The messages of a dataset that say where its values are. */
export interface Storage {
  /** The data layout message. */
  readonly layout: Uint8Array;
  /** The filter pipeline message, if any. */
  readonly filters?: Uint8Array;
  /** The fill value message, if any. */
  readonly fill?: Uint8Array;
}

/**
 * How to read a dataset's values: a function giving the bytes of rows `start` to `stop - 1`
 * (of a scalar, its one value), as stored, filters undone.
 */
export function rowReader(
  storage: Storage,
  datatype: Datatype,
  shape: readonly number[] | null,
  file: Context,
): (start: number, stop: number) => Uint8Array {
  const c = new Cursor(storage.layout);
  const version = c.u8();
  const layoutClass = c.u8();
  // Version 4 stores compact and contiguous data as 3 does; its chunk indexes are new.
  if (version !== 3 && version !== 4 || layoutClass > 2) {
    file.unsupported(`data layouts of version ${version}, class ${layoutClass}`);
  }
  if (version === 4 && layoutClass === 2) file.unsupported("chunk indexes of layout version 4");
  const filters = pipeline(storage.filters, file);
  const rowShape = shape?.slice(1) ?? [];
  const rowBytes = datatype.fileSize * count(rowShape);
  const fill = fillValue(storage.fill, datatype.fileSize);
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
      if (stored !== undefined) return stored.subarray(start * rowBytes, start * rowBytes + length);
      if (address === undefinedAddress) return filled(length);
      return file.bytes.at(file.base + address + start * rowBytes, length);
    };
  }
  const rank = c.u8() - 1;
  const index = c.uint(8);
  const chunk = Array.from({ length: rank }, () => c.uint(4));
  const chunks = index === undefinedAddress ? [] : chunkIndex(index, rank, file);
  const full = shape ?? [];
  return (start, stop) => {
    const out = filled((stop - start) * rowBytes);
    for (const { offsets, size, mask, address } of chunks) {
      if (offsets[0]! >= stop || offsets[0]! + chunk[0]! <= start) continue;
      let data = file.bytes.at(file.base + address, size);
      for (const [i, filter] of [...filters.entries()].reverse()) {
        if (!(mask & (1 << i))) data = filter(data);
      }
      copyChunk(data, out, offsets, chunk, full, start, stop, datatype.fileSize);
    }
    return out;
  };
}

/** The filters of a pipeline message, as functions undoing them. */
function pipeline(
  data: Uint8Array | undefined,
  file: Unsupported,
): ((data: Uint8Array) => Uint8Array)[] {
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
    return file.unsupported(`the filter ${id}`);
  });
}

/** The fill value of a dataset, or undefined for zeros. */
function fillValue(data: Uint8Array | undefined, size: number): Uint8Array | undefined {
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
function chunkIndex(address: number, rank: number, file: Context) {
  const chunks: { offsets: number[]; size: number; mask: number; address: number }[] = [];
  const keyBytes = 8 + 8 * (rank + 1);
  const visit = (node: number) => {
    signature(file.bytes, file.base + node, "TREE");
    const head = file.bytes.at(file.base + node, 24);
    if (head[4] !== 1) damaged(`the B-tree at byte ${node} does not index chunks`);
    const level = head[5]!;
    const entries = head[6]! | head[7]! << 8;
    const c = new Cursor(file.bytes.at(file.base + node + 24, entries * (keyBytes + 8)));
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

/** The number of values of a dataspace. */
export function count(shape: readonly number[] | null): number {
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
