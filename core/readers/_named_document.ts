/**
 * The shape check of an item read from a document file: a `[name, doc]` pair or a
 * `{name, doc}` object whose name is a document kind and whose doc is an object. The document
 * itself is not checked against the event model here.
 *
 * @module
 */

import type { NamedDocument } from "../documents/types.ts";
import { isDocumentName } from "../documents/validate.ts";
import { DocumentFileError, type DocumentFileErrorWhere } from "./document_file_error.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !ArrayBuffer.isView(value);
}

/** A short description of a value for messages. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    return `an array of ${value.length} item${value.length === 1 ? "" : "s"}`;
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return "an empty object";
    const shown = keys.slice(0, 5).map((key) => JSON.stringify(key)).join(", ");
    return `an object with keys ${shown}${keys.length > 5 ? ", ..." : ""}`;
  }
  if (typeof value === "string") {
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  }
  if (typeof value === "object") return `a ${value.constructor?.name ?? "value"}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Check that an item is a `[name, doc]` pair (or `{name, doc}` object) and return the pair.
 *
 * @param item The parsed item.
 * @param where Where it is, for errors.
 * @returns The `[name, doc]` pair.
 * @throws {DocumentFileError} When the item has another shape, the name is not a document
 * kind, or the doc is not an object.
 */
export function toNamedDocument(item: unknown, where: DocumentFileErrorWhere): NamedDocument {
  let name: unknown;
  let doc: unknown;
  if (Array.isArray(item) && item.length === 2) [name, doc] = item;
  else if (isRecord(item) && Object.hasOwn(item, "name") && Object.hasOwn(item, "doc")) {
    ({ name, doc } = item);
  } else {
    throw new DocumentFileError(
      `Expected a [name, doc] pair or a {name, doc} object, found ${describe(item)}`,
      where,
    );
  }
  if (!isDocumentName(name)) {
    throw new DocumentFileError(
      typeof name === "string"
        ? `Unknown document name ${JSON.stringify(name)}`
        : `The document name is not a string: found ${describe(name)}`,
      where,
    );
  }
  if (!isRecord(doc)) {
    throw new DocumentFileError(
      `The ${name} document is not an object: found ${describe(doc)}`,
      where,
    );
  }
  return [name, doc] as NamedDocument;
}
