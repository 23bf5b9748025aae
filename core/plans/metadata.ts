/**
 * The start metadata a user gives to a plan.
 *
 * @module
 */

/** Start metadata given by the user; it overrides what a plan writes. */
export type Metadata = Readonly<Record<string, unknown>>;
