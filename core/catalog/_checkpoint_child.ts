/**
 * A process that writes a run of several megabytes to a catalog and ends without closing it,
 * for `checkpoint_test.ts`: the checkpoints' thread must not keep it alive. For tests only.
 *
 * @module
 */

import { Catalog } from "./catalog.ts";
import { testRun } from "./_test_runs.ts";

if (import.meta.main) {
  const catalog = Catalog.open(Deno.args[0]!);
  const { documents } = testRun({ events: Number(Deno.args[1] ?? 40_000) });
  for (const [name, doc] of documents) catalog.insert(name, doc);
  catalog.flush();
  console.log(catalog.size);
}
