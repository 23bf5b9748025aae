/**
 * nxdaq: bluesky-style data acquisition in Deno and TypeScript that writes NeXus/HDF5 files.
 *
 * Devices are read and moved by a {@linkcode RunEngine} running plans; the run's documents
 * (the bluesky event model) go out on a {@linkcode DocumentBus} to any callback: the live
 * table, a catalog, the NeXus writer.
 *
 * @example A scan of a simulated sensor against a simulated motor
 * ```ts
 * import { RunEngine, scan } from "./mod.ts";
 * import { RandomSensor, SimMotor } from "./devices/mod.ts";
 *
 * const motor = new SimMotor({ name: "motor", instant: true });
 * const sensor = new RandomSensor({ name: "sensor", seed: 1 });
 * const RE = new RunEngine();
 * let events = 0;
 * RE.subscribe("event", () => void events++);
 * const { exitStatus } = await RE.run(scan([sensor], [[motor, -0.5, 0.5]], { num: 5 }));
 * console.assert(exitStatus === "success" && events === 5);
 * ```
 *
 * @module
 */

// Documents of the event model.
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
} from "./core/documents/types.ts";
export { DOCUMENT_NAMES } from "./core/documents/types.ts";
export { isDocumentName, validateDocument } from "./core/documents/validate.ts";
export {
  packDatumPage,
  packEventPage,
  unpackDatumPage,
  unpackEventPage,
} from "./core/documents/pages.ts";
export {
  composeRun,
  DescriptorComposer,
  newUid,
  now,
  RunComposer,
} from "./core/documents/compose.ts";
export type {
  ComposeOptions,
  DescriptorInit,
  EventInit,
  EventPageInit,
} from "./core/documents/compose.ts";

// Errors.
export { CallbackError, DocumentError, PlanError, RunInterrupted } from "./core/errors.ts";

// The callback bus.
export { DocumentBus } from "./core/bus/bus.ts";
export type {
  BusOptions,
  DocumentCallback,
  NamedCallback,
  SubscribeOptions,
  Unsubscribe,
} from "./core/bus/bus.ts";

// Devices as the engine sees them.
export { FailedStatusError, Status, StatusTimeoutError } from "./core/engine/status.ts";
export type { StatusOptions } from "./core/engine/status.ts";
export {
  isMovable,
  isPausable,
  isReadable,
  isStageable,
  isStoppable,
  isTriggerable,
  reprOf,
  writesExternalAssets,
} from "./core/engine/protocols.ts";
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
} from "./core/engine/protocols.ts";

// The RunEngine.
export { msg } from "./core/engine/messages.ts";
export type { Msg, Plan } from "./core/engine/messages.ts";
export { RunEngine } from "./core/engine/run_engine.ts";
export type {
  CommandHandler,
  EngineState,
  Preprocessor,
  RunEngineOptions,
  RunResult,
} from "./core/engine/run_engine.ts";
export { InMemoryMetadataStore, JsonFileMetadataStore } from "./core/engine/metadata_store.ts";
export type { MetadataStore } from "./core/engine/metadata_store.ts";
export { VERSION } from "./core/version.ts";

// Plans, plan stubs and preprocessors.
export {
  count,
  countDefaults,
  gridScan,
  gridScanDefaults,
  listScan,
  relGridScan,
  relScan,
  scan,
  scanDefaults,
  scanNd,
} from "./core/plans/plans.ts";
export type {
  CountOptions,
  GridScanOptions,
  Metadata,
  PerShot,
  PerStep,
  ScanNdOptions,
  ScanOptions,
  StepContext,
} from "./core/plans/plans.ts";
export {
  innerListProduct,
  innerProduct,
  linspace,
  outerProduct,
  snakeProduct,
} from "./core/plans/plan_patterns.ts";
export type {
  GridAxis,
  ListAxis,
  ScanAxis,
  ScanMotor,
  Step,
  Trajectory,
} from "./core/plans/plan_patterns.ts";
export {
  absSet,
  checkpoint,
  clearCheckpoint,
  closeRun,
  create,
  currentPosition,
  declareStream,
  deferredPause,
  drop,
  hintedFields,
  locate,
  movePerStep,
  mv,
  mvr,
  nullPlan,
  one1dStep,
  oneNdStep,
  oneShot,
  openRun,
  pause,
  rd,
  read,
  relSet,
  repeat,
  repeatDefaults,
  repeater,
  rootAncestor,
  save,
  separateDevices,
  shortUid,
  sleep,
  stage,
  stageAll,
  subscribe,
  trigger,
  triggerAndRead,
  unstage,
  unstageAll,
  unsubscribe,
  wait,
} from "./core/plans/stubs/mod.ts";
export type {
  GroupOptions,
  MoveOptions,
  Moves,
  OneNdStepOptions,
  PositionCache,
  RepeatOptions,
  TakeReading,
  TakeReadingOptions,
} from "./core/plans/stubs/mod.ts";
export {
  baselineWrapper,
  contingencyWrapper,
  finalizeWrapper,
  msgMutator,
  planMutator,
  relativeSetWrapper,
  resetPositionsWrapper,
  runWrapper,
  stageWrapper,
  SupplementalData,
} from "./core/plans/preprocessors.ts";
export type {
  BaselineOptions,
  ContingencyOptions,
  Mutation,
  RunWrapperOptions,
} from "./core/plans/preprocessors.ts";

// Live output.
export { createLiveTable, createLocalClock, liveTableDefaults } from "./core/live/live_table.ts";
export type { LiveCallback, LiveTableOptions, LocalClock } from "./core/live/live_table.ts";
export { bestEffortDefaults, createBestEffortCallback } from "./core/live/best_effort.ts";
export type { BestEffortCallback, BestEffortOptions } from "./core/live/best_effort.ts";
export { renderSvg, renderTerminal, svgDefaults, terminalDefaults } from "./core/live/plot.ts";
export type { PlotLine, PlotSeries, SvgOptions, TerminalOptions } from "./core/live/plot.ts";

// The NeXus writer and its HDF5 backend.
export { assetDefaults, NXWriter, nxWriterDefaults } from "./core/nexus/nxwriter.ts";
export type {
  AssetOptions,
  NexusWarning,
  NXWriterOptions,
  OverwritePolicy,
} from "./core/nexus/nxwriter.ts";
export { resolveAssets } from "./core/nexus/run_assets.ts";
export type { ImageStack, ResolveAssetsOptions, RunAssets } from "./core/nexus/run_assets.ts";

// External assets: the handlers that read the frames detectors write to their own files.
export {
  AD_DATASET,
  adHdf5Handler,
  AssetError,
  AssetRegistry,
  builtinAssetHandlers,
  framesOfStreamDatum,
  hdf5StreamHandler,
  npySeqHandler,
  parseNpy,
  resourceFile,
  specOf,
  waitDefaults,
  waitForFrames,
} from "./core/assets/mod.ts";
export type {
  AnyResource,
  AssetHandler,
  FrameArray,
  FrameSource,
  NpyArray,
  WaitOptions,
} from "./core/assets/mod.ts";
export type { BackendVersions, Hdf5Backend } from "./core/nexus/backend.ts";
export { H5wasmBackend } from "./core/nexus/h5wasm_backend.ts";
export { treeDefaults, treeLines } from "./core/nexus/listing.ts";
export type { TreeOptions } from "./core/nexus/listing.ts";
export { defaultFileName, fileNameDefaults, timeStamp } from "./core/nexus/file_name.ts";
export type { FileNameOptions } from "./core/nexus/file_name.ts";
export { isoTime, localParts } from "./core/time.ts";
export type { IsoTimeOptions, LocalParts } from "./core/time.ts";

// Runs kept and read back: the catalog (databroker's role), replay, and the files of
// documents Python bluesky writes (JSON, JSON Lines, msgpack, gzipped or not).
export {
  Catalog,
  CATALOG_DEFAULTS,
  CatalogLookupError,
  defaultCatalogDir,
  replay,
  SqliteStorage,
  temp,
} from "./core/catalog/mod.ts";
export type {
  CatalogOptions,
  CatalogRun,
  CatalogStorage,
  DocumentRecord,
  Environment,
  ReplayCallback,
  RunFilter,
  RunQuery,
  RunSlice,
  RunSummary,
  StartValue,
  StoredDocument,
  StoredRun,
} from "./core/catalog/mod.ts";
export { RunRouter } from "./core/bus/run_router.ts";
export { detectFormat, readDocuments, readDocumentStream } from "./core/readers/read_documents.ts";
export type { DocumentFileFormat, ReadDocumentsOptions } from "./core/readers/read_documents.ts";
export { DocumentFileError } from "./core/readers/document_file_error.ts";
export type { DocumentFileErrorWhere } from "./core/readers/document_file_error.ts";
export { JsonLinesWriter, writeJsonLines } from "./core/readers/json_lines_writer.ts";

// Building blocks of NeXus group plugins: the tree model, the plugin contract, the run as
// plugins read it, and the errors they raise. Built-in plugins use only these, as a
// third-party plugin would.
export {
  FRAME_TYPES,
  frameStack,
  illegalName,
  isFrameStack,
  isNexusName,
  joinPath,
  NexusTree,
  nxFloat,
  nxInt,
  splitPath,
  TreeBuilder,
} from "./core/nexus/tree.ts";
export type {
  AttrValue,
  FieldData,
  FieldOptions,
  FrameDtype,
  FrameStack,
  NodeBase,
  NumericArray,
  NxAttribute,
  NxExternalLink,
  NxField,
  NxGroup,
  NxLink,
  NxNode,
  NxType,
  TypedValue,
} from "./core/nexus/tree.ts";
export { resolvePlugin, runningOrder } from "./core/nexus/plugin.ts";
export type { BuildContext, NexusPlugin, PluginLike, WriterSettings } from "./core/nexus/plugin.ts";
export { RunAccumulator } from "./core/nexus/run_data.ts";
export type { Column, ColumnKind, RunData, StreamData } from "./core/nexus/run_data.ts";
export { AssetsMissingError, NexusLayoutError, PluginError } from "./core/errors.ts";
export { toYaml } from "./core/nexus/yaml.ts";

// The built-in NeXus group plugins, and the writer that uses them. (These modules import this
// one, as third-party plugins do; they use its exports only inside functions, so the import
// cycle is harmless.)
export { createNXWriter } from "./plugins/default_writer.ts";
export { buildPluginTree } from "./plugins/testing.ts";
export type { BuildPluginTreeOptions, BuiltPluginTree } from "./plugins/testing.ts";
export type { CreateNXWriterOptions } from "./plugins/default_writer.ts";
export {
  aps,
  apsDefaults,
  builtinPlugins,
  detectors,
  detectorsDefaults,
  entry,
  entryDefaults,
  metadata,
  metadataDefaults,
  monochromator,
  monochromatorDefaults,
  positioners,
  positionersDefaults,
  sample,
  sampleDefaults,
  source,
  sourceDefaults,
  streams,
  streamsDefaults,
  templates,
  templatesDefaults,
  user,
  userDefaults,
} from "./plugins/mod.ts";
export type {
  ApsOptions,
  BuiltinPluginsOptions,
  DetectorsOptions,
  EntryOptions,
  MetadataOptions,
  MonochromatorOptions,
  PositionersOptions,
  SampleOptions,
  SourceOptions,
  StreamsOptions,
  TemplatesOptions,
  UserOptions,
} from "./plugins/mod.ts";
