/**
 * The set of uids a {@linkcode RunRouter} keeps of an open run, where a repeat is looked for
 * at every event.
 *
 * It is keyed by a hash computed here rather than by the engine's own string hash: V8 works
 * out a string's hash, in its runtime, the first time the string is a key, and every event
 * brings a new uid, so that first hash cost more than all the rest of routing an event. The
 * 30-bit hash picks a slot in a table of integers (open addressing); uids that share a hash
 * are told apart by comparing them.
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
  /**
   * Open addressing: each slot holds 0 or one more than the index of a member, the slot
   * looked for first being its hash's low bits and then the next ones. A typed array costs
   * less per insertion than a `Map`, whose entries are objects to the collector.
   */
  #table = new Int32Array(16);
  /** The members in insertion order, and their hashes. */
  readonly #uids: string[] = [];
  #hashes = new Int32Array(8);

  /** @param uids The first members. */
  constructor(uids: Iterable<string> = []) {
    for (const uid of uids) this.add(uid);
  }

  /** How many uids the set holds. */
  get size(): number {
    return this.#uids.length;
  }

  /**
   * Whether the set holds a uid.
   * @param uid The uid.
   * @returns True when it does.
   */
  has(uid: string): boolean {
    return this.#slotOf(uid, hashOf(uid)) < 0;
  }

  /**
   * Add a uid, unless the set holds it already.
   * @param uid The uid.
   * @returns False when the set held it already (and is unchanged), true when it was added.
   */
  add(uid: string): boolean {
    const hash = hashOf(uid);
    const slot = this.#slotOf(uid, hash);
    if (slot < 0) return false;
    const index = this.#uids.length;
    if (index === this.#hashes.length) {
      const hashes = new Int32Array(index * 2);
      hashes.set(this.#hashes);
      this.#hashes = hashes;
    }
    this.#uids.push(uid);
    this.#hashes[index] = hash;
    this.#table[slot] = index + 1;
    // At most half full, so that a look ends soon.
    if (2 * (index + 1) > this.#table.length) this.#grow();
    return true;
  }

  /** The free slot for `uid`, or -1 when the set holds it. */
  #slotOf(uid: string, hash: number): number {
    const table = this.#table;
    const mask = table.length - 1;
    for (let slot = hash & mask;; slot = (slot + 1) & mask) {
      const entry = table[slot]!;
      if (entry === 0) return slot;
      if (this.#hashes[entry - 1] === hash && this.#uids[entry - 1] === uid) return -1;
    }
  }

  #grow(): void {
    const table = new Int32Array(this.#table.length * 2);
    const mask = table.length - 1;
    const hashes = this.#hashes;
    for (let index = 0; index < this.#uids.length; index++) {
      let slot = hashes[index]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = index + 1;
    }
    this.#table = table;
  }
}
