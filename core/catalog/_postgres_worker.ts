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

/** The client, once loaded: a failure to load it is every request's answer. */
const client = import("postgres").then(({ default: postgres }) =>
  postgres(url, {
    // One connection: a storage's statements run one at a time, its transaction on it.
    max: 1,
    connect_timeout: connectTimeout,
    // The server's notices ("relation already exists, skipping") are not the storage's.
    onnotice: () => {},
    connection: { application_name: "nxdaq catalog" },
  })
);
client.catch(() => undefined);

type Connection = postgresType.ReservedSql;

/** The connection of the open transaction. */
let reserved: Connection | undefined;

async function handle(request: PostgresRequest): Promise<PostgresReply> {
  const sql = await client;
  if (request.close) {
    await endTransaction("ROLLBACK").catch(() => undefined);
    await sql.end({ timeout: 1 });
    return { results: [] };
  }
  const results: Record<string, unknown>[][] = [];
  try {
    if (request.begin && reserved === undefined) {
      const connection = await sql.reserve();
      try {
        await connection.unsafe("BEGIN");
      } catch (error) {
        connection.release();
        throw error;
      }
      reserved = connection;
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
    if (request.end !== undefined) await endTransaction("ROLLBACK").catch(() => undefined);
    return { results, error: describe(error) };
  }
}

/** Commit or roll back the open transaction and give its connection back. */
async function endTransaction(how: "COMMIT" | "ROLLBACK"): Promise<void> {
  const connection = reserved;
  if (connection === undefined) return;
  reserved = undefined;
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

port.on("message", async (request: PostgresRequest) => {
  let reply: PostgresReply;
  try {
    reply = await handle(request);
  } catch (error) {
    reply = { results: [], error: describe(error) };
  }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
