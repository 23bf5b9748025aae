/**
 * The file comparison of tests/_same_nexus.ts: two writes of the same documents are the same
 * (their `@file_time` aside), and a changed value, attribute, node, chunking or filter is
 * found and named.
 */

import assert from "node:assert/strict";
import { createNXWriter, type NamedDocument } from "../mod.ts";
import { seedScan } from "../bench/_documents.ts";
import { ignoreWithoutH5py, pythonWithH5py } from "./_interop.ts";
import { nexusDifferences } from "./_same_nexus.ts";

const SENSOR = "/entry/instrument/bluesky/streams/primary/sensor/value";

async function write(docs: NamedDocument[], path: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const writer = createNXWriter({
    filePath: path.slice(0, slash),
    fileName: path.slice(slash + 1),
    overwrite: "replace",
  });
  for (const [name, doc] of docs) writer.receiver(name, doc);
  await writer.wait();
}

async function h5py(script: string, ...args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command(pythonWithH5py()!, {
    args: ["-c", script, ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
}

Deno.test({
  name: "nexusDifferences() finds none between two writes of one run, and names each change",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const docs = await seedScan();
      const path = `${dir}/run.h5`;
      await write(docs, path);
      await Deno.rename(path, `${dir}/first.h5`);
      // A second later: a new @file_time, which is left out.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await write(docs, path);
      assert.deepEqual(await nexusDifferences(`${dir}/first.h5`, path), []);
      assert.ok(
        (await nexusDifferences(`${dir}/first.h5`, path, { ignoreAttributes: [] }))
          .some((d) => d.startsWith("/@file_time: ")),
      );

      await h5py(
        `import h5py, sys
with h5py.File(sys.argv[1], "r+") as f:
    values = f[sys.argv[2]][()]
    values[1] = values[1] + 1e-12
    # The same field again, chunked and compressed.
    del f[sys.argv[2]]
    f.create_dataset(sys.argv[2], data=values, chunks=(2,), compression="gzip")
    f["/entry"].attrs["NX_class"] = "NXother"
    f["/entry"].create_group("extra")`,
        path,
        SENSOR,
      );
      const differences = await nexusDifferences(`${dir}/first.h5`, path);
      assert.ok(differences.includes(`${SENSOR}: the values differ`), differences.join("\n"));
      assert.ok(differences.some((d) => d.startsWith("/entry@NX_class: ")));
      assert.ok(differences.includes("/entry/extra: only in the second file (group)"));
      assert.deepEqual(await nexusDifferences(`${dir}/first.h5`, path, { limit: 1 }), [
        differences[0],
        `... ${differences.length} differences in all`,
      ]);
      // What h5diff does not see, and only that.
      const storage = await nexusDifferences(`${dir}/first.h5`, path, { storageOnly: true });
      assert.ok(storage.some((d) => d.startsWith(`${SENSOR}: chunks `)), storage.join("\n"));
      assert.ok(storage.some((d) => d.startsWith(`${SENSOR}: filters `)), storage.join("\n"));
      assert.ok(storage.includes("/entry/extra: only in the second file (group)"));
      assert.ok(!storage.some((d) => d.includes("@") || d.endsWith("the values differ")));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
