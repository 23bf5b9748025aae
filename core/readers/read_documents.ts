/**
 * Reading the documents of bluesky document files, streamed: a JSON array of `[name, doc]`
 * pairs, JSON Lines, or msgpack, each possibly gzipped. Memory stays at the size of the largest
 * document, whatever the size of the file, and a document (or line) longer than
 * `maxDocumentSize` is an error, so a file without newlines or a gzip bomb is never held whole.
 *
 * @module
 */

import type { NamedDocument } from "../documents/types.ts";
import { EventLoopTurns } from "../event_loop_turns.ts";
import { detectFormat, type DocumentFileFormat, isGzip } from "./detect_format.ts";
import { gunzip } from "./_gunzip.ts";
import { readMsgpack } from "./_read_msgpack.ts";
import { readTextBatches } from "./_read_text.ts";

export { detectFormat } from "./detect_format.ts";
export type { DocumentFileFormat } from "./detect_format.ts";

/**
 * Options of {@linkcode readDocuments} and {@linkcode readDocumentStream}.
 */
export interface ReadDocumentsOptions {
  /** The file's format; by default told from the file's extension, else from its content. */
  format?: DocumentFileFormat;
  /** Whether the file is gzipped; by default told from a `.gz` suffix or the magic bytes. */
  gzip?: boolean;
  /**
   * Called as the file is read, about every megabyte and once at the end, with the bytes read
   * so far (as stored, so compressed for a gzipped file) and the file's size when known.
   */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Stops the reading: the generator then throws the signal's reason. */
  signal?: AbortSignal;
  /**
   * The longest line of JSON Lines, item of a JSON array or msgpack document, in bytes (for
   * text, in UTF-16 code units, which are the bytes of ASCII text). A longer one is a
   * {@linkcode DocumentFileError} naming the line (or byte offset), raised as soon as the
   * limit is passed: reading never holds more than the limit and one chunk. Default
   * {@linkcode readDocumentsDefaults}`.maxDocumentSize`, 256 MiB.
   */
  maxDocumentSize?: number;
}

/**
 * Defaults of {@linkcode ReadDocumentsOptions}: documents (and lines) of up to 256 MiB.
 *
 * @example A smaller limit for files from outside
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDocumentsDefaults, readDocumentStream } from "./read_documents.ts";
 *
 * assert.equal(readDocumentsDefaults.maxDocumentSize, 256 * 1024 * 1024);
 * const line = new TextEncoder().encode(`["start", {"uid": "${"x".repeat(2000)}"}]\n`);
 * const docs = readDocumentStream(ReadableStream.from([line]), {
 *   format: "jsonl",
 *   source: "socket",
 *   maxDocumentSize: 1024,
 * });
 * await assert.rejects(
 *   docs.next(),
 *   /line 1: The line is longer than the limit of 1 KiB \(maxDocumentSize\)/,
 * );
 * ```
 */
export const readDocumentsDefaults = {
  maxDocumentSize: 256 * 1024 * 1024,
} as const satisfies ReadDocumentsOptions;

/** The limit of `options`, checked. */
function limitOf(options: ReadDocumentsOptions): number {
  const limit = options.maxDocumentSize ?? readDocumentsDefaults.maxDocumentSize;
  if (!(limit > 0)) {
    throw new RangeError(`Option maxDocumentSize must be a positive number: got ${limit}`);
  }
  return limit;
}

/** How far apart progress reports are, in bytes read. */
const PROGRESS_STEP = 1024 * 1024;
/** How much of the start of a file format detection looks at. */
const HEAD_SIZE = 4096;

/**
 * How much one read of a regular file asks for. Larger reads are no faster once each is
 * synchronous, and make larger batches, whose documents outlive V8's young generation and
 * raise the peak memory (by 30 MB at 1 MiB, for the benchmark's run).
 */
const FILE_CHUNK = 64 * 1024;

interface Source {
  /** The file's path, or a label. */
  source: string;
  /** The file's size, when known. */
  total: number | undefined;
  /** Whether `source` is a file's path, whose name may tell the format. */
  file: boolean;
}

/**
 * Where the bytes come from: the next chunk (undefined at the end), which may be overwritten
 * by the read after it, and how to let go.
 */
interface Bytes {
  read(): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  close(): Promise<void> | void;
}

/** The bytes of a byte stream, which is read to its end or cancelled. */
function streamBytes(stream: ReadableStream<Uint8Array>): Bytes {
  const reader = stream.getReader();
  return {
    read: async () => {
      const result = await reader.read();
      return result.done ? undefined : result.value;
    },
    close: () => reader.cancel().catch(() => {}),
  };
}

/**
 * The bytes of a regular file, in synchronous reads: a read of a file the page cache holds
 * costs less than the promise of an asynchronous one, and far less than a chunk of a
 * `ReadableStream`.
 */
function fileBytes(file: Deno.FsFile): Bytes {
  // One buffer for every read: a new one each time would be garbage that only a full
  // collection frees, and the peak memory would grow with it.
  const buffer = new Uint8Array(FILE_CHUNK);
  return {
    read: () => {
      const n = file.readSync(buffer);
      if (n === null) return undefined;
      return n === buffer.length ? buffer : buffer.subarray(0, n);
    },
    close: () => file.close(),
  };
}

/** `pending`, or the signal's reason once it is aborted, whichever comes first. */
function untilAborted<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([pending, aborted]).finally(() =>
    signal.removeEventListener("abort", onAbort)
  );
}

/** The documents of some bytes, in batches of those each chunk completes. */
async function* readBatches(
  bytes: Bytes,
  options: ReadDocumentsOptions,
  { source, total, file }: Source,
): AsyncGenerator<Iterable<NamedDocument>> {
  const { onProgress, signal } = options;
  const limit = limitOf(options);
  try {
    let read = 0;
    let reported = 0;
    // Synchronous reads never give the event loop a turn by themselves: a signal's handler
    // (Ctrl-C) would wait for the end of the file.
    const turns = new EventLoopTurns();
    const next = async (): Promise<Uint8Array | undefined> => {
      await turns.due();
      signal?.throwIfAborted();
      const pending = bytes.read();
      // A pipe may wait for ever for its next bytes: the signal does not wait with it.
      const chunk = signal === undefined || !(pending instanceof Promise)
        ? await pending
        : await untilAborted(pending, signal);
      if (chunk === undefined) {
        if (onProgress !== undefined && reported !== read) onProgress(reported = read, total);
        return undefined;
      }
      read += chunk.length;
      if (onProgress !== undefined && read - reported >= PROGRESS_STEP) {
        onProgress(reported = read, total);
      }
      return chunk;
    };

    const head: Uint8Array[] = [];
    let size = 0;
    while (size < HEAD_SIZE) {
      const chunk = await next();
      if (chunk === undefined) break;
      // The next read may overwrite the chunk: the head is kept as a copy when it takes more.
      head.push(chunk);
      if (size + chunk.length < HEAD_SIZE) head[head.length - 1] = chunk.slice();
      size += chunk.length;
    }
    const first = head.length === 1 ? head[0]! : new Uint8Array(size);
    if (head.length !== 1) head.reduce((at, chunk) => (first.set(chunk, at), at + chunk.length), 0);
    let { format, gzip } = options;
    if (format === undefined) {
      const found = detectFormat(source, first);
      format = found.format;
      gzip ??= found.gzip;
    }
    gzip ??= isGzip(first) || (file && source.toLowerCase().endsWith(".gz"));

    // Text is decoded before the next read; zlib and the msgpack framer may hold on to a
    // chunk, so they get their own copies.
    const keep = gzip || format === "msgpack";
    let chunks: AsyncIterable<Uint8Array> = (async function* () {
      for (const chunk of head) yield keep ? chunk.slice() : chunk;
      head.length = 0;
      for (let chunk = await next(); chunk !== undefined; chunk = await next()) {
        yield keep ? chunk.slice() : chunk;
      }
    })();
    if (gzip) chunks = gunzip(chunks, source);
    if (format === "msgpack") {
      for await (const doc of readMsgpack(chunks, source, signal, limit)) yield [doc];
    } else {
      yield* readTextBatches(chunks, format, source, limit);
    }
  } finally {
    await bytes.close();
  }
}

/** The documents of batches one by one, the signal checked before each. */
async function* oneByOne(
  batches: AsyncGenerator<Iterable<NamedDocument>>,
  signal: AbortSignal | undefined,
): AsyncGenerator<NamedDocument> {
  for await (const batch of batches) {
    for (const doc of batch) {
      signal?.throwIfAborted();
      yield doc;
    }
  }
}

/** Open a file to read, with its size and whether it is a regular file. */
async function openFile(path: string): Promise<{ file: Deno.FsFile; stat: Deno.FileInfo }> {
  const file = await Deno.open(path);
  try {
    return { file, stat: await file.stat() };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** The bytes of an open file: large reads of a regular file, a stream of anything else. */
function bytesOf(file: Deno.FsFile, stat: Deno.FileInfo): Bytes {
  // A pipe or a device may block: read it asynchronously.
  return stat.isFile ? fileBytes(file) : streamBytes(file.readable);
}

/**
 * Read the `[name, doc]` pairs of a document file in batches: the documents that each read of
 * the file completes (about a megabyte of text), in order. This is what
 * {@linkcode readDocuments} gives one by one, for a caller that handles many documents: one
 * `await` per batch instead of one per document. A batch parses its documents as it is
 * iterated (so memory holds one document at a time, and the text of one read): iterate each
 * batch before asking for the next.
 *
 * @param path The file.
 * @param options As for {@linkcode readDocuments}.
 * @returns The batches. A problem in the file is thrown by the batch that holds it, after the
 * documents before it, and again by the next call for a batch.
 * @throws {DocumentFileError} As {@linkcode readDocuments} does.
 * @throws {RangeError} When `maxDocumentSize` is not a positive number.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 *
 * @example Count the events of a file
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDocumentBatches } from "./read_documents.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(path, '["start", {"uid": "s1", "time": 1.5}]\n');
 * let documents = 0;
 * for await (const batch of readDocumentBatches(path)) {
 *   for (const [name] of batch) if (name === "start") documents++;
 * }
 * assert.equal(documents, 1);
 * await Deno.remove(path);
 * ```
 */
export async function* readDocumentBatches(
  path: string,
  options: ReadDocumentsOptions = {},
): AsyncGenerator<Iterable<NamedDocument>> {
  options.signal?.throwIfAborted();
  limitOf(options);
  const { file, stat } = await openFile(path);
  yield* readBatches(bytesOf(file, stat), options, { source: path, total: stat.size, file: true });
}

/**
 * Stream the `[name, doc]` pairs of a document file, in order. The pairs are checked for shape
 * (a known document name and an object), not against the event model; a file in the
 * `{"name": ..., "doc": ...}` form gives the same pairs. Event and datum pages stay pages.
 * Python's bare `NaN`, `Infinity` and `-Infinity` read as those numbers.
 *
 * @param path The file.
 * @param options Format, gzip, progress, abort and the longest document.
 * @returns The documents. Those before a problem in the file come out before the error.
 * @throws {DocumentFileError} When the file is not valid: bad UTF-8, JSON or msgpack, a NUL
 * byte in JSON text, a line or document longer than `maxDocumentSize`, cut short, an item
 * that is not a `[name, doc]` pair, an unknown document name; the error gives the line (or
 * byte offset) and the document's position.
 * @throws {RangeError} When `maxDocumentSize` is not a positive number.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 *
 * @example Read a JSON Lines file
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDocuments } from "./read_documents.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(
 *   path,
 *   '{"name": "start", "doc": {"uid": "s1", "time": 1.5}}\n' +
 *     '["stop", {"uid": "e1", "run_start": "s1", "time": 2.5, "exit_status": "success"}]\n',
 * );
 * const names = [];
 * for await (const [name] of readDocuments(path)) names.push(name);
 * assert.deepEqual(names, ["start", "stop"]);
 * await Deno.remove(path);
 * ```
 */
export async function* readDocuments(
  path: string,
  options: ReadDocumentsOptions = {},
): AsyncGenerator<NamedDocument> {
  options.signal?.throwIfAborted();
  limitOf(options);
  const { file, stat } = await openFile(path);
  const source = { source: path, total: stat.size, file: true };
  yield* oneByOne(readBatches(bytesOf(file, stat), options, source), options.signal);
}

/**
 * Stream the `[name, doc]` pairs of bytes in a document format, as {@linkcode readDocuments}
 * does for a file. Gzip is told from the magic bytes unless `gzip` says. The stream is read to
 * its end, or cancelled when reading stops early.
 *
 * @param stream The bytes.
 * @param options The format, `source` (which names the stream in errors), and as for
 * {@linkcode readDocuments}.
 * @returns The documents.
 * @throws {DocumentFileError} When the bytes are not a valid document file.
 * @throws {RangeError} At once, when `maxDocumentSize` is not a positive number.
 *
 * @example Read msgpack bytes
 * ```ts
 * import assert from "node:assert/strict";
 * import { encode } from "@msgpack/msgpack";
 * import { readDocumentStream } from "./read_documents.ts";
 *
 * const bytes = encode(["start", { uid: "s1", time: 1.5 }]);
 * const stream = ReadableStream.from([bytes]);
 * const docs = await Array.fromAsync(
 *   readDocumentStream(stream, { format: "msgpack", source: "socket" }),
 * );
 * assert.deepEqual(docs, [["start", { uid: "s1", time: 1.5 }]]);
 * ```
 */
export function readDocumentStream(
  stream: ReadableStream<Uint8Array>,
  options: ReadDocumentsOptions & { format: DocumentFileFormat; source: string },
): AsyncGenerator<NamedDocument> {
  limitOf(options);
  const source = { source: options.source, total: undefined, file: false };
  return oneByOne(readBatches(streamBytes(stream), options, source), options.signal);
}
