/**
 * The plugin author's entry point: the NeXus tree a plugin builds, the plugin contract, the
 * run as plugins read it, the layout the built-in plugins write (so a plugin links to it by
 * helper rather than by hard-coded path), and the writer that composes plugins into a file.
 *
 * The built-in plugins import this module and nothing else of the core, as a third-party
 * plugin would.
 *
 * @example A plugin that links the run's uid into its own group
 * ```ts
 * import assert from "node:assert/strict";
 * import { METADATA, type NexusPlugin } from "./mod.ts";
 * const note: NexusPlugin = {
 *   name: "note",
 *   build({ run, tree }) {
 *     tree.group("/entry", "NXentry");
 *     tree.group("/entry/note", "NXnote");
 *     tree.field("/entry/note/plan", String(run.start.plan_name));
 *     if (tree.has(`${METADATA}/run_start_uid`)) {
 *       tree.link("/entry/note/uid", `${METADATA}/run_start_uid`);
 *     }
 *   },
 * };
 * assert.equal(note.name, "note");
 * ```
 *
 * @module
 */

// The tree a plugin builds.
export { NexusTree } from "./tree.ts";
export { TreeBuilder } from "./tree_builder.ts";
export { nxFloat, nxInt } from "./nodes.ts";
export type {
  AttrValue,
  FieldData,
  FieldOptions,
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
} from "./nodes.ts";
export {
  FRAME_FILTERS,
  FRAME_TYPES,
  frameStack,
  isFrameFilter,
  isFrameStack,
} from "./frame_stack.ts";
export type { FrameDtype, FrameFilter, FrameStack } from "./frame_stack.ts";
export { illegalName, isNexusName, joinPath, splitPath } from "./names.ts";

// The plugin contract, the one step that builds a run's tree, and the run a plugin reads.
export { resolvePlugin, runningOrder } from "./plugin.ts";
export { buildTree, buildTreeDefaults, pluginOrder } from "./build_tree.ts";
export { checkAttribute, checkDefaults, checkNode, checkTree } from "./check.ts";
export type { CheckOptions, NamedAttribute } from "./check.ts";
export type { BuildTreeOptions, BuiltTree } from "./build_tree.ts";
export type { BuildContext, NexusPlugin, PluginLike, WriterSettings } from "./plugin.ts";
export { RunAccumulator } from "./run_data.ts";
export type { Column, ColumnKind, RunData, StreamData } from "./run_data.ts";
export type { ImageStack, RunAssets } from "./run_assets.ts";
export {
  AssetsMissingError,
  FileExistsError,
  NexusLayoutError,
  NoRunError,
  PluginError,
} from "../errors.ts";
export type {
  DataKey,
  DataKeys,
  DocumentMap,
  DocumentName,
  EventDescriptor,
  JsonValue,
  NamedDocument,
  RunStart,
  RunStop,
} from "../documents/types.ts";

// The layout of the built-in plugins, for plugins that link to it.
export {
  BLUESKY,
  keyPath,
  linkRoleGroups,
  METADATA,
  safeName,
  streamPath,
  STREAMS,
  uniqueNames,
} from "./layout.ts";
export type { RoleGroups } from "./layout.ts";
export { dimensions, signalRoles } from "./signal_roles.ts";
export type { SignalRoles } from "./signal_roles.ts";
export { baselinePath, linkBaseline, presentFields } from "./baseline.ts";
export { toYaml } from "./yaml.ts";
export { isoTime } from "../time.ts";
export { linspace } from "../plans/plan_patterns.ts";
export type { IsoTimeOptions } from "../time.ts";

// The writer, its HDF5 backend and the handlers of detectors' own files.
export { NXWriter, nxWriterDefaults } from "./nxwriter.ts";
export type {
  AssetOptions,
  NexusWarning,
  NXWriterOptions,
  OverwritePolicy,
  WrittenRun,
} from "./nxwriter.ts";
export type {
  BackendVersions,
  Compression,
  FrameFile,
  FrameFileOptions,
  Hdf5Attribute,
  Hdf5Backend,
  Hdf5Dataset,
  Hdf5File,
  Hdf5Group,
  Hdf5Link,
  Hdf5Type,
  Hdf5TypeClass,
  Hdf5Value,
} from "./backend.ts";
export { H5wasmBackend } from "./h5wasm_backend.ts";
export { treeDefaults, treeLines } from "./listing.ts";
export type { TreeOptions } from "./listing.ts";
export {
  AD_DATASET,
  adHdf5Handler,
  AssetError,
  AssetRegistry,
  builtinAssetHandlers,
  framesOfStreamDatum,
  hdf5HandlerDefaults,
  hdf5StreamHandler,
  npySeqHandler,
  parseNpy,
  resourceFile,
  specOf,
  waitDefaults,
  waitForFrames,
} from "../assets/mod.ts";
export type {
  AnyResource,
  AssetHandler,
  FrameArray,
  FrameSource,
  Hdf5HandlerOptions,
  NpyArray,
  WaitOptions,
} from "../assets/mod.ts";
