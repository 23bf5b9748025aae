/**
 * Turns of the event loop for long synchronous work (reading a file in synchronous reads,
 * copying detector frames into HDF5): a signal (Ctrl-C) that comes meanwhile is handled within
 * a few tens of ms, not once the work ends.
 *
 * @module
 */

/** The byte a turn's digest is taken of. */
const BYTE = new Uint8Array(1);

/**
 * Turns of the event loop, each when the last was long enough ago. A turn waits for an
 * operation done outside JavaScript (the digest of one byte, about 0.1 ms, needing no
 * permission): only then does Deno's event loop look for signals. A turn through
 * `setImmediate` or a `MessageChannel` costs microseconds but lets a signal wait for hundreds
 * of ms; `setTimeout(0)` waits about 2 ms (both measured).
 */
export class EventLoopTurns {
  readonly #every: number;
  #last = performance.now();

  /** @param every The longest work between turns, in ms. */
  constructor(every = 20) {
    this.#every = every;
  }

  /**
   * A turn, when one is due: await it.
   * @returns The turn, or undefined when the last was less than `every` ms ago.
   */
  due(): Promise<void> | undefined {
    if (performance.now() - this.#last < this.#every) return undefined;
    return crypto.subtle.digest("SHA-256", BYTE).then(() => {
      this.#last = performance.now();
    });
  }
}
