/**
 * Test helper: a file read by the TypeScript HDF5 reader and by h5wasm, for tests that
 * compare the two: the listings, and everything the `Hdf5File` interface gives.
 *
 * @module
 */

import type {
  Hdf5Backend,
  Hdf5Dataset,
  Hdf5Group,
  Hdf5Type,
  Hdf5Value,
} from "../core/nexus/backend.ts";
import assert from "node:assert/strict";
import { H5wasmBackend } from "../core/nexus/h5wasm_backend.ts";
import { treeLines } from "../core/nexus/listing.ts";
import { Hdf5FormatUnsupported, hdf5Reader } from "../core/nexus/_hdf5_reader.ts";

/** h5wasm's reader, as the listing falls back to. */
export const h5wasmReader: Pick<Hdf5Backend, "open"> = new H5wasmBackend();

/**
 * The listing of `path` by each reader: the TypeScript reader's is the error it gives up with
 * when the file uses something it does not read.
 *
 * @param path The file.
 * @returns Both listings.
 */
export async function listBoth(
  path: string,
): Promise<{ ts: string[] | Hdf5FormatUnsupported; h5wasm: string[] }> {
  const h5wasm = await treeLines(path, { backend: h5wasmReader, fallback: false });
  try {
    return { ts: await treeLines(path, { backend: hdf5Reader, fallback: false }), h5wasm };
  } catch (error) {
    if (error instanceof Hdf5FormatUnsupported) return { ts: error, h5wasm };
    throw error;
  }
}

/** One object of a file, as the interface gives it: what {@linkcode walk} records. */
interface Described {
  path: string;
  kind: string;
  /** The first path that reached the same object, for a second hard link to it. */
  sameAs?: string;
  type?: Hdf5Type;
  shape?: readonly number[] | null;
  attributes: { name: string; type: Hdf5Type; shape: readonly number[] | null; value: unknown }[];
  children?: unknown[];
  value?: unknown;
  firstRow?: unknown;
  lastRow?: unknown;
}

/**
 * Everything `backend` reads of `path`: each object reached from the root by hard links, its
 * type, shape, attributes with their values, members, values, first and last rows.
 *
 * @param backend The reader.
 * @param path The file.
 * @returns The objects, in the order reached.
 */
export async function walk(backend: Pick<Hdf5Backend, "open">, path: string): Promise<Described[]> {
  const file = await backend.open(path);
  const seen = new Map<string, string>();
  const out: Described[] = [];
  const visit = (at: string) => {
    const node = file.get(at);
    if (node === undefined) return void out.push({ path: at, kind: "none", attributes: [] });
    const first = seen.get(node.address);
    if (first !== undefined) {
      return void out.push({ path: at, kind: node.kind, sameAs: first, attributes: [] });
    }
    seen.set(node.address, at);
    const attributes = node.attributes().map((a) => ({
      name: a.name,
      type: a.type,
      shape: a.shape,
      value: plain(() => a.read()),
    }));
    if (node.kind === "group") {
      const children = (node as Hdf5Group).children();
      out.push({ path: at, kind: "group", attributes, children });
      for (const child of children) if (child.link === "hard") visit(child.path);
      return;
    }
    const dataset = node as Hdf5Dataset;
    const { type, shape } = dataset;
    const rows = shape?.[0] ?? 0;
    out.push({
      path: at,
      kind: "dataset",
      type,
      shape,
      attributes,
      value: plain(() => dataset.read()),
      ...(shape?.length && rows > 0
        ? {
          firstRow: plain(() => dataset.readRows(0, 1)),
          lastRow: plain(() => dataset.readRows(rows - 1, rows)),
        }
        : {}),
    });
  };
  try {
    visit("/");
  } finally {
    file.close();
  }
  return out;
}

/** A value in a form `assert.deepEqual` compares across readers; an error as `"error"`. */
function plain(read: () => Hdf5Value): unknown {
  let value: Hdf5Value;
  try {
    value = read();
  } catch (error) {
    if (error instanceof Hdf5FormatUnsupported) throw error;
    return "error";
  }
  const one = (v: unknown) =>
    typeof v === "bigint" ? `${v}n` : typeof v === "number" && Number.isNaN(v) ? "NaN" : v;
  return typeof value === "object" ? Array.from(value, one) : one(value);
}

/**
 * The TypeScript reader reads `path` without giving up, and gives the listing and everything
 * {@linkcode walk} records as h5wasm does.
 *
 * @param path The file.
 */
export async function assertReadAlike(path: string): Promise<void> {
  const { ts, h5wasm } = await listBoth(path);
  assert.ok(!(ts instanceof Hdf5FormatUnsupported), `${path}: ${(ts as Error).message}`);
  assert.deepEqual(ts, h5wasm, path);
  assert.ok(h5wasm.length > 10, `${path}: ${h5wasm.length} lines`);
  assert.deepEqual(await walk(hdf5Reader, path), await walk(h5wasmReader, path), path);
}
