/**
 * The `--catalog DIR|URL` option of the catalog commands: which folder (SQLite) or which
 * PostgreSQL database (`postgres://...`), and opening it.
 *
 * @module
 */

import {
  Catalog,
  type CatalogOptions,
  defaultCatalogDir,
  isPostgresUrl,
  type PostgresStorageOptions,
  type SqliteStorageOptions,
} from "../core/catalog/mod.ts";

/** Help text of the option, with the default folder. */
export const CATALOG_OPTION_HELP =
  `  --catalog DIR  the catalog's folder (default: $XDG_DATA_HOME/nxdaq/catalog,
                 else ~/.local/share/nxdaq/catalog), or a PostgreSQL database shared
                 by several processes: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`;

/**
 * Open the catalog in a folder, or in a PostgreSQL database (by {@linkcode Catalog.open}).
 * @param dir The folder or the database's URL; the default folder when undefined.
 * @param create Create the folder and catalog (the database's tables) when missing (for
 *   writing commands).
 * @param options How the catalog commits, and waits for another writer or the server.
 * @returns The catalog and where it is (a URL without its password).
 * @throws {Error} When reading from a folder (or database) that holds no catalog, or the
 *   server cannot be reached.
 * @throws {CatalogCorruptError} When the catalog's file is damaged.
 */
export async function openCatalog(
  dir: string | undefined,
  create: boolean,
  options: CatalogOptions & SqliteStorageOptions & PostgresStorageOptions = {},
): Promise<{ catalog: Catalog; dir: string }> {
  if (dir !== undefined && isPostgresUrl(dir)) {
    // A reading command makes no tables: an empty database says so.
    const catalog = Catalog.open(dir, create ? options : { ...options, readOnly: true });
    return { catalog, dir: catalog.location };
  }
  const folder = dir ?? defaultCatalogDir();
  if (!create) {
    try {
      await Deno.stat(`${folder}/catalog.sqlite`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`No catalog in "${folder}": nothing was stored there yet`);
      }
      throw error;
    }
  }
  return { catalog: Catalog.open(folder, options), dir: folder };
}
