/**
 * Test helper, run as a child process: stores a 200,000-event run in a catalog and writes its
 * NeXus file, so that the parent can kill it with SIGKILL while the file is being written.
 *
 * Arguments: the folder.
 *
 * @module
 */

import { Catalog } from "../core/catalog/mod.ts";
import { composeRun, createNXWriter } from "../mod.ts";

const dir = Deno.args[0]!;
const catalog = Catalog.open(`${dir}/catalog`);
const writer = createNXWriter({ filePath: dir, fileName: "big.h5" });
const emit = (name: string, doc: unknown) => {
  catalog.insert(name as never, doc as never);
  writer.receiver(name as never, doc as never);
};
const run = composeRun({ plan_name: "count", scan_id: 1, detectors: ["x"] });
emit("start", run.start);
const primary = run.descriptor({
  name: "primary",
  data_keys: {
    x: { dtype: "number", shape: [], source: "SIM:x" },
    y: { dtype: "number", shape: [], source: "SIM:y" },
  },
});
emit("descriptor", primary.doc);
for (let i = 0; i < 200_000; i++) {
  emit("event", primary.event({ data: { x: i, y: -i }, timestamps: { x: i, y: i } }));
}
emit("stop", run.stop());
await writer.wait();
console.log("written");
