/**
 * The keyword filter shared by the plan stubs.
 *
 * @module
 */

/** Only the keys whose value is not `undefined`, so that messages carry no empty keywords. */
export function defined(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).filter(([, v]) => v !== undefined));
}
