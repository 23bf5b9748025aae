/**
 * The public API: every symbol the entry points export is documented with an example (a
 * re-export counts through the declaration it names), and the `exports` map names the entry
 * points a plugin author needs.
 */

import assert from "node:assert/strict";
import { ROOT } from "./_cli.ts";

const ENTRY_POINTS = ["mod.ts", "devices/mod.ts", "plugins/mod.ts", "plugins/testing.ts"];

interface DocNode {
  symbols?: {
    name: string;
    declarations: { kind: string; jsDoc?: { tags?: { kind: string }[] } }[];
  }[];
}

Deno.test("Every exported declaration of the entry points has a doc example", async () => {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...ENTRY_POINTS],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  const doc = JSON.parse(new TextDecoder().decode(stdout)) as { nodes: Record<string, DocNode> };
  const missing: string[] = [];
  let declarations = 0;
  for (const node of Object.values(doc.nodes)) {
    for (const symbol of node.symbols ?? []) {
      // Overloads share one example; a re-export is documented where it is declared.
      const own = symbol.declarations.filter((d) => d.kind !== "reference");
      if (own.length === 0) continue;
      declarations++;
      const documented = own.some((d) => (d.jsDoc?.tags ?? []).some((t) => t.kind === "example"));
      if (!documented) missing.push(symbol.name);
    }
  }
  assert.ok(declarations > 300, `only ${declarations} declarations found`);
  assert.deepEqual(missing, []);
});

Deno.test("The exports map names the entry points", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  assert.deepEqual(config.exports, {
    ".": "./mod.ts",
    "./devices": "./devices/mod.ts",
    "./plugins": "./plugins/mod.ts",
    "./testing": "./plugins/testing.ts",
  });
});
