/**
 * Test helper: keep the browser tests' screenshots for a look, when `$NXDAQ_SCREENSHOTS` names
 * a folder (they are written under each test's temporary folder, removed at its end).
 *
 * @module
 */

/**
 * Copy a screenshot into `$NXDAQ_SCREENSHOTS`, when set.
 * @param path The screenshot.
 */
export async function keepScreenshot(path: string): Promise<void> {
  let folder: string | undefined;
  try {
    folder = Deno.env.get("NXDAQ_SCREENSHOTS");
  } catch {
    return;
  }
  if (!folder) return;
  await Deno.mkdir(folder, { recursive: true });
  await Deno.copyFile(path, `${folder}/${path.slice(path.lastIndexOf("/") + 1)}`);
}
