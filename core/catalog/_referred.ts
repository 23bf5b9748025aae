/**
 * The documents that others refer to, whose uids a catalog storage keeps unique (in its
 * table `refs`) and that `CatalogStorage.find()` looks up.
 *
 * @module
 */

/** Names of the documents that others refer to by uid. */
export const REFERRED: ReadonlySet<string> = new Set([
  "start",
  "descriptor",
  "stop",
  "resource",
  "stream_resource",
]);
