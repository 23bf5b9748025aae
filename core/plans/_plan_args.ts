/**
 * What the plans share when they write their start document: how hooks are recorded in
 * `plan_args`, the module bluesky names as `plan_pattern_module`, and the hints that the
 * user's metadata may add to.
 *
 * @module
 */

import type { Metadata } from "./metadata.ts";

/** The module that bluesky names as `plan_pattern_module`. */
export const PATTERN_MODULE = "bluesky.plan_patterns";

/** Python-like repr of a plan hook, as recorded in `plan_args.per_step`. */
export function reprHook(hook: ((...args: never[]) => unknown) | undefined): string {
  return hook === undefined ? "None" : `<function ${hook.name || "<lambda>"}>`;
}

/** Plans take a list of detectors; a single device passed by mistake fails early. */
export function checkDetectors(detectors: unknown): void {
  if (!Array.isArray(detectors)) {
    throw new TypeError("Cannot run the plan: detectors must be an array of readable devices");
  }
}

/** A copy of `md.hints` (or of nothing) that defaults can be added to. */
export function hintsOf(md: Metadata): Record<string, unknown> {
  const hints = md.hints;
  return typeof hints === "object" && hints !== null ? { ...hints } : {};
}
