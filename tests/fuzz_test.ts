/**
 * A seeded fuzz test: valid document streams mutated (documents dropped, repeated, swapped,
 * fields corrupted) go through the writer and the catalog, and their JSON Lines text (bytes
 * corrupted) through the reader. No uncaught exception, no hang, and every file written opens
 * in h5py. `FUZZ_CASES=5000 deno task test` runs more cases; `FUZZ_SEED` picks another seed.
 */

import assert from "node:assert/strict";
import { composeRun, createNXWriter, DocumentError, type NamedDocument } from "../mod.ts";
import { DocumentFileError, readDocumentStream } from "../core/readers/mod.ts";
import { temp } from "../core/catalog/mod.ts";
import { ignoreWithoutH5py, pythonWithH5py } from "./_interop.ts";

const CASES = Number(Deno.env.get("FUZZ_CASES") ?? 200);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261123);

/** mulberry32: small, fast, reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stream(rand: () => number): NamedDocument[] {
  const docs: NamedDocument[] = [];
  for (let r = 0; r < 2; r++) {
    const run = composeRun({ plan_name: "scan", scan_id: r + 1, detectors: ["det"] });
    const primary = run.descriptor({
      name: "primary",
      data_keys: {
        det: { dtype: "number", shape: [], source: "SIM:det" },
        n: { dtype: "integer", shape: [], source: "SIM:n" },
        arr: { dtype: "array", shape: [3], source: "SIM:arr" },
        s: { dtype: "string", shape: [], source: "SIM:s" },
      },
      hints: { det: { fields: ["det"] } },
    });
    docs.push(["start", run.start], ["descriptor", primary.doc]);
    const n = 1 + Math.floor(rand() * 5);
    for (let i = 0; i < n; i++) {
      const data = { det: rand(), n: i, arr: [i, i + 1, i + 2], s: `v${i}` };
      docs.push(["event", primary.event({ data, timestamps: { det: i, n: i, arr: i, s: i } })]);
    }
    docs.push(["stop", run.stop()]);
  }
  return docs;
}

const JUNK = [null, "x", -1, 1.5, NaN, {}, [], [1, [2]], true, "../../x", "a/b"];

function mutate(docs: NamedDocument[], rand: () => number): NamedDocument[] {
  const out = structuredClone(docs) as NamedDocument[];
  const pick = (n: number) => Math.floor(rand() * n);
  for (let m = 1 + pick(3); m > 0; m--) {
    const i = pick(out.length);
    switch (pick(4)) {
      case 0:
        out.splice(i, 1);
        break;
      case 1:
        out.splice(pick(out.length + 1), 0, structuredClone(out[i]!));
        break;
      case 2: {
        const j = pick(out.length);
        [out[i], out[j]] = [out[j]!, out[i]!];
        break;
      }
      default: {
        const doc = out[i]?.[1] as Record<string, unknown> | undefined;
        if (!doc) break;
        const keys = Object.keys(doc);
        const key = keys[pick(keys.length)]!;
        const inner = doc[key];
        if (inner && typeof inner === "object" && !Array.isArray(inner) && rand() < 0.5) {
          const innerKeys = Object.keys(inner);
          if (innerKeys.length) {
            (inner as Record<string, unknown>)[innerKeys[pick(innerKeys.length)]!] =
              JUNK[pick(JUNK.length)];
            break;
          }
        }
        doc[key] = JUNK[pick(JUNK.length)];
      }
    }
  }
  return out;
}

function timeout(ms: number): Promise<"hang"> {
  return new Promise((resolve) => {
    const id = setTimeout(() => resolve("hang"), ms);
    Deno.unrefTimer(id);
  });
}

Deno.test({
  name: `${CASES} mutated document streams: no uncaught exception, no hang, every file opens`,
  ignore: ignoreWithoutH5py(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const rand = random(SEED);
      let written = 0;
      for (let c = 0; c < CASES; c++) {
        const docs = mutate(stream(rand), rand);
        const writer = createNXWriter({
          filePath: dir,
          fileName: (s) => `case${c}-${String(s.uid).replace(/\W/g, "_")}.h5`,
          onWarning: () => {},
        });
        const catalog = temp();
        for (const [name, doc] of docs) {
          // The writer reports problems as warnings: it never throws at the bus.
          writer.receiver(name, doc);
          try {
            catalog.insert(name, doc);
          } catch (error) {
            assert.ok(
              error instanceof DocumentError,
              `case ${c}: catalog threw ${error}`,
            );
          }
        }
        writer.flush();
        const settled = await Promise.race([
          writer.wait().then(() => "ok", () => "error"),
          timeout(20_000),
        ]);
        assert.notEqual(settled, "hang", `case ${c} hung`);
        catalog.close();
        written = [...Deno.readDirSync(dir)].length;
      }
      assert.ok(written > CASES / 2, `only ${written} files for ${CASES} cases`);
      assert.deepEqual(
        [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".partial")),
        [],
      );
      const script = `
import h5py, os, sys
bad = []
for name in os.listdir(sys.argv[1]):
    try:
        with h5py.File(os.path.join(sys.argv[1], name), "r") as f:
            f.visit(lambda p: None)
    except Exception as e:
        bad.append(f"{name}: {e}")
print("\\n".join(bad))`;
      const out = await new Deno.Command(pythonWithH5py()!, {
        args: ["-c", script, dir],
        stdout: "piped",
      }).output();
      assert.equal(new TextDecoder().decode(out.stdout).trim(), "");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test(`${CASES} corrupted JSON Lines texts: documents or a DocumentFileError, nothing else`, async () => {
  const rand = random(SEED + 1);
  const encoder = new TextEncoder();
  for (let c = 0; c < CASES; c++) {
    const text = stream(rand).map(([name, doc]) => JSON.stringify({ name, doc })).join("\n");
    const bytes = encoder.encode(text);
    for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) {
      bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    }
    const cut = rand() < 0.3 ? bytes.slice(0, Math.floor(rand() * bytes.length)) : bytes;
    try {
      const source = new Blob([cut]).stream();
      for await (const _ of readDocumentStream(source, { format: "jsonl", source: `case${c}` })) {
        // Reading is the test.
      }
    } catch (error) {
      assert.ok(error instanceof DocumentFileError, `case ${c}: ${error}`);
    }
  }
});
