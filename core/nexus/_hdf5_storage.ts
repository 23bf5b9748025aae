/**
 * The storage underneath the TypeScript HDF5 reader (`./_hdf5_reader.ts`): the file's bytes,
 * little-endian fields, fractal heaps and v2 B-trees (where groups and objects with many
 * links or attributes keep them), and the deflate filter.
 *
 * @module
 */

import { openToRead } from "./_open_file.ts";

/**
 * A file uses a structure the TypeScript reader does not read: the caller reads the file
 * with h5wasm instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Hdf5FormatUnsupported } from "./_hdf5_storage.ts";
 * const error = new Hdf5FormatUnsupported("a.h5", "the filter 32008");
 * assert.equal(error.message, `"a.h5" uses the filter 32008, which the TypeScript reader does not read`);
 * ```
 */
export class Hdf5FormatUnsupported extends Error {
  /** The file. */
  readonly path: string;
  /** What in it the reader does not read. */
  readonly feature: string;

  /**
   * @param path The file.
   * @param feature What in it the reader does not read.
   */
  constructor(path: string, feature: string) {
    super(`"${path}" uses ${feature}, which the TypeScript reader does not read`);
    this.name = "Hdf5FormatUnsupported";
    this.path = path;
    this.feature = feature;
  }
}

/** What a structure of the file calls when it meets something the reader does not read. */
export interface Unsupported {
  /** Throw {@linkcode Hdf5FormatUnsupported} for `feature`. */
  unsupported(feature: string): never;
}

/**
 * Throw the error of a damaged file: what is wrong, for the reader to name the file and the
 * object.
 */
export function damaged(what: string): never {
  throw new Error(`the file is damaged: ${what}`);
}

/** The value of an address that points nowhere (all bits set). */
export const undefinedAddress = -1;

/** Files up to this size are read whole when opened; larger ones a piece at a time. */
const WHOLE = 32 * 1024 * 1024;

/** The bytes of a file, read whole or, for a large file, where they are asked for. */
export class Bytes {
  readonly path: string;
  readonly size: number;
  readonly #whole: Uint8Array | undefined;
  readonly #file: Deno.FsFile | undefined;

  private constructor(path: string, size: number, whole?: Uint8Array, file?: Deno.FsFile) {
    this.path = path;
    this.size = size;
    this.#whole = whole;
    this.#file = file;
  }

  /**
   * Open `path`.
   * @param path The file.
   * @param readWhole Up to which size it is read whole.
   * @throws {Deno.errors.NotFound} Naming the file, when it does not exist.
   * @throws {Error} Naming the file, when it is not a file.
   */
  static async open(path: string, readWhole = WHOLE): Promise<Bytes> {
    const { file, size } = await openToRead(path);
    try {
      if (size > readWhole) return new Bytes(path, size, undefined, file);
      const whole = new Uint8Array(size);
      for (let got = 0; got < size;) {
        const n = await file.read(whole.subarray(got));
        if (n === null) throw new Error(`Cannot read "${path}": it ended while being read`);
        got += n;
      }
      file.close();
      return new Bytes(path, size, whole);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** `length` bytes from `offset` (a view of the file's bytes: do not change them). */
  at(offset: number, length: number): Uint8Array {
    if (offset < 0 || offset + length > this.size) {
      damaged(`it ends at byte ${this.size}, before byte ${offset + length}`);
    }
    if (this.#whole !== undefined) return this.#whole.subarray(offset, offset + length);
    const bytes = new Uint8Array(length);
    this.#file!.seekSync(offset, Deno.SeekMode.Start);
    for (let got = 0; got < length;) {
      const n = this.#file!.readSync(bytes.subarray(got));
      if (n === null) damaged(`it ended at byte ${offset + got} while being read`);
      got += n;
    }
    return bytes;
  }

  /** Close the file, when it was not read whole. */
  close(): void {
    this.#file?.close();
  }
}

/** Little-endian fields, one after another. */
export class Cursor {
  readonly data: Uint8Array;
  pos: number;

  constructor(data: Uint8Array, pos = 0) {
    this.data = data;
    this.pos = pos;
  }

  u8(): number {
    return this.uint(1);
  }

  /** An unsigned integer of `n` bytes; an address of 8 bytes all set is `undefinedAddress`. */
  uint(n: number): number {
    if (this.pos + n > this.data.length) {
      throw new RangeError(
        `A field runs past its structure (${this.pos + n} > ${this.data.length})`,
      );
    }
    let value = 0;
    let all = true;
    for (let i = n - 1; i >= 0; i--) {
      const byte = this.data[this.pos + i]!;
      all &&= byte === 0xff;
      value = value * 256 + byte;
    }
    this.pos += n;
    return n === 8 && all ? undefinedAddress : value;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.data.length) {
      throw new RangeError(
        `A field runs past its structure (${this.pos + n} > ${this.data.length})`,
      );
    }
    this.pos += n;
    return this.data.subarray(this.pos - n, this.pos);
  }

  skip(n: number): void {
    this.pos += n;
  }
}

/** Throw unless the bytes at `at` are the signature of a structure. */
export function signature(bytes: Bytes, at: number, expected: string): void {
  const got = String.fromCharCode(...bytes.at(at, 4));
  if (got !== expected) damaged(`no ${expected} block at byte ${at}`);
}

/** The smallest number of bytes that hold `n`. */
function bytesFor(n: number): number {
  return Math.floor(Math.log2(n) / 8) + 1;
}

/**
 * The records of a v2 B-tree of `type` (5: a group's links by name, 8: attributes by name),
 * in no particular order.
 */
export function v2BTreeRecords(
  bytes: Bytes,
  base: number,
  address: number,
  type: number,
  file: Unsupported,
): Uint8Array[] {
  signature(bytes, base + address, "BTHD");
  const c = new Cursor(bytes.at(base + address + 4, 34));
  c.skip(1);
  if (c.u8() !== type) file.unsupported(`v2 B-trees of type ${c.data[1]}`);
  const nodeSize = c.uint(4);
  const recordSize = c.uint(2);
  const depth = c.uint(2);
  c.skip(2);
  const root = c.uint(8);
  const rootRecords = c.uint(2);
  // Sizes of the fields counting records below a node, which depend on the node's depth.
  const leafMax = Math.floor((nodeSize - 10) / recordSize);
  const countBytes = bytesFor(leafMax);
  const cumulative = [leafMax];
  const cumulativeBytes = [0];
  for (let d = 1; d <= depth; d++) {
    const pointer = 8 + countBytes + (d > 1 ? cumulativeBytes[d - 1]! : 0);
    const max = Math.floor((nodeSize - 10 - pointer) / (recordSize + pointer));
    cumulative[d] = (max + 1) * cumulative[d - 1]! + max;
    cumulativeBytes[d] = bytesFor(cumulative[d]!);
  }
  const records: Uint8Array[] = [];
  const visit = (node: number, n: number, d: number) => {
    signature(bytes, base + node, d === 0 ? "BTLF" : "BTIN");
    const c = new Cursor(bytes.at(base + node, nodeSize), 6);
    for (let i = 0; i < n; i++) records.push(c.bytes(recordSize));
    if (d === 0) return;
    const children: [number, number][] = [];
    for (let i = 0; i <= n; i++) {
      const child = c.uint(8);
      const count = c.uint(countBytes);
      if (d > 1) c.skip(cumulativeBytes[d - 1]!);
      children.push([child, count]);
    }
    for (const [child, count] of children) visit(child, count, d - 1);
  };
  if (root !== undefinedAddress && rootRecords > 0) visit(root, rootRecords, depth);
  return records;
}

/**
 * A fractal heap: objects (links, attributes) in direct blocks, under a root that is one
 * direct block or an indirect block of direct blocks.
 */
export class FractalHeap {
  readonly #bytes: Bytes;
  readonly #base: number;
  readonly #file: Unsupported;
  readonly #width: number;
  readonly #startSize: number;
  readonly #maxDirect: number;
  readonly #root: number;
  readonly #rows: number;
  readonly #offsetBytes: number;
  readonly #lengthBytes: number;

  constructor(bytes: Bytes, base: number, address: number, file: Unsupported) {
    this.#bytes = bytes;
    this.#base = base;
    this.#file = file;
    signature(bytes, base + address, "FRHP");
    const c = new Cursor(bytes.at(base + address + 4, 142));
    c.skip(3); // version, heap ID length
    if (c.uint(2) !== 0) file.unsupported("fractal heaps with filters");
    c.skip(1); // flags: whether blocks have checksums, which are not verified
    const maxManaged = c.uint(4);
    c.skip(8 * 12);
    this.#width = c.uint(2);
    this.#startSize = c.uint(8);
    this.#maxDirect = c.uint(8);
    const maxHeapBits = c.uint(2);
    c.skip(2);
    this.#root = c.uint(8);
    this.#rows = c.uint(2);
    this.#offsetBytes = Math.ceil(maxHeapBits / 8);
    this.#lengthBytes = Math.min(Math.ceil(Math.log2(this.#maxDirect) / 8), bytesFor(maxManaged));
  }

  /** The object a heap ID names. */
  object(id: Uint8Array): Uint8Array {
    const c = new Cursor(id);
    const kind = c.u8() >> 4 & 0x03;
    if (kind !== 0) this.#file.unsupported(kind === 1 ? "huge heap objects" : "tiny heap objects");
    const offset = c.uint(this.#offsetBytes);
    const length = c.uint(this.#lengthBytes);
    const [block, start] = this.#block(offset);
    return this.#bytes.at(this.#base + block + offset - start, length);
  }

  /** The address of the direct block holding heap offset `offset`, and the offset it starts at. */
  #block(offset: number): [number, number] {
    if (this.#rows === 0) {
      signature(this.#bytes, this.#base + this.#root, "FHDB");
      return [this.#root, 0];
    }
    signature(this.#bytes, this.#base + this.#root, "FHIB");
    const directRows = Math.log2(this.#maxDirect) - Math.log2(this.#startSize) + 2;
    let start = 0;
    for (let row = 0; row < this.#rows; row++) {
      const size = this.#startSize * 2 ** Math.max(0, row - 1);
      if (offset < start + this.#width * size) {
        if (row >= directRows) this.#file.unsupported("fractal heaps of nested indirect blocks");
        const column = Math.floor((offset - start) / size);
        const entry = 5 + 8 + this.#offsetBytes + (row * this.#width + column) * 8;
        const block = new Cursor(this.#bytes.at(this.#base + this.#root + entry, 8)).uint(8);
        if (block === undefinedAddress) break;
        return [block, start + column * size];
      }
      start += this.#width * size;
    }
    return damaged(`no heap block holds offset ${offset}`);
  }
}

/**
 * The global heaps of a file, where variable-length strings are: each collection read once,
 * when a string in it is first asked for.
 */
export class GlobalHeaps {
  readonly #bytes: Bytes;
  readonly #base: number;
  readonly #collections = new Map<number, Map<number, Uint8Array>>();

  constructor(bytes: Bytes, base: number) {
    this.#bytes = bytes;
    this.#base = base;
  }

  /**
   * The string a variable-length string's 16 bytes name: its length, the collection's
   * address and the object's index. It ends at its first NUL, as h5wasm's (C strings) do.
   */
  string(reference: Uint8Array, utf8: boolean): string {
    const c = new Cursor(reference);
    const length = c.uint(4);
    const address = c.uint(8);
    const index = c.uint(4);
    if (length === 0 || address === undefinedAddress || address === 0) return "";
    let collection = this.#collections.get(address);
    if (collection === undefined) {
      collection = this.#collection(address);
      this.#collections.set(address, collection);
    }
    const object = collection.get(index);
    if (object === undefined) damaged(`no object ${index} in the global heap at byte ${address}`);
    const end = object.indexOf(0);
    const text = end < 0 ? object : object.subarray(0, end);
    return utf8 ? new TextDecoder().decode(text) : String.fromCharCode(...text);
  }

  #collection(address: number): Map<number, Uint8Array> {
    const at = this.#base + address;
    signature(this.#bytes, at, "GCOL");
    const size = new Cursor(this.#bytes.at(at + 8, 8)).uint(8);
    const c = new Cursor(this.#bytes.at(at, size), 16);
    const objects = new Map<number, Uint8Array>();
    while (c.pos + 16 <= size) {
      const index = c.uint(2);
      c.skip(6); // reference count, reserved
      const length = c.uint(8);
      if (index === 0) break; // the free space, at the end
      objects.set(index, c.bytes(length));
      c.skip((8 - length % 8) % 8);
    }
    return objects;
  }
}

type Zlib = { inflateSync(data: Uint8Array): Uint8Array };
let zlib: Zlib | undefined;

/**
 * Undo the deflate filter. Node's zlib is loaded the first time a chunk needs it: it costs
 * start-up time a listing of a file without compressed fields need not pay.
 */
export function inflate(data: Uint8Array): Uint8Array {
  zlib ??= (globalThis as unknown as {
    process: { getBuiltinModule(name: string): Zlib };
  }).process.getBuiltinModule("node:zlib");
  // A plain view of node's Buffer: a Buffer's slice() shares its memory instead of copying.
  const out = zlib.inflateSync(data);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
