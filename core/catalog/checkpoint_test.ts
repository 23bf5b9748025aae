import assert from "node:assert/strict";
import { Catalog } from "./catalog.ts";
import { testRun } from "./_test_runs.ts";

const EVENTS = 60_000;

Deno.test("A catalog's log is copied into its file by another thread while the writer goes on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkpoint_test_" });
  try {
    const catalog = Catalog.open(dir);
    const { documents } = testRun({ events: EVENTS });
    let bytes = 0;
    for (const [i, [name, doc]] of documents.entries()) {
      catalog.insert(name, doc);
      bytes += JSON.stringify(doc).length;
      if (i % 1000 === 999) catalog.flush();
    }
    catalog.flush();
    assert.ok(bytes > 12_000_000, `only ${bytes} bytes of documents`);
    // SQLite's own checkpoints are off: only the thread copies pages into the file before
    // the catalog closes. It copies at least all but the last few megabytes.
    const file = `${dir}/catalog.sqlite`;
    let size = 0;
    for (let i = 0; i < 200 && size < bytes / 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      size = Deno.statSync(file).size;
    }
    assert.ok(size >= bytes / 2, `the file holds ${size} bytes of ${bytes} before closing`);
    catalog.close();
    assert.throws(() => Deno.statSync(`${file}-wal`), Deno.errors.NotFound);
    const again = Catalog.open(dir, { readOnly: true });
    assert.equal(again.runs()[0]?.numEvents, EVENTS + 1);
    assert.equal([...again.get(-1).documents()].length, documents.length);
    again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("A process that never closes its catalog still ends, its documents stored", async () => {
  const dir = await Deno.makeTempDir({ prefix: "checkpoint_test_" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        new URL("./_checkpoint_child.ts", import.meta.url).pathname,
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // A child kept alive by the thread would hang the test: it is killed instead, and fails.
    const kill = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const { success, signal, stdout, stderr } = await child.output();
    clearTimeout(kill);
    assert.equal(signal, null, `the child did not end: ${new TextDecoder().decode(stderr)}`);
    assert.ok(success, new TextDecoder().decode(stderr));
    assert.equal(new TextDecoder().decode(stdout).trim(), "1");
    const catalog = Catalog.open(dir, { readOnly: true });
    assert.equal(catalog.runs()[0]?.numEvents, 40_001);
    catalog.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
