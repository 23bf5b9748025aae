/**
 * The error of a line or document longer than `maxDocumentSize`.
 *
 * @module
 */

import { DocumentFileError, type DocumentFileErrorWhere } from "./document_file_error.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** A size for messages: `256 MiB`, `64 KiB`, `1000 bytes`. */
function sizeText(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}

/**
 * The error of a line (JSON Lines) or document longer than the limit; reading stops there,
 * so no more than the limit and one chunk is ever held.
 * @param what `"line"` or `"document"`.
 * @param limit The limit.
 * @param where The file and the place in it.
 * @returns The error.
 */
export function tooLong(
  what: "line" | "document",
  limit: number,
  where: DocumentFileErrorWhere,
): DocumentFileError {
  return new DocumentFileError(
    `The ${what} is longer than the limit of ${sizeText(limit)} (maxDocumentSize): ` +
      "not a document file, or raise the limit",
    where,
  );
}
