/**
 * Typed errors of the Channel Access client. Each names the PV and, once known, the server
 * (`host:port`) it was on.
 *
 * @module
 */

/**
 * The base of every Channel Access error.
 *
 * @example The message names the PV and the server
 * ```ts
 * import assert from "node:assert/strict";
 * import { CAError } from "./errors.ts";
 * const error = new CAError("read failed", { pv: "gp:m10.RBV", server: "127.0.0.1:5064" });
 * assert.equal(error.message, 'PV "gp:m10.RBV" on 127.0.0.1:5064: read failed');
 * ```
 */
export class CAError extends Error {
  /** Always `"CAError"`. */
  override name = "CAError";
  /** The PV, when the error concerns one. */
  readonly pv: string | undefined;
  /** The server, `host:port`, when known. */
  readonly server: string | undefined;
  /** The status code (`ECA_*`) the server sent, when it sent one. */
  readonly code: number | undefined;

  /**
   * Make an error whose message starts with the PV and the server.
   * @param message What went wrong, without the PV and server (they are added).
   * @param where PV, server and status code.
   * @param options Standard error options (`cause`).
   */
  constructor(
    message: string,
    where: { pv?: string | undefined; server?: string | undefined; code?: number | undefined } = {},
    options?: ErrorOptions,
  ) {
    const parts: string[] = [];
    if (where.pv !== undefined) parts.push(`PV "${where.pv}"`);
    if (where.server !== undefined) parts.push(`on ${where.server}`);
    super(parts.length ? `${parts.join(" ")}: ${message}` : message, options);
    this.pv = where.pv;
    this.server = where.server;
    this.code = where.code;
  }
}

/**
 * PVs did not connect in time. The message lists every one of them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionTimeoutError } from "./errors.ts";
 * const error = new ConnectionTimeoutError(["gp:m10.RBV", "gp:m10.VAL"], 2);
 * assert.match(error.message, /2 PVs did not connect within 2 s: gp:m10.RBV, gp:m10.VAL/);
 * ```
 */
export class ConnectionTimeoutError extends CAError {
  /** Always `"ConnectionTimeoutError"`. */
  override name = "ConnectionTimeoutError";
  /** The PVs that did not connect. */
  readonly pvs: readonly string[];
  /** Seconds waited. */
  readonly timeout: number;

  /**
   * Make an error listing the PVs.
   * @param pvs The PVs not connected.
   * @param timeout Seconds waited.
   */
  constructor(pvs: readonly string[], timeout: number) {
    super(
      pvs.length === 1
        ? `PV "${pvs[0]}" did not connect within ${timeout} s`
        : `${pvs.length} PVs did not connect within ${timeout} s: ${pvs.join(", ")}`,
    );
    this.pvs = [...pvs];
    this.timeout = timeout;
  }
}

/**
 * The channel is (or went) disconnected while an operation needed it.
 *
 * @example The message names the PV
 * ```ts
 * import assert from "node:assert/strict";
 * import { CAError, DisconnectedError } from "./errors.ts";
 * const error = new DisconnectedError("the circuit was lost", { pv: "gp:m10.RBV", server: "127.0.0.1:5064" });
 * assert.ok(error instanceof CAError);
 * assert.equal(error.message, 'PV "gp:m10.RBV" on 127.0.0.1:5064: the circuit was lost');
 * ```
 */
export class DisconnectedError extends CAError {
  /** Always `"DisconnectedError"`. */
  override name = "DisconnectedError";
}

/**
 * The server refused an operation, or answered it with an error status.
 *
 * @example The message names the PV
 * ```ts
 * import assert from "node:assert/strict";
 * import { CAError, OperationError } from "./errors.ts";
 * const error = new OperationError("put failed", { pv: "gp:m10.VAL", code: 160 });
 * assert.ok(error instanceof CAError);
 * assert.equal(error.message, 'PV "gp:m10.VAL": put failed');
 * ```
 */
export class OperationError extends CAError {
  /** Always `"OperationError"`. */
  override name = "OperationError";
}

/**
 * The server answered nothing in time.
 *
 * @example The message names the PV
 * ```ts
 * import assert from "node:assert/strict";
 * import { CAError, OperationTimeoutError } from "./errors.ts";
 * const error = new OperationTimeoutError("no answer to a get within 5 s", { pv: "gp:m10.RBV" });
 * assert.ok(error instanceof CAError);
 * assert.equal(error.message, 'PV "gp:m10.RBV": no answer to a get within 5 s');
 * ```
 */
export class OperationTimeoutError extends CAError {
  /** Always `"OperationTimeoutError"`. */
  override name = "OperationTimeoutError";
}

/**
 * Read or write access is denied.
 *
 * @example The message names the PV
 * ```ts
 * import assert from "node:assert/strict";
 * import { CAError, AccessDeniedError } from "./errors.ts";
 * const error = new AccessDeniedError("write access denied", { pv: "gp:m10.RBV" });
 * assert.ok(error instanceof CAError);
 * assert.equal(error.message, 'PV "gp:m10.RBV": write access denied');
 * ```
 */
export class AccessDeniedError extends CAError {
  /** Always `"AccessDeniedError"`. */
  override name = "AccessDeniedError";
}

/**
 * An array is larger than `EPICS_CA_MAX_ARRAY_BYTES` allows.
 *
 * @example The message names the PV
 * ```ts
 * import assert from "node:assert/strict";
 * import { CAError, ArrayTooLargeError } from "./errors.ts";
 * const error = new ArrayTooLargeError("8000016 bytes exceed EPICS_CA_MAX_ARRAY_BYTES=16384", { pv: "x:wave" });
 * assert.ok(error instanceof CAError);
 * assert.equal(error.message, 'PV "x:wave": 8000016 bytes exceed EPICS_CA_MAX_ARRAY_BYTES=16384');
 * ```
 */
export class ArrayTooLargeError extends CAError {
  /** Always `"ArrayTooLargeError"`. */
  override name = "ArrayTooLargeError";
}

/**
 * The client, or the channel, was closed.
 *
 * @example The message names the PV
 * ```ts
 * import assert from "node:assert/strict";
 * import { CAError, ClosedError } from "./errors.ts";
 * const error = new ClosedError("the client is closed", { pv: "gp:m10.RBV" });
 * assert.ok(error instanceof CAError);
 * assert.equal(error.message, 'PV "gp:m10.RBV": the client is closed');
 * ```
 */
export class ClosedError extends CAError {
  /** Always `"ClosedError"`. */
  override name = "ClosedError";
}
