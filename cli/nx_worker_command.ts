/**
 * `deno task nx worker --from redis://HOST/KEY --group G [--dir D] [--catalog DIR]`: a member
 * of a consumer group that writes each run it receives to its NeXus file (with the writer of
 * `nx export`) and/or stores it in the catalog, then acknowledges the run's entries.
 * Importing this module registers the command in {@linkcode NX_COMMANDS}.
 *
 * @module
 */

import { CatalogWriteError } from "../core/catalog/mod.ts";
import type { Catalog } from "../core/catalog/mod.ts";
import type { DocumentMap, DocumentName, RunStart } from "../core/documents/types.ts";
import { FileExistsError } from "../core/errors.ts";
import { safeFileName } from "../core/nexus/file_name.ts";
import {
  type AssembledRun,
  joinRedisGroup,
  parseRedisUrl,
  redisGroupDefaults,
  RunAssembler,
} from "../core/transport/mod.ts";
import { CATALOG_OPTION_HELP, openCatalog } from "./_catalog_option.ts";
import { CONFIG_OPTIONS, configOptionHelp, configuredWriter, loadConfig } from "./_config.ts";
import { CountedWarnings } from "./_epics_seed.ts";
import { runLabel } from "./_feed.ts";
import { type CommandIO, parseCommandArgs, UsageError } from "./_io.ts";
import { NX_COMMANDS } from "./nx_command.ts";

/** Usage text of the worker command. */
export const WORKER_USAGE =
  `Usage: deno task nx worker --from redis://HOST[:PORT]/KEY [--group G] [--dir D] [--catalog DIR]

Take the documents that scan --publish and nx import --publish send to the
Redis stream KEY, as a member of the consumer group G, and for each run write
its NeXus file to D/<uid>.hdf (written whole, then moved into place; a run whose
file is there is left as it is) and/or store it in the catalog (a run stored
already is left as it is). A run's entries are acknowledged once it is handled.
The workers of a group share the stream's partitions; when one dies, another
takes its runs over after --claim-after, from their start. Ctrl-C or SIGTERM
stops the worker: runs it has begun go to the next one at once.

Options:
  --from URL      the stream: redis://HOST[:PORT]/KEY (required)
  --group G       the consumer group (default: writers)
  --dir D         write each run's NeXus file in D
${
    CATALOG_OPTION_HELP.replace("--catalog DIR  the", "--catalog DIR   the").replace(
      /\n {17}/g,
      `\n${" ".repeat(18)}`,
    )
  }
  --name N        this worker's name in the group (default: a random one)
  --claim-after MS  take over the runs of a worker silent this long (default 30000)
  --retain MS     remove entries every group has handled once they are this old
                  (default 3600000, an hour); "never" keeps them all
${configOptionHelp(18)}
  --help          show this text`;

/**
 * Run the worker command until Ctrl-C or SIGTERM.
 *
 * @param args Command-line arguments.
 * @param io Where output goes.
 * @returns The exit code: 0 when every run received was handled.
 * @throws {UsageError} Without --from, or without --dir and --catalog.
 */
export async function runWorkerCommand(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(args, {
    from: { type: "string" },
    group: { type: "string", default: "writers" },
    dir: { type: "string" },
    catalog: { type: "string" },
    name: { type: "string" },
    "claim-after": { type: "string" },
    retain: { type: "string" },
    ...CONFIG_OPTIONS,
  });
  if (parsed === "help") {
    io.out(WORKER_USAGE);
    return 0;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) {
    throw new UsageError(`The worker command takes no arguments: got "${positionals.join(" ")}"`);
  }
  if (values.from === undefined) throw new UsageError("Option --from URL is required");
  if (values.dir === undefined && values.catalog === undefined) {
    throw new UsageError("Name where runs go: --dir D, --catalog DIR, or both");
  }
  let where;
  try {
    where = parseRedisUrl(values.from as string);
  } catch (error) {
    throw new UsageError(`Option --from: ${(error as Error).message}`);
  }
  const claimText = values["claim-after"] as string | undefined;
  const claimAfter = claimText === undefined ? redisGroupDefaults.claimAfter : Number(claimText);
  if (!Number.isSafeInteger(claimAfter) || claimAfter < 30) {
    throw new UsageError(
      `Option --claim-after needs a whole number of ms >= 30: got "${claimText}"`,
    );
  }
  const retainText = values.retain as string | undefined;
  const retain = retainText === undefined
    ? redisGroupDefaults.retain
    : retainText === "never"
    ? null
    : Number(retainText);
  if (retain !== null && !(Number.isSafeInteger(retain) && retain >= 0)) {
    throw new UsageError(
      `Option --retain needs a whole number of ms >= 0 or "never": got "${retainText}"`,
    );
  }
  const config = await loadConfig(values);
  const dir = values.dir as string | undefined;
  if (dir !== undefined) await Deno.mkdir(dir, { recursive: true });
  const catalog = values.catalog === undefined ? undefined : (await openCatalog(
    values.catalog as string,
    true,
    // Another writer of the same run (a claim) is waited for as long, with either storage.
    { transactions: "run", existing: "skip", busyTimeout: 600_000, timeout: 600_000 },
  )).catalog;
  const warnings = new CountedWarnings(io.err);
  const warn = (message: string) => warnings.add(new Error(message));
  const fileOf = (uid: string) => `${dir}/${safeFileName(`${uid}.hdf`)}`;
  const exists = (path: string) => {
    try {
      Deno.lstatSync(path);
      return true;
    } catch {
      return false;
    }
  };
  const stored = (uid: string) => {
    try {
      return catalog!.byUid(uid).start.uid === uid;
    } catch {
      return false;
    }
  };
  let failures = 0;
  let queue: Promise<void> = Promise.resolve();
  const member = await joinRedisGroup(where, {
    group: values.group as string,
    ...(values.name === undefined ? {} : { name: values.name as string }),
    claimAfter,
    retain,
    onRevoked: (partition) => void assembler.drop(partition),
    onWarning: warn,
  });
  const ack = (partition: number, ids: readonly string[]) =>
    member.ack(partition, ids).catch((error) =>
      warn(`Cannot acknowledge ${ids.length} entries: ${(error as Error).message}`)
    );
  const handle = async (run: AssembledRun) => {
    const start = run.documents[0]?.[1] as RunStart | undefined;
    const label = start?.uid === run.run ? runLabel(start) : `run (${run.run.slice(0, 7)})`;
    const said: string[] = [];
    try {
      if (dir !== undefined) {
        said.push(`file=${await writeFile(run, fileOf(run.run))}`);
        // A worker that had the run before may have died writing it: its temporary file
        // stays, unless the worker that has the file in place removes it.
        if (run.redelivered) await removeAbandoned(fileOf(run.run), warn);
      }
      if (catalog !== undefined) said.push(`catalog=${storeRun(catalog, run)}`);
    } catch (error) {
      failures++;
      assembler.forget(run.run);
      io.err(`Error: ${label} uid=${run.run}: ${(error as Error).message}; not acknowledged`);
      return;
    }
    // With the entries that came again while it was written, never before.
    await ack(run.partition, assembler.settle(run.run));
    io.out(`${label}  uid=${run.run}  ${said.join("  ")}`);
  };
  const writeFile = async (run: AssembledRun, path: string): Promise<string> => {
    if (exists(path)) return `${path} (there already)`;
    const writer = configuredWriter(config, {
      commandLine: {
        filePath: dir!,
        fileName: path.slice(path.lastIndexOf("/") + 1),
        overwrite: "fail",
        onWarning: (w) => warn(`${w.plugin}${w.path ? ` ${w.path}` : ""}: ${w.message}`),
      },
    });
    for (const [name, doc] of run.documents) {
      writer.receiver(name, doc as DocumentMap[DocumentName]);
    }
    try {
      return await writer.written(run.run)!;
    } catch (error) {
      // Another worker wrote it meanwhile, and may have removed this one's temporary file as
      // one left by a worker that died: the file there is whole.
      if (error instanceof FileExistsError || exists(path)) return `${path} (there already)`;
      throw error;
    }
  };
  const assembler = new RunAssembler({
    onRun: (run) => void (queue = queue.then(() => handle(run))),
    onAck: (partition, ids) => void ack(partition, ids),
    isDone: (uid, entry) => {
      const done = (dir === undefined || exists(fileOf(uid))) &&
        (catalog === undefined || stored(uid));
      // Handled by another worker while the one that had it before died writing it.
      if (done && entry.redelivered && dir !== undefined) {
        queue = queue.then(() => removeAbandoned(fileOf(uid), warn));
      }
      return done;
    },
    onWarning: warn,
  });
  io.err(`worker ${member.name} of group "${values.group}" reading ${where.url}`);
  let stopping = false;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => wake = resolve);
  const stopListening = io.onInterrupt(() => {
    stopping = true;
    wake();
  });
  try {
    while (!stopping) {
      const entries = await Promise.race([member.read(), stopped.then(() => [])]);
      for (const entry of entries) assembler.add(entry);
    }
    await queue;
  } finally {
    stopListening();
    await member.close();
    catalog?.close();
    // A worker that lost a run while it wrote it, and was then killed, may have made its
    // temporary file after the worker that wrote the run looked for it.
    if (dir !== undefined) await removeAbandoned(dir, warn, true);
    warnings.summarize();
  }
  return failures === 0 ? 0 : 1;
}

/**
 * Remove the temporary files of NeXus files that are in place: those another worker left,
 * killed while it wrote the same run (`.NAME.XXXXXXXX.partial` beside it). One still being
 * written by a worker that has lost the run fails to be moved into place, as it would anyway
 * with the file there.
 *
 * @param path The NeXus file whose temporary files to remove; or, with `all`, its folder,
 *   where every temporary file of a file in place is removed (what a worker does as it stops).
 */
async function removeAbandoned(
  path: string,
  warn: (message: string) => void,
  all = false,
): Promise<void> {
  const slash = path.lastIndexOf("/");
  const folder = all ? path : path.slice(0, slash) || "/";
  const only = all ? undefined : path.slice(slash + 1);
  try {
    for await (const { name } of Deno.readDir(folder)) {
      const match = /^\.(.+)\.[0-9a-f]{8}\.partial$/.exec(name);
      if (match === null || (only !== undefined && match[1] !== only)) continue;
      const inPlace = await Deno.lstat(`${folder}/${match[1]}`).then(() => true, () => false);
      if (!inPlace) continue;
      await Deno.remove(`${folder}/${name}`).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
  } catch (error) {
    warn(`Cannot remove the temporary files of "${path}": ${(error as Error).message}`);
  }
}

/** Store a run in the catalog; a run stored already is left as it is. */
function storeRun(catalog: Catalog, run: AssembledRun): string {
  try {
    for (const [name, doc] of run.documents) {
      catalog.insert(name, doc as DocumentMap[DocumentName]);
    }
    catalog.flush();
  } catch (error) {
    if (!(error instanceof CatalogWriteError)) throw error;
    throw new Error(`Cannot store the run in the catalog: ${error.message}`, { cause: error });
  }
  const tally = catalog.tally(run.run);
  if (tally.notStored > 0) {
    throw new Error(`The catalog did not store ${tally.notStored} documents of the run`);
  }
  return tally.stored === 0 && tally.skipped > 0 ? "there already" : "stored";
}

NX_COMMANDS.set("worker", {
  summary: "write the runs of a Redis stream (scan --publish) to files or the catalog",
  synopsis: "--from redis://HOST/KEY [--dir D]",
  usage: WORKER_USAGE,
  run: runWorkerCommand,
});
