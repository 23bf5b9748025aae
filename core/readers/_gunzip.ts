/**
 * Gzip decompression of a chunk stream with `node:zlib`, which, unlike the web
 * `DecompressionStream`, reads files of several gzip members (as `cat a.gz b.gz` makes) and is
 * faster. Before the end of the input, zlib is flushed, so that everything a cut file holds is
 * delivered before the error.
 *
 * @module
 */

import { constants, createGunzip, type Gunzip } from "node:zlib";
import { DocumentFileError } from "./document_file_error.ts";

/** Decompressed bytes waiting for the reader before more input is decompressed. */
const QUEUE_LIMIT = 1024 * 1024;

/** Wait until `start` calls back, or until zlib closes (after an error, say). */
function settled(zlib: Gunzip, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      zlib.off("close", done);
      resolve();
    };
    zlib.on("close", done);
    start(done);
  });
}

/**
 * Decompress gzipped chunks.
 *
 * @param chunks The compressed chunks.
 * @param source The file's path or label, for errors.
 * @returns The decompressed chunks.
 * @throws {DocumentFileError} When the data is not gzip or is cut; errors of `chunks` pass
 * through unchanged.
 */
export async function* gunzip(
  chunks: AsyncIterable<Uint8Array>,
  source: string,
): AsyncGenerator<Uint8Array> {
  const zlib = createGunzip({ chunkSize: 64 * 1024 });
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  let stopped = false;
  let zlibError: Error | undefined;
  let sourceFailure: { error: unknown } | undefined;
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;
  const wake = () => {
    const [reader, writer] = [wakeReader, wakeWriter];
    wakeReader = wakeWriter = undefined;
    reader?.();
    writer?.();
  };
  zlib.on("data", (chunk: Uint8Array) => {
    queue.push(chunk);
    queued += chunk.length;
    wake();
  });
  zlib.on("error", (error: Error) => {
    zlibError = error;
    wake();
  });
  zlib.on("end", () => {
    ended = true;
    wake();
  });

  const pump = async () => {
    try {
      for await (const chunk of chunks) {
        while (queued > QUEUE_LIMIT && !stopped && zlibError === undefined) {
          await new Promise<void>((resolve) => wakeWriter = resolve);
        }
        if (stopped || zlibError !== undefined) return;
        if (!zlib.write(chunk)) await settled(zlib, (done) => zlib.once("drain", done));
      }
      await settled(zlib, (done) => zlib.flush(constants.Z_SYNC_FLUSH, done));
      zlib.end();
    } catch (error) {
      sourceFailure = { error };
      wake();
    }
  };
  const pumping = pump();

  try {
    while (true) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        queued -= chunk.length;
        if (queued <= QUEUE_LIMIT) wake();
        yield chunk;
        continue;
      }
      if (sourceFailure !== undefined) throw sourceFailure.error;
      if (zlibError !== undefined) {
        throw new DocumentFileError(`Invalid gzip data: ${zlibError.message}`, { source }, {
          cause: zlibError,
        });
      }
      if (ended) return;
      await new Promise<void>((resolve) => wakeReader = resolve);
    }
  } finally {
    stopped = true;
    wake();
    zlib.destroy();
    await pumping;
  }
}
