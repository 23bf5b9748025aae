/**
 * Test and bench helpers for the servers and tools the tests start on this machine: a free
 * port on loopback, and where a program is installed.
 *
 * @module
 */

/**
 * A free TCP port on 127.0.0.1 (free when asked).
 * @returns The port.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * The first of some paths that is a file: where a program is installed.
 * @param paths The places to look, in order.
 * @returns The path, or null when none is there.
 */
export function installedAt(paths: readonly string[]): string | null {
  for (const path of paths) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not there.
    }
  }
  return null;
}
