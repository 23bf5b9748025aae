/**
 * The run catalog: documents stored as they come (SQLite by default, or a PostgreSQL database
 * that many processes share, behind {@linkcode CatalogStorage}), runs listed, searched and looked up as in databroker, and
 * replayed to any callback.
 *
 * @example Store a run, look it up, replay it
 * ```ts
 * import assert from "node:assert/strict";
 * import { replay, temp } from "./mod.ts";
 * const catalog = temp();
 * catalog.insert("start", { uid: "3f2a1b00-run", time: 1, scan_id: 4, plan_name: "count" });
 * catalog.insert("stop", { uid: "s", run_start: "3f2a1b00-run", time: 2, exit_status: "success" });
 * assert.equal(catalog.runs({ plan_name: "count" }).length, 1);
 * assert.equal(catalog.get("3f2a1").summary.scanId, 4);
 * assert.equal(await replay(catalog.get(4), () => {}), 2);
 * catalog.close();
 * ```
 *
 * @module
 */

export { Catalog, CATALOG_DEFAULTS, type CatalogOptions, type RunTally, temp } from "./catalog.ts";
export { type CatalogRun, type RunSummary } from "./catalog_run.ts";
export { type CatalogCheck, checkCatalog, type RunCheck } from "./check.ts";
export { defaultCatalogDir, type Environment } from "./default_dir.ts";
export { CatalogLookupError } from "./lookup_error.ts";
export { replay, type ReplayCallback } from "./replay.ts";
export { type RunQuery } from "./run_query.ts";
export {
  isPostgresUrl,
  POSTGRES_STORAGE_DEFAULTS,
  PostgresStorage,
  type PostgresStorageOptions,
  redactPostgresUrl,
} from "./postgres_storage.ts";
export {
  SQLITE_STORAGE_DEFAULTS,
  SqliteStorage,
  type SqliteStorageOptions,
} from "./sqlite_storage.ts";
export { CatalogCorruptError, CatalogWriteError } from "./storage_errors.ts";
export type {
  CatalogStorage,
  DocumentRecord,
  RunFilter,
  RunSlice,
  StartValue,
  StoredDocument,
  StoredRun,
  TailedDocument,
  TailFilter,
} from "./storage.ts";
