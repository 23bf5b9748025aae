/**
 * Cuts JSON Lines text, fed in chunks, into its lines; blank lines are left out.
 *
 * bluesky's `JSONLinesWriter` ends the stop document without a newline, so when it appends a
 * second run to a file, the run's start document follows on the same line: such a line is cut
 * into its values by {@linkcode splitValues}.
 *
 * @module
 */

import type { TextItem } from "./_json_array_splitter.ts";
import { tooLong } from "./_too_long.ts";

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (!isSpace(line.charCodeAt(i))) return false;
  return true;
}

/**
 * Cut a line holding several JSON objects or arrays one after another into their texts.
 *
 * @param line The line.
 * @returns The texts, the last one unfinished if the line ends inside a value; `undefined`
 * unless the line starts with an object or array that something other than white space follows.
 */
export function splitValues(line: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (depth === 0) {
      if (c === 0x5b || c === 0x7b) {
        start = i;
        depth = 1;
      } else if (!isSpace(c)) return undefined;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) depth++;
    else if ((c === 0x5d || c === 0x7d) && --depth === 0) parts.push(line.slice(start, i + 1));
  }
  if (depth > 0) parts.push(line.slice(start));
  return parts.length > 1 ? parts : undefined;
}

/** Splits JSON Lines text into lines, none longer than a limit. */
export class JsonLinesSplitter {
  readonly #source: string;
  readonly #limit: number;
  /** Earlier chunks' parts of the current line, and their length. */
  #pieces: string[] = [];
  #size = 0;
  #line = 1;

  /**
   * @param source The file's path or label, for errors.
   * @param limit The longest line, in UTF-16 code units (the bytes, for ASCII text).
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
   * @param out Receives the lines the chunk completes.
   * @throws {DocumentFileError} When the current line grows longer than the limit: at once,
   * not at its end, so that a file without newlines is not held whole.
   */
  push(s: string, out: TextItem[]): void {
    let i = 0;
    for (let nl = s.indexOf("\n"); nl !== -1; nl = s.indexOf("\n", i)) {
      if (this.#size + nl - i > this.#limit) throw this.#tooLong();
      let text = s.slice(i, nl);
      if (this.#pieces.length > 0) {
        this.#pieces.push(text);
        text = this.#pieces.join("");
        this.#pieces = [];
        this.#size = 0;
      }
      this.#add(text, out);
      this.#line++;
      i = nl + 1;
    }
    if (i < s.length) {
      this.#size += s.length - i;
      if (this.#size > this.#limit) throw this.#tooLong();
      this.#pieces.push(i === 0 ? s : s.slice(i));
    }
  }

  /**
   * Finish: a last line without a newline counts too.
   * @param out Receives that line.
   */
  end(out: TextItem[]): void {
    if (this.#pieces.length === 0) return;
    const text = this.#pieces.join("");
    this.#pieces = [];
    this.#size = 0;
    this.#add(text, out);
  }

  #tooLong(): Error {
    this.#pieces = [];
    this.#size = 0;
    return tooLong("line", this.#limit, { source: this.#source, line: this.#line });
  }

  #add(text: string, out: TextItem[]): void {
    if (!isBlank(text)) out.push({ text, line: this.#line });
  }
}
