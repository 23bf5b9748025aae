/**
 * `deno task serve` end to end: the child process prints its URL, answers on it, and stops on
 * SIGTERM with exit status 0.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Catalog } from "../core/catalog/mod.ts";
import { testRun } from "../core/catalog/_test_runs.ts";
import { readUntil, runScript, spawnScript } from "./_cli.ts";
import { storageTest as test } from "./_catalog_storages.ts";

/** Store runs of these scan ids in a catalog (its folder, or its database). */
function storeRuns(location: string, scanIds: number[]): void {
  const catalog = Catalog.open(location);
  for (const scanId of scanIds) {
    const start = { scan_id: scanId, time: 1_700_000_000 + scanId, plan_name: "scan" };
    for (const [name, doc] of testRun({ start }).documents) catalog.insert(name, doc);
  }
  catalog.close();
}

async function withCatalog(
  body: (dir: string, location: string) => Promise<void>,
  location?: string,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const at = location ?? `${dir}/catalog`;
    storeRuns(at, [1, 2]);
    await body(dir, at);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

test("deno task serve prints its URL, serves the runs there, the runs another process stores meanwhile too, and stops on SIGTERM", async (store) => {
  await withCatalog(async (dir, location) => {
    const child = spawnScript("serve.ts", ["--catalog", location, "--port", "0"], {
      env: { HOME: dir },
    });
    try {
      const { stdout, rest } = await readUntil(child, /Press Ctrl-C/);
      const url = /at (http:\/\/127\.0\.0\.1:\d+\/api\/runs)/.exec(stdout)?.[1];
      assert.ok(url, `a URL on 127.0.0.1 is printed: ${stdout}`);
      assert.doesNotMatch(stdout, /Token/, "no token on loopback");
      const response = await fetch(url);
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.deepEqual(body.runs.map((run: { scan_id: number }) => run.scan_id), [2, 1]);
      storeRuns(location, [3]);
      const after = await (await fetch(url)).json();
      assert.deepEqual(after.runs.map((run: { scan_id: number }) => run.scan_id), [3, 2, 1]);
      Deno.kill(child.pid, "SIGTERM");
      await rest();
      const status = await child.status;
      assert.equal(status.code, 0);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // Ended already.
      }
      await child.stderr.cancel().catch(() => {});
    }
  }, await store.location());
});

Deno.test("deno task serve refuses a bad port with the usage text and exit status 2", async () => {
  await withCatalog(async (dir) => {
    const out = await runScript("serve.ts", ["--catalog", `${dir}/catalog`, "--port", "http"]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /Option --port needs an integer from 0 to 65535: got "http"/);
    assert.match(out.stderr, /Usage: deno task serve/);
  });
});

Deno.test("deno task serve on a folder without a catalog fails naming the folder", async () => {
  await withCatalog(async (dir) => {
    const out = await runScript("serve.ts", ["--catalog", `${dir}/none`, "--port", "0"]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, new RegExp(`No catalog in "${dir}/none"`));
  });
});
