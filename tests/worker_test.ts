/**
 * `nx worker` against a real redis-server: a worker killed with SIGKILL in the middle of its
 * runs, and another that takes them over and writes every run's file exactly once, the same
 * as the writer makes from the same documents.
 *
 * @module
 */

import assert from "node:assert/strict";
import { composeRun, createNXWriter } from "../mod.ts";
import type { DocumentName } from "../core/documents/types.ts";
import { partitionOf, RedisSink, type TransportEntry } from "../core/transport/mod.ts";
import { ignoreWithoutRedis, redisCommand, startRedis } from "./_redis.ts";
import { nexusDifferences } from "./_same_nexus.ts";
import { runScript } from "./_cli.ts";
import { endChildren, output, pendingEntries, spawnWorker, until } from "./_worker_group.ts";
import { writeJsonLines } from "../core/readers/json_lines_writer.ts";
import { Catalog } from "../core/catalog/mod.ts";
import { storageTest } from "./_catalog_storages.ts";
import { ignoreWithoutH5py } from "./_interop.ts";

const ignore = ignoreWithoutRedis() || ignoreWithoutH5py();
const PARTITIONS = 4;

/** A run of `events` events, as its documents. */
function makeRun(i: number, events: number): [DocumentName, unknown][] {
  const run = composeRun({ plan_name: "count", scan_id: i, detectors: ["x"] });
  const primary = run.descriptor({
    name: "primary",
    data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
    hints: { x: { fields: ["x"] } },
    object_keys: { x: ["x"] },
  });
  const docs: [DocumentName, unknown][] = [["start", run.start], ["descriptor", primary.doc]];
  for (let e = 0; e < events; e++) {
    docs.push(["event", primary.event({ data: { x: e * i }, timestamps: { x: e } })]);
  }
  docs.push(["stop", run.stop({ exit_status: "success" })]);
  return docs;
}

function entriesOf(docs: [DocumentName, unknown][]): TransportEntry[] {
  const run = (docs[0]![1] as { uid: string }).uid;
  return docs.map(([name, doc], seq) => ({ run, seq, name, json: JSON.stringify(doc) }));
}

Deno.test({
  name: "a worker killed mid-run is taken over: every run's file is written once, whole",
  ignore,
  async fn() {
    const server = await startRedis();
    const dir = await Deno.makeTempDir({ prefix: "nxdaq-worker-" });
    const children: Deno.ChildProcess[] = [];
    try {
      const key = "w";
      const url = server.url(`${key}?partitions=${PARTITIONS}`);
      const runs = [1, 2, 3, 4, 5].map((i) => makeRun(i, 20));
      const uids = runs.map((docs) => (docs[0]![1] as { uid: string }).uid);
      // The files the writer makes of the same documents, directly.
      await Deno.mkdir(`${dir}/direct`);
      for (const [i, docs] of runs.entries()) {
        const writer = createNXWriter({ filePath: `${dir}/direct`, fileName: `${uids[i]}.hdf` });
        for (const [name, doc] of docs) writer.receiver(name, doc as never);
        await writer.wait();
      }
      const sink = new RedisSink(url);
      assert.ok(await sink.ready());
      const all = runs.map(entriesOf);
      // Interleaved, as runs of several producers are: the first half of each run.
      const half = 12;
      for (let seq = 0; seq < half; seq += 4) {
        await sink.publish(all.flatMap((entries) => entries.slice(seq, seq + 4)));
      }
      const pending = () => pendingEntries(server.port, key, "writers", PARTITIONS);
      const worker = (name: string) => {
        const child = spawnWorker({
          from: url,
          group: "writers",
          dir: `${dir}/out`,
          name,
          claimAfter: 1500,
        });
        children.push(child);
        return child;
      };
      const a = worker("a");
      await until(
        "worker a reads the first halves",
        async () => (await pending()).get("a") === half * runs.length,
      );
      Deno.kill(a.pid, "SIGKILL");
      await output(a);
      // What a killed worker leaves when it dies writing: a temporary file beside each final
      // path. The worker that writes the run removes it; another run's is left alone.
      await Deno.mkdir(`${dir}/out`, { recursive: true });
      for (const uid of uids) {
        await Deno.writeTextFile(`${dir}/out/.${uid}.hdf.0123abcd.partial`, "");
      }
      const stranger = ".another-run.hdf.0123abcd.partial";
      await Deno.writeTextFile(`${dir}/out/${stranger}`, "");
      const b = worker("b");
      await sink.publish(all.flatMap((entries) => entries.slice(half)));
      await sink.close();
      await until("worker b writes every file", async () => {
        const counts = await pending();
        const files = [...Deno.readDirSync(`${dir}/out`)].filter((f) => f.name.endsWith(".hdf"));
        return files.length === runs.length && [...counts.values()].every((n) => n === 0);
      });
      // One made after the run's file was in place, by a worker that lost the run while it
      // wrote it and was killed then: the worker removes it as it stops.
      await Deno.writeTextFile(`${dir}/out/.${uids[0]}.hdf.89abcdef.partial`, "");
      Deno.kill(b.pid, "SIGTERM");
      const { code, out, err } = await output(b);
      assert.equal(code, 0, err);
      const names = [...Deno.readDirSync(`${dir}/out`)].map((f) => f.name).sort();
      // Exactly one file per run, under its uid, and no temporary file of theirs left.
      assert.deepEqual(names, [stranger, ...uids.map((uid) => `${uid}.hdf`)].sort());
      await Deno.remove(`${dir}/out/${stranger}`);
      for (const uid of uids) {
        assert.equal(out.split("\n").filter((line) => line.includes(`uid=${uid}`)).length, 1, out);
        const differences = await nexusDifferences(
          `${dir}/out/${uid}.hdf`,
          `${dir}/direct/${uid}.hdf`,
          {
            ignoreAttributes: ["/@file_time", "/@file_name"],
          },
        );
        assert.deepEqual(differences, []);
      }
      // A second group reads the stream from its start: the files are there, left as they are.
      const before = uids.map((uid) => Deno.statSync(`${dir}/out/${uid}.hdf`).mtime?.getTime());
      const again = spawnWorker({ from: url, group: "again", dir: `${dir}/out`, claimAfter: 1500 });
      children.push(again);
      await until("the second group acknowledges every entry", async () => {
        let acked = 0;
        for (let p = 0; p < PARTITIONS; p++) {
          const groups = await redisCommand(server.port, ["XINFO", "GROUPS", `${key}:${p}`]);
          for (const info of groups as string[][]) {
            const fields = new Map<string, unknown>();
            for (let i = 0; i < info.length; i += 2) fields.set(info[i]!, info[i + 1]);
            if (fields.get("name") === "again" && fields.get("pending") === 0) {
              acked += fields.get("last-delivered-id") !== "0-0" ? 1 : 0;
            }
          }
        }
        return acked === new Set(uids.map((uid) => partitionOf(uid, PARTITIONS))).size;
      });
      Deno.kill(again.pid, "SIGTERM");
      const second = await output(again);
      assert.equal(second.code, 0, second.err);
      assert.deepEqual(
        uids.map((uid) => Deno.statSync(`${dir}/out/${uid}.hdf`).mtime?.getTime()),
        before,
      );
    } finally {
      await endChildren(children);
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

storageTest(
  "nx import --publish, then nx worker --catalog stores every run once",
  async (store) => {
    const server = await startRedis();
    const dir = await Deno.makeTempDir({ prefix: "nxdaq-worker-catalog-" });
    try {
      const [first, second] = [await store.location(), await store.location()];
      const url = server.url("imports");
      const runs = [1, 2, 3].map((i) => makeRun(i, 5));
      await writeJsonLines(`${dir}/runs.jsonl`, runs.flat() as never);
      const env = { XDG_DATA_HOME: `${dir}/data` };
      const imported = await runScript("nx.ts", [
        "import",
        `${dir}/runs.jsonl`,
        "--catalog",
        first,
        "--publish",
        url,
      ], { env });
      assert.equal(imported.code, 0, imported.stderr);
      const worker = spawnWorker({ from: url, catalog: second, claimAfter: 1000 }, { env });
      try {
        await until("the worker stores the runs", async () => {
          let read = 0;
          for (let p = 0; p < 8; p++) {
            const infos = await redisCommand(server.port, ["XINFO", "GROUPS", `imports:${p}`]);
            if (!Array.isArray(infos)) return false;
            for (const info of infos as unknown[][]) {
              const at = info.indexOf("entries-read");
              if (info[info.indexOf("pending") + 1] !== 0) return false;
              read += Number(info[at + 1] ?? 0);
            }
          }
          return read === runs.flat().length;
        });
      } finally {
        Deno.kill(worker.pid, "SIGTERM");
      }
      const { code, out, err } = await output(worker);
      assert.equal(code, 0, err);
      const catalog = Catalog.open(second);
      try {
        const uids = runs.map((docs) => (docs[0]![1] as { uid: string }).uid);
        assert.deepEqual(catalog.runs().map((r) => r.uid).sort(), uids.slice().sort());
        for (const uid of uids) {
          assert.equal([...catalog.get(uid).documents()].length, 8);
          assert.match(out, new RegExp(`uid=${uid}  catalog=stored`));
        }
      } finally {
        catalog.close();
      }
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
  { ignore: ignoreWithoutRedis() },
);
