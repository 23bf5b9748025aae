/**
 * Stubs that open and close runs, and subscribe callbacks to their documents.
 *
 * @module
 */

import { msg, type Plan } from "../../engine/messages.ts";
import { defined } from "./_defined.ts";

/**
 * Open a run; the metadata goes into its start document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openRun } from "./mod.ts";
 * const [m] = openRun({ sample: "Si" });
 * assert.deepEqual(m?.kwargs, { sample: "Si" });
 * ```
 *
 * @param md Metadata.
 * @returns The run's uid.
 */
export function* openRun(md: Readonly<Record<string, unknown>> = {}): Plan<string> {
  return (yield msg("open_run", undefined, [], { ...md })) as string;
}

/**
 * Close the open run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closeRun } from "./mod.ts";
 * const [m] = closeRun({ exitStatus: "fail", reason: "boom" });
 * assert.deepEqual(m?.kwargs, { exit_status: "fail", reason: "boom" });
 * ```
 *
 * @param options `exitStatus` (`"success"`, `"abort"` or `"fail"`) and `reason`.
 * @returns The run's uid.
 */
export function* closeRun(
  options: { exitStatus?: string | undefined; reason?: string | undefined } = {},
): Plan<string> {
  const kwargs = defined({ exit_status: options.exitStatus, reason: options.reason });
  return (yield msg("close_run", undefined, [], kwargs)) as string;
}

/**
 * Subscribe a callback to the documents of the runs of this plan.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subscribe } from "./mod.ts";
 * const [m] = subscribe("all", () => {});
 * assert.equal(m?.args?.[0], "all");
 * ```
 *
 * @param name Document name or `"all"`.
 * @param callback Called with `(name, doc)`.
 * @returns A token for {@linkcode unsubscribe}.
 */
export function* subscribe(
  name: string,
  callback: (name: string, doc: unknown) => void,
): Plan<number> {
  return (yield msg("subscribe", undefined, [name, callback])) as number;
}

/**
 * Remove a subscription made with {@linkcode subscribe}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unsubscribe } from "./mod.ts";
 * const [m] = unsubscribe(3);
 * assert.deepEqual(m?.kwargs, { token: 3 });
 * ```
 *
 * @param token The token.
 * @returns What the RunEngine answers.
 */
export function* unsubscribe(token: number): Plan<unknown> {
  return yield msg("unsubscribe", undefined, [], { token });
}
