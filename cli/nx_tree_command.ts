/**
 * `deno task nx tree FILE`: the structure of an HDF5 file, in the layout of `punx tree`.
 * Importing this module registers the command in {@linkcode NX_COMMANDS}.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { treeLines } from "../core/nexus/listing.ts";
import { type CommandIO, UsageError } from "./_io.ts";
import { NX_COMMANDS } from "./nx_command.ts";

/** Usage text of the tree command. */
export const TREE_USAGE = `Usage: deno task nx tree FILE

Print the groups, fields, attributes and links of an HDF5 file, as "punx tree"
prints them; scalar fields show their values.

Options:
  --help   show this text`;

/**
 * Run the tree command.
 *
 * @param args Command-line arguments: the file.
 * @param io Where the lines go.
 * @returns The exit code.
 * @throws {UsageError} Without exactly one file, or with an unknown option.
 *
 * @example List a file
 * ```ts
 * import assert from "node:assert/strict";
 * import { runTreeCommand } from "./nx_tree_command.ts";
 * import { H5wasmBackend } from "../core/nexus/h5wasm_backend.ts";
 * import { NexusTree } from "../core/nexus/tree.ts";
 *
 * const tree = new NexusTree();
 * tree.builder("example").group("/entry", "NXentry");
 * const dir = await Deno.makeTempDir();
 * await new H5wasmBackend().write(tree, `${dir}/a.h5`);
 * const lines: string[] = [];
 * const io = {
 *   out: (line: string) => void lines.push(line),
 *   err: () => {},
 *   isTerminal: false,
 *   columns: 80,
 *   onInterrupt: () => () => {},
 * };
 * assert.equal(await runTreeCommand([`${dir}/a.h5`], io), 0);
 * assert.equal(lines[1], "  entry:NXentry");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runTreeCommand(args: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { help: { type: "boolean", default: false } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, TREE_USAGE);
  }
  if (parsed.values.help) {
    io.out(TREE_USAGE);
    return 0;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) {
    const got = file === undefined ? "none" : parsed.positionals.map((p) => `"${p}"`).join(", ");
    throw new UsageError(`The tree command takes one file: got ${got}`, TREE_USAGE);
  }
  for (const line of await treeLines(file)) io.out(line);
  return 0;
}

NX_COMMANDS.set("tree", {
  summary: "the file's structure, as punx tree prints it",
  usage: TREE_USAGE,
  synopsis: "FILE",
  run: runTreeCommand,
});
