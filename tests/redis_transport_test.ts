/**
 * The Redis transport against a real redis-server: URLs, order per run, partitions shared
 * by a group, and the entries of a member that left taken over from their start.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  joinRedisGroup,
  parseRedisUrl,
  partitionOf,
  type ReceivedEntry,
  RedisSink,
  type TransportEntry,
} from "../core/transport/mod.ts";
import { ignoreWithoutRedis, redisCommand, startRedis } from "./_redis.ts";

const ignore = ignoreWithoutRedis();

Deno.test("parseRedisUrl() takes host, port and key, and names the URL in its errors", () => {
  const where = parseRedisUrl("redis://[::1]:7000/beam/line?db=2&partitions=4");
  assert.equal(where.host, "::1");
  assert.equal(where.port, 7000);
  assert.equal(where.key, "beam/line");
  assert.equal(where.database, 2);
  assert.equal(where.partitions, 4);
  assert.throws(() => parseRedisUrl("redis://host"), /"redis:\/\/host": no stream key/);
  assert.throws(() => parseRedisUrl("http://host/k"), /"http:\/\/host\/k": the scheme is "http"/);
  assert.throws(() => parseRedisUrl("nonsense"), /Invalid Redis URL "nonsense"/);
  assert.throws(() => parseRedisUrl("redis://h/k?partitions=0"), /partitions is a whole number/);
  assert.throws(() => parseRedisUrl("redis://u:secret@h/k?x=1"), (e: Error) => {
    assert.match(e.message, /u:\*\*\*@h/);
    assert.doesNotMatch(e.message, /secret/);
    return true;
  });
});

Deno.test("partitionOf() spreads runs over the partitions", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(partitionOf(`run-${i}`, 8));
  assert.equal(seen.size, 8);
});

function entries(run: string, count: number): TransportEntry[] {
  return Array.from({ length: count }, (_, seq) => ({
    run,
    seq,
    name: seq === 0 ? "start" : seq === count - 1 ? "stop" : "event",
    json: JSON.stringify({ seq }),
  }));
}

async function readAll(
  read: () => Promise<ReceivedEntry[]>,
  count: number,
): Promise<ReceivedEntry[]> {
  const got: ReceivedEntry[] = [];
  for (let i = 0; i < 400 && got.length < count; i++) got.push(...await read());
  return got;
}

Deno.test({
  name: "a group member reads every run's entries in order, from every partition",
  ignore,
  async fn() {
    const server = await startRedis();
    try {
      const url = server.url("order?partitions=4");
      const sink = new RedisSink(url);
      assert.ok(await sink.ready());
      const runs = ["r-a", "r-b", "r-c", "r-d", "r-e"];
      // Interleaved, as several producers would.
      const all = runs.map((r) => entries(r, 30));
      for (let seq = 0; seq < 30; seq += 10) {
        await sink.publish(all.flatMap((run) => run.slice(seq, seq + 10)));
      }
      await sink.close();
      assert.equal(await redisCommand(server.port, ["HGET", "order:meta", "partitions"]), "4");
      const member = await joinRedisGroup(url, { group: "g", claimAfter: 300, block: 50 });
      try {
        assert.equal(member.partitions.size, 4);
        const got = await readAll(() => member.read(), 150);
        assert.equal(got.length, 150);
        for (const run of runs) {
          const mine = got.filter((e) => e.run === run);
          assert.deepEqual(mine.map((e) => e.seq), [...Array(30).keys()]);
          assert.ok(mine.every((e) => e.partition === partitionOf(run, 4)));
        }
      } finally {
        await member.close();
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "two members share the partitions, and one takes over what the other left unacked",
  ignore,
  async fn() {
    const server = await startRedis();
    try {
      const url = server.url("share?partitions=4");
      const a = await joinRedisGroup(url, { group: "g", name: "a", claimAfter: 300, block: 50 });
      assert.equal(a.partitions.size as number, 4);
      const sink = new RedisSink(url);
      assert.ok(await sink.ready());
      const runs = ["x1", "x2", "x3", "x4", "x5", "x6"];
      await sink.publish(runs.flatMap((r) => entries(r, 3).slice(0, 2)));
      const first = await readAll(() => a.read(), 12);
      assert.equal(first.length, 12);
      // b joins: a gives half the partitions up, its entries there unacknowledged.
      const revoked: number[] = [];
      const b = await joinRedisGroup(url, {
        group: "g",
        name: "b",
        claimAfter: 300,
        block: 50,
        onRevoked: (p) => void revoked.push(p),
      });
      try {
        for (
          let i = 0;
          i < 100 && (a.partitions.size as number !== 2 || b.partitions.size !== 2);
          i++
        ) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(a.partitions.size, 2);
        assert.equal(b.partitions.size, 2);
        await sink.publish(runs.flatMap((r) => entries(r, 3).slice(2)));
        const gotB: ReceivedEntry[] = [];
        for (let i = 0; i < 100; i++) {
          gotB.push(...await b.read());
          const bRuns = runs.filter((r) => b.partitions.has(partitionOf(r, 4)));
          if (gotB.length >= bRuns.length * 3) break;
        }
        const bRuns = runs.filter((r) => b.partitions.has(partitionOf(r, 4)));
        for (const run of bRuns) {
          // From its start: the entries a read and never acknowledged, then the new one.
          assert.deepEqual(gotB.filter((e) => e.run === run).map((e) => e.seq), [0, 1, 2]);
        }
        assert.ok(gotB.every((e) => b.partitions.has(e.partition)));
        await b.ack(
          gotB[0]!.partition,
          gotB.map((e) => e.id).filter((_, i) => gotB[i]!.partition === gotB[0]!.partition),
        );
      } finally {
        await b.close();
        await a.close();
        await sink.close();
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "a second live member of one name is refused, naming it",
  ignore,
  async fn() {
    const server = await startRedis();
    try {
      const url = server.url("names");
      const a = await joinRedisGroup(url, { group: "g", name: "same", claimAfter: 500 });
      try {
        await assert.rejects(
          () => joinRedisGroup(url, { group: "g", name: "same", claimAfter: 500 }),
          /Member name "same" is in use in group "g"/,
        );
      } finally {
        await a.close();
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "the stream is trimmed of what every group has acknowledged, past the retention time",
  ignore,
  async fn() {
    const server = await startRedis();
    try {
      const url = server.url("trim?partitions=1");
      const length = async () => Number(await redisCommand(server.port, ["XLEN", "trim:0"]));
      const trimmed: number[] = [];
      const join = (group: string, retain: number | null) =>
        joinRedisGroup(url, {
          group,
          claimAfter: 90,
          block: 20,
          retain,
          onTrimmed: (_, n) => void trimmed.push(n),
        });
      const writers = await join("writers", 0);
      // A second group that reads nothing yet holds every entry back.
      const catalog = await join("catalog", 0);
      const sink = new RedisSink(url);
      try {
        assert.ok(await sink.ready());
        await sink.publish([...entries("run-1", 5), ...entries("run-2", 5)]);
        const first = await readAll(() => writers.read(), 10);
        assert.equal(first.length, 10);
        // Acknowledged by one group of two: kept.
        await writers.ack(0, first.slice(0, 5).map((e) => e.id));
        await new Promise((r) => setTimeout(r, 250));
        assert.equal(await length(), 10);
        assert.deepEqual(trimmed, []);
        // The other group acknowledges run-1 too: its entries go; run-2's, acknowledged by
        // neither group, stay.
        const other = await readAll(() => catalog.read(), 10);
        await catalog.ack(0, other.slice(0, 5).map((e) => e.id));
        for (let i = 0; i < 40 && await length() > 5; i++) {
          await new Promise((r) => setTimeout(r, 25));
        }
        assert.equal(await length(), 5);
        const left = await redisCommand(server.port, ["XRANGE", "trim:0", "-", "+"]) as [
          string,
          string[],
        ][];
        assert.deepEqual(left.map(([id]) => id), first.slice(5).map((e) => e.id));
        // Everything acknowledged everywhere: the stream empties, and the sum is told.
        await writers.ack(0, first.slice(5).map((e) => e.id));
        await catalog.ack(0, other.slice(5).map((e) => e.id));
        for (let i = 0; i < 40 && await length() > 0; i++) {
          await new Promise((r) => setTimeout(r, 25));
        }
        assert.equal(await length(), 0);
        assert.equal(trimmed.reduce((a, b) => a + b, 0), 10);
      } finally {
        await sink.close();
        await catalog.close();
        await writers.close();
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "entries younger than the retention time, or with retain null, are kept though handled",
  ignore,
  async fn() {
    const server = await startRedis();
    try {
      for (const retain of [60_000, null]) {
        const key = `keep${retain ?? "all"}`;
        const url = server.url(`${key}?partitions=1`);
        const member = await joinRedisGroup(url, {
          group: "g",
          claimAfter: 90,
          block: 20,
          retain,
        });
        const sink = new RedisSink(url);
        try {
          assert.ok(await sink.ready());
          await sink.publish(entries("run", 4));
          const got = await readAll(() => member.read(), 4);
          await member.ack(0, got.map((e) => e.id));
          // Several rounds of the member's upkeep.
          await new Promise((r) => setTimeout(r, 300));
          assert.equal(await redisCommand(server.port, ["XLEN", `${key}:0`]), 4, String(retain));
        } finally {
          await sink.close();
          await member.close();
        }
      }
      await assert.rejects(
        () => joinRedisGroup(server.url("bad"), { group: "g", retain: -1 }),
        /Option retain is a whole number of ms >= 0, or null: got -1/,
      );
    } finally {
      await server.close();
    }
  },
});
