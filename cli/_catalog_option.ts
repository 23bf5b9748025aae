/**
 * The `--catalog DIR` option of the catalog commands: which folder, and opening it.
 *
 * @module
 */

import {
  Catalog,
  type CatalogOptions,
  defaultCatalogDir,
  type SqliteStorageOptions,
} from "../core/catalog/mod.ts";

/** Help text of the option, with the default folder. */
export const CATALOG_OPTION_HELP =
  `  --catalog DIR  the catalog's folder (default: $XDG_DATA_HOME/nxdaq/catalog,
                 else ~/.local/share/nxdaq/catalog)`;

/**
 * Open the catalog in a folder.
 * @param dir The folder; the default one when undefined.
 * @param create Create the folder and catalog when missing (for writing commands).
 * @param options How the catalog commits, and waits for another writer.
 * @returns The catalog and its folder.
 * @throws {Error} When reading from a folder that holds no catalog.
 * @throws {CatalogCorruptError} When the catalog's file is damaged.
 */
export async function openCatalog(
  dir: string | undefined,
  create: boolean,
  options: CatalogOptions & SqliteStorageOptions = {},
): Promise<{ catalog: Catalog; dir: string }> {
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
