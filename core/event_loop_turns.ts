/**
 * Turns of the event loop for long synchronous work (reading a file in synchronous reads,
 * copying detector frames into HDF5): a signal (Ctrl-C) that comes meanwhile is handled within
 * a tenth of a second, not once the work ends.
 *
 * @module
 */

/**
 * Turns of the event loop, each when the last was long enough ago. A turn waits for a timer
 * (`setTimeout(0)`, about 2 ms): Deno's event loop looks for signals only when it waits. A
 * turn through `setImmediate` or a `MessageChannel` costs microseconds but let a signal wait
 * for hundreds of ms, and an operation done outside JavaScript (a one-byte digest, 0.1 ms)
 * sometimes ends before the loop looks, on a loaded machine (all measured). At the default of
 * one turn per 100 ms, the turns cost about 2% of the work.
 */
export class EventLoopTurns {
  readonly #every: number;
  #last = performance.now();

  /** @param every The longest work between turns, in ms. */
  constructor(every = 100) {
    this.#every = every;
  }

  /**
   * A turn, when one is due: await it.
   * @returns The turn, or undefined when the last was less than `every` ms ago.
   */
  due(): Promise<void> | undefined {
    if (performance.now() - this.#last < this.#every) return undefined;
    return new Promise((resolve) =>
      setTimeout(() => {
        this.#last = performance.now();
        resolve();
      }, 0)
    );
  }
}
