/**
 * The `--publish redis://HOST[:PORT]/KEY` option of `scan` and `nx import`: every document
 * also goes to a Redis stream, through a local spool while Redis cannot be reached.
 *
 * @module
 */

import type { DocumentPublisher, RedisLocation, RedisSink } from "../core/transport/mod.ts";
import { defaultCatalogDir } from "../core/catalog/default_dir.ts";
import type { CommandIO } from "./_io.ts";
import { UsageError } from "./_io.ts";
import { CountedWarnings } from "./_epics_seed.ts";

/**
 * Help text of the option, its text starting at `column`.
 * @param column Where the text of a command's options starts.
 * @returns The lines.
 */
export function publishOptionHelp(column: number): string {
  const pad = " ".repeat(column);
  return `${"  --publish URL".padEnd(column)}also send every document to the Redis stream
${pad}redis://HOST[:PORT]/KEY (kept in a local spool while Redis
${pad}cannot be reached, sent when it is back); deno task nx worker
${pad}writes their files`;
}

/** How long a command goes on trying to send what is left before it exits, in ms. */
const SEND_BEFORE_EXIT = 5000;

/**
 * The spool folder of a stream: beside the default catalog, under the user's data folder.
 * @param where The stream's server and key.
 * @returns The folder.
 */
export function spoolFolder(where: RedisLocation): string {
  const data = defaultCatalogDir().replace(/\/catalog$/, "");
  return `${data}/spool/${encodeURIComponent(`${where.host}:${where.port}/${where.key}`)}`;
}

/** A publisher of a command, and what to do at its end. */
export interface CommandPublisher {
  /** The callback to subscribe. */
  publisher: DocumentPublisher;
  /**
   * Send what is left (trying a while), then say on stderr what could not be sent and where
   * it is kept; a second call gives the first one's answer.
   * @returns False when documents are neither sent nor spooled.
   */
  finish(): Promise<boolean>;
}

/**
 * Open the publisher of `--publish URL`. The Redis client is loaded then, not when a command
 * starts: a scan without `--publish` does not load it.
 * @param url The URL.
 * @param io Where warnings go.
 * @param spool The spool folder; by default {@linkcode spoolFolder} of the stream.
 * @returns The publisher and its end.
 * @throws {UsageError} When the URL is not valid.
 */
export async function openPublisher(
  url: string,
  io: CommandIO,
  spool?: string,
): Promise<CommandPublisher> {
  const { DocumentPublisher, RedisSink } = await import("../core/transport/mod.ts");
  const warnings = new CountedWarnings(io.err);
  let sink: RedisSink;
  try {
    sink = new RedisSink(url, {
      onError: (error) => warnings.add(new Error(`Redis at ${url}: ${error.message}`)),
    });
  } catch (error) {
    throw new UsageError(`Option --publish: ${(error as Error).message}`);
  }
  const publisher = new DocumentPublisher(sink, {
    spool: spool ?? spoolFolder(sink.location),
    onWarning: (message) => warnings.add(new Error(message)),
  });
  let finished: Promise<boolean> | undefined;
  const finish = async () => {
    try {
      const outcome = await publisher.close(SEND_BEFORE_EXIT);
      warnings.summarize();
      if (outcome.spooled > 0) {
        io.err(
          `Not sent to ${sink.target}: ${outcome.spooled} documents, kept in the spool ` +
            `"${outcome.spoolFile}" (the next --publish to this key sends them)`,
        );
      }
      return true;
    } catch (error) {
      warnings.summarize();
      io.err(`Error: ${(error as Error).message}`);
      return false;
    }
  };
  return { publisher, finish: () => finished ??= finish() };
}
