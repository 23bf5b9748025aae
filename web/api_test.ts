import assert from "node:assert/strict";
import { Catalog, temp } from "../core/catalog/mod.ts";
import { testRun } from "../core/catalog/_test_runs.ts";
import type { NamedDocument } from "../core/documents/types.ts";
import { readDocuments } from "../core/readers/mod.ts";
import { createApi, tokenRequired } from "./api.ts";

/** A catalog of five runs, one second apart: scan ids 1 to 5, plans alternating. */
function fiveRuns(): { catalog: Catalog; runs: NamedDocument[][] } {
  const catalog = temp();
  const runs: NamedDocument[][] = [];
  for (let i = 1; i <= 5; i++) {
    const { documents } = testRun({
      start: {
        uid: `run-${i}-0000`,
        time: 1_700_000_000 + i,
        scan_id: i,
        plan_name: i % 2 ? "scan" : "count",
        sample: i === 4 ? "Si" : "Ge",
      },
      events: i,
    });
    for (const [name, doc] of documents) catalog.insert(name, doc as never);
    runs.push(documents);
  }
  return { catalog, runs };
}

/** Serve the API of a catalog on 127.0.0.1, a free port, for the length of `body`. */
async function withServer(
  catalog: Catalog,
  options: Parameters<typeof createApi>[1],
  body: (base: string, port: number) => Promise<void>,
): Promise<void> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApi(catalog, options),
  );
  try {
    const { port } = server.addr as Deno.NetAddr;
    await body(`http://127.0.0.1:${port}`, port);
  } finally {
    await server.shutdown();
    catalog.close();
  }
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

/** Send a request line as written, without a URL parser taking `..` out of it. */
async function rawStatus(port: number, path: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    const text = await new Response(conn.readable).text();
    return text.split("\r\n")[0]!;
  } catch (error) {
    conn.close();
    throw error;
  }
}

Deno.test("The runs are listed newest first with their scan id, plan, time, status and events", async () => {
  const { catalog } = fiveRuns();
  await withServer(catalog, {}, async (base) => {
    const { status, body } = await getJson(`${base}/api/runs`);
    assert.equal(status, 200);
    assert.equal(body.total, 5);
    const runs = body.runs as Record<string, unknown>[];
    assert.deepEqual(runs.map((run) => run.scan_id), [5, 4, 3, 2, 1]);
    assert.deepEqual(runs[0], {
      uid: "run-5-0000",
      scan_id: 5,
      plan_name: "scan",
      time: 1_700_000_005,
      stop_time: runs[0]!.stop_time,
      exit_status: "success",
      // Five primary events and one baseline event.
      events: 6,
      streams: ["primary", "baseline"],
    });
  });
});

Deno.test("The runs are paged by limit and offset", async () => {
  const { catalog } = fiveRuns();
  await withServer(catalog, {}, async (base) => {
    const { body } = await getJson(`${base}/api/runs?limit=2&offset=1`);
    assert.deepEqual((body.runs as { scan_id: number }[]).map((run) => run.scan_id), [4, 3]);
    assert.equal(body.total, 5);
    const last = await getJson(`${base}/api/runs?limit=2&offset=4`);
    assert.deepEqual((last.body.runs as { scan_id: number }[]).map((run) => run.scan_id), [1]);
  });
});

Deno.test("The runs are searched by plan, time range and start key", async () => {
  const { catalog } = fiveRuns();
  await withServer(catalog, {}, async (base) => {
    const ids = async (query: string) =>
      ((await getJson(`${base}/api/runs?${query}`)).body.runs as { scan_id: number }[])
        .map((run) => run.scan_id);
    assert.deepEqual(await ids("plan=count"), [4, 2]);
    assert.deepEqual(await ids("key.sample=Si"), [4]);
    assert.deepEqual(await ids("key.scan_id=3"), [3]);
    assert.deepEqual(await ids(`since=${1_700_000_002}&until=${1_700_000_004}`), [3, 2]);
    assert.deepEqual(await ids("since=2023-11-14T22:13:24Z"), [5, 4]);
  });
});

Deno.test("A run's detail holds its start, stop and streams with their data keys", async () => {
  const { catalog } = fiveRuns();
  await withServer(catalog, {}, async (base) => {
    const { status, body } = await getJson(`${base}/api/runs/run-3-0000`);
    assert.equal(status, 200);
    assert.equal((body.start as { sample: string }).sample, "Ge");
    assert.equal((body.stop as { exit_status: string }).exit_status, "success");
    const streams = body.streams as { name: string; data_keys: Record<string, unknown> }[];
    assert.deepEqual(streams.map((s) => s.name), ["primary", "baseline"]);
    assert.deepEqual(Object.keys(streams[0]!.data_keys), ["motor", "det"]);
  });
});

Deno.test("A stream's columns are its seq_num, time and the keys asked for", async () => {
  const { catalog } = fiveRuns();
  await withServer(catalog, {}, async (base) => {
    const { status, body } = await getJson(
      `${base}/api/runs/run-3-0000/streams/primary/columns?keys=motor`,
    );
    assert.equal(status, 200);
    assert.deepEqual(body.seq_num, [1, 2, 3]);
    assert.equal((body.time as number[]).length, 3);
    assert.deepEqual(body.data, { motor: [0, 1, 2] });
  });
});

Deno.test("A run's JSON Lines download reads back as its documents", async () => {
  const { catalog, runs } = fiveRuns();
  const dir = await Deno.makeTempDir();
  try {
    await withServer(catalog, {}, async (base) => {
      const response = await fetch(`${base}/api/runs/run-2-0000/documents.jsonl`);
      assert.equal(response.status, 200);
      await Deno.writeFile(`${dir}/run.jsonl`, new Uint8Array(await response.arrayBuffer()));
      assert.deepEqual(await Array.fromAsync(readDocuments(`${dir}/run.jsonl`)), runs[1]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Bad query parameters get 400 with a message naming the parameter", async () => {
  const { catalog } = fiveRuns();
  await withServer(catalog, {}, async (base) => {
    for (
      const [query, name] of [
        ["runs?limit=0", "limit"],
        ["runs?limit=abc", "limit"],
        ["runs?offset=-1", "offset"],
        ["runs?since=yesterday", "since"],
        ["runs?color=red", "color"],
        ["runs/run-1-0000/streams/primary/columns?keys=nope", "keys"],
      ]
    ) {
      const { status, body } = await getJson(`${base}/api/${query}`);
      assert.equal(status, 400, query);
      assert.match(body.error as string, new RegExp(`"${name}"`), query);
      assert.doesNotMatch(body.error as string, /\n\s+at /, query);
    }
  });
});

Deno.test("Unknown paths, unknown uids, '..' and encoded slashes get 404", async () => {
  const { catalog } = fiveRuns();
  await withServer(catalog, {}, async (base, port) => {
    for (
      const path of [
        "/api/runs/no-such-run",
        "/api/runs/run-3",
        "/api/runs/run-3-0000/streams/nope/columns",
        "/api/other",
        "/etc/passwd",
      ]
    ) {
      const { status, body } = await getJson(`${base}${path}`);
      assert.equal(status, 404, path);
      assert.equal(typeof body.error, "string", path);
    }
    for (
      const path of [
        "/api/runs/../runs",
        "/api/runs/%2e%2e/runs",
        "/api/runs/run-3-0000%2fdocuments.jsonl",
        "/api/runs/run-3-0000%5cdocuments.jsonl",
        "//etc/passwd",
        "/api/runs/..%2f..%2fetc%2fpasswd",
      ]
    ) {
      assert.equal(await rawStatus(port, path), "HTTP/1.1 404 Not Found", path);
    }
  });
});

Deno.test("Methods other than GET get 405: the API is read-only", async () => {
  const { catalog } = fiveRuns();
  await withServer(catalog, {}, async (base) => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const response = await fetch(`${base}/api/runs`, { method });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get("allow"), "GET, HEAD");
      await response.body?.cancel();
    }
  });
});

Deno.test("A token is required off loopback, by header or query, and not on 127.0.0.1", () => {
  assert.equal(tokenRequired("127.0.0.1"), false);
  assert.equal(tokenRequired("localhost"), false);
  assert.equal(tokenRequired("::1"), false);
  assert.equal(tokenRequired("0.0.0.0"), true);
  assert.equal(tokenRequired("192.168.1.20"), true);
  assert.throws(() => createApi(temp(), { host: "0.0.0.0" }), /needs a token/);
});

Deno.test("Configured for another address, the API refuses requests without the token", async () => {
  const { catalog } = fiveRuns();
  // Configured as if listening on every address, but bound to 127.0.0.1 for the test.
  await withServer(catalog, { host: "0.0.0.0", token: "s3cret" }, async (base) => {
    assert.equal((await getJson(`${base}/api/runs`)).status, 401);
    assert.equal((await getJson(`${base}/api/runs?token=wrong`)).status, 401);
    const bad = await fetch(`${base}/api/runs`, { headers: { authorization: "Bearer s3cre" } });
    assert.equal(bad.status, 401);
    await bad.body?.cancel();
    const byHeader = await fetch(`${base}/api/runs`, {
      headers: { authorization: "Bearer s3cret" },
    });
    assert.equal(byHeader.status, 200);
    await byHeader.body?.cancel();
    assert.equal((await getJson(`${base}/api/runs?token=s3cret`)).status, 200);
    assert.equal((await getJson(`${base}/api/runs?token=s3cret&limit=1`)).body.limit, 1);
  });
});

Deno.test("A damaged catalog gives 500 with the catalog's message, not a stack", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const catalog = Catalog.open(`${dir}/catalog`);
    const { documents } = testRun({ start: { uid: "big-run-0000", scan_id: 1 }, events: 20_000 });
    for (const [name, doc] of documents) catalog.insert(name, doc);
    catalog.close();
    const path = `${dir}/catalog/catalog.sqlite`;
    const file = await Deno.open(path, { read: true, write: true });
    try {
      await file.seek(Math.floor((await file.stat()).size / 2), Deno.SeekMode.Start);
      await file.write(crypto.getRandomValues(new Uint8Array(64 * 1024)));
    } finally {
      file.close();
    }
    await withServer(Catalog.open(`${dir}/catalog`), {}, async (base) => {
      const { status, body } = await getJson(
        `${base}/api/runs/big-run-0000/streams/primary/columns`,
      );
      assert.equal(status, 500);
      assert.match(body.error as string, new RegExp(`Catalog "${path}" is damaged`));
      assert.doesNotMatch(body.error as string, /\n\s+at /);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
