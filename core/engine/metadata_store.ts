/**
 * Where the RunEngine keeps its own metadata (bluesky's `RE.md`), notably the last `scan_id`.
 *
 * @module
 */

/**
 * Storage of engine-level metadata.
 *
 * @example A store in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetadataStore } from "./metadata_store.ts";
 * let kept: Record<string, unknown> = {};
 * const store: MetadataStore = { load: () => kept, save: (md) => void (kept = { ...md }) };
 * store.save({ scan_id: 7 });
 * assert.equal(store.load().scan_id, 7);
 * ```
 */
export interface MetadataStore {
  /** A copy of the stored metadata. */
  load(): Record<string, unknown>;
  /** Replace the stored metadata. */
  save(md: Record<string, unknown>): void;
}

/**
 * Metadata kept in memory for the life of the process.
 *
 * @example Keep the last scan_id
 * ```ts
 * import assert from "node:assert/strict";
 * import { InMemoryMetadataStore } from "./metadata_store.ts";
 * const store = new InMemoryMetadataStore({ beamline_id: "demo" });
 * store.save({ ...store.load(), scan_id: 7 });
 * assert.deepEqual(store.load(), { beamline_id: "demo", scan_id: 7 });
 * ```
 */
export class InMemoryMetadataStore implements MetadataStore {
  #md: Record<string, unknown>;
  /**
   * Make a store holding a deep copy of `initial`.
   *
   * @param initial Starting metadata.
   */
  constructor(initial: Record<string, unknown> = {}) {
    this.#md = structuredClone(initial);
  }
  /**
   * Read the metadata.
   *
   * @returns A shallow copy of the metadata.
   */
  load(): Record<string, unknown> {
    return { ...this.#md };
  }
  /**
   * Replace the metadata.
   *
   * @param md The new metadata; a shallow copy is kept.
   */
  save(md: Record<string, unknown>): void {
    this.#md = { ...md };
  }
}

/**
 * Metadata kept in a JSON file, so `scan_id` keeps counting across sessions. The file is
 * replaced atomically (written beside it, then renamed).
 *
 * @example The scan_id survives a new store on the same file
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonFileMetadataStore } from "./metadata_store.ts";
 * const dir = await Deno.makeTempDir();
 * const store = new JsonFileMetadataStore(`${dir}/md.json`);
 * assert.deepEqual(store.load(), {});
 * store.save({ scan_id: 3 });
 * assert.equal(new JsonFileMetadataStore(`${dir}/md.json`).load().scan_id, 3);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class JsonFileMetadataStore implements MetadataStore {
  /** Path of the JSON file. */
  readonly path: string;
  /**
   * Make a store backed by `path`; nothing is read or written yet.
   *
   * @param path Path of the JSON file; it need not exist yet.
   */
  constructor(path: string) {
    this.path = path;
  }
  /**
   * Read the file.
   *
   * @returns The stored metadata, or `{}` when the file does not exist.
   * @throws {SyntaxError} When the file is not valid JSON.
   * @throws {TypeError} When the file holds JSON that is not an object.
   */
  load(): Record<string, unknown> {
    let text: string;
    try {
      text = Deno.readTextFileSync(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return {};
      throw error;
    }
    let md: unknown;
    try {
      md = JSON.parse(text);
    } catch (cause) {
      throw new SyntaxError(`Cannot read metadata file "${this.path}": not valid JSON`, { cause });
    }
    if (md === null || typeof md !== "object" || Array.isArray(md)) {
      throw new TypeError(`Cannot read metadata file "${this.path}": not a JSON object`);
    }
    return md as Record<string, unknown>;
  }
  /**
   * Write the file.
   *
   * @param md The new metadata; it must survive `JSON.stringify`.
   */
  save(md: Record<string, unknown>): void {
    // Written beside the target and renamed so that a crash never leaves half a file.
    const temporary = `${this.path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    Deno.writeTextFileSync(temporary, JSON.stringify(md, null, 2) + "\n");
    Deno.renameSync(temporary, this.path);
  }
}
