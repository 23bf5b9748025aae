/**
 * The public API: every function and class the entry points export is documented with an
 * example (a re-export counts through the declaration it names); types and constants need a
 * doc comment (`deno doc --lint`) and an example only where one teaches. The `exports` map
 * names one entry point per audience.
 */

import assert from "node:assert/strict";
import { ROOT } from "./_cli.ts";

const ENTRY_POINTS = Object.values(
  JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url))).exports as Record<
    string,
    string
  >,
);

interface DocNode {
  symbols?: {
    name: string;
    declarations: { kind: string; jsDoc?: { tags?: { kind: string }[] } }[];
  }[];
}

Deno.test("Every function and class the entry points export has a doc example", async () => {
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
      const own = symbol.declarations.filter((d) => d.kind === "function" || d.kind === "class");
      if (own.length === 0) continue;
      declarations++;
      const documented = own.some((d) => (d.jsDoc?.tags ?? []).some((t) => t.kind === "example"));
      if (!documented) missing.push(symbol.name);
    }
  }
  assert.ok(declarations > 150, `only ${declarations} declarations found`);
  assert.deepEqual(missing, []);
});

Deno.test("The exports map names one entry point per audience", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  assert.deepEqual(Object.keys(config.exports), [
    ".",
    "./plan_stubs",
    "./nexus",
    "./plugins",
    "./devices",
    "./catalog",
    "./readers",
    "./testing",
  ]);
});
