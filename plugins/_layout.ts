/**
 * Where the built-in plugins put things, and how they turn names from documents into names
 * of HDF5 objects. Private to the built-in plugins.
 *
 * @module
 */

import { illegalName } from "../mod.ts";

/** The bluesky part of the instrument: start metadata and the streams. */
export const BLUESKY = "/entry/instrument/bluesky";
/** The start document's keys, one field each. */
export const METADATA = `${BLUESKY}/metadata`;
/** One group per stream, one NXdata per data key. */
export const STREAMS = `${BLUESKY}/streams`;

/**
 * A name from a document, changed only as far as HDF5 needs: `/` and NUL become `_`, an empty
 * name or `.`/`..` becomes underscores, and the name is cut to 255 bytes. Names that HDF5
 * takes but NeXus does not recommend (spaces, dashes) are kept, as apstools keeps them, so
 * that a key in the file is the key in the documents.
 * @param name A start document key, stream name or data key.
 * @returns The name to use in the file (`name` itself when it is legal).
 */
export function safeName(name: string): string {
  if (illegalName(name) === undefined) return name;
  if (name === "" || name === "." || name === "..") return "_".repeat(Math.max(1, name.length));
  let safe = name.replace(/[/\0]/g, "_");
  const encoder = new TextEncoder();
  while (encoder.encode(safe).length > 255) safe = [...safe].slice(0, -1).join("");
  return safe;
}

/**
 * The path of a stream's group.
 * @param stream Stream name as in the documents.
 * @returns Its absolute path.
 */
export function streamPath(stream: string): string {
  return `${STREAMS}/${safeName(stream)}`;
}

/**
 * The path of a data key's NXdata group in a stream.
 * @param stream Stream name as in the documents.
 * @param key Data key as in the documents.
 * @returns Its absolute path.
 */
export function keyPath(stream: string, key: string): string {
  return `${streamPath(stream)}/${safeName(key)}`;
}
