/**
 * Test helper: whether the tests run under CI, where what a test needs must be present.
 *
 * @module
 */

/**
 * Whether `CI=true` is set: then missing tools and shared data fail the tests instead of
 * skipping them.
 * @returns `true` under CI.
 */
export function isCi(): boolean {
  try {
    return Deno.env.get("CI") === "true";
  } catch {
    return false;
  }
}

const reported = new Set<string>();

/**
 * The `ignore` option of a test that needs something: false when it is there or under CI (so
 * the test runs and fails on its absence), otherwise true, with the reason printed once.
 * @param available Whether what the test needs is there.
 * @param reason Why the test is skipped when it is not.
 * @returns Whether to skip the test.
 */
export function ignoreUnless(available: boolean, reason: string): boolean {
  if (available || isCi()) return false;
  if (!reported.has(reason)) {
    reported.add(reason);
    console.log(`${reason}: skipping the tests that need it (with CI=true they fail)`);
  }
  return true;
}
