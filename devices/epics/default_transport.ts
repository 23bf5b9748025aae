/**
 * The process-wide Channel Access client that EPICS devices use when they are given no
 * transport, as pyepics' shared context: made on first use from the environment's `EPICS_CA_*`
 * variables, closed by {@linkcode closeDefaultTransport}.
 *
 * @module
 */

import { CAClient } from "../ca/client.ts";
import type { PvTransport } from "../ca/transport.ts";

let shared: CAClient | undefined;

/**
 * The shared client, made on first call.
 *
 * @example The same client every time, until it is closed
 * ```ts ignore
 * import assert from "node:assert/strict";
 * import { closeDefaultTransport, defaultTransport } from "./default_transport.ts";
 * assert.equal(defaultTransport(), defaultTransport());
 * await closeDefaultTransport();
 * ```
 *
 * @returns The client.
 */
export function defaultTransport(): PvTransport {
  shared ??= new CAClient();
  return shared;
}

/**
 * Close the shared client, if one was made; the next {@linkcode defaultTransport} makes a new
 * one. Devices made on the closed one stop working.
 *
 * @example At the end of a session (nothing to do when the client was never made)
 * ```ts
 * import { closeDefaultTransport } from "./default_transport.ts";
 * await closeDefaultTransport();
 * ```
 *
 * @returns When its channels and connections are closed.
 */
export async function closeDefaultTransport(): Promise<void> {
  const client = shared;
  shared = undefined;
  await client?.close();
}
