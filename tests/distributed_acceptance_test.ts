/**
 * The acceptance test of documents over Redis: 4 producers publish 250 runs each (counts, step,
 * relative, grid and list scans, and area-detector scans with small frames) while 3 `nx worker`
 * processes consume them; one worker is killed with SIGKILL part of the way through and a
 * fourth is started. In the end every run has exactly one file, equal in tree and data to the
 * file written directly from the same documents, and the PostgreSQL catalog holds every document
 * of every run, as published, in order.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createNXWriter, type NamedDocument, type RunStart } from "../mod.ts";
import { readDocuments } from "../core/readers/mod.ts";
import { openCatalog } from "../cli/_catalog_option.ts";
import { ignoreWithoutRedis, startRedis } from "./_redis.ts";
import { ignoreWithoutPostgres, startPostgres } from "./_postgres.ts";
import { ignoreWithoutH5py } from "./_interop.ts";
import { type NexusComparer, openNexusComparer } from "./_same_nexus.ts";
import { h5diffDifferences, h5diffPath } from "./_h5diff.ts";
import { ignoreUnless } from "./_ci.ts";
import { ROOT } from "./_cli.ts";
import {
  type ChildOutput,
  endChildren,
  output,
  pendingEntries,
  spawnWorker,
  until,
} from "./_worker_group.ts";

/** Producers, each a process with its own RunEngine. */
const PRODUCERS = 4;
/** Runs each producer publishes: the figure. */
const RUNS_PER_PRODUCER = 250;
/** Workers at first; one more is started when one of them is killed. */
const WORKERS = 3;
/** The workers' `--claim-after`, in ms. */
const CLAIM_AFTER = 4000;
/** The stream's partitions (the default of a new key). */
const PARTITIONS = 8;
/** How long the runs may take to be handled before the test fails, naming those missing. */
const DEADLINE = 300_000;

/** h5py compares the storage of one run with images in this many. */
const H5PY_EVERY = 5;

const RUNS = PRODUCERS * RUNS_PER_PRODUCER;
const KEY = "acceptance";
const GROUP = "writers";

/**
 * The catalog the workers share, as `--catalog` takes it, and its release: a database of a
 * PostgreSQL server of the test's own.
 */
async function sharedCatalog(): Promise<{ target: string; close(): Promise<void> }> {
  const server = await startPostgres();
  try {
    return { target: await server.database(), close: () => server.close() };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** The runs of a producer's documents, by uid: its runs come one after the other. */
async function runsOf(path: string): Promise<Map<string, NamedDocument[]>> {
  const runs = new Map<string, NamedDocument[]>();
  let current: NamedDocument[] | undefined;
  for await (const pair of readDocuments(path)) {
    if (pair[0] === "start") runs.set((pair[1] as RunStart).uid, current = []);
    if (current === undefined) throw new Error(`"${path}" does not begin with a start document`);
    current.push(pair);
  }
  return runs;
}

/** Write a run's file as the writer makes it from the documents, in-process. */
async function writeDirect(dir: string, uid: string, docs: NamedDocument[]): Promise<void> {
  const writer = createNXWriter({ filePath: dir, fileName: `${uid}.hdf`, onWarning: () => {} });
  for (const [name, doc] of docs) writer.receiver(name, doc);
  await writer.wait();
}

/** The NeXus files in a folder, and anything else there (temporary files included). */
function filesIn(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** Start producer number `producer`, publishing to `url`, with its files in `dir`. */
function spawnProducer(url: string, producer: number, dir: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net=127.0.0.1",
      `${ROOT}tests/_producer_child.ts`,
      url,
      String(producer),
      String(RUNS_PER_PRODUCER),
      dir,
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test({
  name:
    "4 producers, 3 workers, one killed and one started: every run has one file and is in the PostgreSQL catalog",
  ignore: ignoreWithoutRedis() || ignoreWithoutPostgres() || ignoreWithoutH5py() ||
    ignoreUnless(h5diffPath() !== null, "h5diff (hdf5-tools) is not installed"),
  // The catalog's client thread and the server outlive the test's own operations.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startRedis();
    const dir = await Deno.makeTempDir({ prefix: "nxdaq-acceptance-" });
    const catalog = await sharedCatalog();
    const children: Deno.ChildProcess[] = [];
    const outputs: Promise<ChildOutput>[] = [];
    const comparers: NexusComparer[] = [];
    const start = (child: Deno.ChildProcess) => {
      children.push(child);
      // Read while it runs: a worker prints a line per run, more than a pipe holds.
      const finished = output(child);
      outputs.push(finished);
      return finished;
    };
    try {
      const url = server.url(KEY);
      const out = `${dir}/out`;
      const worker = (name: string) => {
        const child = spawnWorker({
          from: url,
          group: GROUP,
          name,
          dir: out,
          catalog: catalog.target,
          claimAfter: CLAIM_AFTER,
        });
        return { name, child, finished: start(child) };
      };
      const workers = Array.from({ length: WORKERS }, (_, i) => worker(`w${i + 1}`));
      const producers = Array.from(
        { length: PRODUCERS },
        (_, p) => start(spawnProducer(url, p, `${dir}/p${p}`)),
      );
      const hdf = () => new Set(filesIn(out).filter((name) => /^[^.].*\.hdf$/.test(name)));

      // A third of the way, the worker with most entries read and not acknowledged (what the
      // takeover is about) dies without a word, and a new one joins; meanwhile the test goes on.
      const killing = (async () => {
        await until("a third of the files", () => hdf().size >= RUNS / 3, DEADLINE);
        const pending = await pendingEntries(server.port, KEY, GROUP, PARTITIONS);
        const victim = workers.reduce((most, w) =>
          (pending.get(w.name) ?? 0) > (pending.get(most.name) ?? 0) ? w : most
        );
        Deno.kill(victim.child.pid, "SIGKILL");
        assert.equal((await victim.finished).code, 137);
        assert.ok(
          (pending.get(victim.name) ?? 0) > 0,
          `No worker had entries pending when one was to be killed: ${
            JSON.stringify(Object.fromEntries(pending))
          }`,
        );
        workers.push(worker(`w${WORKERS + 1}`));
        return victim;
      })();
      // Awaited below; handled now, so that a failure there waits for the clean-up.
      killing.catch(() => undefined);

      // The documents as each producer kept them.
      const documents = new Map<string, NamedDocument[]>();
      for (const [p, finished] of producers.entries()) {
        const { code, out: said, err } = await finished;
        assert.equal(code, 0, err);
        const runs = await runsOf(`${dir}/p${p}/documents.jsonl`);
        assert.equal(runs.size, RUNS_PER_PRODUCER);
        const count = [...runs.values()].reduce((sum, docs) => sum + docs.length, 0);
        assert.equal(said.trim(), `published ${count}`, err);
        for (const [uid, docs] of runs) documents.set(uid, docs);
      }
      const uids = [...documents.keys()].sort();
      assert.equal(uids.length, RUNS);
      const withImages = uids.filter((uid) =>
        documents.get(uid)!.some(([name]) => name === "resource" || name === "stream_resource")
      );
      assert.ok(withImages.length > 0 && withImages.length < RUNS, "a mix of runs");

      // The files written directly from the same documents; each pair is compared once both
      // files are there (a worker's file is whole as soon as it has its name), beside the
      // writing: every pair by h5diff, the HDF Group's own comparison (objects, attributes,
      // types, shapes, values), and some of the runs with images (their frames chunked and
      // compressed) by h5py too, for what h5diff does not look at: chunks and filters.
      // `direct/` and `out/` are siblings, so the external links to the detector's frames,
      // relative to each file, are the same in both.
      const ignoreAttributes = ["/@file_time", "/@file_name"];
      comparers.push(openNexusComparer({ ignoreAttributes, limit: 5, storageOnly: true }));
      // h5py reads a fifth of the runs with images, in the order of their uids (a mix of the
      // producers and of both kinds of detector documents): their storage comes from the same
      // code for every run, and h5diff compares the values of all of them.
      const images = new Set(withImages.filter((_, i) => i % H5PY_EVERY === 0));
      const direct = `${dir}/direct`;
      await Deno.mkdir(direct);
      const written: string[] = [];
      const comparisons: Promise<[string, string[]]>[] = [];
      let h5diffs: Promise<unknown> = Promise.resolve();
      const compareReady = () => {
        const there = hdf();
        for (let i = written.length - 1; i >= 0; i--) {
          const uid = written[i]!;
          if (!there.has(`${uid}.hdf`)) continue;
          written.splice(i, 1);
          const [a, b] = [`${out}/${uid}.hdf`, `${direct}/${uid}.hdf`];
          // One h5diff at a time: the workers and producers need the cores too.
          const byH5diff = h5diffs.then(() => h5diffDifferences(a, b, ignoreAttributes));
          h5diffs = byH5diff.catch(() => undefined);
          const byH5py = images.has(uid) ? comparers[0]!.differences(a, b) : Promise.resolve([]);
          comparisons.push(
            Promise.all([byH5diff, byH5py]).then(
              ([one, two]) => [uid, [...one, ...two]],
              (error) => [uid, [(error as Error).message]],
            ),
          );
        }
      };
      for (const [i, uid] of uids.entries()) {
        await writeDirect(direct, uid, documents.get(uid)!);
        written.push(uid);
        if (i % 25 === 24) compareReady();
      }

      // Every run handled: its file there and no entry left unacknowledged.
      const victim = await killing;
      const missing = () => {
        const there = hdf();
        return uids.filter((uid) => !there.has(`${uid}.hdf`));
      };
      await until(
        async () => {
          const left = missing();
          const pending = await pendingEntries(server.port, KEY, GROUP, PARTITIONS);
          return `${left.length} runs without a file (${left.slice(0, 20).join(", ")}), ` +
            `pending entries ${JSON.stringify(Object.fromEntries(pending))}`;
        },
        async () => {
          compareReady();
          if (missing().length > 0) return false;
          const pending = await pendingEntries(server.port, KEY, GROUP, PARTITIONS);
          return [...pending.values()].every((n) => n === 0);
        },
        DEADLINE,
      );
      compareReady();
      const said: string[] = [(await victim.finished).out];
      for (const { child, finished } of workers.filter((w) => w !== victim)) {
        Deno.kill(child.pid, "SIGTERM");
        const { code, out: lines, err } = await finished;
        assert.equal(code, 0, err);
        assert.doesNotMatch(err, /^Error/m);
        said.push(lines);
      }

      // Exactly one file per run, under its uid, and nothing else: the temporary file that the
      // killed worker may have been writing is removed by the worker that wrote the run.
      assert.deepEqual(filesIn(out).sort(), uids.map((uid) => `${uid}.hdf`));
      // Written once: no two workers say they wrote a run's file (a worker that finds the file
      // there says so, and one killed may have written it without a word).
      const writes = new Map<string, number>();
      for (const line of said.join("\n").split("\n")) {
        const match = /uid=(\S+)\s+file=\S+(\s+\(there already\))?/.exec(line);
        if (match && match[2] === undefined) {
          writes.set(match[1]!, (writes.get(match[1]!) ?? 0) + 1);
        }
      }
      assert.deepEqual([...writes].filter(([, n]) => n > 1), []);

      // Each file as the writer makes it from the same documents, in tree and data.
      const compared = await Promise.all(comparisons);
      assert.deepEqual(compared.map(([uid]) => uid).sort(), uids);
      assert.deepEqual(compared.filter(([, found]) => found.length > 0), []);

      // Every run in the catalog, each with every document as published, in order.
      const opened = (await openCatalog(catalog.target, false)).catalog;
      try {
        assert.deepEqual(opened.runs().map((run) => run.uid).sort(), uids);
        for (const uid of uids) {
          assert.deepEqual([...opened.byUid(uid).documents()], documents.get(uid), uid);
        }
      } finally {
        opened.close();
      }
    } finally {
      await endChildren(children);
      await Promise.allSettled(outputs);
      await Promise.allSettled(comparers.map((comparer) => comparer.close()));
      await catalog.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
