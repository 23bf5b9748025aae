/**
 * nxdaq: bluesky-style data acquisition in Deno and TypeScript that writes NeXus/HDF5 files.
 *
 * This is the scientist's entry point: the documents of the event model, the callback bus,
 * the {@linkcode RunEngine} and its plans, live output, and the NeXus writer. The other entry
 * points serve other audiences: `./plan_stubs` (the plan stubs, as bluesky's `bps`),
 * `./devices`, `./catalog`, `./readers`, `./nexus` (for plugin authors), `./plugins` and
 * `./testing`.
 *
 * @example A scan of a simulated sensor against a simulated motor, written to a NeXus file
 * ```ts
 * import assert from "node:assert/strict";
 * import { createNXWriter, RunEngine, scan } from "./mod.ts";
 * import { RandomSensor, SimMotor } from "./devices/mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const motor = new SimMotor({ name: "motor", instant: true });
 * const sensor = new RandomSensor({ name: "sensor", seed: 1 });
 * const writer = createNXWriter({ filePath: dir, fileName: "scan.h5" });
 * const RE = new RunEngine();
 * RE.subscribe("all", writer.receiver);
 * const { exitStatus } = await RE.run(scan([sensor], [[motor, -0.5, 0.5]], { num: 5 }));
 * assert.equal(exitStatus, "success");
 * assert.equal(await writer.wait(), `${dir}/scan.h5`);
 * await Deno.remove(dir, { recursive: true });
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
} from "./core/documents/mod.ts";
export {
  composeRun,
  DescriptorComposer,
  DOCUMENT_NAMES,
  isDocumentName,
  packDatumPage,
  packEventPage,
  RunComposer,
  unpackDatumPage,
  unpackEventPage,
  validateDocument,
} from "./core/documents/mod.ts";
export type {
  ComposeOptions,
  DescriptorInit,
  EventInit,
  EventPageInit,
} from "./core/documents/mod.ts";

// Errors.
export {
  AssetsMissingError,
  CallbackError,
  DocumentError,
  FileExistsError,
  NexusLayoutError,
  NoRunError,
  PlanError,
  PluginError,
  RunInterrupted,
} from "./core/errors.ts";

// The callback bus.
export {
  DocumentBus,
  DocumentGate,
  documentGateDefaults,
  RunRouter,
  runRouterDefaults,
} from "./core/bus/mod.ts";
export type {
  BusOptions,
  DocumentCallback,
  DocumentGateOptions,
  GateCounts,
  GatedCallback,
  NamedCallback,
  ProblemCallback,
  ProblemReport,
  RunHistory,
  RunRouterOptions,
  RunRouterStats,
  SubscribeOptions,
  Unsubscribe,
} from "./core/bus/mod.ts";

// The RunEngine and the devices as it sees them.
export {
  FailedStatusError,
  InMemoryMetadataStore,
  isMovable,
  isPausable,
  isReadable,
  isStageable,
  isStoppable,
  isTriggerable,
  JsonFileMetadataStore,
  msg,
  reprOf,
  RunEngine,
  Status,
  StatusTimeoutError,
  writesExternalAssets,
} from "./core/engine/mod.ts";
export type {
  CommandHandler,
  EngineState,
  Hints,
  MaybePromise,
  MetadataStore,
  Movable,
  Msg,
  Named,
  Pausable,
  Plan,
  Preprocessor,
  Readable,
  Reading,
  Readings,
  RunEngineOptions,
  RunResult,
  Stageable,
  StatusOptions,
  Stoppable,
  Triggerable,
  WritesExternalAssets,
} from "./core/engine/mod.ts";
export { VERSION } from "./core/version.ts";

// Plans and preprocessors (the plan stubs are the `./plan_stubs` entry point).
export {
  baselineWrapper,
  contingencyWrapper,
  count,
  countDefaults,
  finalizeWrapper,
  gridScan,
  gridScanDefaults,
  innerListProduct,
  innerProduct,
  linspace,
  listScan,
  msgMutator,
  outerProduct,
  planMutator,
  relativeSetWrapper,
  relGridScan,
  relScan,
  resetPositionsWrapper,
  runWrapper,
  scan,
  scanDefaults,
  scanNd,
  snakeProduct,
  stageWrapper,
  SupplementalData,
} from "./core/plans/mod.ts";
export type {
  BaselineOptions,
  ContingencyOptions,
  CountOptions,
  GridAxis,
  GridScanOptions,
  ListAxis,
  Metadata,
  Mutation,
  PerShot,
  PerStep,
  RunWrapperOptions,
  ScanAxis,
  ScanMotor,
  ScanNdOptions,
  ScanOptions,
  Step,
  StepContext,
  Trajectory,
} from "./core/plans/mod.ts";

// Live output.
export {
  bestEffortDefaults,
  createBestEffortCallback,
  createLiveTable,
  createLocalClock,
  liveTableDefaults,
  renderSvg,
  renderTerminal,
  svgDefaults,
  terminalDefaults,
} from "./core/live/mod.ts";
export type {
  BestEffortCallback,
  BestEffortOptions,
  LiveCallback,
  LiveTableOptions,
  LocalClock,
  PlotLine,
  PlotSeries,
  SvgOptions,
  TerminalOptions,
} from "./core/live/mod.ts";
export { isoTime, localParts } from "./core/time.ts";
export type { IsoTimeOptions, LocalParts } from "./core/time.ts";

// The NeXus writer: the built-in plugins' writer, its options, and the listing of a file.
export { createNXWriter } from "./plugins/mod.ts";
export type { BuiltinPluginsOptions, CreateNXWriterOptions } from "./plugins/mod.ts";
export { checkConfig, ConfigKeyError, defineConfig } from "./plugins/config.ts";
export type { ConfigPlugin, NxdaqConfig } from "./plugins/config.ts";
export { NXWriter, nxWriterDefaults, treeLines } from "./core/nexus/mod.ts";
export type {
  AnyResource,
  AssetHandler,
  AssetOptions,
  FrameArray,
  FrameSource,
  Hdf5Backend,
  NexusPlugin,
  NexusWarning,
  NXWriterOptions,
  OverwritePolicy,
  PluginLike,
  TreeOptions,
  WrittenRun,
} from "./core/nexus/mod.ts";
export {
  defaultFileName,
  fileNameDefaults,
  numberedName,
  timeStamp,
} from "./core/nexus/file_name.ts";
export type { FileNameOptions } from "./core/nexus/file_name.ts";
