import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { readDocuments } from "./read_documents.ts";

/** Document files written by Python's bluesky, from apstools' test data. */
const FIXTURES = Deno.env.get("APSTOOLS_FIXTURES") ?? "/work/shared/fixtures/apstools";
const present = await Deno.stat(FIXTURES).then((info) => info.isDirectory, () => false);

function count(names: string[], name: string): number {
  return names.filter((each) => each === name).length;
}

/** Run a test on the fixtures, or skip it, saying why; on CI a missing folder fails. */
function withFixtures(name: string, run: () => Promise<void>): void {
  Deno.test(name, async () => {
    if (!present) {
      assert.notEqual(Deno.env.get("CI"), "true", `The folder ${FIXTURES} is missing`);
      console.log(`skipped: the folder ${FIXTURES} is missing (APSTOOLS_FIXTURES names another)`);
      return;
    }
    await run();
  });
}

withFixtures("readDocuments() reads each apstools JSON file as Python's json does", async () => {
  const files = [...Deno.readDirSync(FIXTURES)].map((entry) => entry.name)
    .filter((name) => name.endsWith(".json")).sort();
  assert.equal(files.length, 7);
  for (const file of files) {
    const path = `${FIXTURES}/${file}`;
    const docs = await Array.fromAsync(readDocuments(path));
    assert.deepEqual(docs, JSON.parse(await Deno.readTextFile(path)), file);
    const names = docs.map(([name]) => name);
    assert.equal(count(names, "start"), 1, file);
    assert.equal(count(names, "stop"), 1, file);
    assert.equal(names[0], "start", file);
  }
});

withFixtures("readDocuments() reads the ten runs of the gzipped USAXS file", async () => {
  const path = `${FIXTURES}/usaxs.json.gz`;
  const docs = await Array.fromAsync(readDocuments(path));
  const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(path)));
  assert.deepEqual(docs, JSON.parse(text));
  const names = docs.map(([name]) => name);
  assert.equal(count(names, "start"), 10);
  assert.equal(count(names, "stop"), 10);
});
