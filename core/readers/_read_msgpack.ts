/**
 * Documents from a msgpack stream, as suitcase-msgpack writes it: `[name, doc]` pairs one after
 * another (events as `event_page`, datums as `datum_page`, which are passed on as they are).
 *
 * @module
 */

import { Decoder } from "@msgpack/msgpack";
import type { NamedDocument } from "../documents/types.ts";
import { DocumentFileError } from "./document_file_error.ts";
import { type MsgpackFrame, MsgpackFramer } from "./_msgpack_framer.ts";
import { exact, restoreNumpy } from "./_msgpack_numpy.ts";
import { toNamedDocument } from "./_named_document.ts";

/**
 * Read the documents of a msgpack stream.
 *
 * @param chunks The bytes, decompressed.
 * @param source The file's path or label, for errors.
 * @param signal Stops the reading.
 * @param limit The longest document, in bytes.
 * @returns The documents, in order.
 */
export async function* readMsgpack(
  chunks: AsyncIterable<Uint8Array>,
  source: string,
  signal: AbortSignal | undefined,
  limit: number,
): AsyncGenerator<NamedDocument> {
  // msgpack-numpy writes its map keys as bytes; seeing one means there are values to restore.
  let binaryKeys = false;
  const latin1 = new TextDecoder("latin1");
  // 64-bit integers come as bigints (a number would round them) and are narrowed below.
  const decoder = new Decoder({
    useBigInt64: true,
    mapKeyConverter: (key) => {
      if (typeof key === "string" || typeof key === "number") return key;
      if (key instanceof Uint8Array) {
        binaryKeys = true;
        return latin1.decode(key);
      }
      throw new TypeError(`A map key is neither a string nor a number: ${typeof key}`);
    },
  });
  const framer = new MsgpackFramer(source, limit);
  const frames: MsgpackFrame[] = [];
  let failure: unknown;
  const toDocument = (frame: MsgpackFrame): NamedDocument => {
    const where = { source, offset: frame.offset, index: frame.index };
    let value: unknown;
    try {
      binaryKeys = false;
      value = decoder.decode(frame.bytes);
      if (binaryKeys) value = restoreNumpy(value);
      // Only the int64 and uint64 formats (0xd3, 0xcf) decode to bigints.
      if (frame.bytes.includes(0xd3) || frame.bytes.includes(0xcf)) value = narrow(value);
    } catch (cause) {
      throw new DocumentFileError((cause as Error).message, where, { cause });
    }
    return toNamedDocument(value, where);
  };
  const flush = function* () {
    for (const frame of frames) {
      signal?.throwIfAborted();
      yield toDocument(frame);
    }
    frames.length = 0;
    if (failure !== undefined) throw failure;
  };
  for await (const chunk of chunks) {
    try {
      framer.push(chunk, frames);
    } catch (error) {
      failure = error;
    }
    yield* flush();
  }
  framer.end();
}

/** Replace, in place, the bigints a number holds exactly by numbers. */
function narrow(value: unknown): unknown {
  if (typeof value === "bigint") return exact(value);
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) value[k] = narrow(value[k]);
  } else if (typeof value === "object" && value !== null && !ArrayBuffer.isView(value)) {
    const record = value as Record<string, unknown>;
    for (const key in record) record[key] = narrow(record[key]);
  }
  return value;
}
