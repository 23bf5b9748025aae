/**
 * Domain errors. Each carries what a user needs to find and fix the problem: the document
 * name, uid and field; the NeXus path; the plugin or callback name.
 *
 * @module
 */

/**
 * A document breaks the event model.
 *
 * @example Where the problem is shows in the message
 * ```ts
 * import assert from "node:assert/strict";
 * import { DocumentError } from "./errors.ts";
 * const error = new DocumentError("not a number", {
 *   document: "event",
 *   uid: "e1",
 *   field: "data.motor",
 * });
 * assert.equal(error.message, 'event document, uid "e1", field "data.motor": not a number');
 * assert.equal(error.field, "data.motor");
 * ```
 */
export class DocumentError extends Error {
  /** Always `"DocumentError"`. */
  override name = "DocumentError";
  /** Document kind, for example `"event"`. */
  readonly document: string;
  /** The document's uid (or `datum_id`), when it has one. */
  readonly uid: string | undefined;
  /** Dotted path of the offending field, for example `"data.motor"`. */
  readonly field: string | undefined;

  /**
   * Make an error whose message starts with the document's kind, uid and field.
   *
   * @param message What is wrong, without the document's coordinates (they are added).
   * @param where The document kind, uid and field.
   * @param options Standard error options (`cause`).
   */
  constructor(
    message: string,
    where: { document: string; uid?: string | undefined; field?: string | undefined },
    options?: ErrorOptions,
  ) {
    const parts = [`${where.document} document`];
    if (where.uid !== undefined) parts.push(`uid "${where.uid}"`);
    if (where.field !== undefined) parts.push(`field "${where.field}"`);
    super(`${parts.join(", ")}: ${message}`, options);
    this.document = where.document;
    this.uid = where.uid;
    this.field = where.field;
  }
}

/**
 * A callback on the bus threw or rejected while handling a document.
 *
 * @example The message names the callback and the document
 * ```ts
 * import assert from "node:assert/strict";
 * import { CallbackError } from "./errors.ts";
 * const cause = new Error("disk full");
 * const error = new CallbackError("writer", "stop", { uid: "s1" }, cause);
 * assert.equal(error.message, 'Callback "writer" failed on stop document "s1": disk full');
 * assert.equal(error.cause, cause);
 * ```
 */
export class CallbackError extends Error {
  /** Always `"CallbackError"`. */
  override name = "CallbackError";
  /** The callback's name (its function name, or the name given at subscribe). */
  readonly callback: string;
  /** Name of the document being handled. */
  readonly document: string;
  /** The document being handled. */
  readonly doc: unknown;

  /**
   * Wrap what a callback threw, keeping it as `cause`.
   *
   * @param callback Name of the callback.
   * @param document Name of the document.
   * @param doc The document.
   * @param cause What the callback threw.
   */
  constructor(callback: string, document: string, doc: unknown, cause: unknown) {
    const uid = (doc as { uid?: unknown } | null)?.uid;
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      `Callback "${callback}" failed on ${document} document${
        typeof uid === "string" ? ` "${uid}"` : ""
      }: ${detail}`,
      { cause },
    );
    this.callback = callback;
    this.document = document;
    this.doc = doc;
  }
}

/**
 * A plan asked for something the RunEngine cannot do (bad message, wrong state).
 *
 * @example Tell plan errors from others
 * ```ts
 * import assert from "node:assert/strict";
 * import { PlanError } from "./errors.ts";
 * const error = new PlanError("Cannot close_run: no run is open");
 * assert.ok(error instanceof PlanError);
 * assert.equal(error.name, "PlanError");
 * ```
 */
export class PlanError extends Error {
  /** Always `"PlanError"`. */
  override name = "PlanError";
}

/**
 * A run was aborted, stopped or halted on request; the message, its reason, goes into the stop
 * document.
 *
 * @example A stop request
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunInterrupted } from "./errors.ts";
 * const error = new RunInterrupted("stop", "");
 * assert.equal(error.kind, "stop");
 * assert.equal(error.name, "RunInterrupted");
 * ```
 */
export class RunInterrupted extends Error {
  /** Always `"RunInterrupted"`. */
  override name = "RunInterrupted";
  /**
   * How the run was interrupted: `"stop"` ends it with `exit_status: "success"`, `"abort"` and
   * `"halt"` with `"abort"`; a halt skips the plan's cleanup.
   */
  readonly kind: "abort" | "stop" | "halt";
  /**
   * Make the error that unwinds the plan.
   *
   * @param kind How the run was interrupted.
   * @param reason Human-readable reason.
   */
  constructor(kind: "abort" | "stop" | "halt", reason: string) {
    super(reason);
    this.kind = kind;
  }
}

/**
 * The NeXus tree is inconsistent: a conflict between plugins, a missing link target, a bad name.
 *
 * @example The path and the plugin
 * ```ts
 * import assert from "node:assert/strict";
 * import { NexusLayoutError } from "./errors.ts";
 * const error = new NexusLayoutError("already a field", { path: "/entry/x", plugin: "mine" });
 * assert.equal(error.path, "/entry/x");
 * assert.equal(error.plugin, "mine");
 * ```
 */
export class NexusLayoutError extends Error {
  /** Always `"NexusLayoutError"`. */
  override name = "NexusLayoutError";
  /** The NeXus path concerned. */
  readonly path: string;
  /** The plugin that caused the problem, when known. */
  readonly plugin: string | undefined;

  /**
   * Make the error; the path (and plugin) are added to the message.
   * @param message What is wrong.
   * @param where The NeXus path and, when known, the plugin.
   * @param options Standard error options (`cause`).
   */
  constructor(
    message: string,
    where: { path: string; plugin?: string | undefined },
    options?: ErrorOptions,
  ) {
    const who = where.plugin ? `plugin "${where.plugin}", ` : "";
    super(`${who}path "${where.path}": ${message}`, options);
    this.path = where.path;
    this.plugin = where.plugin;
  }
}

/**
 * A NeXus group plugin failed while building its part of the tree.
 *
 * @example The plugin and the path in the message
 * ```ts
 * import assert from "node:assert/strict";
 * import { PluginError } from "./errors.ts";
 * const error = new PluginError("mine", new Error("boom"), "/entry/x");
 * assert.equal(error.message, 'Plugin "mine" failed at "/entry/x": boom');
 * ```
 */
export class PluginError extends Error {
  /** Always `"PluginError"`. */
  override name = "PluginError";
  /** The plugin's name. */
  readonly plugin: string;
  /** The NeXus path it was working on, when known. */
  readonly path: string | undefined;

  /**
   * Make the error from what the plugin threw.
   * @param plugin The plugin's name.
   * @param cause What it threw.
   * @param path The NeXus path concerned, when known.
   */
  constructor(plugin: string, cause: unknown, path?: string) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const at = path ? ` at "${path}"` : "";
    super(`Plugin "${plugin}" failed${at}: ${detail}`, { cause });
    this.plugin = plugin;
    this.path = path;
  }
}

/**
 * A run's file was written, but without the frames of some asset files (area-detector files
 * that were missing, or short, when the waiting ended). Everything else of the run is in it.
 *
 * @example The message names the file written and what is missing
 * ```ts
 * import assert from "node:assert/strict";
 * import { AssetsMissingError } from "./errors.ts";
 * const missing = new Error('Asset file "/data/img.h5" is missing');
 * const error = new AssetsMissingError("/data/run.h5", [missing]);
 * assert.equal(
 *   error.message,
 *   'File "/data/run.h5" was written without some frames: Asset file "/data/img.h5" is missing',
 * );
 * assert.equal(error.path, "/data/run.h5");
 * ```
 */
export class AssetsMissingError extends Error {
  /** Always `"AssetsMissingError"`. */
  override name = "AssetsMissingError";
  /** The NeXus file, written with everything else of the run. */
  readonly path: string;
  /** One error per asset file, naming the file and the frames. */
  readonly errors: readonly Error[];

  /**
   * Say which file was written without which frames.
   * @param path The NeXus file written.
   * @param errors What is missing, one error per asset file.
   */
  constructor(path: string, errors: readonly Error[]) {
    super(
      `File "${path}" was written without some frames: ${errors.map((e) => e.message).join("; ")}`,
      { cause: errors[0] },
    );
    this.path = path;
    this.errors = errors;
  }
}

/**
 * The file to write exists, and the writer's overwrite policy is `"fail"`.
 *
 * @example The path, and how to write anyway
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileExistsError } from "./errors.ts";
 * const error = new FileExistsError("/data/scan.h5");
 * assert.equal(error.path, "/data/scan.h5");
 * assert.match(error.message, /overwrite "replace" or "rename"/);
 * ```
 */
export class FileExistsError extends Error {
  /** Always `"FileExistsError"`. */
  override name = "FileExistsError";
  /** The file that exists, left as it was. */
  readonly path: string;

  /**
   * Say which file exists.
   * @param path The file.
   * @param options Standard error options (`cause`).
   */
  constructor(path: string, options?: ErrorOptions) {
    super(
      `File "${path}" already exists: not overwritten (choose overwrite "replace" or "rename")`,
      options,
    );
    this.path = path;
  }
}

/**
 * A writer was asked for its file before any run stopped, so it wrote none.
 *
 * @example Waiting on a writer that saw no run
 * ```ts
 * import assert from "node:assert/strict";
 * import { NoRunError } from "./errors.ts";
 * assert.equal(new NoRunError().message, "No run has stopped yet, so no file was written");
 * ```
 */
export class NoRunError extends Error {
  /** Always `"NoRunError"`. */
  override name = "NoRunError";

  /** Make the error. */
  constructor() {
    super("No run has stopped yet, so no file was written");
  }
}
