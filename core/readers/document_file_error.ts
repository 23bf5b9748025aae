/**
 * The error of a document file that cannot be read: bad bytes, bad JSON or msgpack, or an item
 * that is not a `[name, doc]` pair.
 *
 * @module
 */

/** Where in a document file a problem is. */
export interface DocumentFileErrorWhere {
  /** The file's path, or a label of the stream. */
  source: string;
  /** Line, counted from 1 (JSON Lines, and the line where a JSON array's item starts). */
  line?: number | undefined;
  /** Position of the document in the file, counted from 0. */
  index?: number | undefined;
  /** Byte offset in the file's content (after decompression for a gzipped file). */
  offset?: number | undefined;
}

/**
 * A document file cannot be read. The message starts with the file and the place in it: the
 * line when known, else the byte offset, then the document's position counted from 1.
 *
 * @example The place shows in the message
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentFileError } from "./document_file_error.ts";
 *
 * const error = new DocumentFileError("Unexpected end of JSON input", {
 *   source: "runs.jsonl",
 *   line: 12,
 *   index: 10,
 * });
 * assert.equal(
 *   error.message,
 *   'File "runs.jsonl", line 12, document 11: Unexpected end of JSON input',
 * );
 * assert.equal(error.index, 10);
 * ```
 */
export class DocumentFileError extends Error {
  /** Always `"DocumentFileError"`. */
  override name = "DocumentFileError";
  /** The file's path, or a label of the stream. */
  readonly source: string;
  /** Line of the problem, counted from 1, when the format has lines. */
  readonly line: number | undefined;
  /** Position of the document concerned, counted from 0, when there is one. */
  readonly index: number | undefined;
  /** Byte offset of the problem in the file's (decompressed) content, when known. */
  readonly offset: number | undefined;

  /**
   * Make the error; the file and the place in it are put before the message.
   *
   * @param message What is wrong.
   * @param where The file and the place in it.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, where: DocumentFileErrorWhere, options?: ErrorOptions) {
    const parts = [`File "${where.source}"`];
    if (where.line !== undefined) parts.push(`line ${where.line}`);
    else if (where.offset !== undefined) parts.push(`byte ${where.offset}`);
    if (where.index !== undefined) parts.push(`document ${where.index + 1}`);
    super(`${parts.join(", ")}: ${message}`, options);
    this.source = where.source;
    this.line = where.line;
    this.index = where.index;
    this.offset = where.offset;
  }
}
