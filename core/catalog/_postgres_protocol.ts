/**
 * What a {@linkcode PostgresStorage} and its thread say to each other.
 *
 * @module
 */

/** One statement and its parameters (`$1`, `$2`...). */
export interface PostgresQuery {
  /** The SQL. */
  text: string;
  /** Its parameters: text, numbers or null. */
  params: (string | number | null)[];
}

/** Statements to run, in one round trip. */
export interface PostgresRequest {
  /** Which request this is: its answer has the same. */
  id: number;
  /** Begin a transaction first, unless one is open (on a connection then kept for it). */
  begin?: boolean;
  /** The statements, one after the other; the first that fails ends the request. */
  queries: PostgresQuery[];
  /** End the open transaction afterwards (rolled back when a statement failed). */
  end?: "COMMIT" | "ROLLBACK";
  /** Roll back what is open and close the client. */
  close?: boolean;
}

/** The answer to a {@linkcode PostgresRequest}. */
export interface PostgresReply {
  /** The request's `id`. */
  id: number;
  /** The rows of each statement that ran. */
  results: Record<string, unknown>[][];
  /** The error of the statement that failed. */
  error?: {
    /** The client's or the server's message. */
    message: string;
    /** The SQLSTATE, or the client's code (`ECONNREFUSED`, `CONNECTION_CLOSED`...). */
    code?: string;
    /** Whether the connection failed, rather than a statement. */
    connection: boolean;
  };
}
