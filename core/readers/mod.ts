/**
 * Files of bluesky documents: JSON arrays of pairs, JSON Lines and msgpack, each optionally
 * gzipped, read in constant memory; and a JSON Lines writer.
 *
 * @example Read the runs of a file
 * ```ts ignore
 * import { readDocuments } from "./mod.ts";
 * for await (const [name, doc] of readDocuments("runs.jsonl.gz")) {
 *   if (name === "start") console.log(doc.uid);
 * }
 * ```
 *
 * @module
 */

export {
  detectFormat,
  readDocuments,
  readDocumentsDefaults,
  readDocumentStream,
} from "./read_documents.ts";
export type { DocumentFileFormat, ReadDocumentsOptions } from "./read_documents.ts";
export { DocumentFileError } from "./document_file_error.ts";
export type { DocumentFileErrorWhere } from "./document_file_error.ts";
export { JsonLinesWriter, writeJsonLines } from "./json_lines_writer.ts";
