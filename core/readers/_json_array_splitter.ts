/**
 * Cuts the text of a JSON array, fed in chunks, into the texts of its items, so that each item
 * can be parsed alone and the whole array never sits in memory. Only the brackets, braces and
 * strings are followed; the items themselves are checked by `JSON.parse`.
 *
 * @module
 */

import { DocumentFileError } from "./document_file_error.ts";
import { tooLong } from "./_too_long.ts";

/** The text of one item of a document file and where it starts. */
export interface TextItem {
  /** The item's JSON text. */
  text: string;
  /** Line where the item starts, counted from 1. */
  line: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** Where the splitter is in the array. */
const Phase = {
  /** Before the array's `[`. */
  Start: 0,
  /** After `[`: an item or `]`. */
  First: 1,
  /** Inside an item. */
  Item: 2,
  /** After an item: `,` or `]`. */
  AfterItem: 3,
  /** After `,`: an item. */
  Next: 4,
  /** After the closing `]`: only white space. */
  Done: 5,
} as const;

/** What each UTF-16 code unit means to the scan inside an item. */
const PLAIN = 0;
const OPEN = 1;
const CLOSE = 2;
const STRING = 3;
const LINE = 4;
const KIND = new Uint8Array(65536);
KIND[OPEN_BRACKET] = KIND[OPEN_BRACE] = OPEN;
KIND[CLOSE_BRACKET] = KIND[CLOSE_BRACE] = CLOSE;
KIND[QUOTE] = STRING;
KIND[NEWLINE] = LINE;

function isSpace(c: number): boolean {
  return c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09;
}

/** What a JSON value starting with character `c` is, for messages. */
function scalar(c: number): string {
  if (c === QUOTE) return "a string";
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return "a number";
  if (c === 0x74 || c === 0x66) return "a boolean";
  if (c === 0x6e) return "null";
  return JSON.stringify(String.fromCharCode(c));
}

/** Splits a JSON array into the texts of its items, none longer than a limit. */
export class JsonArraySplitter {
  #source: string;
  #limit: number;
  #phase: number = Phase.Start;
  /** Open brackets and braces inside the current item. */
  #depth = 0;
  #inString = false;
  /** The previous character, in an earlier chunk, was a backslash escaping the next one. */
  #escaped = false;
  /** Earlier chunks' parts of the current item, and their length. */
  #pieces: string[] = [];
  #size = 0;
  #line = 1;
  #itemLine = 1;
  #index = 0;

  /**
   * @param source The file's path or label, for errors.
   * @param limit The longest item, in UTF-16 code units (the bytes, for ASCII text).
   */
  constructor(source: string, limit: number) {
    this.#source = source;
    this.#limit = limit;
  }

  /** Line that the text fed so far ends on, counted from 1. */
  get line(): number {
    return this.#line;
  }

  /**
   * Feed the next chunk of text.
   * @param s The chunk.
   * @param out Receives the items the chunk completes.
   * @throws {DocumentFileError} When the text is not a JSON array, or an item grows longer
   * than the limit (at once, so that an item that never ends is not held whole).
   */
  push(s: string, out: TextItem[]): void {
    const n = s.length;
    let i = 0;
    let start = 0;
    while (i < n) {
      if (this.#phase !== Phase.Item) {
        i = this.#between(s, i, n);
        if (this.#phase === Phase.Item) start = i - 1;
        continue;
      }
      if (this.#inString) {
        i = this.#skipString(s, i, n);
        continue;
      }
      let depth = this.#depth;
      let line = this.#line;
      for (; i < n; i++) {
        const kind = KIND[s.charCodeAt(i)];
        if (kind === PLAIN) continue;
        if (kind === OPEN) depth++;
        else if (kind === CLOSE) {
          if (--depth === 0) break;
        } else if (kind === STRING) break;
        else line++;
      }
      this.#depth = depth;
      this.#line = line;
      if (i === n) break;
      if (s.charCodeAt(i) === QUOTE) {
        this.#inString = true;
        i++;
        continue;
      }
      // The item's closing bracket.
      i++;
      if (this.#size + i - start > this.#limit) throw this.#tooLong();
      const tail = s.slice(start, i);
      let text = tail;
      if (this.#pieces.length > 0) {
        this.#pieces.push(tail);
        text = this.#pieces.join("");
        this.#pieces = [];
        this.#size = 0;
      }
      out.push({ text, line: this.#itemLine });
      this.#index++;
      this.#phase = Phase.AfterItem;
    }
    if (this.#phase === Phase.Item) {
      this.#size += n - start;
      if (this.#size > this.#limit) throw this.#tooLong();
      this.#pieces.push(start === 0 ? s : s.slice(start));
    }
  }

  #tooLong(): Error {
    this.#pieces = [];
    this.#size = 0;
    const where = { source: this.#source, line: this.#itemLine, index: this.#index };
    return tooLong("document", this.#limit, where);
  }

  /**
   * Finish: the array must be closed.
   * @throws {DocumentFileError} When the text ends before the array's `]`.
   */
  end(): void {
    if (this.#phase === Phase.Done) return;
    const where = { source: this.#source, line: this.#line };
    if (this.#phase === Phase.Start) {
      throw new DocumentFileError("Unexpected end of file: no JSON array", where);
    }
    if (this.#phase === Phase.Item) {
      throw new DocumentFileError(
        `Unexpected end of file inside the item that starts on line ${this.#itemLine}`,
        { ...where, index: this.#index },
      );
    }
    throw new DocumentFileError('Unexpected end of file: the array has no closing "]"', where);
  }

  /** Skip string characters from `i`; returns where scanning goes on. */
  #skipString(s: string, i: number, n: number): number {
    if (this.#escaped) {
      this.#escaped = false;
      i++;
    }
    while (i < n) {
      const q = s.indexOf('"', i);
      const end = q === -1 ? n : q;
      let k = end;
      while (k > i && s.charCodeAt(k - 1) === BACKSLASH) k--;
      const odd = ((end - k) & 1) === 1;
      if (q === -1) {
        this.#escaped = odd;
        return n;
      }
      i = q + 1;
      if (!odd) {
        this.#inString = false;
        return i;
      }
    }
    return i;
  }

  /** Read white space and punctuation between items from `i`; returns where scanning goes on. */
  #between(s: string, i: number, n: number): number {
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (isSpace(c)) {
        if (c === NEWLINE) this.#line++;
        continue;
      }
      switch (this.#phase) {
        case Phase.Start:
          if (c !== OPEN_BRACKET) throw this.#unexpected(c, 'expected "[" to open a JSON array');
          this.#phase = Phase.First;
          continue;
        case Phase.AfterItem:
          if (c === COMMA) this.#phase = Phase.Next;
          else if (c === CLOSE_BRACKET) this.#phase = Phase.Done;
          else throw this.#unexpected(c, 'expected "," or "]" after an item');
          continue;
        case Phase.Done:
          throw this.#unexpected(c, "expected nothing after the end of the array");
        default: // First or Next
          if (c === OPEN_BRACKET || c === OPEN_BRACE) {
            this.#phase = Phase.Item;
            this.#depth = 1;
            this.#itemLine = this.#line;
            return i + 1;
          }
          if (c === CLOSE_BRACKET && this.#phase === Phase.First) {
            this.#phase = Phase.Done;
            continue;
          }
          throw new DocumentFileError(
            c === CLOSE_BRACKET
              ? 'Unexpected "]" after ","'
              : `Expected a [name, doc] pair or a {name, doc} object, found ${scalar(c)}`,
            { source: this.#source, line: this.#line, index: this.#index },
          );
      }
    }
    return i;
  }

  #unexpected(c: number, expected: string): DocumentFileError {
    return new DocumentFileError(
      `Unexpected ${JSON.stringify(String.fromCharCode(c))}: ${expected}`,
      { source: this.#source, line: this.#line },
    );
  }
}
