/**
 * `deno task serve [--catalog DIR] [--port 8080] [--host 127.0.0.1]`: the web view's pages and
 * JSON API over a catalog, until Ctrl-C or SIGTERM.
 *
 * @module
 */

import { createApi, tokenRequired } from "../web/api.ts";
import { createPages } from "../web/pages.ts";
import { CATALOG_OPTION_HELP, openCatalog } from "./_catalog_option.ts";
import { type CommandIO, parseCommandArgs, UsageError } from "./_io.ts";

/** Usage text of the serve command. */
export const SERVE_USAGE = `Usage: deno task serve [--catalog DIR] [--port 8080] [--host 127.0.0.1]

Serve the catalog's runs as web pages (/ the runs, /runs/<uid> a run) over a
read-only JSON API (GET /api/runs, /api/runs/<uid>,
/api/runs/<uid>/streams/<name>/columns, /api/runs/<uid>/documents.jsonl) until
Ctrl-C or SIGTERM.

Options:
${CATALOG_OPTION_HELP}
  --port N       the port (default 8080; 0 picks a free one)
  --host ADDR    the address to listen on (default 127.0.0.1); on any other
                 address every request needs the token, printed at start or
                 taken from $NXDAQ_TOKEN
  --help         show this text`;

/** Where the command reads its token from, injectable for tests. */
export interface ServeEnvironment {
  /** The token from `$NXDAQ_TOKEN`, if set. */
  token?: string | undefined;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Run the serve command.
 *
 * @param args Command-line arguments.
 * @param io Where output goes, and the interrupt that stops the server.
 * @param env The token from the environment.
 * @returns The exit code.
 * @throws {UsageError} On positional arguments or a bad port.
 */
export async function runServeCommand(
  args: string[],
  io: CommandIO,
  env: ServeEnvironment = { token: Deno.env.get("NXDAQ_TOKEN") },
): Promise<number> {
  const parsed = parseCommandArgs(args, {
    catalog: { type: "string" },
    port: { type: "string", default: "8080" },
    host: { type: "string", default: "127.0.0.1" },
  });
  if (parsed === "help") {
    io.out(SERVE_USAGE);
    return 0;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new UsageError(`The serve command takes no arguments: got "${positionals.join(" ")}"`);
  }
  const portText = values.port as string;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`Option --port needs an integer from 0 to 65535: got "${portText}"`);
  }
  const host = values.host as string;
  if (host === "") throw new UsageError(`Option --host needs an address: got ""`);
  const needsToken = tokenRequired(host);
  const token = needsToken ? (env.token || randomToken()) : undefined;
  const { catalog, dir } = await openCatalog(values.catalog as string | undefined, false, {
    readOnly: true,
  });
  try {
    const access = { host, ...(token === undefined ? {} : { token }) };
    const api = createApi(catalog, access);
    const pages = createPages(access);
    const handler = (request: Request) => pages(request) ?? api(request);
    const server = Deno.serve({ hostname: host, port, onListen: () => {} }, handler);
    const stop = io.onInterrupt(() => void server.shutdown());
    try {
      const { port: bound } = server.addr as Deno.NetAddr;
      const shown = host.includes(":") ? `[${host}]` : host;
      io.out(`Serving the catalog "${dir}" at http://${shown}:${bound}/api/runs`);
      io.out(`Pages: http://${shown}:${bound}/`);
      if (token !== undefined && token === env.token) {
        io.out(`Every request needs the token of $NXDAQ_TOKEN ("Authorization: Bearer <token>")`);
      } else if (token !== undefined) {
        io.out(`Token: ${token} (send "Authorization: Bearer <token>" or add ?token=<token>)`);
      }
      io.out("Press Ctrl-C to stop.");
      await server.finished;
    } finally {
      stop();
    }
  } finally {
    catalog.close();
  }
  return 0;
}
