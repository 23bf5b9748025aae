/**
 * Writing documents as bluesky JSON Lines, the form of bluesky's
 * `bluesky.callbacks.json_writer.JSONLinesWriter`: one `{"name": ..., "doc": ...}` object per
 * line.
 *
 * @module
 */

import { fileSystemFull } from "../disk_full.ts";
import { basename, dirname, join } from "node:path";
import type { DocumentMap, DocumentName, NamedDocument } from "../documents/types.ts";
import { stringifyPython } from "./_stringify_python.ts";

/** Text gathered before a write to the underlying stream, in UTF-16 code units. */
const BUFFER_SIZE = 1024 * 1024;

/**
 * Writes documents as bluesky JSON Lines, one `{"name": ..., "doc": ...}` object per line.
 * Non-finite numbers are written as Python writes them, as the bare tokens `NaN`, `Infinity`
 * and `-Infinity`, so that they survive a round trip (plain JSON has no such numbers). Lines are
 * gathered and written about a megabyte at a time.
 *
 * @example Write two documents to a file
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonLinesWriter } from "./json_lines_writer.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * const writer = new JsonLinesWriter(await Deno.open(path, { write: true }));
 * await writer.write("start", { uid: "s1", time: 1.5, gain: NaN });
 * await writer.write("stop", { uid: "e1", run_start: "s1", time: 2.5, exit_status: "success" });
 * await writer.close();
 * const lines = (await Deno.readTextFile(path)).split("\n");
 * assert.equal(lines[0], '{"name":"start","doc":{"uid":"s1","time":1.5,"gain":NaN}}');
 * assert.equal(writer.count, 2);
 * await Deno.remove(path);
 * ```
 */
export class JsonLinesWriter {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #encoder = new TextEncoder();
  #lines: string[] = [];
  #size = 0;
  #count = 0;
  #closed = false;

  /**
   * Make a writer.
   *
   * @param writable Where the bytes go: a stream, or an open file. It is closed by
   * {@linkcode JsonLinesWriter.close} (a file through its `writable`).
   */
  constructor(writable: WritableStream<Uint8Array> | Deno.FsFile) {
    this.#writer = ("getWriter" in writable ? writable : writable.writable).getWriter();
  }

  /** Documents written so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * Write one document.
   *
   * @param name The document's name.
   * @param doc The document.
   * @returns When the line is buffered, or written if the buffer was full.
   * @throws {TypeError} After {@linkcode JsonLinesWriter.close}.
   */
  async write<K extends DocumentName>(name: K, doc: DocumentMap[K]): Promise<void> {
    if (this.#closed) throw new TypeError(`Cannot write a ${name} document: the writer is closed`);
    const line = `{"name":${JSON.stringify(name)},"doc":${stringifyPython(doc)}}\n`;
    this.#lines.push(line);
    this.#size += line.length;
    this.#count++;
    if (this.#size >= BUFFER_SIZE) await this.flush();
  }

  /**
   * Write out the buffered lines.
   * @returns When the underlying stream has taken them.
   */
  async flush(): Promise<void> {
    if (this.#lines.length === 0) return;
    const bytes = this.#encoder.encode(this.#lines.join(""));
    this.#lines = [];
    this.#size = 0;
    await this.#writer.write(bytes);
  }

  /**
   * Write out the buffered lines and close the underlying stream.
   * @returns When the stream is closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    await this.#writer.close();
  }

  /**
   * Give up: drop the buffered lines and abort the underlying stream.
   * @param reason Why, passed to the stream.
   * @returns When the stream is aborted.
   */
  async abort(reason?: unknown): Promise<void> {
    this.#closed = true;
    this.#lines = [];
    await this.#writer.abort(reason);
  }
}

/**
 * Write documents to a bluesky JSON Lines file, gzipped if asked or if `path` ends in `.gz`.
 * The file is written under a temporary name in the same folder and renamed at the end, so a
 * half-written file never shows at `path`; an existing file there is replaced.
 *
 * @param path The file.
 * @param docs The `[name, doc]` pairs, in order.
 * @param options `gzip`: compress the file (default: when `path` ends in `.gz`).
 * @returns The number of documents written.
 *
 * @example Write a run and read it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeJsonLines } from "./json_lines_writer.ts";
 * import { readDocuments } from "./read_documents.ts";
 * import type { NamedDocument } from "../documents/types.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const docs: NamedDocument[] = [
 *   ["start", { uid: "s1", time: 1.5 }],
 *   ["stop", { uid: "e1", run_start: "s1", time: 2.5, exit_status: "success" }],
 * ];
 * assert.equal(await writeJsonLines(`${dir}/run.jsonl.gz`, docs), 2);
 * assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/run.jsonl.gz`)), docs);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeJsonLines(
  path: string,
  docs: Iterable<NamedDocument> | AsyncIterable<NamedDocument>,
  options: { gzip?: boolean } = {},
): Promise<number> {
  const gzip = options.gzip ?? path.toLowerCase().endsWith(".gz");
  const temporary = join(dirname(path), `.${basename(path)}.${crypto.randomUUID()}.tmp`);
  const file = await Deno.open(temporary, { write: true, createNew: true });
  let writable: WritableStream<Uint8Array> = file.writable;
  let piping: Promise<void> | undefined;
  if (gzip) {
    const compression = new CompressionStream("gzip");
    piping = compression.readable.pipeTo(file.writable);
    // The writer writes only what `TextEncoder` makes, which is a `BufferSource`.
    writable = compression.writable as unknown as WritableStream<Uint8Array>;
  }
  const writer = new JsonLinesWriter(writable);
  try {
    for await (const [name, doc] of docs) await writer.write(name, doc as never);
    await writer.close();
    await piping;
    await Deno.rename(temporary, path);
  } catch (error) {
    await writer.abort(error).catch(() => {});
    await piping?.catch(() => {});
    await Deno.remove(temporary).catch(() => {});
    const full = fileSystemFull(error);
    if (full !== undefined) throw new Error(`Cannot write "${path}": ${full}`, { cause: error });
    throw error;
  }
  return writer.count;
}
