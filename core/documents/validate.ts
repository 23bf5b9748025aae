/**
 * Runtime checks of documents that come from outside the process: files, catalogs, other
 * programs. The checks follow the JSON Schemas of event-model v1.24 by hand, so that millions
 * of events can be checked without a schema library; nothing is allocated unless a check
 * fails.
 *
 * Beyond the schemas, three things every bluesky run satisfies are enforced as well: event
 * `seq_num` starts at 1, all columns of a page have as many rows as it has uids (or datum
 * ids), and `time` fields are finite numbers.
 *
 * @module
 */

import { DOCUMENT_NAMES } from "./types.ts";
import type { Document, DocumentMap, DocumentName } from "./types.ts";
import { DocumentError } from "../errors.ts";
import {
  checkDatum,
  checkDatumPage,
  checkResource,
  checkStreamDatum,
  checkStreamResource,
} from "./_validate_assets.ts";
import { isObject, quoteAll, show } from "./_validate_checks.ts";
import type { Json, Problem } from "./_validate_checks.ts";
import { checkDescriptor } from "./_validate_descriptor.ts";
import { checkEvent, checkEventPage } from "./_validate_event.ts";
import { checkStart } from "./_validate_start.ts";
import { checkStop } from "./_validate_stop.ts";

type Check = (doc: Json) => Problem | undefined;

const CHECKS: Readonly<Record<DocumentName, Check>> = {
  start: checkStart,
  descriptor: checkDescriptor,
  event: checkEvent,
  event_page: checkEventPage,
  stop: checkStop,
  resource: checkResource,
  datum: checkDatum,
  datum_page: checkDatumPage,
  stream_resource: checkStreamResource,
  stream_datum: checkStreamDatum,
};

/** The uid (or datum id) that names a document, or a page's row, in errors. */
function idOf(doc: Json, row: number): string | undefined {
  const id = doc.uid !== undefined ? doc.uid : doc.datum_id;
  if (typeof id === "string") return id;
  if (Array.isArray(id)) {
    const first = id[row];
    return typeof first === "string" ? first : undefined;
  }
  return undefined;
}

/**
 * Tells whether a string names a kind of document of the event model.
 *
 * @param name The name to test, for example the first item of a `[name, doc]` pair.
 * @returns `true` for `"start"`, `"descriptor"`, `"event"`, `"event_page"`, `"stop"`,
 * `"resource"`, `"datum"`, `"datum_page"`, `"stream_resource"` and `"stream_datum"`.
 *
 * @example Sorting out lines of a document file
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDocumentName } from "./validate.ts";
 *
 * assert.equal(isDocumentName("event_page"), true);
 * assert.equal(isDocumentName("bulk_events"), false);
 * assert.equal(isDocumentName("toString"), false);
 * ```
 */
export function isDocumentName(name: unknown): name is DocumentName {
  return typeof name === "string" && Object.hasOwn(CHECKS, name);
}

/**
 * Checks a document that comes from outside (a file, a catalog, another program) against the
 * event model, v1.24, and returns it typed. The document is neither copied nor changed.
 *
 * @param name The document's kind, for example `"event"`.
 * @param doc The document, as parsed.
 * @returns The same document, typed after its name.
 * @throws {DocumentError} When the name is unknown, the document is not a plain object, or a
 * field breaks the event model; the error names the kind, the uid (or `datum_id`, or for a page
 * the uid of the offending row) and the dotted path of the field.
 *
 * @example Checking a parsed stop document
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateDocument } from "./validate.ts";
 *
 * const stop = validateDocument(
 *   "stop",
 *   JSON.parse('{"uid": "s1", "run_start": "r1", "time": 1.5, "exit_status": "success"}'),
 * );
 * assert.equal(stop.exit_status, "success");
 * ```
 *
 * @example The error names the document, its uid and the field
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateDocument } from "./validate.ts";
 *
 * assert.throws(
 *   () =>
 *     validateDocument("event", {
 *       uid: "e1",
 *       descriptor: "d1",
 *       seq_num: 0,
 *       time: 1.5,
 *       data: {},
 *       timestamps: {},
 *     }),
 *   {
 *     name: "DocumentError",
 *     message: 'event document, uid "e1", field "seq_num": ' +
 *       "must be an integer >= 1 (bluesky numbers events from 1): got 0",
 *   },
 * );
 * ```
 */
export function validateDocument<K extends DocumentName>(name: K, doc: unknown): DocumentMap[K];
/**
 * Checks a document whose name is known only at run time (for example a `[name, doc]` pair read
 * from a file) and returns it as a document of any kind.
 *
 * @param name The document's kind; an unknown name is an error.
 * @param doc The document, as parsed.
 * @returns The same document.
 * @throws {DocumentError} As the typed overload does.
 *
 * @example Checking a pair read from a file
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateDocument } from "./validate.ts";
 *
 * const [name, doc] = JSON.parse('["datum", {"datum_id": "r/0", "resource": "r", "datum_kwargs": {}}]');
 * assert.equal(validateDocument(name as string, doc), doc);
 * assert.throws(() => validateDocument("bulk_events", {}), /unknown document name/);
 * ```
 */
export function validateDocument(name: string, doc: unknown): Document;
export function validateDocument(name: string, doc: unknown): Document {
  // Nearly every document is an event: its check is taken without looking the name up.
  if (name === "event" && isObject(doc)) return throwFound(name, doc, checkEvent(doc));
  if (!isDocumentName(name)) {
    throw new DocumentError(
      `unknown document name ${show(name)}: expected one of ${quoteAll(DOCUMENT_NAMES)}`,
      { document: String(name), uid: isObject(doc) ? idOf(doc, 0) : undefined },
    );
  }
  if (!isObject(doc)) {
    throw new DocumentError(`must be a plain object: got ${show(doc)}`, { document: name });
  }
  return throwFound(name, doc, CHECKS[name](doc));
}

/** The document, unless a check found a problem with it: that problem, as an error. */
function throwFound(name: DocumentName, doc: Json, found: Problem | undefined): Document {
  if (found !== undefined) {
    throw new DocumentError(found.message, {
      document: name,
      uid: idOf(doc, found.row ?? 0),
      field: found.field === "" ? undefined : found.field,
    });
  }
  return doc as unknown as Document;
}
