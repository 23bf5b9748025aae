/**
 * End to end: a scan stored in a catalog folder by one process, and exported by others, to
 * NeXus and to JSON Lines; listed with `nx runs`; imported back.
 */

import assert from "node:assert/strict";
import { Catalog } from "../core/catalog/mod.ts";
import { readDocuments } from "../core/readers/read_documents.ts";
import type { NamedDocument } from "../core/documents/types.ts";
import { runScript } from "./_cli.ts";
import { storageTest as test } from "./_catalog_storages.ts";
import { comparableTree, ignoreWithoutH5py, readWithH5py } from "./_interop.ts";

async function collect(docs: AsyncIterable<NamedDocument>): Promise<NamedDocument[]> {
  const out: NamedDocument[] = [];
  for await (const doc of docs) out.push(doc);
  return out;
}

/**
 * A catalog holding one 5-point scan, recorded live by `deno task scan`: in the folder
 * `catalog` of `dir` by default (scan_id counts in `dir/data` for a database).
 */
async function recordedScan(
  dir: string,
  catalog = `${dir}/catalog`,
): Promise<{ uid: string; live: string }> {
  const live = `${dir}/live.hdf`;
  const scan = await runScript("scan.ts", [
    "--num",
    "5",
    "--no-table",
    "--catalog",
    catalog,
    "--file",
    live,
  ], { env: { XDG_DATA_HOME: `${dir}/data` } });
  assert.equal(scan.code, 0, scan.stderr);
  const uid = /catalog: scan_id 1 uid (\S+) in/.exec(scan.stdout)?.[1];
  assert.ok(uid, scan.stdout);
  return { uid, live };
}

Deno.test({
  name: "A scan stored live exports, in new processes, by scan id, by -1 and by uid prefix, " +
    "to a file with the live file's tree and data",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { uid, live } = await recordedScan(dir);
      const expected = comparableTree(await readWithH5py(live));
      const selectors = [["--scan-id", "1"], ["--index", "-1"], ["--uid", uid.slice(0, 6)]];
      for (const [i, selector] of selectors.entries()) {
        const file = `${dir}/export-${i}.hdf`;
        const out = await runScript("nx.ts", [
          "export",
          ...selector,
          "--catalog",
          `${dir}/catalog`,
          "--file",
          file,
        ]);
        assert.equal(out.code, 0, out.stderr);
        assert.match(out.stdout, new RegExp(`file=${file}`));
        assert.deepEqual(comparableTree(await readWithH5py(file)), expected, selector.join(" "));
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

test("nx runs lists a stored scan; export --format jsonl reads back to the same documents", async (store) => {
  const dir = await Deno.makeTempDir();
  try {
    const [location, copyLocation] = [await store.location(), await store.location()];
    const { uid } = await recordedScan(dir, location);
    const runs = await runScript("nx.ts", ["runs", "--catalog", location]);
    assert.equal(runs.code, 0, runs.stderr);
    const [header, row, ...rest] = runs.stdout.trim().split("\n");
    assert.match(
      header!,
      /^scan_id\s+uid\s+plan_name\s+start_time\s+exit_status\s+events\s+streams$/,
    );
    assert.match(
      row!,
      new RegExp(`^1\\s+${uid.slice(0, 8)}\\s+scan\\s+\\S+ \\S+\\s+success\\s+5\\s+primary$`),
    );
    assert.deepEqual(rest, []);

    const jsonl = `${dir}/run.jsonl`;
    const out = await runScript("nx.ts", [
      "export",
      "--uid",
      uid,
      "--catalog",
      location,
      "--format",
      "jsonl",
      "--file",
      jsonl,
    ]);
    assert.equal(out.code, 0, out.stderr);
    const catalog = Catalog.open(location);
    const stored = [...catalog.byUid(uid).documents()];
    catalog.close();
    assert.deepEqual(await collect(readDocuments(jsonl)), stored);
    assert.deepEqual(stored.map(([name]) => name), [
      "start",
      "descriptor",
      "event",
      "event",
      "event",
      "event",
      "event",
      "stop",
    ]);
    const again = await runScript("nx.ts", [
      "export",
      "--uid",
      uid,
      "--catalog",
      location,
      "--format",
      "jsonl",
      "--file",
      jsonl,
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);

    // The JSON Lines import into a new catalog as the same documents.
    const imported = await runScript("nx.ts", ["import", jsonl, "--catalog", copyLocation]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /Imported 1 runs \(8 documents\)/);
    const copy = Catalog.open(copyLocation);
    assert.deepEqual([...copy.get(-1).documents()], stored);
    copy.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nx export names a run it cannot find, and wants exactly one way to choose it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { uid } = await recordedScan(dir);
    const catalog = ["--catalog", `${dir}/catalog`];
    const missing = await runScript("nx.ts", ["export", "--scan-id", "99", ...catalog]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /99/);
    const short = await runScript("nx.ts", ["export", "--uid", uid.slice(0, 3), ...catalog]);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /5 characters/);
    const none = await runScript("nx.ts", ["export", ...catalog]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /exactly one of --scan-id, --uid and --index/);
    assert.match(none.stderr, /Usage: deno task nx export/);
    const two = await runScript("nx.ts", ["export", "--index", "-1", "--scan-id", "1", ...catalog]);
    assert.equal(two.code, 2);
    const nowhere = await runScript("nx.ts", [
      "export",
      "--index",
      "-1",
      "--catalog",
      `${dir}/none`,
    ]);
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.stderr, /No catalog in ".*none"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
