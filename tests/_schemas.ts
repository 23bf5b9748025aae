/**
 * The event model's own JSON Schemas as a test oracle: documents are checked against
 * `../shared/event-model-schemas` (next to the project's root) with Ajv, independently of the
 * hand-written checks in `core/documents/validate.ts`.
 *
 * The folder is absent from a user's clone. Then tests that need it are skipped with a printed
 * reason, except under CI (`CI=true`), where it must be present and its absence fails them.
 *
 * @module
 */

import { isCi } from "./_ci.ts";
import { Ajv2020 } from "ajv/2020";
import type { ErrorObject, ValidateFunction } from "ajv/2020";
import type { DocumentName } from "../core/documents/types.ts";

/** The shared folder next to the project's root: `<project root>/../shared/`. */
export const SHARED_DIR: URL = new URL("../../shared/", import.meta.url);

/** The folder of the event-model schemas: `<project root>/../shared/event-model-schemas/`. */
export const SCHEMA_DIR: URL = new URL("event-model-schemas/", SHARED_DIR);

/** The schema file of each document name. */
export const SCHEMA_FILES: Readonly<Record<DocumentName, string>> = {
  start: "run_start.json",
  descriptor: "event_descriptor.json",
  event: "event.json",
  event_page: "event_page.json",
  stop: "run_stop.json",
  resource: "resource.json",
  datum: "datum.json",
  datum_page: "datum_page.json",
  stream_resource: "stream_resource.json",
  stream_datum: "stream_datum.json",
};

type Loaded = { validators: Map<string, ValidateFunction> } | { missing: string };

let loaded: Loaded | undefined;
let skipReported = false;

function load(): Loaded {
  if (loaded !== undefined) return loaded;
  try {
    Deno.statSync(SCHEMA_DIR);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    loaded = { missing: `Event-model schemas not found: "${decodeURI(SCHEMA_DIR.pathname)}"` };
    return loaded;
  }
  // Start, descriptor and stop name properties that their own `patternProperties` also match,
  // which is valid draft 2020-12 but which Ajv's strict mode refuses as a likely mistake.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validators = new Map<string, ValidateFunction>();
  for (const [name, file] of Object.entries(SCHEMA_FILES)) {
    const schema = JSON.parse(Deno.readTextFileSync(new URL(file, SCHEMA_DIR)));
    validators.set(name, ajv.compile(schema));
  }
  loaded = { validators };
  return loaded;
}

function validators(): Map<string, ValidateFunction> {
  const state = load();
  if ("missing" in state) {
    throw new Error(`${state.missing}${isCi() ? " (CI=true: they must be there)" : ""}`);
  }
  return state.validators;
}

/**
 * Tells whether the schemas are there to test against.
 *
 * @returns `true` when `../shared/event-model-schemas` exists next to the project's root.
 *
 * @example Choosing whether to cross-check
 * ```ts
 * import { schemasAvailable } from "./_schemas.ts";
 * if (!schemasAvailable()) console.log("no schemas here");
 * ```
 */
export function schemasAvailable(): boolean {
  return !("missing" in load());
}

/**
 * Whether a test that needs the schemas should be ignored, for `Deno.test`'s `ignore`
 * option. Without the schemas it prints why (once) and returns `true`; under CI it returns
 * `false` so that the test runs and fails on the missing folder.
 *
 * @returns `true` when the test should be skipped.
 *
 * @example A test that needs the schemas
 * ```ts
 * import { assertSchemaValid, ignoreWithoutSchemas } from "./_schemas.ts";
 * Deno.test({
 *   name: "a stop document matches its schema",
 *   ignore: ignoreWithoutSchemas(),
 *   fn: () => {
 *     assertSchemaValid("stop", { uid: "s", run_start: "r", time: 1, exit_status: "success" });
 *   },
 * });
 * ```
 */
export function ignoreWithoutSchemas(): boolean {
  const state = load();
  if (!("missing" in state) || isCi()) return false;
  if (!skipReported) {
    console.log(`${state.missing}: skipping the tests that need them (with CI=true they fail)`);
    skipReported = true;
  }
  return true;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const extra = params.additionalProperty ?? params.unevaluatedProperty ?? params.allowedValues;
  return `${error.instancePath || "/"}: ${error.message ?? error.keyword}${
    extra === undefined ? "" : ` (${JSON.stringify(extra)})`
  }`;
}

/**
 * Validates a document against its event-model schema.
 *
 * @param name The document's kind.
 * @param doc The document.
 * @returns The schema's complaints, each `"<JSON pointer>: <message>"`; empty when valid.
 * @throws {Error} When the schemas are missing or the name has no schema.
 *
 * @example A stop without exit status
 * ```ts
 * import assert from "node:assert/strict";
 * import { schemasAvailable, validateAgainstSchema } from "./_schemas.ts";
 * if (schemasAvailable()) {
 *   const errors = validateAgainstSchema("stop", { uid: "s", run_start: "r", time: 1 });
 *   assert.deepEqual(errors, ["/: must have required property 'exit_status'"]);
 * }
 * ```
 */
export function validateAgainstSchema(name: string, doc: unknown): string[] {
  const validate = validators().get(name);
  if (validate === undefined) throw new Error(`No event-model schema for document "${name}"`);
  return validate(doc) ? [] : (validate.errors ?? []).map(describe);
}

/**
 * Asserts that a document matches its event-model schema.
 *
 * @param name The document's kind.
 * @param doc The document.
 * @throws {Error} Naming the document, its uid and every complaint of the schema, when it does
 * not match; or when the schemas are missing.
 *
 * @example A valid datum
 * ```ts
 * import { assertSchemaValid, schemasAvailable } from "./_schemas.ts";
 * if (schemasAvailable()) {
 *   assertSchemaValid("datum", { datum_id: "r/0", resource: "r", datum_kwargs: {} });
 * }
 * ```
 */
export function assertSchemaValid(name: string, doc: unknown): void {
  const errors = validateAgainstSchema(name, doc);
  if (errors.length === 0) return;
  const record = doc as { uid?: unknown; datum_id?: unknown } | null;
  const id = record?.uid ?? record?.datum_id;
  const uid = Array.isArray(id) ? id[0] : id;
  const named = typeof uid === "string" ? `, uid "${uid}"` : "";
  throw new Error(
    `${name} document${named}: does not match the event-model schema:\n  ${errors.join("\n  ")}`,
  );
}
