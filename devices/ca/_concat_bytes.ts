/**
 * One byte array from several, as messages are joined into one datagram or one write.
 *
 * @module
 */

/**
 * Copy `parts` one after the other into a new array.
 * @param parts The arrays.
 * @returns Their bytes, in order.
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
