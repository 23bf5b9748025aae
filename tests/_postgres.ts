/**
 * Test helper: a real PostgreSQL server of the test file's own, on 127.0.0.1 at a free port,
 * in a temporary folder (initdb with trust authentication for loopback), stopped by its process
 * id. A test takes a fresh database of it ({@linkcode PostgresServer.database}), so that one
 * server start serves a whole file.
 *
 * PostgreSQL refuses to run as root: when the tests run as root (as under CI), initdb and the
 * server run as the user `postgres` (through `runuser`), with the folder theirs.
 *
 * @module
 */

import { ignoreUnless } from "./_ci.ts";
import { freePort } from "./_local.ts";

/** Where PostgreSQL's server programs are (the newest version installed), or null. */
export function postgresBinDir(): string | null {
  const root = "/usr/lib/postgresql";
  let versions: string[];
  try {
    versions = [...Deno.readDirSync(root)].filter((entry) => entry.isDirectory).map((entry) =>
      entry.name
    );
  } catch {
    return null;
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of versions) {
    const bin = `${root}/${version}/bin`;
    try {
      if (Deno.statSync(`${bin}/postgres`).isFile && Deno.statSync(`${bin}/initdb`).isFile) {
        return bin;
      }
    } catch {
      // Not this one.
    }
  }
  return null;
}

/** Whether the tests run as root, so that PostgreSQL must run as another user. */
function asRoot(): boolean {
  return Deno.uid() === 0;
}

/** Whether PostgreSQL can be started: its programs, and as root a `postgres` user and runuser. */
function postgresAvailable(): boolean {
  if (postgresBinDir() === null) return false;
  if (!asRoot()) return true;
  try {
    return Deno.statSync("/usr/sbin/runuser").isFile &&
      Deno.readTextFileSync("/etc/passwd").split("\n").some((line) => line.startsWith("postgres:"));
  } catch {
    return false;
  }
}

/**
 * The `ignore` option of a test that needs PostgreSQL: skipped, with the reason printed, when
 * it is not installed, unless under CI (where its absence fails the test).
 * @returns Whether to skip.
 */
export function ignoreWithoutPostgres(): boolean {
  return ignoreUnless(postgresAvailable(), "PostgreSQL (the postgresql package) is not installed");
}

/** A PostgreSQL server the test started. */
export interface PostgresServer {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** Its temporary folder (the data directory is `data` in it). */
  readonly dir: string;
  /**
   * A `postgres://` URL of one of its databases.
   * @param database The database (default: `postgres`).
   */
  url(database?: string): string;
  /**
   * A new, empty catalog place of the server: a schema of its own in a database of the tests,
   * which the URL's `search_path` names.
   * @returns Its URL.
   */
  database(): Promise<string>;
  /**
   * Run SQL with psql, as the superuser, in a database.
   * @param sql The statements.
   * @param database The database (default: `postgres`).
   * @returns What psql printed (unaligned, tuples only).
   */
  psql(sql: string, database?: string): Promise<string>;
  /** Stop it (SIGINT to its process id, SIGKILL after 10 s), keeping its data and port. */
  stop(): Promise<void>;
  /** Start it again after {@linkcode PostgresServer.stop}, on the same port and data. */
  start(): Promise<void>;
  /** Stop it and remove its folder. */
  close(): Promise<void>;
  /** The same, without waiting on the event loop: for an `unload` handler. */
  closeSync(): void;
}

/** The user PostgreSQL runs as, and its superuser. */
function serverUser(): string {
  return asRoot() ? "postgres" : Deno.env.get("USER") ?? "postgres";
}

/** A command of PostgreSQL's, as the user `postgres` when running as root. */
function command(program: string, args: string[], options: Deno.CommandOptions = {}) {
  if (!asRoot()) return new Deno.Command(program, { ...options, args });
  return new Deno.Command("/usr/sbin/runuser", {
    ...options,
    args: ["-u", "postgres", "--", program, ...args],
  });
}

let databases = 0;

/**
 * Start a PostgreSQL server on 127.0.0.1 at a free port, with trust authentication for
 * loopback, fsync off (a test needs no durability against power loss; a process kill is still
 * survived).
 * @returns The server, accepting connections.
 * @throws {Error} When PostgreSQL is missing or does not come up, with its log.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin)");
  const dir = await Deno.makeTempDir({ prefix: "nxdaq-postgres-" });
  const data = `${dir}/data`;
  const user = serverUser();
  if (asRoot()) {
    const chown = await new Deno.Command("chown", { args: ["postgres:postgres", dir] }).output();
    if (!chown.success) throw new Error(`Cannot give ${dir} to the user postgres`);
  }
  const init = await command(`${bin}/initdb`, [
    "-D",
    data,
    "-U",
    user,
    "--auth=trust",
    "--encoding=UTF8",
    "--locale=C",
    "--no-sync",
  ], { stdout: "piped", stderr: "piped", cwd: dir }).output();
  if (!init.success) {
    await Deno.remove(dir, { recursive: true }).catch(() => undefined);
    throw new Error(`initdb failed: ${new TextDecoder().decode(init.stderr)}`);
  }
  const port = freePort();
  const log = `${dir}/postgres.log`;
  const logFile = await Deno.open(log, { write: true, create: true });
  const url = (database = "postgres") =>
    `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`;
  const psql = async (sql: string, database = "postgres") => {
    const out = await new Deno.Command(`${bin}/psql`, {
      args: ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url(database), "-c", sql],
      stdout: "piped",
      stderr: "piped",
      env: { PGCONNECT_TIMEOUT: "10" },
    }).output();
    if (!out.success) {
      throw new Error(`psql failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return new TextDecoder().decode(out.stdout);
  };
  /** The server's own process id (runuser's child), from its pid file. */
  const serverPid = (): number | undefined => {
    try {
      const pid = Number(Deno.readTextFileSync(`${data}/postmaster.pid`).split("\n")[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const signal = (pid: number | undefined, name: Deno.Signal) => {
    if (pid === undefined) return;
    try {
      Deno.kill(pid, name);
    } catch {
      // Ended already.
    }
  };
  let child: Deno.ChildProcess | undefined;
  let logged: Promise<void> = Promise.resolve();
  const stopSync = () => {
    const running = child;
    if (running === undefined) return;
    child = undefined;
    const pid = serverPid();
    // SIGINT, PostgreSQL's fast shutdown: SIGTERM's smart one would wait for every client,
    // such as the test process's own connections while it unloads.
    signal(pid, "SIGINT");
    const pause = new Int32Array(new SharedArrayBuffer(4));
    // The server removes its pid file last, once it has stopped.
    for (let i = 0; i < 1000 && serverPid() !== undefined; i++) Atomics.wait(pause, 0, 0, 10);
    if (serverPid() !== undefined) {
      signal(pid, "SIGKILL");
      signal(running.pid, "SIGKILL");
    }
  };
  const stop = async () => {
    const running = child;
    stopSync();
    await running?.status.catch(() => undefined);
    await logged;
  };
  const start = async () => {
    const spawned = command(`${bin}/postgres`, [
      "-D",
      data,
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-k",
      dir,
      "-c",
      "fsync=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "shared_buffers=16MB",
      "-c",
      "max_connections=60",
    ], { stdin: "null", stdout: "null", stderr: "piped", cwd: dir }).spawn();
    child = spawned;
    // Its log into a file, so that a failed start can say why.
    logged = spawned.stderr.pipeTo(logFile.writable, { preventClose: true }).catch(() => undefined);
    spawned.status.catch(() => undefined);
    for (let i = 0;; i++) {
      try {
        const connection = await Deno.connect({ hostname: "127.0.0.1", port });
        connection.close();
        // Listening is not accepting yet (it may still recover): ask.
        await psql("SELECT 1");
        return;
      } catch (error) {
        if (i >= 400) {
          await stop();
          const text = await Deno.readTextFile(log).catch(() => "");
          throw new Error(`PostgreSQL did not come up on 127.0.0.1:${port}: ${error}\n${text}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  };
  try {
    await start();
  } catch (error) {
    logFile.close();
    await Deno.remove(dir, { recursive: true }).catch(() => undefined);
    throw error;
  }
  let closed = false;
  let testDatabase: Promise<void> | undefined;
  return {
    port,
    dir,
    url,
    psql,
    database: async () => {
      // A schema of its own in one database of the tests, named by the URL's search_path:
      // as empty as a new database to the catalog (which names its tables unqualified), at a
      // tenth of the cost of copying a template database for every test.
      testDatabase ??= psql("CREATE DATABASE tests").then(() => undefined);
      await testDatabase;
      const name = `test_${++databases}`;
      await psql(`CREATE SCHEMA ${name}`, "tests");
      return `${url("tests")}?search_path=${name}`;
    },
    stop,
    start,
    close: async () => {
      if (closed) return;
      closed = true;
      await stop();
      logFile.close();
      await Deno.remove(dir, { recursive: true }).catch(() => undefined);
    },
    closeSync: () => {
      if (closed) return;
      closed = true;
      stopSync();
      try {
        logFile.close();
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // Gone already.
      }
    },
  };
}

/**
 * The server of a test file: started once at the file's first use, stopped when the process
 * that runs the tests unloads. Undefined (and nothing started) without PostgreSQL outside CI.
 * @returns The server, or undefined when the tests that need it are skipped.
 */
export async function sharedPostgres(): Promise<PostgresServer | undefined> {
  if (ignoreWithoutPostgres()) return undefined;
  shared ??= startPostgres().then((server) => {
    globalThis.addEventListener("unload", () => server.closeSync());
    return server;
  });
  return await shared;
}

let shared: Promise<PostgresServer> | undefined;
