/**
 * The building blocks of the document checks in `validate.ts`: each check returns `undefined`
 * when a value is fine, else a {@linkcode Problem} naming the field; the messages are built only
 * when a check fails.
 *
 * @module
 */

export type Json = Record<string, unknown>;

/** What is wrong and where, relative to the value that was checked (`""` is the value). */
export interface Problem {
  field: string;
  message: string;
  /** Row of a page, so that the error names that row's uid. */
  row?: number;
}

// ---- reporting (runs only when a check fails) ----

export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "object": {
      const kind = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof kind === "string" && kind !== "Object" ? `a ${kind}` : "an object";
    }
    default:
      return `a ${typeof value}`;
  }
}

export function quoteAll(values: Iterable<string>): string {
  return [...values].map((value) => JSON.stringify(value)).join(", ");
}

export function problem(field: string, message: string, row?: number): Problem {
  return row === undefined ? { field, message } : { field, message, row };
}

export function wrong(field: string, expected: string, value: unknown, row?: number): Problem {
  return problem(
    field,
    value === undefined ? "is required" : `must be ${expected}: got ${show(value)}`,
    row,
  );
}

/** Re-roots a problem found inside `prefix`. */
export function within(prefix: string, found: Problem | undefined): Problem | undefined {
  if (found !== undefined) found.field = found.field === "" ? prefix : `${prefix}.${found.field}`;
  return found;
}

// ---- leaf checks: `undefined` when the value is fine ----

export function isObject(value: unknown): value is Json {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

export function str(value: unknown, field: string): Problem | undefined {
  return typeof value === "string" ? undefined : wrong(field, "a string", value);
}

export function num(value: unknown, field: string): Problem | undefined {
  return typeof value === "number" ? undefined : wrong(field, "a number", value);
}

export function int(value: unknown, field: string): Problem | undefined {
  return isInteger(value) ? undefined : wrong(field, "an integer", value);
}

export function time(value: unknown, field: string): Problem | undefined {
  return typeof value === "number" && Number.isFinite(value)
    ? undefined
    : wrong(field, "a finite number (Unix epoch seconds)", value);
}

export function obj(value: unknown, field: string): Problem | undefined {
  return isObject(value) ? undefined : wrong(field, "an object", value);
}

export function arr(value: unknown, field: string): Problem | undefined {
  return Array.isArray(value) ? undefined : wrong(field, "an array", value);
}

export function strings(value: unknown, field: string): Problem | undefined {
  if (!Array.isArray(value)) return wrong(field, "an array of strings", value);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") return wrong(`${field}.${i}`, "a string", value[i]);
  }
  return undefined;
}

export function strOrNull(value: unknown, field: string): Problem | undefined {
  return value === null || typeof value === "string"
    ? undefined
    : wrong(field, "a string or null", value);
}

export function intOrNull(value: unknown, field: string): Problem | undefined {
  return value === null || isInteger(value) ? undefined : wrong(field, "an integer or null", value);
}

export function numOrNull(value: unknown, field: string): Problem | undefined {
  return value === null || typeof value === "number"
    ? undefined
    : wrong(field, "a number or null", value);
}

export function optional(
  check: (value: unknown, field: string) => Problem | undefined,
  value: unknown,
  field: string,
): Problem | undefined {
  return value === undefined ? undefined : check(value, field);
}

export function oneOf(
  values: ReadonlySet<unknown>,
  value: unknown,
  field: string,
): Problem | undefined {
  return values.has(value)
    ? undefined
    : wrong(field, `one of ${quoteAll(values as Set<string>)}`, value);
}

/** Values of an object, each checked by `check`. */
export function valuesOf(
  check: (value: unknown, field: string) => Problem | undefined,
  value: unknown,
  field: string,
): Problem | undefined {
  if (!isObject(value)) return wrong(field, "an object", value);
  for (const key in value) {
    const found = check(value[key], "");
    if (found !== undefined) return within(`${field}.${key}`, found);
  }
  return undefined;
}

export function allowedKeys(doc: Json, allowed: ReadonlySet<string>): Problem | undefined {
  for (const key in doc) {
    if (!allowed.has(key)) {
      return problem(key, `unexpected field: allowed are ${quoteAll(allowed)}`);
    }
  }
  return undefined;
}

function isKeyName(key: string): boolean {
  return key.length > 0 && !key.includes(".") && !key.includes("/");
}

/**
 * The schemas' `patternProperties: {"^([^./]+)$": DataType}` with `additionalProperties: false`.
 * In start and descriptor `DataType` repeats the rule on every nested object (arrays are not
 * entered); in stop it applies to the top level only.
 */
export function keyNames(value: Json, deep: boolean): Problem | undefined {
  for (const key in value) {
    if (!isKeyName(key)) {
      return problem(key, `key ${JSON.stringify(key)} must be non-empty and contain no "." or "/"`);
    }
    if (deep) {
      const child = value[key];
      if (isObject(child)) {
        const found = keyNames(child, true);
        if (found !== undefined) return within(key, found);
      }
    }
  }
  return undefined;
}

// ---- page columns: a page has as many rows as ids ----

/** A page's array of ids; its length is the page's number of rows. */
export function ids(value: unknown, field: string): Problem | undefined {
  if (!Array.isArray(value)) return wrong(field, "an array of strings", value);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") return wrong(`${field}.${i}`, "a string", value[i], i);
  }
  return undefined;
}

export function rowCount(column: unknown[], rows: number, idField: string, field: string) {
  return column.length === rows
    ? undefined
    : problem(field, `has ${column.length} rows but ${idField} has ${rows}`);
}

/** A column-wise object (`data`, `timestamps`, `filled`, `datum_kwargs`) of `rows` rows. */
export function columns(
  value: unknown,
  rows: number,
  idField: string,
  field: string,
  cell?: (value: unknown, field: string) => Problem | undefined,
): Problem | undefined {
  if (!isObject(value)) return wrong(field, "an object of arrays", value);
  for (const key in value) {
    const column = value[key];
    if (!Array.isArray(column)) return wrong(`${field}.${key}`, "an array", column);
    const found = rowCount(column, rows, idField, `${field}.${key}`);
    if (found !== undefined) return found;
    if (cell !== undefined) {
      for (let i = 0; i < rows; i++) {
        const bad = cell(column[i], "");
        if (bad !== undefined) return within(`${field}.${key}.${i}`, { ...bad, row: i });
      }
    }
  }
  return undefined;
}
