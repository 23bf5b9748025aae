/**
 * The design's import rules, checked on the import statements of the real files: `core/`
 * depends on nothing outside it (its tests may use the shared test helpers); the built-in
 * plugins use the public entry points as a third-party plugin would (never the scientist's
 * `mod.ts`, whose re-export of the plugins made a cycle); every entry point is an explicit
 * list of named re-exports, and no `mod.ts` re-exports with `export *`.
 *
 * The files are read with a small scanner of TypeScript's tokens, so that imports shown in
 * doc comments, strings and regular expressions are not taken for the file's own.
 */

import assert from "node:assert/strict";
import { ROOT } from "./_cli.ts";

/** One `import` or `export ... from` of a module, where it is and what it names. */
interface ImportStatement {
  /** The specifier as written. */
  specifier: string;
  /** Line of the statement, from 1. */
  line: number;
  kind: "import" | "dynamic import" | "re-export" | "re-export *";
}

/** What a module says at its top level about its dependencies and exports. */
interface ModuleShape {
  imports: ImportStatement[];
  /** Lines of statements other than `export [type] { ... } from "..."`. */
  otherStatements: number[];
}

interface Token {
  kind: "name" | "string" | "template" | "punct";
  value: string;
  line: number;
}

/** Keywords after which a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "instanceof",
  "yield",
  "await",
]);

/**
 * The tokens of a TypeScript source, without comments and whitespace. Template literals
 * without substitutions are one `template` token; the text around substitutions is dropped.
 */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // What each open `{` is: a block or object, or the `${` of a template literal.
  const braces: ("brace" | "template")[] = [];
  let i = source.startsWith("#!") ? source.indexOf("\n") : 0;
  let line = 1 + (source.slice(0, Math.max(i, 0)).match(/\n/g)?.length ?? 0);
  if (i < 0) return tokens;
  const push = (kind: Token["kind"], value: string, at: number) =>
    tokens.push({ kind, value, line: at });
  const regexAllowed = () => {
    const last = tokens.at(-1);
    if (last === undefined) return true;
    if (last.kind === "punct") return last.value !== ")" && last.value !== "]";
    return last.kind === "name" && BEFORE_REGEX.has(last.value);
  };
  /** Scan template text from `i` (after "`" or "}"); returns whether it ended at "${". */
  const templateText = (): { text: string; open: boolean } => {
    let text = "";
    while (i < source.length) {
      const c = source[i]!;
      if (c === "\\") {
        text += source.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === "`") {
        i++;
        return { text, open: false };
      }
      if (c === "$" && source[i + 1] === "{") {
        i += 2;
        return { text, open: true };
      }
      if (c === "\n") line++;
      text += c;
      i++;
    }
    return { text, open: false };
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === "/" && source[i + 1] === "/") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      line += source.slice(i, stop).match(/\n/g)?.length ?? 0;
      i = stop;
    } else if (c === '"' || c === "'") {
      const at = line;
      let value = "";
      i++;
      while (i < source.length && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\") {
          value += source[i + 1] ?? "";
          i += 2;
        } else {
          value += source[i++];
        }
      }
      i++;
      push("string", value, at);
    } else if (c === "`") {
      const at = line;
      i++;
      const { text, open } = templateText();
      if (open) {
        braces.push("template");
        push("punct", "`${", at);
      } else {
        push("template", text, at);
      }
    } else if (c === "}" && braces.at(-1) === "template") {
      braces.pop();
      i++;
      const { open } = templateText();
      if (open) braces.push("template");
      else push("punct", "`", line);
    } else if (c === "/" && regexAllowed()) {
      const at = line;
      let inClass = false;
      i++;
      while (i < source.length && source[i] !== "\n") {
        const r = source[i]!;
        if (r === "\\") i++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < source.length && /[a-z]/.test(source[i]!)) i++;
      push("punct", "/regex/", at);
    } else if (/[A-Za-z_$]/.test(c)) {
      const start = i;
      while (i < source.length && /[\w$]/.test(source[i]!)) i++;
      push("name", source.slice(start, i), line);
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < source.length && /[\w.]/.test(source[i]!)) i++;
      push("name", source.slice(start, i), line);
    } else {
      if (c === "{") braces.push("brace");
      else if (c === "}") braces.pop();
      push("punct", c, line);
      i++;
    }
  }
  return tokens;
}

/**
 * The imports of a module (static imports, `export ... from`, and `import()` of a string),
 * and the lines of its top-level statements that are not named re-exports.
 */
function moduleShape(source: string): ModuleShape {
  const tokens = tokenize(source);
  return { imports: importsOf(tokens), otherStatements: otherStatementsOf(tokens) };
}

const text = (t: Token | undefined) =>
  t !== undefined && (t.kind === "string" || t.kind === "template") ? t.value : undefined;
const is = (t: Token | undefined, value: string) => t !== undefined && t.value === value;

function importsOf(tokens: Token[]): ImportStatement[] {
  const imports: ImportStatement[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== "name" || is(tokens[i - 1], ".") || is(tokens[i - 1], "?.")) continue;
    const next = tokens[i + 1];
    if (token.value === "import") {
      if (is(next, "(")) {
        const specifier = text(tokens[i + 2]);
        if (specifier !== undefined) {
          imports.push({ specifier, line: token.line, kind: "dynamic import" });
        }
        continue;
      }
      // `import.meta`, or a property or method named `import`.
      if (is(next, ".") || is(next, ":") || is(next, ",") || is(next, "}")) continue;
      // A static import: its first string is the specifier, alone or after `from`.
      let j = i + 1;
      while (j < tokens.length && text(tokens[j]) === undefined && !is(tokens[j], ";")) j++;
      const specifier = text(tokens[j]);
      if (specifier !== undefined) imports.push({ specifier, line: token.line, kind: "import" });
      i = j;
    } else if (token.value === "export") {
      let j = i + 1;
      const star = is(tokens[j], "*");
      if (!star && !is(tokens[j], "{") && !(is(tokens[j], "type") && is(tokens[j + 1], "{"))) {
        continue;
      }
      while (j < tokens.length && !is(tokens[j], "from") && !is(tokens[j], ";")) {
        if (!star && is(tokens[j], "}") && !is(tokens[j + 1], "from")) break;
        j++;
      }
      const specifier = is(tokens[j], "from") ? text(tokens[j + 1]) : undefined;
      if (specifier !== undefined) {
        imports.push({ specifier, line: token.line, kind: star ? "re-export *" : "re-export" });
      }
      i = j;
    }
  }
  return imports;
}

/** The end (exclusive) of `export [type] { ... } from "..." [;]` at `i`, or undefined. */
function namedReexportEnd(tokens: Token[], i: number): number | undefined {
  let j = i;
  if (!is(tokens[j++], "export")) return undefined;
  if (is(tokens[j], "type")) j++;
  if (!is(tokens[j++], "{")) return undefined;
  while (j < tokens.length && !is(tokens[j], "}")) {
    if (tokens[j]!.kind !== "name" && !is(tokens[j], ",")) return undefined;
    j++;
  }
  if (!is(tokens[j + 1], "from") || text(tokens[j + 2]) === undefined) return undefined;
  j += 3;
  return is(tokens[j], ";") ? j + 1 : j;
}

function otherStatementsOf(tokens: Token[]): number[] {
  const lines: number[] = [];
  let i = 0;
  while (i < tokens.length) {
    const end = namedReexportEnd(tokens, i);
    if (end !== undefined) {
      i = end;
      continue;
    }
    lines.push(tokens[i]!.line);
    // Skip to the next top-level `export` or `import`.
    let depth = 0;
    i++;
    while (i < tokens.length) {
      const value = tokens[i]!.value;
      if (depth === 0 && (value === "export" || value === "import")) break;
      if (value === "{" || value === "(" || value === "[" || value === "`${") depth++;
      else if (value === "}" || value === ")" || value === "]" || value === "`") depth--;
      i++;
    }
  }
  return [...new Set(lines)];
}

/** Every `.ts` file under a folder of the project, as a path relative to the root. */
function tsFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of Deno.readDirSync(`${ROOT}${relative}`)) {
      const path = `${relative}/${entry.name}`;
      if (entry.isDirectory && entry.name !== "node_modules") walk(path);
      else if (entry.isFile && entry.name.endsWith(".ts")) out.push(path);
    }
  };
  walk(folder);
  return out.sort();
}

/** The project file an import names, relative to the root; undefined for other modules. */
function resolveInProject(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".") && !specifier.startsWith("/")) return undefined;
  const url = new URL(specifier, new URL(file, `file://${ROOT}`));
  const path = decodeURIComponent(url.pathname);
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** The modules of the `exports` map, relative to the root: `mod.ts`, `core/nexus/mod.ts`, ... */
const ENTRY_POINTS: string[] = Object.values(
  JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).exports as Record<string, string>,
).map((path) => path.replace(/^\.\//, ""));

/**
 * One line per import of `file` (given its source) that crosses a room's boundary: `core/`
 * into `plugins/`, `devices/`, `cli/` or the root's modules, or a plugin into the core's
 * internals or the scientist's `mod.ts`.
 */
function importProblems(file: string, source: string): string[] {
  const problems: string[] = [];
  const isTest = file.endsWith("_test.ts");
  for (const { specifier, line, kind } of moduleShape(source).imports) {
    const at = `${file}:${line}: ${kind} "${specifier}"`;
    const target = resolveInProject(file, specifier);
    if (target === undefined) continue;
    if (file.startsWith("core/")) {
      const outside = /^(plugins|devices|cli|web)\//.exec(target)?.[1];
      if (outside !== undefined) {
        problems.push(`${at}: core/ must not depend on ${outside}/ ("${target}")`);
      } else if (!isTest && !target.startsWith("core/") && target.endsWith(".ts")) {
        problems.push(`${at}: core/ must not depend on "${target}" outside core/`);
      }
    }
    if (file.startsWith("web/") && /^cli\//.test(target)) {
      problems.push(`${at}: web/ must not depend on cli/ ("${target}")`);
    }
    if (file.startsWith("plugins/") && !isTest) {
      if (target === "mod.ts") {
        problems.push(
          `${at}: a plugin must not import the scientist's entry point "mod.ts" ` +
            `(it re-exports the plugins: an import cycle); use "core/nexus/mod.ts"`,
        );
      } else if (!target.startsWith("plugins/") && !ENTRY_POINTS.includes(target)) {
        problems.push(
          `${at}: a plugin imports only public entry points or sibling plugin files, ` +
            `not "${target}"`,
        );
      }
    }
  }
  return problems;
}

/**
 * One line per `export *` of `file` (given its source) and, when it is an entry point named
 * `mod.ts`, per statement that is not a named re-export.
 */
function exportProblems(file: string, source: string): string[] {
  const problems: string[] = [];
  const { imports, otherStatements } = moduleShape(source);
  for (const { specifier, line, kind } of imports) {
    if (kind === "re-export *") {
      problems.push(
        `${file}:${line}: ${kind} "${specifier}": re-export the names one by one (no "export *")`,
      );
    }
  }
  if (ENTRY_POINTS.includes(file) && file.endsWith("mod.ts")) {
    for (const line of otherStatements) {
      problems.push(`${file}:${line}: an entry point holds only "export { ... } from" statements`);
    }
  }
  return problems;
}

function problemsIn(
  files: string[],
  check: (file: string, source: string) => string[],
): string[] {
  return files.flatMap((file) => check(file, Deno.readTextFileSync(`${ROOT}${file}`)));
}

function assertNone(problems: string[], files: string[]): void {
  assert.ok(files.length > 0, "no files found");
  assert.ok(problems.length === 0, `${problems.length} broken rules:\n  ${problems.join("\n  ")}`);
}

Deno.test("The scanner finds real imports and ignores those in comments, strings and regexes", () => {
  const source = [
    "#!/usr/bin/env -S deno run",
    "/**",
    ' * @example import { x } from "../mod.ts";',
    " */",
    'import { a, type B } from "./a.ts";',
    "import type {",
    "  C,",
    '} from "./c.ts";',
    'import "./side_effect.ts";',
    'import config from "../deno.json" with { type: "json" };',
    '// import { d } from "./d.ts";',
    "const text = \"import { e } from './e.ts'\";",
    'const re = /import .* from "f"/;',
    'const t = `import ${a} from "./g.ts"`;',
    'const mod = await import("./h.ts");',
    "const url = import.meta.url;",
    'export { i } from "./i.ts";',
    'export type { J } from "./j.ts";',
    'export * from "./k.ts";',
    "export const l = (x: number) => x / 2 / 3;",
  ].join("\n");
  const { imports } = moduleShape(source);
  assert.deepEqual(imports.map(({ specifier, line, kind }) => `${line} ${kind} ${specifier}`), [
    "5 import ./a.ts",
    "6 import ./c.ts",
    "9 import ./side_effect.ts",
    "10 import ../deno.json",
    "15 dynamic import ./h.ts",
    "17 re-export ./i.ts",
    "18 re-export ./j.ts",
    "19 re-export * ./k.ts",
  ]);
});

Deno.test("The design check names the file, the line and the import that breaks a rule", () => {
  assert.deepEqual(
    importProblems("core/nexus/x.ts", 'import { SimMotor } from "../../devices/mod.ts";'),
    [
      'core/nexus/x.ts:1: import "../../devices/mod.ts": core/ must not depend on devices/ ' +
      '("devices/mod.ts")',
    ],
  );
  assert.deepEqual(
    importProblems("plugins/x.ts", 'const m = await import("../core/nexus/tree.ts");'),
    [
      'plugins/x.ts:1: dynamic import "../core/nexus/tree.ts": a plugin imports only public ' +
      'entry points or sibling plugin files, not "core/nexus/tree.ts"',
    ],
  );
  assert.match(
    importProblems("plugins/x.ts", 'import { composeRun } from "../mod.ts";')[0]!,
    /^plugins\/x\.ts:1: import "\.\.\/mod\.ts": a plugin must not import the scientist's/,
  );
  assert.deepEqual(
    exportProblems("core/nexus/mod.ts", 'export * from "./tree.ts";\nexport const x = 1;'),
    [
      'core/nexus/mod.ts:1: re-export * "./tree.ts": re-export the names one by one ' +
      '(no "export *")',
      'core/nexus/mod.ts:1: an entry point holds only "export { ... } from" statements',
      'core/nexus/mod.ts:2: an entry point holds only "export { ... } from" statements',
    ],
  );
});

Deno.test("No module under core/ imports from plugins/, devices/, cli/ or web/, nor outside core/", () => {
  const files = tsFiles("core");
  assertNone(problemsIn(files, importProblems), files);
});

Deno.test("No module under web/ imports from cli/", () => {
  const files = tsFiles("web");
  assertNone(problemsIn(files, importProblems), files);
});

Deno.test("The plugins import only public entry points and each other, never mod.ts", () => {
  const files = tsFiles("plugins").filter((file) => !file.endsWith("_test.ts"));
  assertNone(problemsIn(files, importProblems), files);
});

Deno.test("Every entry point is an explicit list of named re-exports, and no mod.ts has export *", () => {
  const files = [...new Set([...ENTRY_POINTS, ...tsFiles("core"), ...tsFiles("plugins")])]
    .filter((file) => ENTRY_POINTS.includes(file) || file.endsWith("/mod.ts"));
  assert.ok(files.includes("mod.ts") && files.includes("core/nexus/mod.ts"), files.join(", "));
  assertNone(problemsIn(files, exportProblems), files);
});

Deno.test("No test changes what the test modules share: they run side by side in one process", () => {
  // `deno task test` runs modules in parallel, in one process: a changed working folder or
  // environment variable would reach every module running beside the one that changed it.
  const shared = /\bDeno\.(chdir|env\.(set|delete))\s*\(/;
  const tests = ["core", "plugins", "devices", "cli", "tests"].flatMap(tsFiles)
    .filter((file) => file.endsWith("_test.ts") || file.split("/").at(-1)!.startsWith("_"));
  const problems = problemsIn(
    tests,
    (file, source) =>
      source.split("\n").flatMap((line, i) =>
        shared.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []
      ),
  );
  assertNone(problems, tests);
});
