/**
 * Streaming UTF-8 decoding that refuses bad bytes with a {@linkcode DocumentFileError} naming
 * the byte offset and the line; and the error of a NUL byte, which JSON text never holds.
 *
 * @module
 */

import { DocumentFileError } from "./document_file_error.ts";
import { Utf8Check } from "./_utf8.ts";

const NEWLINE = 0x0a;
const REPLACEMENT = "\ufffd";
const EMPTY = new Uint8Array(0);

/** Decodes the chunks of a text file, strictly. */
export class StrictDecoder {
  /**
   * Not fatal: a fatal decoder costs four to five times as much. A bad byte becomes U+FFFD,
   * and only a chunk whose text holds one is checked byte by byte (the file may hold the
   * character itself, which is good UTF-8).
   */
  #decoder = new TextDecoder("utf-8");
  #source: string;
  #line: () => number;
  /** Bytes decoded before the current chunk. */
  #offset = 0;
  /** The last bytes of the previous chunk, where a cut sequence may have started. */
  #tail: Uint8Array = EMPTY;

  /**
   * @param source The file's path or label, for errors.
   * @param line Gives the line that the text decoded so far ends on, for errors.
   */
  constructor(source: string, line: () => number) {
    this.#source = source;
    this.#line = line;
  }

  /**
   * Decode the next chunk.
   * @param chunk The bytes.
   * @returns The text they complete.
   */
  decode(chunk: Uint8Array): string {
    const text = this.#decoder.decode(chunk, { stream: true });
    if (text.includes(REPLACEMENT)) {
      const at = this.#checkTail().push(chunk);
      if (at !== undefined) throw this.#error(chunk, at);
    }
    this.#offset += chunk.length;
    this.#tail = chunk.length >= 3
      ? chunk.subarray(chunk.length - 3)
      : lastThree(this.#tail, chunk);
    return text;
  }

  /**
   * The error of a NUL byte right after the bytes decoded so far. A NUL is never part of a
   * longer UTF-8 sequence, so the offset is exact. Files of zeros (a gzip bomb, `/dev/zero`)
   * are refused at their first byte this way, not after the line limit.
   * @returns The error, naming the byte and the line.
   */
  nulError(): DocumentFileError {
    const where = { source: this.#source, line: this.#line(), offset: this.#offset };
    return new DocumentFileError(
      `A NUL byte at byte ${this.#offset}: not JSON text (a binary file, or zeros)`,
      where,
    );
  }

  /**
   * Finish: the file must not end inside a character.
   * @returns The text still held back.
   */
  end(): string {
    const check = this.#checkTail();
    const text = this.#decoder.decode();
    if (check.pending === 0) return text;
    const offset = this.#offset - check.pending;
    throw new DocumentFileError(
      `Invalid UTF-8: the file ends inside a character, at byte ${offset}`,
      { source: this.#source, line: this.#line(), offset },
    );
  }

  /** A checker that has seen the character the previous chunk may have left unfinished. */
  #checkTail(): Utf8Check {
    const tail = this.#tail;
    let start = tail.length;
    // Any byte that is not a continuation byte starts a character.
    for (let i = tail.length - 1; i >= 0; i--) {
      if (((tail[i] as number) & 0xc0) !== 0x80) {
        start = i;
        break;
      }
    }
    const check = new Utf8Check();
    check.push(tail, start);
    return check;
  }

  /** The error of a bad sequence starting at `at` in `chunk` (negative: in the one before). */
  #error(chunk: Uint8Array, at: number): DocumentFileError {
    const where = { source: this.#source, line: this.#line() };
    const offset = this.#offset + at;
    let line = where.line;
    for (let i = chunk.indexOf(NEWLINE); i !== -1 && i < at; i = chunk.indexOf(NEWLINE, i + 1)) {
      line++;
    }
    const byte = at >= 0 ? chunk[at] as number : this.#tail[this.#tail.length + at] as number;
    const hex = byte.toString(16).padStart(2, "0");
    return new DocumentFileError(
      `Invalid UTF-8 at byte ${offset} (0x${hex})`,
      { source: this.#source, line, offset },
    );
  }
}

function lastThree(tail: Uint8Array, chunk: Uint8Array): Uint8Array {
  const joined = new Uint8Array(tail.length + chunk.length);
  joined.set(tail);
  joined.set(chunk, tail.length);
  return joined.subarray(Math.max(0, joined.length - 3));
}
