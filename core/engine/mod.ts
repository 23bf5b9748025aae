/**
 * The RunEngine and what it needs of devices: messages, statuses, the device protocols, and
 * where `scan_id` is kept between sessions.
 *
 * @module
 */

export { FailedStatusError, Status, StatusTimeoutError } from "./status.ts";
export type { StatusOptions } from "./status.ts";
export {
  isMovable,
  isPausable,
  isReadable,
  isStageable,
  isStoppable,
  isTriggerable,
  reprOf,
  writesExternalAssets,
} from "./protocols.ts";
export type {
  Hints,
  MaybePromise,
  Movable,
  Named,
  Pausable,
  Readable,
  Reading,
  Readings,
  Stageable,
  Stoppable,
  Triggerable,
  WritesExternalAssets,
} from "./protocols.ts";
export { msg } from "./messages.ts";
export type { Msg, Plan } from "./messages.ts";
export { RunEngine } from "./run_engine.ts";
export type {
  CommandHandler,
  EngineState,
  Preprocessor,
  RunEngineOptions,
  RunResult,
} from "./run_engine.ts";
export { InMemoryMetadataStore, JsonFileMetadataStore } from "./metadata_store.ts";
export type { MetadataStore } from "./metadata_store.ts";
