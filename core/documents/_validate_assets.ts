/**
 * The checks of the documents that point at external data: resource, datum, datum page, stream
 * resource and stream datum.
 *
 * @module
 */

import {
  allowedKeys,
  columns,
  ids,
  int,
  isObject,
  obj,
  oneOf,
  optional,
  str,
  within,
  wrong,
} from "./_validate_checks.ts";
import type { Json, Problem } from "./_validate_checks.ts";

const RESOURCE_KEYS: ReadonlySet<string> = new Set([
  "uid",
  "spec",
  "root",
  "resource_path",
  "resource_kwargs",
  "path_semantics",
  "run_start",
]);
const PATH_SEMANTICS: ReadonlySet<unknown> = new Set(["posix", "windows"]);

/** The problem with a resource, if any. */
export function checkResource(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.spec, "spec") ?? str(doc.root, "root") ??
    str(doc.resource_path, "resource_path") ?? obj(doc.resource_kwargs, "resource_kwargs") ??
    (doc.path_semantics === undefined
      ? undefined
      : oneOf(PATH_SEMANTICS, doc.path_semantics, "path_semantics")) ??
    optional(str, doc.run_start, "run_start") ?? allowedKeys(doc, RESOURCE_KEYS);
}

const DATUM_KEYS: ReadonlySet<string> = new Set(["datum_id", "resource", "datum_kwargs"]);

/** The problem with a datum, if any. */
export function checkDatum(doc: Json): Problem | undefined {
  return str(doc.datum_id, "datum_id") ?? str(doc.resource, "resource") ??
    obj(doc.datum_kwargs, "datum_kwargs") ?? allowedKeys(doc, DATUM_KEYS);
}

/** The problem with a datum page, if any. */
export function checkDatumPage(doc: Json): Problem | undefined {
  const found = ids(doc.datum_id, "datum_id") ?? str(doc.resource, "resource");
  if (found !== undefined) return found;
  const rows = (doc.datum_id as unknown[]).length;
  return columns(doc.datum_kwargs, rows, "datum_id", "datum_kwargs") ??
    allowedKeys(doc, DATUM_KEYS);
}

/** The problem with a stream resource, if any. */
export function checkStreamResource(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.data_key, "data_key") ?? str(doc.mimetype, "mimetype") ??
    str(doc.uri, "uri") ?? obj(doc.parameters, "parameters") ??
    optional(str, doc.run_start, "run_start");
}

function streamRange(value: unknown, field: string): Problem | undefined {
  if (!isObject(value)) return wrong(field, "an object with start and stop", value);
  return within(field, int(value.start, "start") ?? int(value.stop, "stop"));
}

/** The problem with a stream datum, if any. */
export function checkStreamDatum(doc: Json): Problem | undefined {
  return str(doc.uid, "uid") ?? str(doc.stream_resource, "stream_resource") ??
    str(doc.descriptor, "descriptor") ?? streamRange(doc.indices, "indices") ??
    streamRange(doc.seq_nums, "seq_nums");
}
