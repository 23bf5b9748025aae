/**
 * The h5diff comparison that the tests comparing many files use finds what differs, and
 * nothing when the files are the same.
 *
 * @module
 */

import assert from "node:assert/strict";
import { H5wasmBackend } from "../core/nexus/h5wasm_backend.ts";
import { NexusTree } from "../core/nexus/tree.ts";
import { h5diffDifferences, h5diffPath } from "./_h5diff.ts";
import { ignoreUnless } from "./_ci.ts";

async function write(path: string, change: (b: ReturnType<NexusTree["builder"]>) => void) {
  const tree = new NexusTree();
  const b = tree.builder("test");
  b.attr(
    "/",
    "file_time",
    path.endsWith("a.h5") ? "2026-01-01T00:00:00" : "2026-12-31T23:59:59",
  );
  b.group("/entry", "NXentry", { default: "data" });
  b.group("/entry/data", "NXdata", { signal: "y" });
  b.field("/entry/data/y", Float64Array.of(1, 2, NaN));
  b.link("/entry/y", "/entry/data/y");
  change(b);
  await new H5wasmBackend().write(tree, path);
}

Deno.test({
  name: "h5diffDifferences() names objects, attributes and values that differ, and only those",
  ignore: ignoreUnless(h5diffPath() !== null, "h5diff (hdf5-tools) is not installed"),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await write(`${dir}/a.h5`, (b) => b.field("/entry/x", [1, 2, 3], { attrs: { units: "mm" } }));
      await write(`${dir}/b.h5`, (b) => b.field("/entry/x", [1, 2, 3], { attrs: { units: "mm" } }));
      // The same but for the root's @file_time (NaN equals NaN).
      assert.deepEqual(await h5diffDifferences(`${dir}/a.h5`, `${dir}/b.h5`), []);
      const times = await h5diffDifferences(`${dir}/a.h5`, `${dir}/b.h5`, []);
      assert.equal(times.length, 1, times.join("\n"));
      assert.match(times[0]!, /^\/@file_time: \d+ differences$/);
      await write(`${dir}/c.h5`, (b) => {
        b.field("/entry/x", [1, 2, 4], { attrs: { units: "um" } });
        b.field("/entry/z", 0);
        b.attr("/entry", "extra", "yes");
      });
      const found = await h5diffDifferences(`${dir}/a.h5`, `${dir}/c.h5`);
      assert.ok(found.includes("/entry/z: only in the second file"), found.join("\n"));
      assert.ok(found.includes("/entry/x: 1 difference"), found.join("\n"));
      assert.ok(found.some((line) => line.startsWith("/entry/x@units: ")), found.join("\n"));
      assert.ok(found.includes("/entry: attributes only in one file (0 and 1)"), found.join("\n"));
      await write(`${dir}/d.h5`, (b) => b.field("/entry/x", ["1", "2", "3"]));
      const types = await h5diffDifferences(`${dir}/a.h5`, `${dir}/d.h5`);
      assert.ok(
        types.some((line) => /^\/entry\/x: .*not comparable/i.test(line)),
        types.join("\n"),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
