/**
 * Documents from the text formats: a JSON array of pairs, or JSON Lines.
 *
 * @module
 */

import type { NamedDocument } from "../documents/types.ts";
import { DocumentFileError, type DocumentFileErrorWhere } from "./document_file_error.ts";
import { JsonArraySplitter, type TextItem } from "./_json_array_splitter.ts";
import { JsonLinesSplitter, splitValues } from "./_json_lines_splitter.ts";
import { toNamedDocument } from "./_named_document.ts";
import { parseJson } from "./_parse_json.ts";
import { StrictDecoder } from "./_strict_decoder.ts";

/** Parse an item's text; in JSON Lines, a line may hold several documents. */
function* parseItem(
  item: TextItem,
  lines: boolean,
  where: DocumentFileErrorWhere & { index: number },
): Generator<unknown> {
  let value: unknown;
  try {
    value = parseJson(item.text);
  } catch (cause) {
    const parts = lines ? splitValues(item.text) : undefined;
    if (parts === undefined) {
      throw new DocumentFileError((cause as Error).message, where, { cause });
    }
    for (const [k, part] of parts.entries()) {
      try {
        value = parseJson(part);
      } catch (cause) {
        const at = { ...where, index: where.index + k };
        throw new DocumentFileError((cause as Error).message, at, { cause });
      }
      yield value;
    }
    return;
  }
  yield value;
}

/**
 * Read the documents of a JSON array or JSON Lines text, in batches: those each chunk
 * completes. A batch parses its documents as it is iterated, so that each is garbage as soon
 * as the caller is done with it; iterate each batch before asking for the next.
 *
 * @param chunks The bytes, decompressed.
 * @param format `"json"` or `"jsonl"`.
 * @param source The file's path or label, for errors.
 * @param limit The longest line or document, in UTF-16 code units (the bytes, for ASCII).
 * @returns The batches of documents, in order; a batch throws the error of a problem after
 * the documents before it, and so does the next call for a batch.
 */
export async function* readTextBatches(
  chunks: AsyncIterable<Uint8Array>,
  format: "json" | "jsonl",
  source: string,
  limit: number,
): AsyncGenerator<Iterable<NamedDocument>> {
  const splitter = format === "json"
    ? new JsonArraySplitter(source, limit)
    : new JsonLinesSplitter(source, limit);
  const decoder = new StrictDecoder(source, () => splitter.line);
  const lines = format === "jsonl";
  let items: TextItem[] = [];
  let failure: unknown;
  /** The error a batch stopped at, which the next call for a batch throws too. */
  let stopped: { error: unknown } | undefined;
  const feed = (text: string) => {
    try {
      splitter.push(text, items);
    } catch (error) {
      failure = error; // after the items that came before it
    }
  };
  let index = 0;
  /** The documents of some items, then the error that came after them, if one did. */
  const parse = function* (batch: TextItem[], after: unknown): Generator<NamedDocument> {
    try {
      for (const item of batch) {
        let value: unknown;
        try {
          value = parseJson(item.text);
        } catch {
          // Several documents on one line, or an error to name: the slow path.
          for (const value of parseItem(item, lines, { source, line: item.line, index })) {
            yield toNamedDocument(value, { source, line: item.line, index: index++ });
          }
          continue;
        }
        yield toNamedDocument(value, { source, line: item.line, index: index++ });
      }
    } catch (error) {
      stopped = { error };
      throw error;
    }
    if (after !== undefined) {
      stopped = { error: after };
      throw after;
    }
  };
  const flush = function* (): Generator<Iterable<NamedDocument>> {
    if (stopped !== undefined) throw stopped.error;
    if (items.length === 0 && failure === undefined) return;
    const batch = items;
    items = [];
    yield parse(batch, failure);
    // The caller may have left the batch unread: its error comes now.
    const error = (stopped as { error: unknown } | undefined)?.error;
    if (error !== undefined) throw error;
    if (failure !== undefined) throw failure;
  };
  for await (const chunk of chunks) {
    // JSON text never holds a NUL byte: the documents before it come out, then the error.
    const nul = chunk.indexOf(0);
    feed(decoder.decode(nul === -1 ? chunk : chunk.subarray(0, nul)));
    if (nul !== -1) failure ??= decoder.nulError();
    yield* flush();
  }
  feed(decoder.end());
  if (failure === undefined) {
    if (splitter instanceof JsonArraySplitter) splitter.end();
    else splitter.end(items);
  }
  yield* flush();
}
