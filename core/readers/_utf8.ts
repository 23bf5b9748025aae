/**
 * A strict UTF-8 check that can be fed in pieces and tells where the first bad sequence starts,
 * which `TextDecoder` does not. It refuses what a fatal `TextDecoder` refuses: overlong forms,
 * surrogates, code points above U+10FFFF and cut sequences.
 *
 * @module
 */

/** Checks UTF-8 bytes given in pieces. */
export class Utf8Check {
  /** Continuation bytes still expected by the current sequence. */
  #need = 0;
  /** Bytes of the current sequence seen so far. */
  #have = 0;
  /** Allowed range of the next continuation byte (narrower after E0, ED, F0, F4). */
  #low = 0x80;
  #high = 0xbf;

  /** Bytes of an unfinished sequence at the end of what was fed; 0 when the text is whole. */
  get pending(): number {
    return this.#have;
  }

  /**
   * Check `bytes[start..end)`, continuing from earlier pieces.
   *
   * @param bytes The piece.
   * @param start First byte to check.
   * @param end One past the last byte to check.
   * @returns `undefined` when the bytes are fine so far, else the index in `bytes` where the
   * bad sequence starts (negative when it started in an earlier piece).
   */
  push(bytes: Uint8Array, start = 0, end = bytes.length): number | undefined {
    let need = this.#need;
    let have = this.#have;
    for (let i = start; i < end; i++) {
      const b = bytes[i] as number;
      if (need === 0) {
        if (b < 0x80) continue;
        have = 1;
        this.#low = 0x80;
        this.#high = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) need = 1;
        else if (b >= 0xe0 && b <= 0xef) {
          need = 2;
          if (b === 0xe0) this.#low = 0xa0;
          else if (b === 0xed) this.#high = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          need = 3;
          if (b === 0xf0) this.#low = 0x90;
          else if (b === 0xf4) this.#high = 0x8f;
        } else {
          this.#need = this.#have = 0;
          return i;
        }
      } else if (b < this.#low || b > this.#high) {
        this.#need = this.#have = 0;
        return i - have;
      } else {
        need--;
        have = need === 0 ? 0 : have + 1;
        this.#low = 0x80;
        this.#high = 0xbf;
      }
    }
    this.#need = need;
    this.#have = have;
    return undefined;
  }
}
