/**
 * Whether a permission is already granted, asked without prompting: the client reads the
 * environment, the host name and the interfaces only where it may, and binds UDP sockets only
 * where it may (a refused bind would throw outside any promise).
 *
 * @module
 */

/**
 * Whether `descriptor` is granted now.
 * @param descriptor The permission.
 * @returns `true` when granted; `false` when denied, promptable, or not queryable.
 */
export function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}
