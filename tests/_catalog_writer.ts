/**
 * A process that stores one run in a catalog, committing every 25 documents, while another
 * process stores another: it waits for the other's start, and after half its events for half
 * of the other's, so that the two runs' commits interleave. It writes its documents to a JSON
 * Lines file for the test to compare with. For tests only.
 *
 * Run as `deno run --allow-read --allow-write --allow-net=127.0.0.1 _catalog_writer.ts
 * CATALOG SCAN_ID OTHER_SCAN_ID EVENTS OUT.jsonl`.
 *
 * @module
 */

import { Catalog } from "../core/catalog/mod.ts";
import { testRun } from "../core/catalog/_test_runs.ts";
import { writeJsonLines } from "../core/readers/json_lines_writer.ts";

/** Wait until a condition on the catalog holds (at most 60 s). */
async function until(what: string, test: () => boolean): Promise<void> {
  for (const end = Date.now() + 60_000; !test();) {
    if (Date.now() > end) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

if (import.meta.main) {
  const [location, scanText, otherText, eventsText, out] = Deno.args as string[] as [
    string,
    string,
    string,
    string,
    string,
  ];
  const [scanId, other, events] = [Number(scanText), Number(otherText), Number(eventsText)];
  const { documents } = testRun({
    start: { scan_id: scanId, time: 1_700_000_000 + scanId },
    events,
  });
  await writeJsonLines(out, documents);
  const catalog = Catalog.open(location, { maxBatch: 25 });
  const otherEvents = () => {
    const [run] = catalog.runs({ scan_id: other });
    return run === undefined ? -1 : run.numEvents;
  };
  const half = 2 + Math.floor(events / 2);
  for (const [i, [name, doc]] of documents.entries()) {
    catalog.insert(name, doc);
    if (i === 0) await until(`run ${other}`, () => otherEvents() >= 0);
    if (i === half) {
      catalog.flush();
      await until(`half of run ${other}`, () => otherEvents() >= half - 2);
    }
  }
  catalog.close();
  console.log("stored");
}
