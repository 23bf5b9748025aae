/**
 * The documents of the bluesky event model: their types, the check every document gets, the
 * packing of events and datums into pages, and the composers that make a run's documents.
 *
 * @module
 */

export type {
  Configuration,
  DataKey,
  DataKeys,
  Datum,
  DatumPage,
  Document,
  DocumentMap,
  DocumentName,
  Dtype,
  Event,
  EventDescriptor,
  EventPage,
  ExitStatus,
  JsonValue,
  Limits,
  LimitsRange,
  NamedDocument,
  PerObjectHint,
  Resource,
  RunStart,
  RunStop,
  StartHints,
  StreamDatum,
  StreamRange,
  StreamResource,
} from "./types.ts";
export { DOCUMENT_NAMES } from "./types.ts";
export { isDocumentName, validateDocument } from "./validate.ts";
export { packDatumPage, packEventPage, unpackDatumPage, unpackEventPage } from "./pages.ts";
export { composeRun, RunComposer } from "./compose.ts";
export type { ComposeOptions, DescriptorInit } from "./compose.ts";
export { DescriptorComposer } from "./descriptor_composer.ts";
export type { EventInit, EventPageInit } from "./descriptor_composer.ts";
