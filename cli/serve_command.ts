/**
 * `deno task serve [--catalog DIR] [--port 8080] [--host 127.0.0.1]`: the web view's pages and
 * JSON API over a catalog, until Ctrl-C or SIGTERM.
 *
 * @module
 */

import { createApi, tokenRequired } from "../web/api.ts";
import { createPages } from "../web/pages.ts";
import { NexusFiles } from "../web/nexus_files.ts";
import { createH5webPage } from "../web/h5web/page.ts";
import { h5webBundleDir, h5webBundleReady } from "../web/h5web/build.ts";
import { CATALOG_OPTION_HELP, openCatalog } from "./_catalog_option.ts";
import { type CommandIO, parseCommandArgs, UsageError } from "./_io.ts";

/** Usage text of the serve command. */
export const SERVE_USAGE = `Usage: deno task serve [--catalog DIR] [--port 8080] [--host 127.0.0.1]

Serve the catalog's runs as web pages (/ the runs, /runs/<uid> a run,
/runs/<uid>/h5web its NeXus file in H5Web) over a read-only JSON API (GET
/api/runs, /api/runs/<uid>, /api/runs/<uid>/streams/<name>/columns,
/api/runs/<uid>/documents.jsonl, /api/runs/<uid>/nexus.hdf) until Ctrl-C or
SIGTERM.

Options:
${CATALOG_OPTION_HELP}
  --data DIR     a folder detector files may be read from for the NeXus files
                 (default: the current folder; give it again for more); a run
                 whose frames lie elsewhere, symlinks followed, gets 404
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
    data: { type: "string", multiple: true },
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
  const cache = await Deno.makeTempDir({ prefix: "nxdaq-serve-" });
  try {
    const access = { host, ...(token === undefined ? {} : { token }) };
    const dataFolders = (values.data as string[] | undefined) ?? ["."];
    for (const folder of dataFolders) {
      const info = await Deno.stat(folder).catch(() => undefined);
      if (!info?.isDirectory) {
        throw new UsageError(`Option --data needs a folder: "${folder}" is none`);
      }
    }
    const nexus = new NexusFiles({ cache, dataFolders });
    const api = createApi(catalog, { ...access, nexus });
    const pages = createPages(access);
    const bundle = await h5webBundleDir();
    const h5web = createH5webPage({ ...access, bundle });
    const handler = (request: Request) => pages(request) ?? h5web(request) ?? api(request);
    const server = Deno.serve({ hostname: host, port, onListen: () => {} }, handler);
    const stop = io.onInterrupt(() => void server.shutdown());
    try {
      const { port: bound } = server.addr as Deno.NetAddr;
      const shown = host.includes(":") ? `[${host}]` : host;
      io.out(`Serving the catalog "${dir}" at http://${shown}:${bound}/api/runs`);
      io.out(`Pages: http://${shown}:${bound}/`);
      if (!(await h5webBundleReady(bundle))) {
        io.err("The H5Web viewer is not built: run deno task build:h5web (deno task serve does)");
      }
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
    await Deno.remove(cache, { recursive: true }).catch(() => {});
  }
  return 0;
}
