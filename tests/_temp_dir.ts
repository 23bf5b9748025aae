/**
 * Test helper: a temporary folder for the length of a test.
 *
 * @module
 */

/**
 * Run `fn` with a new temporary folder, removed with all it holds afterwards, whatever `fn`
 * does.
 *
 * @param fn The work, given the folder's path.
 */
export async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
