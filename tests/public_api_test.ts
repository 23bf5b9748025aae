/**
 * The public API: every function and class the entry points export is documented with an
 * example (a re-export counts through the declaration it names); every other exported symbol,
 * types and constants included, has a doc comment, with an example only where one teaches; no
 * example asserts with `console.assert`, which cannot fail a test. The `exports` map names one
 * entry point per audience.
 */

import assert from "node:assert/strict";
import { ROOT } from "./_cli.ts";

const ENTRY_POINTS = Object.values(
  JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url))).exports as Record<
    string,
    string
  >,
);

interface JsDoc {
  doc?: string;
  tags?: { kind: string; doc?: string }[];
}

interface Declaration {
  kind: string;
  location: { filename: string; line: number };
  jsDoc?: JsDoc;
}

interface DocNode {
  symbols?: { name: string; declarations: Declaration[] }[];
}

let loaded: Promise<Record<string, DocNode>> | undefined;

/** `deno doc --json` of every entry point, by module, run once for the tests below. */
function entryPointDocs(): Promise<Record<string, DocNode>> {
  loaded ??= (async () => {
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["doc", "--json", ...ENTRY_POINTS],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    return (JSON.parse(new TextDecoder().decode(stdout)) as { nodes: Record<string, DocNode> })
      .nodes;
  })();
  return loaded;
}

/** Where a declaration is, relative to the project's root. */
function where(declaration: Declaration): string {
  const file = declaration.location.filename.replace(`file://${ROOT}`, "");
  return `${file}:${declaration.location.line}`;
}

Deno.test("Every function and class the entry points export has a doc example", async () => {
  const missing: string[] = [];
  let declarations = 0;
  for (const node of Object.values(await entryPointDocs())) {
    for (const symbol of node.symbols ?? []) {
      // Overloads share one example; a re-export is documented where it is declared.
      const own = symbol.declarations.filter((d) => d.kind === "function" || d.kind === "class");
      if (own.length === 0) continue;
      declarations++;
      const documented = own.some((d) => (d.jsDoc?.tags ?? []).some((t) => t.kind === "example"));
      if (!documented) missing.push(`${symbol.name} (${where(own[0]!)})`);
    }
  }
  assert.ok(declarations > 150, `only ${declarations} declarations found`);
  assert.deepEqual(missing, []);
});

Deno.test("Every symbol the entry points export, types and constants too, has a doc comment", async () => {
  const missing: string[] = [];
  const kinds = new Set<string>();
  for (const node of Object.values(await entryPointDocs())) {
    for (const symbol of node.symbols ?? []) {
      // A re-export of another entry point's symbol is a reference, documented where declared;
      // overloads, and a type and a value of one name, are documented once per kind.
      const byKind = Map.groupBy(
        symbol.declarations.filter((d) => d.kind !== "reference"),
        (d) => d.kind,
      );
      for (const [kind, declarations] of byKind) {
        kinds.add(kind);
        const documented = declarations.some(({ jsDoc }) =>
          Boolean(jsDoc?.doc?.trim()) || (jsDoc?.tags ?? []).length > 0
        );
        if (!documented) missing.push(`${symbol.name} (${kind}, ${where(declarations[0]!)})`);
      }
    }
  }
  for (const kind of ["function", "class", "interface", "typeAlias", "variable"]) {
    assert.ok(kinds.has(kind), `no exported ${kind} found`);
  }
  assert.deepEqual(missing, []);
});

Deno.test("No doc example of an entry point uses console.assert, which cannot fail", async () => {
  const found: string[] = [];
  // Examples sit on symbols, on their members and on the modules' own docs: look everywhere.
  const visit = (value: unknown, at: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item) => visit(item, at));
    } else if (typeof value === "object" && value !== null) {
      const record = value as Record<string, unknown>;
      // A symbol gives its name; its declarations and members, their places in the source.
      const name = typeof record.name === "string" ? record.name : undefined;
      const symbol = at.replace(/ \(.*\)$/, "");
      let here = at;
      if (name !== undefined && Array.isArray(record.declarations)) here = name;
      else if (record.location !== undefined) {
        const member = name !== undefined && name !== symbol ? `.${name}` : "";
        here = `${symbol}${member} (${where(record as unknown as Declaration)})`;
      }
      if (record.kind === "example" && /console\.assert\s*\(/.test(String(record.doc))) {
        found.push(here);
      }
      for (const child of Object.values(record)) visit(child, here);
    }
  };
  for (const [module, node] of Object.entries(await entryPointDocs())) {
    visit(node, `module ${module.replace(`file://${ROOT}`, "")}`);
  }
  assert.deepEqual(found, []);
});

Deno.test("The exports map names one entry point per audience", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  assert.deepEqual(Object.keys(config.exports), [
    ".",
    "./plan_stubs",
    "./nexus",
    "./plugins",
    "./devices",
    "./ca",
    "./catalog",
    "./readers",
    "./testing",
  ]);
});
