/**
 * Finds where each top-level object of a msgpack stream, fed in chunks, starts and ends, so that
 * each can be decoded alone (in linear time, where re-decoding from the start of an object at
 * every chunk would not be) and a cut file is noticed. Strings are checked to be UTF-8 on the
 * way, since the decoder replaces bad bytes silently.
 *
 * @module
 */

import { DocumentFileError } from "./document_file_error.ts";
import { Utf8Check } from "./_utf8.ts";
import { tooLong } from "./_too_long.ts";

/** The bytes of one top-level msgpack object. */
export interface MsgpackFrame {
  /** The object's bytes. */
  bytes: Uint8Array;
  /** Where the object starts in the stream. */
  offset: number;
  /** Position of the object in the stream, counted from 0. */
  index: number;
}

const SCALAR = 0;
const STR = 1;
const BIN = 2;
const EXT = 3;
const ARRAY = 4;
const MAP = 5;
const INVALID = 6;

/** Per head byte: its kind, the bytes of its length field, and its fixed payload or count. */
const KIND = new Uint8Array(256);
const LENGTH_BYTES = new Uint8Array(256);
const FIXED = new Uint8Array(256);

function define(from: number, to: number, kind: number, lengthBytes: number, fixed: number) {
  for (let b = from; b <= to; b++) {
    KIND[b] = kind;
    LENGTH_BYTES[b] = lengthBytes;
    FIXED[b] = fixed;
  }
}
define(0x00, 0x7f, SCALAR, 0, 0);
for (let b = 0x80; b <= 0x8f; b++) define(b, b, MAP, 0, b & 0x0f);
for (let b = 0x90; b <= 0x9f; b++) define(b, b, ARRAY, 0, b & 0x0f);
for (let b = 0xa0; b <= 0xbf; b++) define(b, b, STR, 0, b & 0x1f);
define(0xc0, 0xc0, SCALAR, 0, 0);
define(0xc1, 0xc1, INVALID, 0, 0);
define(0xc2, 0xc3, SCALAR, 0, 0);
define(0xc4, 0xc4, BIN, 1, 0);
define(0xc5, 0xc5, BIN, 2, 0);
define(0xc6, 0xc6, BIN, 4, 0);
define(0xc7, 0xc7, EXT, 1, 0);
define(0xc8, 0xc8, EXT, 2, 0);
define(0xc9, 0xc9, EXT, 4, 0);
define(0xca, 0xca, SCALAR, 0, 4);
define(0xcb, 0xcb, SCALAR, 0, 8);
define(0xcc, 0xcc, SCALAR, 0, 1);
define(0xcd, 0xcd, SCALAR, 0, 2);
define(0xce, 0xce, SCALAR, 0, 4);
define(0xcf, 0xcf, SCALAR, 0, 8);
define(0xd0, 0xd0, SCALAR, 0, 1);
define(0xd1, 0xd1, SCALAR, 0, 2);
define(0xd2, 0xd2, SCALAR, 0, 4);
define(0xd3, 0xd3, SCALAR, 0, 8);
// fixext: a type byte and 1, 2, 4, 8 or 16 bytes of data.
define(0xd4, 0xd4, SCALAR, 0, 2);
define(0xd5, 0xd5, SCALAR, 0, 3);
define(0xd6, 0xd6, SCALAR, 0, 5);
define(0xd7, 0xd7, SCALAR, 0, 9);
define(0xd8, 0xd8, SCALAR, 0, 17);
define(0xd9, 0xd9, STR, 1, 0);
define(0xda, 0xda, STR, 2, 0);
define(0xdb, 0xdb, STR, 4, 0);
define(0xdc, 0xdc, ARRAY, 2, 0);
define(0xdd, 0xdd, ARRAY, 4, 0);
define(0xde, 0xde, MAP, 2, 0);
define(0xdf, 0xdf, MAP, 4, 0);
define(0xe0, 0xff, SCALAR, 0, 0);

function readLength(bytes: Uint8Array, at: number, size: number): number {
  let value = 0;
  for (let k = 0; k < size; k++) value = value * 256 + (bytes[at + k] as number);
  return value;
}

/** Splits a msgpack stream into its top-level objects, none longer than a limit. */
export class MsgpackFramer {
  #source: string;
  #limit: number;
  /** Bytes of the stream before the current chunk. */
  #base = 0;
  /** Values still to read before the current object is complete. */
  #needed = 0;
  /** Payload bytes still to skip. */
  #skip = 0;
  /** The payload being skipped is a string, checked as UTF-8. */
  #checking: Utf8Check | undefined;
  /** A header cut by the end of a chunk: its bytes so far, and its full size. */
  #header = new Uint8Array(5);
  #headerHave = 0;
  #headerSize = 0;
  #inObject = false;
  #objectOffset = 0;
  /** Earlier chunks' parts of the current object. */
  #pieces: Uint8Array[] = [];
  #index = 0;

  /**
   * @param source The file's path or label, for errors.
   * @param limit The longest object, in bytes.
   */
  constructor(source: string, limit = Infinity) {
    this.#source = source;
    this.#limit = limit;
  }

  /**
   * Feed the next chunk.
   * @param chunk The bytes; kept (not copied) until the objects they belong to are complete.
   * @param out Receives the objects the chunk completes.
   * @throws {DocumentFileError} When the bytes are not msgpack pairs, or an object is longer
   * than the limit (as soon as a length says so, or its bytes so far pass it).
   */
  push(chunk: Uint8Array, out: MsgpackFrame[]): void {
    const n = chunk.length;
    let start = 0;
    let i = 0;
    while (i < n) {
      if (this.#skip > 0) {
        const end = Math.min(n, i + this.#skip);
        if (this.#checking !== undefined) this.#checkString(chunk, i, end);
        this.#skip -= end - i;
        i = end;
        if (this.#skip > 0) break;
        if (this.#checking !== undefined) {
          const cut = this.#checking.pending;
          if (cut > 0) throw this.#badString(this.#base + i - cut);
          this.#checking = undefined;
        }
      } else {
        let head: number;
        let length: number;
        if (this.#headerHave > 0) {
          const take = Math.min(n - i, this.#headerSize - this.#headerHave);
          this.#header.set(chunk.subarray(i, i + take), this.#headerHave);
          this.#headerHave += take;
          i += take;
          if (this.#headerHave < this.#headerSize) break;
          head = this.#header[0] as number;
          length = readLength(this.#header, 1, this.#headerSize - 1);
          this.#headerHave = 0;
        } else {
          head = chunk[i] as number;
          if (!this.#inObject) {
            this.#begin(head, i);
            start = i;
          }
          const size = 1 + (LENGTH_BYTES[head] as number);
          if (i + size > n) {
            this.#header.set(chunk.subarray(i, n));
            this.#headerHave = n - i;
            this.#headerSize = size;
            i = n;
            break;
          }
          length = readLength(chunk, i + 1, size - 1);
          i += size;
        }
        this.#value(head, length);
        if (this.#base + i + this.#skip - this.#objectOffset > this.#limit) throw this.#tooLong();
      }
      if (this.#needed === 0 && this.#skip === 0) {
        out.push(this.#frame(chunk, start, i));
        start = i;
      }
    }
    if (this.#inObject) {
      if (this.#base + n - this.#objectOffset > this.#limit) throw this.#tooLong();
      this.#pieces.push(chunk.subarray(start));
    }
    this.#base += n;
  }

  #tooLong(): Error {
    this.#pieces = [];
    const where = { source: this.#source, offset: this.#objectOffset, index: this.#index };
    return tooLong("document", this.#limit, where);
  }

  /**
   * Finish: the stream must not end inside an object.
   * @throws {DocumentFileError} When it does.
   */
  end(): void {
    if (!this.#inObject) return;
    throw new DocumentFileError(
      `Unexpected end of file inside the document that starts at byte ${this.#objectOffset}`,
      { source: this.#source, offset: this.#base, index: this.#index },
    );
  }

  #begin(head: number, at: number): void {
    const kind = KIND[head];
    const where = { source: this.#source, offset: this.#base + at, index: this.#index };
    if (kind !== ARRAY && kind !== MAP) {
      throw new DocumentFileError(
        `Expected a msgpack [name, doc] pair or {name, doc} map, found byte 0x${
          head.toString(16).padStart(2, "0")
        }`,
        where,
      );
    }
    if (head === 0x92 || kind === MAP) {
      this.#inObject = true;
      this.#objectOffset = this.#base + at;
      this.#needed = 1;
      return;
    }
    throw new DocumentFileError(
      "Expected a msgpack [name, doc] pair, found an array of another length",
      where,
    );
  }

  /** Account for a value whose header has been read. */
  #value(head: number, length: number): void {
    this.#needed--;
    switch (KIND[head]) {
      case SCALAR:
        this.#skip = FIXED[head] as number;
        return;
      case STR:
        this.#skip = LENGTH_BYTES[head] === 0 ? FIXED[head] as number : length;
        if (this.#skip > 0) this.#checking = new Utf8Check();
        return;
      case BIN:
        this.#skip = length;
        return;
      case EXT:
        this.#skip = length + 1; // and the type byte
        return;
      case ARRAY:
        this.#needed += LENGTH_BYTES[head] === 0 ? FIXED[head] as number : length;
        return;
      case MAP:
        this.#needed += 2 * (LENGTH_BYTES[head] === 0 ? FIXED[head] as number : length);
        return;
      default:
        throw new DocumentFileError(
          `Invalid msgpack byte 0x${head.toString(16)}`,
          { source: this.#source, offset: this.#objectOffset, index: this.#index },
        );
    }
  }

  #checkString(chunk: Uint8Array, from: number, to: number): void {
    const check = this.#checking as Utf8Check;
    // Most strings are ASCII: skip the checker's state machine for them.
    let i = from;
    if (check.pending === 0) { while (i < to && (chunk[i] as number) < 0x80) i++; }
    if (i === to) return;
    const bad = check.push(chunk, i, to);
    if (bad !== undefined) throw this.#badString(this.#base + bad);
  }

  #badString(offset: number): DocumentFileError {
    return new DocumentFileError(
      `Invalid UTF-8 in a msgpack string at byte ${offset}`,
      { source: this.#source, offset, index: this.#index },
    );
  }

  #frame(chunk: Uint8Array, start: number, end: number): MsgpackFrame {
    let bytes = chunk.subarray(start, end);
    if (this.#pieces.length > 0) {
      this.#pieces.push(bytes);
      let size = 0;
      for (const piece of this.#pieces) size += piece.length;
      bytes = new Uint8Array(size);
      let at = 0;
      for (const piece of this.#pieces) {
        bytes.set(piece, at);
        at += piece.length;
      }
      this.#pieces = [];
    }
    this.#inObject = false;
    return { bytes, offset: this.#objectOffset, index: this.#index++ };
  }
}
