import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { readDocuments } from "./read_documents.ts";
import { FIXTURE_DIR, fixtureFiles, ignoreWithoutFixtures } from "../../tests/_fixtures.ts";

/** The runs are apstools' test data, written by Python's bluesky; skipped without them. */
const ignore = ignoreWithoutFixtures();

function count(names: string[], name: string): number {
  return names.filter((each) => each === name).length;
}

Deno.test({
  name: "readDocuments() reads each apstools JSON file as Python's json does",
  ignore,
  async fn() {
    const files = fixtureFiles().filter((path) => path.endsWith(".json"));
    assert.equal(files.length, 7, `JSON files in ${FIXTURE_DIR}`);
    for (const path of files) {
      const docs = await Array.fromAsync(readDocuments(path));
      assert.deepEqual(docs, JSON.parse(await Deno.readTextFile(path)), path);
      const names = docs.map(([name]) => name);
      assert.equal(count(names, "start"), 1, path);
      assert.equal(count(names, "stop"), 1, path);
      assert.equal(names[0], "start", path);
    }
  },
});

Deno.test({
  name: "readDocuments() reads the ten runs of the gzipped USAXS file",
  ignore,
  async fn() {
    const path = `${FIXTURE_DIR}usaxs.json.gz`;
    const docs = await Array.fromAsync(readDocuments(path));
    const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(path)));
    assert.deepEqual(docs, JSON.parse(text));
    const names = docs.map(([name]) => name);
    assert.equal(count(names, "start"), 10);
    assert.equal(count(names, "stop"), 10);
  },
});
