/**
 * Domain errors. Each carries what a user needs to find and fix the problem: the document
 * name, uid and field; the NeXus path; the plugin or callback name.
 *
 * @module
 */

/** A document breaks the event model. */
export class DocumentError extends Error {
  override name = "DocumentError";
  /** Document kind, for example `"event"`. */
  readonly document: string;
  /** The document's uid (or `datum_id`), when it has one. */
  readonly uid: string | undefined;
  /** Dotted path of the offending field, for example `"data.motor"`. */
  readonly field: string | undefined;

  /**
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

/** A callback on the bus threw or rejected while handling a document. */
export class CallbackError extends Error {
  override name = "CallbackError";
  /** The callback's name (its function name, or the name given at subscribe). */
  readonly callback: string;
  /** Name of the document being handled. */
  readonly document: string;
  /** The document being handled. */
  readonly doc: unknown;

  /**
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

/** A plan asked for something the RunEngine cannot do (bad message, wrong state). */
export class PlanError extends Error {
  override name = "PlanError";
}

/** A run was aborted or stopped on request; `reason` goes into the stop document. */
export class RunInterrupted extends Error {
  override name = "RunInterrupted";
  /** `"abort"` or `"stop"` (stop ends the run with `exit_status: "success"`). */
  readonly kind: "abort" | "stop" | "halt";
  /**
   * @param kind How the run was interrupted.
   * @param reason Human-readable reason.
   */
  constructor(kind: "abort" | "stop" | "halt", reason: string) {
    super(reason);
    this.kind = kind;
  }
}
