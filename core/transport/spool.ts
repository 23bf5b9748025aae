/**
 * The local spool of a publisher: entries that could not be sent yet, appended to a JSON
 * Lines file (one `{"run", "seq", "name", "json"}` per line) and flushed to disk before the
 * append is taken as done, so that a document the broker never got is still on disk.
 *
 * A process writes its own file, `active-<id>.jsonl`. What it has not sent when it closes is
 * left in `left-<id>.jsonl`; the next publisher of the same spool folder takes such files
 * over (by renaming them, which only one process can do) and sends them first.
 *
 * @module
 */

import type { TransportEntry } from "./transport.ts";
import { DOCUMENT_NAMES } from "../documents/types.ts";

const NAMES: ReadonlySet<string> = new Set(DOCUMENT_NAMES);
const encoder = new TextEncoder();

/** One line of a spool file. */
function line(entry: TransportEntry): string {
  return JSON.stringify({ run: entry.run, seq: entry.seq, name: entry.name, json: entry.json }) +
    "\n";
}

/**
 * Read a spool file's entries.
 *
 * @example Entries written, then read back
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSpoolFile, Spool } from "./spool.ts";
 * const dir = await Deno.makeTempDir();
 * const spool = new Spool(dir);
 * await spool.append([{ run: "r1", seq: 0, name: "start", json: "{}" }]);
 * assert.equal((await readSpoolFile(spool.path!)).length, 1);
 * await spool.close([]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param path The file.
 * @returns Its entries, in order; a last line cut short (a crash while appending) is left out.
 * @throws {Error} When a whole line is not an entry; the message names the file and line.
 */
export async function readSpoolFile(path: string): Promise<TransportEntry[]> {
  const text = await Deno.readTextFile(path);
  const lines = text.split("\n");
  const entries: TransportEntry[] = [];
  for (const [i, text] of lines.entries()) {
    if (text === "") continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (i === lines.length - 1) break; // the append a crash cut short
      throw new Error(`Spool file "${path}", line ${i + 1}: ${(error as Error).message}`);
    }
    const { run, seq, name, json } = value;
    if (
      typeof run !== "string" || typeof seq !== "number" || typeof name !== "string" ||
      !NAMES.has(name) || typeof json !== "string"
    ) {
      throw new Error(`Spool file "${path}", line ${i + 1}: not an entry (run, seq, name, json)`);
    }
    entries.push({ run, seq, name: name as TransportEntry["name"], json });
  }
  return entries;
}

/**
 * A process's spool file in a folder, made at its first append.
 *
 * @example See {@linkcode readSpoolFile}.
 * ```ts
 * import { Spool } from "./spool.ts";
 * const dir = await Deno.makeTempDir();
 * await new Spool(dir).close([]);
 * await Deno.remove(dir);
 * ```
 */
export class Spool {
  /** The spool folder. */
  readonly folder: string;
  readonly #id = `${Date.now()}-${crypto.randomUUID().slice(0, 8)}`;
  #file: Deno.FsFile | undefined;
  #path: string | undefined;

  /**
   * Name the folder; nothing is written before the first append.
   * @param folder The folder (made when missing).
   */
  constructor(folder: string) {
    this.folder = folder.replace(/\/+$/, "") || "/";
  }

  /** This process's spool file, once made. */
  get path(): string | undefined {
    return this.#path;
  }

  /**
   * Append entries and flush them to disk.
   * @param entries The entries, in order.
   * @throws {Error} When the file cannot be written; the message names it.
   */
  async append(entries: readonly TransportEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const path = this.#path ?? `${this.folder}/active-${this.#id}.jsonl`;
    try {
      if (this.#file === undefined) {
        await Deno.mkdir(this.folder, { recursive: true });
        this.#file = await Deno.open(path, { append: true, create: true });
        this.#path = path;
      }
      const bytes = encoder.encode(entries.map(line).join(""));
      for (let done = 0; done < bytes.length;) {
        done += await this.#file.write(bytes.subarray(done));
      }
      await this.#file.syncData();
    } catch (error) {
      throw new Error(`Cannot write the spool file "${path}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Everything in the file was sent: remove it (the next append makes a new one). */
  async clear(): Promise<void> {
    if (this.#file === undefined || this.#path === undefined) return;
    this.#file.close();
    this.#file = undefined;
    await Deno.remove(this.#path).catch(() => undefined);
    this.#path = undefined;
  }

  /**
   * Close the spool, leaving exactly `remaining` in `left-<id>.jsonl` (written whole, then
   * moved into place) for a later publisher, and removing this process's file.
   * @param remaining The entries not sent.
   * @returns The file left, or undefined when nothing remains.
   * @throws {Error} When the file cannot be written; this process's file stays then.
   */
  async close(remaining: readonly TransportEntry[]): Promise<string | undefined> {
    if (remaining.length === 0) {
      await this.clear();
      return undefined;
    }
    await Deno.mkdir(this.folder, { recursive: true });
    const left = `${this.folder}/left-${this.#id}.jsonl`;
    const temporary = `${this.folder}/.left-${this.#id}.partial`;
    try {
      const file = await Deno.open(temporary, { write: true, createNew: true });
      try {
        const bytes = encoder.encode(remaining.map(line).join(""));
        for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
        await file.syncData();
      } finally {
        file.close();
      }
      await Deno.rename(temporary, left);
    } catch (error) {
      await Deno.remove(temporary).catch(() => undefined);
      throw new Error(`Cannot write the spool file "${left}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    await this.clear();
    return left;
  }

  /**
   * Take over the files that other publishers left in the folder (`left-*.jsonl`): each is
   * renamed to this process's name first, so no two processes send it.
   * @returns The entries of each file taken, oldest file first, and the files (to remove once
   *   sent).
   */
  async adopt(): Promise<{ entries: TransportEntry[]; files: string[] }> {
    const names: string[] = [];
    try {
      for await (const item of Deno.readDir(this.folder)) {
        if (item.isFile && /^left-.*\.jsonl$/.test(item.name)) names.push(item.name);
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { entries: [], files: [] };
      throw error;
    }
    names.sort();
    const entries: TransportEntry[] = [];
    const files: string[] = [];
    for (const name of names) {
      const taken = `${this.folder}/taken-${this.#id}-${name}`;
      try {
        await Deno.rename(`${this.folder}/${name}`, taken);
      } catch {
        continue; // another process took it first
      }
      entries.push(...await readSpoolFile(taken));
      files.push(taken);
    }
    return { entries, files };
  }
}
