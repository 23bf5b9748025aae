/**
 * The callback bus: documents go out in emission order to every subscribed callback; the
 * gate that checks documents from outside before they reach a callback; and the router that
 * tells which run a document belongs to.
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
export { DocumentGate, documentGateDefaults } from "./document_gate.ts";
export type {
  DocumentGateOptions,
  GateCounts,
  GatedCallback,
  ProblemCallback,
  ProblemReport,
} from "./document_gate.ts";
export { RunRouter, runRouterDefaults } from "./run_router.ts";
export type { RunHistory, RunRouterOptions, RunRouterStats } from "./run_router.ts";
