/**
 * The callback bus: documents go out in emission order to every subscribed callback, and
 * the router that tells which run a document belongs to.
 *
 * @module
 */

export { DocumentBus } from "./bus.ts";
export type {
  BusOptions,
  DocumentCallback,
  NamedCallback,
  SubscribeOptions,
  Unsubscribe,
} from "./bus.ts";
export { RunRouter } from "./run_router.ts";
