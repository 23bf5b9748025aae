/**
 * Telling the format of a document file from its name and first bytes.
 *
 * @module
 */

import { constants, gunzipSync } from "node:zlib";
import { DocumentFileError } from "./document_file_error.ts";

/**
 * Formats of document files: a JSON array of `[name, doc]` pairs (`"json"`), one document per
 * line (`"jsonl"`), or a stream of msgpack `[name, doc]` pairs (`"msgpack"`).
 *
 * @example By extension
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectFormat, type DocumentFileFormat } from "./detect_format.ts";
 * const format: DocumentFileFormat = detectFormat("runs.jsonl", new Uint8Array()).format;
 * assert.equal(format, "jsonl");
 * ```
 */
export type DocumentFileFormat = "json" | "jsonl" | "msgpack";

const EXTENSIONS: Readonly<Record<string, DocumentFileFormat>> = {
  json: "json",
  jsonl: "jsonl",
  ndjson: "jsonl",
  msgpack: "msgpack",
};

/**
 * Tells whether bytes start with the gzip magic number.
 * @param bytes The first bytes.
 * @returns `true` when they start with `1f 8b`.
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The format that uncompressed bytes look like, or `undefined`. */
function sniff(bytes: Uint8Array): DocumentFileFormat | undefined {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // UTF-8 BOM
  while (isSpace(bytes[i])) i++;
  const first = bytes[i];
  if (first === undefined) return "jsonl"; // no documents, and JSON Lines reads that as such
  if (first === 0x7b) return "jsonl"; // {
  if (first === 0x5b) { // [
    i++;
    while (isSpace(bytes[i])) i++;
    return bytes[i] === 0x22 ? "jsonl" : "json"; // `["name", ...]` is a line, `[[` or `[{` an array
  }
  // A msgpack array (0x90-0x9f, 0xdc, 0xdd) or map (0x80-0x8f, 0xde, 0xdf).
  if ((first >= 0x80 && first <= 0x9f) || (first >= 0xdc && first <= 0xdf)) return "msgpack";
  return undefined;
}

/**
 * Tell the format of a document file and whether it is gzipped. Gzip shows in a `.gz` suffix or
 * the magic bytes `1f 8b`. The format comes from the extension (`.json`, `.jsonl` or `.ndjson`,
 * `.msgpack`, before any `.gz`); failing that, from the content: `[[` or `[{` starts a JSON
 * array, `["` or `{` a JSON Lines file, a msgpack array or map head a msgpack stream. The
 * content of a gzipped file is looked at after decompressing what `firstBytes` holds.
 *
 * @param path The file's path (only its name is used).
 * @param firstBytes The first bytes of the file as stored; a few kilobytes are plenty.
 * @returns The format, and whether the file is gzipped.
 * @throws {DocumentFileError} When neither the name nor the content tells the format.
 *
 * @example By the extension, or by the content
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectFormat } from "./detect_format.ts";
 *
 * const none = new Uint8Array();
 * assert.deepEqual(detectFormat("runs.jsonl.gz", none), { format: "jsonl", gzip: true });
 * const array = new TextEncoder().encode('[\n  ["start", {"uid": "a"}],');
 * assert.deepEqual(detectFormat("runs.txt", array), { format: "json", gzip: false });
 * const lines = new TextEncoder().encode('["start", {"uid": "a"}]\n');
 * assert.deepEqual(detectFormat("runs.txt", lines), { format: "jsonl", gzip: false });
 * ```
 */
export function detectFormat(
  path: string,
  firstBytes: Uint8Array,
): { format: DocumentFileFormat; gzip: boolean } {
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  const gzipName = name.endsWith(".gz");
  const gzip = gzipName || isGzip(firstBytes);
  const stem = gzipName ? name.slice(0, -3) : name;
  const extension = stem.includes(".") ? stem.slice(stem.lastIndexOf(".") + 1) : "";
  const named = Object.hasOwn(EXTENSIONS, extension) ? EXTENSIONS[extension] : undefined;
  if (named !== undefined) return { format: named, gzip };
  let content = firstBytes;
  if (gzip && firstBytes.length > 0) {
    try {
      // Sync flush: decompress what there is, although the rest of the file is missing.
      content = gunzipSync(firstBytes, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (cause) {
      throw new DocumentFileError(`Invalid gzip data: ${(cause as Error).message}`, {
        source: path,
        offset: 0,
      }, { cause });
    }
  }
  const format = sniff(content);
  if (format !== undefined) return { format, gzip };
  const byte = (content.find((b) => !isSpace(b)) ?? 0).toString(16).padStart(2, "0");
  throw new DocumentFileError(
    `Unknown document file format: the content starts with byte 0x${byte}, which starts ` +
      "neither JSON nor msgpack; name the format",
    { source: path, offset: 0 },
  );
}
