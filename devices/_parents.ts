/**
 * The link from a signal to the device it is a component of: {@linkcode Device.add} records it,
 * {@linkcode SignalRO.parent} reads it. A WeakMap rather than a field, so that a signal's parent
 * can be set by the device without a public setter.
 *
 * @module
 */

import type { Device } from "./device.ts";
import type { SignalRO } from "./signal.ts";

/** The device each signal is a component of. */
export const parents = new WeakMap<SignalRO<unknown>, Device>();
