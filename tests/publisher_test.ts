/**
 * The publisher against a real redis-server that stops and comes back: the documents wait in
 * the spool on disk and all arrive, in order, none twice; what cannot be sent by the end is
 * named on stderr with the spool file and the count, and sent by the next publisher.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DocumentPublisher, readSpoolFile, RedisSink } from "../core/transport/mod.ts";
import { composeRun } from "../mod.ts";
import { ignoreWithoutRedis, redisCommand, startRedis } from "./_redis.ts";
import { runScript } from "./_cli.ts";

const ignore = ignoreWithoutRedis();

/** Every entry of the stream key, per run: `[seq, name]` in stream order. */
async function streamRuns(port: number, key: string): Promise<Map<string, [number, string][]>> {
  const partitions = Number(await redisCommand(port, ["HGET", `${key}:meta`, "partitions"]));
  const runs = new Map<string, [number, string][]>();
  for (let p = 0; p < partitions; p++) {
    const entries = await redisCommand(port, ["XRANGE", `${key}:${p}`, "-", "+"]) as [
      string,
      string[],
    ][];
    for (const [, fields] of entries) {
      const f = new Map<string, string>();
      for (let i = 0; i < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
      const run = f.get("run")!;
      if (!runs.has(run)) runs.set(run, []);
      runs.get(run)!.push([Number(f.get("seq")), f.get("name")!]);
    }
  }
  return runs;
}

/** Whether a run's entries are its documents in order, each once, from start to stop. */
function whole(entries: [number, string][] | undefined): boolean {
  if (entries === undefined || entries.length < 2) return false;
  return entries.every(([seq], i) => seq === i) && entries[0]![1] === "start" &&
    entries.at(-1)![1] === "stop";
}

Deno.test({
  name: "documents sent while Redis is stopped wait in the spool and arrive in order, once",
  ignore,
  async fn() {
    const server = await startRedis();
    const spool = await Deno.makeTempDir({ prefix: "nxdaq-spool-" });
    try {
      const warnings: string[] = [];
      const sink = new RedisSink(server.url("s?partitions=2"));
      assert.ok(await sink.ready());
      const publisher = new DocumentPublisher(sink, {
        spool,
        batchSize: 7,
        maxRetryDelay: 200,
        onWarning: (m) => void warnings.push(m),
      });
      const runs = [composeRun({ scan_id: 1 }), composeRun({ scan_id: 2 })];
      const streams = runs.map((run) => {
        publisher.receiver("start", run.start);
        const primary = run.descriptor({
          name: "primary",
          data_keys: { x: { dtype: "number", shape: [], source: "SIM:x" } },
        });
        publisher.receiver("descriptor", primary.doc);
        return primary;
      });
      const events = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          for (const stream of streams) {
            publisher.receiver("event", stream.event({ data: { x: i }, timestamps: { x: i } }));
          }
        }
      };
      events(0, 20);
      await publisher.flush(5000);
      assert.equal(publisher.pending, 0);
      await server.stop();
      events(20, 50);
      // The spool on disk holds them while Redis is away.
      for (let i = 0; i < 200 && publisher.spoolFile === undefined; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.ok(publisher.spoolFile !== undefined);
      await new Promise((r) => setTimeout(r, 300));
      assert.ok((await readSpoolFile(publisher.spoolFile)).length > 0);
      await server.start();
      events(50, 60);
      for (const run of runs) publisher.receiver("stop", run.stop({ exit_status: "success" }));
      const outcome = await publisher.close(20_000);
      assert.deepEqual(outcome, { published: 2 * 63, spooled: 0 });
      assert.ok(warnings.length > 0);
      // Redis lost what it had (nothing is saved): the entries after the stop are all there,
      // each once, in order.
      const stored = await streamRuns(server.port, "s");
      for (const run of runs) {
        const entries = stored.get(run.start.uid)!;
        assert.ok(entries.length > 0);
        const first = entries[0]![0];
        assert.deepEqual(entries.map(([seq]) => seq), entries.map((_, i) => first + i));
        assert.equal(entries.at(-1)![1], "stop");
        assert.equal(entries.at(-1)![0], 62);
        // Sent before the stop: seq 0 to 21 (lost with the server's memory); none lost since.
        assert.equal(first, 22);
      }
      assert.deepEqual([...Deno.readDirSync(spool)], []);
    } finally {
      await server.close();
      await Deno.remove(spool, { recursive: true });
    }
  },
});

Deno.test({
  name: "scan --publish with Redis stopped names the spool, and the next scan sends it first",
  ignore,
  async fn() {
    const server = await startRedis();
    const dir = await Deno.makeTempDir({ prefix: "nxdaq-publish-" });
    try {
      const url = server.url("scans");
      const env = { XDG_DATA_HOME: `${dir}/data` };
      await server.stop();
      const down = await runScript(
        "scan.ts",
        ["--no-table", "--num", "3", "--file", `${dir}/one.hdf`, "--publish", url],
        { cwd: dir, env },
      );
      assert.equal(down.code, 0, down.stderr);
      const said = down.stderr.match(
        /Not sent to (\S+): (\d+) documents, kept in the spool "([^"]+)"/,
      );
      assert.ok(said, down.stderr);
      assert.equal(said[1], url);
      // start, descriptor (primary and baseline-free: one), 3 events, stop.
      const spooled = await readSpoolFile(said[3]!);
      assert.equal(spooled.length, Number(said[2]));
      assert.ok(said[3]!.startsWith(`${dir}/data/nxdaq/spool/`));
      // Counted, not repeated: one line per kind of warning.
      const lines = down.stderr.split("\n").filter((l) => l.startsWith("warning:"));
      assert.equal(lines.length, new Set(lines).size);
      await server.start();
      const up = await runScript(
        "scan.ts",
        ["--no-table", "--num", "2", "--file", `${dir}/two.hdf`, "--publish", url],
        { cwd: dir, env },
      );
      assert.equal(up.code, 0, up.stderr);
      assert.doesNotMatch(up.stderr, /Not sent/);
      const stored = await streamRuns(server.port, "scans");
      assert.equal(stored.size, 2);
      for (const entries of stored.values()) assert.ok(whole(entries), JSON.stringify(entries));
      const first = stored.get(spooled[0]!.run)!;
      assert.deepEqual(
        first.map(([seq, name]) => [seq, name]),
        spooled.map((e) => [e.seq, e.name]),
      );
      assert.deepEqual([...Deno.readDirSync(said[3]!.slice(0, said[3]!.lastIndexOf("/")))], []);
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
