/**
 * The thread of a {@linkcode PostgresStorage}: it holds the client of the `postgres` package,
 * which only speaks asynchronously, and runs the statements the storage's thread sends, which
 * waits for the answer (see postgres_storage.ts).
 *
 * Each request is a list of statements run one after the other, on the connection reserved
 * for the open transaction if there is one (or one it begins), else on the pool; the answer,
 * the rows of each statement or the first error, is posted back and the shared flag raised.
 *
 * @module
 */

import process from "node:process";
import { type MessagePort, workerData } from "node:worker_threads";
import type { PostgresReply, PostgresRequest } from "./_postgres_protocol.ts";

const { port, flag, url, connectTimeout } = workerData as {
  port: MessagePort;
  flag: Int32Array;
  url: string;
  connectTimeout: number;
};

// The client reads libpq's variables (PGAPPNAME, PGPASSWORD, PGSSLMODE...) for what the URL
// leaves out, at every start: it is given those the process may read, and only those, so that
// a process without permission to read the environment can still connect.
const names = [
  "PGHOST",
  "PGPORT",
  "PGUSER",
  "PGUSERNAME",
  "PGPASSWORD",
  "PGDATABASE",
  "PGAPPNAME",
  "PGSSL",
  "PGSSLMODE",
  "PGTARGETSESSIONATTRS",
  "USER",
  "USERNAME",
  "LOGNAME",
];
const env: Record<string, string> = {};
for (const variable of names) {
  if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") continue;
  const value = Deno.env.get(variable);
  if (value !== undefined) env[variable] = value;
}
Object.defineProperty(process, "env", { value: env, configurable: true, writable: true });

import type postgresType from "postgres";

/** A client, once loaded: a failure to load it is every request's answer. */
const connect = () =>
  import("postgres").then(({ default: postgres }) =>
    postgres(url, {
      // One connection: a storage's statements run one at a time, its transaction on it.
      max: 1,
      connect_timeout: connectTimeout,
      // The server's notices ("relation already exists, skipping") are not the storage's.
      onnotice: () => {},
      // With one connection, the one that closes during a transaction is the transaction's.
      onclose: () => {
        if (reserved !== undefined) lost = true;
      },
      connection: { application_name: "nxdaq catalog" },
    })
  );

/** The client of the next request. */
let client = connect();
client.catch(() => undefined);

/**
 * After a connection failed: a new client. The client reuses a reserved connection whose socket
 * closed (and fails on it); a new one connects afresh, and the old one is ended.
 */
function reconnect(): void {
  const old = client;
  reserved = undefined;
  lost = false;
  client = connect();
  client.catch(() => undefined);
  old.then((sql) => sql.end({ timeout: 0 })).catch(() => undefined);
}

type Connection = postgresType.ReservedSql;

/** The connection of the open transaction. */
let reserved: Connection | undefined;
/** Whether that connection has closed (the server went away): the transaction is gone. */
let lost = false;

/** A connection's error: the client's, not the server's. */
class ConnectionLost extends Error {
  override name = "ConnectionLost";
}

/** The open transaction's connection closed: the transaction is gone. */
function dropLost(): never {
  throw new ConnectionLost("the connection closed, and the open transaction with it");
}

async function handle(request: PostgresRequest): Promise<Omit<PostgresReply, "id">> {
  const sql = await client;
  if (request.close) {
    await endTransaction("ROLLBACK").catch(() => undefined);
    await sql.end({ timeout: 1 });
    return { results: [] };
  }
  const results: Record<string, unknown>[][] = [];
  try {
    if (reserved !== undefined && lost) dropLost();
    if (request.begin && reserved === undefined) {
      const connection = await sql.reserve();
      try {
        await connection.unsafe("BEGIN");
      } catch (error) {
        connection.release();
        throw error;
      }
      reserved = connection;
      lost = false;
    }
    const on = reserved ?? sql;
    for (const query of request.queries) {
      const rows = await on.unsafe(
        query.text,
        query.params as postgresType.ParameterOrJSON<never>[],
      );
      results.push([...rows]);
    }
    if (request.end !== undefined) await endTransaction(request.end);
    return { results };
  } catch (error) {
    const described = describe(error);
    // The transaction went with its connection: the next one begins on a new one.
    if (described.connection) reconnect();
    else if (request.end !== undefined) await endTransaction("ROLLBACK").catch(() => undefined);
    return { results, error: described };
  }
}

/** Commit or roll back the open transaction and give its connection back. */
async function endTransaction(how: "COMMIT" | "ROLLBACK"): Promise<void> {
  const connection = reserved;
  if (connection === undefined) return;
  reserved = undefined;
  if (lost) {
    if (how === "COMMIT") throw new ConnectionLost("the connection closed before the commit");
    reconnect();
    return;
  }
  try {
    await connection.unsafe(how);
  } finally {
    connection.release();
  }
}

/** What the storage's thread is told of an error: its message, SQLSTATE and kind. */
function describe(error: unknown): NonNullable<PostgresReply["error"]> {
  const fields = (error ?? {}) as { message?: unknown; code?: unknown; name?: unknown };
  const code = typeof fields.code === "string" ? fields.code : undefined;
  return {
    message: typeof fields.message === "string" ? fields.message : String(error),
    ...(code === undefined ? {} : { code }),
    // The server's own errors are PostgresError; the others are the connection's.
    connection: fields.name !== "PostgresError",
  };
}

/** Send an answer, and wake the storage's thread. */
function answer(reply: PostgresReply): void {
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

/** The request being handled, for an error of the client that no promise catches. */
let inFlight: number | undefined;

// The client can throw from a socket's callback (a write on a connection that closed meanwhile):
// the request in flight is then answered with that error, and the thread goes on.
const uncaught = (event: Event, error: unknown) => {
  event.preventDefault();
  const id = inFlight;
  if (id === undefined) return;
  inFlight = undefined;
  reconnect();
  answer({ id, results: [], error: { ...describe(error), connection: true } });
};
globalThis.addEventListener("error", (event) => uncaught(event, event.error));
globalThis.addEventListener("unhandledrejection", (event) => uncaught(event, event.reason));

port.on("message", async (request: PostgresRequest) => {
  inFlight = request.id;
  let reply: PostgresReply;
  try {
    reply = { ...(await handle(request)), id: request.id };
  } catch (error) {
    reply = { id: request.id, results: [], error: describe(error) };
  }
  // Answered already, by the safety net above.
  if (inFlight !== request.id) return;
  inFlight = undefined;
  answer(reply);
});
