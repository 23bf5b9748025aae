/**
 * Where the RunEngine keeps its own metadata (bluesky's `RE.md`), notably the last `scan_id`.
 *
 * @module
 */

/** Storage of engine-level metadata. */
export interface MetadataStore {
  /** A copy of the stored metadata. */
  load(): Record<string, unknown>;
  /** Replace the stored metadata. */
  save(md: Record<string, unknown>): void;
}

/**
 * Metadata kept in memory for the life of the process.
 *
 * @example
 * ```ts
 * import { InMemoryMetadataStore } from "./metadata_store.ts";
 * const store = new InMemoryMetadataStore({ beamline_id: "demo" });
 * store.save({ ...store.load(), scan_id: 7 });
 * console.assert(store.load().scan_id === 7);
 * ```
 */
export class InMemoryMetadataStore implements MetadataStore {
  #md: Record<string, unknown>;
  /** @param initial Starting metadata. */
  constructor(initial: Record<string, unknown> = {}) {
    this.#md = structuredClone(initial);
  }
  /** @returns A copy of the metadata. */
  load(): Record<string, unknown> {
    return { ...this.#md };
  }
  /** @param md The new metadata. */
  save(md: Record<string, unknown>): void {
    this.#md = { ...md };
  }
}

/**
 * Metadata kept in a JSON file, so `scan_id` keeps counting across sessions. The file is
 * replaced atomically (written beside it, then renamed).
 *
 * @example
 * ```ts
 * import { JsonFileMetadataStore } from "./metadata_store.ts";
 * const dir = await Deno.makeTempDir();
 * const store = new JsonFileMetadataStore(`${dir}/md.json`);
 * store.save({ scan_id: 3 });
 * console.assert(new JsonFileMetadataStore(`${dir}/md.json`).load().scan_id === 3);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class JsonFileMetadataStore implements MetadataStore {
  /** Path of the JSON file. */
  readonly path: string;
  /** @param path Path of the JSON file; it need not exist yet. */
  constructor(path: string) {
    this.path = path;
  }
  /** @returns The stored metadata, or `{}` when the file does not exist. */
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
  /** @param md The new metadata. */
  save(md: Record<string, unknown>): void {
    const temporary = `${this.path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    Deno.writeTextFileSync(temporary, JSON.stringify(md, null, 2) + "\n");
    Deno.renameSync(temporary, this.path);
  }
}
