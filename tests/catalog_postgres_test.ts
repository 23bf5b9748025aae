/**
 * A catalog in PostgreSQL shared by several processes: two writers at once, a reader that
 * lists both runs and one that follows them with `tail()`; a server that goes away during a
 * run; errors that name the server and never its password.
 */

import assert from "node:assert/strict";
import { Catalog, CatalogWriteError, PostgresStorage } from "../core/catalog/mod.ts";
import type { TailedDocument } from "../core/catalog/mod.ts";
import type { NamedDocument } from "../core/documents/types.ts";
import { testRun } from "../core/catalog/_test_runs.ts";
import { readDocuments } from "../core/readers/read_documents.ts";
import { ignoreWithoutPostgres, sharedPostgres, startPostgres } from "./_postgres.ts";
import { until } from "./_worker_group.ts";

/**
 * Options of these tests: skipped without PostgreSQL; the server and the storages' client
 * threads outlive each test's own operations.
 */
const serverTest = {
  ignore: ignoreWithoutPostgres(),
  sanitizeOps: false,
  sanitizeResources: false,
};

async function collect(docs: AsyncIterable<NamedDocument>): Promise<NamedDocument[]> {
  const out: NamedDocument[] = [];
  for await (const doc of docs) out.push(doc);
  return out;
}

/** A free TCP port on 127.0.0.1, where nothing listens. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test({
  name: "Two processes store runs into one PostgreSQL catalog at once; a third lists both, " +
    "and a reader following tail() sees every document, in order, none skipped",
  ...serverTest,
  async fn() {
    const server = (await sharedPostgres())!;
    const url = await server.database();
    const dir = await Deno.makeTempDir({ prefix: "nxdaq-pg-writers-" });
    try {
      // The writers make the tables themselves, both at once.
      const writers = [1, 2].map((scanId) =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--allow-read",
            "--allow-write",
            "--allow-net=127.0.0.1",
            new URL("./_catalog_writer.ts", import.meta.url).pathname,
            url,
            String(scanId),
            String(3 - scanId),
            "1500",
            `${dir}/run-${scanId}.jsonl`,
          ],
          stdout: "piped",
          stderr: "piped",
        }).spawn()
      );
      const outputs = Promise.all(writers.map((writer) => writer.output()));
      let done = false;
      void outputs.finally(() => (done = true));
      // Follow the catalog while they write: as soon as its tables exist.
      let follower: PostgresStorage | undefined;
      const followed: TailedDocument[] = [];
      let after = 0;
      let polls = 0;
      while (!done) {
        follower ??= (() => {
          try {
            return new PostgresStorage(url, { readOnly: true });
          } catch {
            return undefined;
          }
        })();
        if (follower !== undefined) {
          const page = follower.tail(after, { limit: 200 });
          followed.push(...page);
          after = page.at(-1)?.seq ?? after;
          polls++;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      for (const { code, stdout, stderr } of await outputs) {
        assert.equal(code, 0, new TextDecoder().decode(stderr));
        assert.match(new TextDecoder().decode(stdout), /stored/);
      }
      follower ??= new PostgresStorage(url, { readOnly: true });
      for (let page = follower.tail(after); page.length > 0; page = follower.tail(after)) {
        followed.push(...page);
        after = page.at(-1)!.seq;
      }
      follower.close();
      assert.ok(polls > 1, "the follower read while the writers wrote");

      const expected = [
        await collect(readDocuments(`${dir}/run-1.jsonl`)),
        await collect(readDocuments(`${dir}/run-2.jsonl`)),
      ];
      const reader = Catalog.open(url, { readOnly: true });
      try {
        assert.deepEqual(reader.runs().map((run) => run.scanId), [1, 2]);
        assert.deepEqual([...reader.byScanId(1).documents()], expected[0]);
        assert.deepEqual([...reader.byScanId(2).documents()], expected[1]);
        assert.equal(reader.byScanId(2).summary.numEvents, 1501);
      } finally {
        reader.close();
      }
      // Every document once, in a strictly increasing seq, each run's in its own order.
      assert.ok(followed.every((d, i) => i === 0 || d.seq > followed[i - 1]!.seq));
      assert.equal(followed.length, expected[0]!.length + expected[1]!.length);
      const uids = expected.map((docs) => (docs[0]![1] as { uid: string }).uid);
      for (const [i, uid] of uids.entries()) {
        const run = followed.filter((d) => d.run === uid);
        assert.deepEqual(run.map((d) => [d.name, JSON.parse(d.json)]), expected[i]);
      }
      // Both ran at once (each waited for half of the other): their commits interleave.
      const switches = followed.filter((d, i) => i > 0 && d.run !== followed[i - 1]!.run);
      assert.ok(switches.length > 1, `the runs' commits interleave (${switches.length} switches)`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "A PostgreSQL server that goes away during a run: the documents not committed are a " +
    "store failure naming the server; once it is back, the next runs are stored",
  ...serverTest,
  async fn() {
    const server = await startPostgres();
    let catalog: Catalog | undefined;
    try {
      const url = await server.database();
      catalog = Catalog.open(url, { maxDelay: 60_000 });
      const put = ([name, doc]: NamedDocument) => catalog!.insert(name, doc);
      const { documents } = testRun({ start: { scan_id: 1 }, events: 20 });
      const [start, descriptor, ...rest] = documents as [NamedDocument, NamedDocument];
      put(start);
      put(descriptor);
      for (const document of rest.slice(0, 10)) put(document);
      catalog.flush();
      await server.stop();
      // Kept in this process until the commit: the commit fails.
      for (const document of rest.slice(10, 15)) put(document);
      assert.throws(() => catalog!.flush(), (error: unknown) => {
        assert.ok(error instanceof CatalogWriteError, String(error));
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${server.port}/tests\\b`));
        assert.match(error.message, /could not store 5 documents of run/);
        return true;
      });
      assert.deepEqual(catalog.tally((start[1] as { uid: string }).uid), {
        stored: 12,
        notStored: 5,
        skipped: 0,
      });
      await server.start();
      // A run whose descriptor finds the server gone, inside a transaction this time.
      const lost = testRun({ start: { scan_id: 3 }, events: 5 }).documents;
      put(lost[0]!);
      await server.stop();
      assert.throws(() => put(lost[1]!), (error: unknown) => {
        assert.ok(error instanceof CatalogWriteError, String(error));
        // Every failure since the catalog was opened: the first run's 5, this one's descriptor.
        const uid = (lost[0]![1] as { uid: string }).uid;
        assert.match(error.message, new RegExp(`and 1 of run "${uid}": Cannot reach`));
        return true;
      });
      // Its later documents are not stored either, and counted.
      for (const document of lost.slice(2)) put(document);
      assert.deepEqual(catalog.tally((lost[0]![1] as { uid: string }).uid), {
        stored: 1,
        notStored: lost.length - 1,
        skipped: 0,
      });
      await server.start();
      // The same storage goes on, on a new connection: a new run is stored whole.
      const next = testRun({ start: { scan_id: 2 }, events: 5 }).documents;
      for (const document of next) put(document);
      catalog.close();
      catalog = undefined;
      const reader = Catalog.open(url, { readOnly: true });
      try {
        assert.deepEqual([...reader.byScanId(1).documents()], documents.slice(0, 12));
        assert.deepEqual([...reader.byScanId(2).documents()], next);
        assert.deepEqual([...reader.byScanId(3).documents()], lost.slice(0, 1));
      } finally {
        reader.close();
      }
    } finally {
      try {
        catalog?.close();
      } catch {
        // The failure was reported above.
      }
      await server.close();
    }
  },
});

Deno.test({
  name: "A long PostgreSQL transaction (a run stored whole) does not hold up another writer's " +
    "commits, and its documents come after them in tail()",
  ...serverTest,
  async fn() {
    const server = (await sharedPostgres())!;
    const url = await server.database();
    const long = new Catalog(new PostgresStorage(url), { transactions: "run" });
    const short = new Catalog(new PostgresStorage(url, { timeout: 5000 }));
    const follower = new PostgresStorage(url, { readOnly: true });
    try {
      const a = testRun({ start: { scan_id: 1 }, events: 12_000 }).documents;
      const b = testRun({ start: { scan_id: 2 }, events: 50 }).documents;
      // All but its stop: kept in its transaction, past this process's buffer.
      for (const [name, doc] of a.slice(0, -1)) long.insert(name, doc);
      for (const [name, doc] of b) short.insert(name, doc);
      short.flush();
      assert.equal(follower.tail(0, { limit: 100_000 }).length, b.length);
      long.insert(...(a.at(-1) as [never, never]));
      const followed = follower.tail(0, { limit: 100_000 });
      assert.deepEqual(
        followed.map((d) => [d.name, JSON.parse(d.json)]),
        [...b, ...a],
        "the short run first: it was committed first",
      );
      assert.equal(long.get(1).summary.numEvents, 12_001);
    } finally {
      long.close();
      short.close();
      follower.close();
    }
  },
});

Deno.test({
  name: "A PostgreSQL storage whose connection is lost inside a transaction begins the next " +
    "one on a new connection",
  ...serverTest,
  async fn() {
    const server = await startPostgres();
    try {
      const storage = new PostgresStorage(await server.database());
      const record = (run: string, name: "start" | "resource" | "descriptor", uid: string) => {
        const doc = name === "start" ? { uid, time: 1 } : { uid, run_start: run };
        return { run, name, doc: doc as never, uid, events: 0, json: JSON.stringify(doc) };
      };
      assert.equal(storage.append(record("r1", "start", "r1")), true);
      storage.commit();
      // A resource is not a boundary: its transaction stays open on the server.
      assert.equal(storage.append(record("r1", "resource", "res1")), true);
      await server.stop();
      assert.throws(() => storage.append(record("r1", "descriptor", "d1")), /Cannot reach/);
      storage.rollback();
      await server.start();
      assert.equal(storage.append(record("r2", "start", "r2")), true);
      storage.commit();
      assert.deepEqual(storage.runs({}).map((run) => run.uid), ["r1", "r2"]);
      assert.equal(storage.find("res1"), undefined, "the lost transaction's resource is gone");
      storage.close();
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "A PostgreSQL catalog that cannot be reached is an error naming the server, never " +
    "the password",
  ...serverTest,
  fn() {
    const port = closedPort();
    assert.throws(
      () => Catalog.open(`postgres://nxdaq:s3cret-word@127.0.0.1:${port}/catalog`),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(
          error.message,
          new RegExp(
            `^Cannot reach the catalog's PostgreSQL server 127\\.0\\.0\\.1:${port}/catalog`,
          ),
        );
        assert.doesNotMatch(error.message, /s3cret/);
        return true;
      },
    );
  },
});

Deno.test({
  name: "A PostgreSQL catalog read-only needs its tables; one of a newer version is refused",
  ...serverTest,
  async fn() {
    const server = (await sharedPostgres())!;
    const url = await server.database();
    assert.throws(() => Catalog.open(url, { readOnly: true }), /^Error: No catalog in "postgres:/);
    Catalog.open(url).close();
    const { pathname, searchParams } = new URL(url);
    const schema = searchParams.get("search_path");
    await server.psql(`UPDATE ${schema}.catalog_schema SET version = 99`, pathname.slice(1));
    assert.throws(() => Catalog.open(url), /has schema version 99: this version reads up to 1/);
  },
});

Deno.test({
  name: "A long run is read back a page at a time, each of its rows fetched once, on the " +
    "statistics of the table before the run came",
  ...serverTest,
  async fn() {
    const server = (await sharedPostgres())!;
    const url = await server.database();
    const schema = new URL(url).searchParams.get("search_path")!;
    const { documents } = testRun({ events: 20_000 });
    let catalog = Catalog.open(url);
    try {
      for (const [name, doc] of documents) catalog.insert(name, doc);
    } finally {
      catalog.close();
    }
    // Rows the server has fetched from the table of documents, by what it counts of each
    // connection once the connection ends.
    const fetched = async () =>
      Number(
        await server.psql(
          "SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) " +
            `FROM pg_stat_user_tables WHERE schemaname = '${schema}' AND relname = 'documents'`,
          "tests",
        ),
      );
    const before = await fetched();
    catalog = Catalog.open(url);
    try {
      let read = 0;
      for (const _ of catalog.byIndex(-1).documents()) read++;
      assert.equal(read, documents.length);
    } finally {
      catalog.close();
    }
    let rows = 0;
    await until("the server to count the rows fetched", async () => {
      rows = (await fetched()) - before;
      return rows > 0;
    }, 5_000);
    // Read as the planner chose on the statistics of the empty table, each page took all of
    // the run's rows after it (and sorted them): 210,105 rows for 20,005 documents.
    assert.ok(rows < 1.5 * documents.length, `${rows} rows fetched for ${documents.length}`);
  },
});
