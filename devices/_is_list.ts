/**
 * What counts as a list for Python's `repr()` and for numpy's dtypes.
 *
 * @module
 */

/** Arrays and typed arrays (not `DataView`s). */
export function isList(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}
