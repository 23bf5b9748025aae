import assert from "node:assert/strict";
import { hashOf, UidSet } from "./_uid_set.ts";

Deno.test("UidSet holds each uid once, uids that share a hash included", () => {
  const set = new UidSet(["a"]);
  assert.equal(set.add("a"), false);
  const uids = Array.from({ length: 50_000 }, (_, i) => `uid-${i}`);
  for (const uid of uids) assert.equal(set.add(uid), true, uid);
  for (const uid of uids) assert.equal(set.add(uid), false, uid);
  assert.equal(set.size, 50_001);
  assert.equal(set.has("uid-49999"), true);
  assert.equal(set.has("uid-50000"), false);
});

Deno.test("UidSet keeps two uids whose 30-bit hashes are equal apart", () => {
  // Search a small space for two strings with the same hash (FNV-1a cut to 30 bits): with
  // about 2^16 strings a match is all but certain, by the birthday bound.
  const seen = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; pair === undefined && i < 1 << 20; i++) {
    const s = `k${i}`;
    const other = seen.get(hashOf(s));
    if (other !== undefined) pair = [other, s];
    else seen.set(hashOf(s), s);
  }
  assert.ok(pair, "no two strings with one hash found");
  const [a, b] = pair;
  const set = new UidSet([a]);
  assert.equal(set.has(b), false);
  assert.equal(set.add(b), true);
  assert.equal(set.has(a) && set.has(b), true);
  assert.equal(set.add(a), false);
  assert.equal(set.add(b), false);
  assert.equal(set.size, 2);
});
