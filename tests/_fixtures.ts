/**
 * Test helper: the real bluesky runs in `../shared/fixtures/apstools`, read from there (never
 * copied into the project).
 *
 * @module
 */

import { SHARED_DIR } from "./_schemas.ts";
import { ignoreUnless } from "./_ci.ts";

/** Folder of the recorded apstools runs. */
export const FIXTURE_DIR: string = new URL("fixtures/apstools/", SHARED_DIR).pathname;

/**
 * The fixture files (`.json` and `.json.gz`), sorted by name.
 * @returns Their paths; empty when the folder is absent.
 */
export function fixtureFiles(): string[] {
  try {
    return [...Deno.readDirSync(FIXTURE_DIR)]
      .map((entry) => entry.name)
      .filter((name) => /\.json(\.gz)?$/.test(name))
      .sort()
      .map((name) => `${FIXTURE_DIR}${name}`);
  } catch {
    return [];
  }
}

/**
 * Whether a test that needs the fixtures should be skipped (never under CI).
 * @returns `true` to skip.
 */
export function ignoreWithoutFixtures(): boolean {
  return ignoreUnless(fixtureFiles().length > 0, `No recorded runs in ${FIXTURE_DIR}`);
}
