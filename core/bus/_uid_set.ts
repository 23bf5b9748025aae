/**
 * The set of uids a {@linkcode RunRouter} keeps of an open run, where a repeat is looked for
 * at every event.
 *
 * It is keyed by a hash computed here rather than by the engine's own string hash: V8 works
 * out a string's hash, in its runtime, the first time the string is a key, and every event
 * brings a new uid, so that first hash cost more than all the rest of routing an event. A
 * number key of 30 bits is hashed at once; the few uids that share one are kept together.
 *
 * @module
 */

/** FNV-1a over the UTF-16 code units, cut to 30 bits: a small integer on every platform. */
export function hashOf(uid: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < uid.length; i++) hash = Math.imul(hash ^ uid.charCodeAt(i), 0x01000193);
  return hash & 0x3fffffff;
}

/** A set of strings, for many insertions of strings never seen before. */
export class UidSet {
  readonly #buckets = new Map<number, string | string[]>();
  #size = 0;

  /** @param uids The first members. */
  constructor(uids: Iterable<string> = []) {
    for (const uid of uids) this.add(uid);
  }

  /** How many uids the set holds. */
  get size(): number {
    return this.#size;
  }

  /**
   * Whether the set holds a uid.
   * @param uid The uid.
   * @returns True when it does.
   */
  has(uid: string): boolean {
    const bucket = this.#buckets.get(hashOf(uid));
    return bucket === undefined
      ? false
      : typeof bucket === "string"
      ? bucket === uid
      : bucket.includes(uid);
  }

  /**
   * Add a uid, unless the set holds it already.
   * @param uid The uid.
   * @returns False when the set held it already (and is unchanged), true when it was added.
   */
  add(uid: string): boolean {
    const hash = hashOf(uid);
    const bucket = this.#buckets.get(hash);
    if (bucket === undefined) this.#buckets.set(hash, uid);
    else if (typeof bucket === "string") {
      if (bucket === uid) return false;
      this.#buckets.set(hash, [bucket, uid]);
    } else {
      if (bucket.includes(uid)) return false;
      bucket.push(uid);
    }
    this.#size++;
    return true;
  }
}
