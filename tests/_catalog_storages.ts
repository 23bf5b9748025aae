/**
 * The catalog's storages for its tests: each test of catalog behaviour runs once over SQLite
 * and once over PostgreSQL (a real server on 127.0.0.1, one per test file, a new database per
 * test), from one body. For tests only.
 *
 * @module
 */

import { Catalog, type CatalogOptions } from "../core/catalog/catalog.ts";
import { PostgresStorage } from "../core/catalog/postgres_storage.ts";
import { SqliteStorage } from "../core/catalog/sqlite_storage.ts";
import type { CatalogStorage } from "../core/catalog/storage.ts";
import { ignoreWithoutPostgres, sharedPostgres } from "./_postgres.ts";

/** One storage kind, as a test uses it. */
export interface TestStorage {
  /** `"SQLite"` or `"PostgreSQL"`. */
  readonly kind: string;
  /**
   * A new, empty catalog's location for {@linkcode Catalog.open}: a folder in a temporary
   * one, or a new database's URL. Removed after the test.
   */
  location(): Promise<string>;
  /**
   * A new, empty catalog: in memory for SQLite, in a new database for PostgreSQL.
   * @param options When to commit.
   */
  temp(options?: CatalogOptions): Promise<Catalog>;
  /** A new, empty storage (in memory for SQLite). */
  storage(): Promise<CatalogStorage>;
  /**
   * A storage of a location from {@linkcode TestStorage.location}: a second one of the same
   * location is another connection, as another process has.
   * @param location The location.
   */
  open(location: string): CatalogStorage;
}

/** What a test made, removed after it. */
type Cleanup = () => Promise<void>;

function sqlite(cleanups: Cleanup[]): TestStorage {
  return {
    kind: "SQLite",
    location: async () => {
      const dir = await Deno.makeTempDir({ prefix: "nxdaq-catalog-" });
      cleanups.push(() => Deno.remove(dir, { recursive: true }).catch(() => undefined));
      return `${dir}/nested/catalog`;
    },
    temp: (options = {}) => Promise.resolve(new Catalog(new SqliteStorage(":memory:"), options)),
    storage: () => Promise.resolve(new SqliteStorage(":memory:")),
    open: (location) => {
      Deno.mkdirSync(location, { recursive: true });
      return new SqliteStorage(`${location}/catalog.sqlite`);
    },
  };
}

function postgres(): TestStorage {
  const database = async () => {
    const server = await sharedPostgres();
    if (server === undefined) throw new Error("PostgreSQL is not installed");
    return await server.database();
  };
  return {
    kind: "PostgreSQL",
    location: database,
    temp: async (options = {}) => new Catalog(new PostgresStorage(await database()), options),
    storage: async () => new PostgresStorage(await database()),
    open: (location) => new PostgresStorage(location),
  };
}

/**
 * Register a test once per storage: under its name for SQLite, and with " [PostgreSQL]" after
 * it for PostgreSQL (skipped, with the reason printed, without PostgreSQL outside CI). Test
 * files import it as `test`: the formatter then lays a call out as it does `Deno.test`'s, so a
 * test body stays as it was.
 * @param name The test's name.
 * @param body The test, given the storage to use.
 * @param options `ignore`: skip both (when something else the test needs is missing).
 */
export function storageTest(
  name: string,
  body: (storage: TestStorage) => void | Promise<void>,
  options: { ignore?: boolean } = {},
): void {
  const run = (make: (cleanups: Cleanup[]) => TestStorage) => async () => {
    const cleanups: Cleanup[] = [];
    try {
      await body(make(cleanups));
    } finally {
      for (const cleanup of cleanups) await cleanup();
    }
  };
  const ignore = options.ignore === true;
  Deno.test({ name, ignore, fn: run(sqlite) });
  Deno.test({
    name: `${name} [PostgreSQL]`,
    ignore: ignore || ignoreWithoutPostgres(),
    // The server (and its log's pipe) outlives the test: it serves the file's other tests.
    sanitizeOps: false,
    sanitizeResources: false,
    fn: run(postgres),
  });
}
