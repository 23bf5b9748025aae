/**
 * Messages that plans yield to the RunEngine, and the plan type.
 *
 * @module
 */

/** One instruction of a plan, as bluesky's `Msg(command, obj, *args, **kwargs)`. */
export interface Msg {
  /** Name of the command, for example `"set"` or `"open_run"`. */
  readonly command: string;
  /** The device (or other object) the command acts on. */
  readonly obj?: unknown;
  /** Positional arguments. */
  readonly args?: readonly unknown[];
  /** Keyword arguments. */
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /** Distinguishes concurrent runs; unused for now but kept as in bluesky. */
  readonly run?: string;
}

/**
 * A plan: a generator of messages that receives each message's result and returns a value.
 * Plan stubs compose with `yield*`.
 *
 * @example A plan is a generator of messages
 * ```ts
 * import assert from "node:assert/strict";
 * import { msg, type Plan } from "./messages.ts";
 * function* twoMessages(): Plan {
 *   yield msg("open_run");
 *   yield msg("close_run");
 * }
 * assert.deepEqual([...twoMessages()].map((m) => m.command), ["open_run", "close_run"]);
 * ```
 */
export type Plan<R = void> = Generator<Msg, R, unknown>;

/**
 * Build a message.
 *
 * @example bluesky's `Msg("sleep", None, 0.1)`
 * ```ts
 * import assert from "node:assert/strict";
 * import { msg } from "./messages.ts";
 * assert.deepEqual(msg("sleep", undefined, [0.1]), {
 *   command: "sleep",
 *   obj: undefined,
 *   args: [0.1],
 *   kwargs: {},
 * });
 * ```
 *
 * @param command Command name.
 * @param obj Object the command acts on.
 * @param args Positional arguments.
 * @param kwargs Keyword arguments.
 * @returns The message.
 */
export function msg(
  command: string,
  obj?: unknown,
  args: readonly unknown[] = [],
  kwargs: Readonly<Record<string, unknown>> = {},
): Msg {
  return { command, obj, args, kwargs };
}
