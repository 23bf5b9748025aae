import assert from "node:assert/strict";
import { withDir } from "./_temp_dir.ts";
import { runScript } from "./_cli.ts";
import { treeLines } from "../core/nexus/listing.ts";
import { H5wasmBackend } from "../core/nexus/h5wasm_backend.ts";
import { NexusTree } from "../core/nexus/tree.ts";

function sampleTree(): NexusTree {
  const tree = new NexusTree();
  const b = tree.builder("test");
  b.attr("/", "default", "entry");
  b.group("/entry", "NXentry", { default: "data", target: "/entry" });
  b.field("/entry/title", "scan-S0001");
  b.field("/entry/duration", 2.5, { attrs: { units: "s" } });
  b.group("/entry/data", "NXdata", { signal: "y", axes: ["x"] });
  b.field("/entry/data/x", [-0.5, -0.25, 0, 0.25, 0.5], { target: true });
  b.field("/entry/data/y", new Float64Array([1, 2, 3, 4, 5, 6, 7]));
  b.link("/entry/x", "/entry/data/x");
  return tree;
}

Deno.test("nx tree prints the file's structure, line for line as treeLines()", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/run.h5`;
    await new H5wasmBackend().write(sampleTree(), path);
    const { code, stdout, stderr } = await runScript("nx.ts", ["tree", path]);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, "");
    const lines = stdout.split("\n");
    assert.equal(lines.pop(), "", "output ends with a newline");
    assert.deepEqual(lines, await treeLines(path));
    assert.deepEqual(lines, [
      `${path} : NeXus data file`,
      '  @default = "entry"',
      "  entry:NXentry",
      '    @NX_class = "NXentry"',
      '    @default = "data"',
      '    @target = "/entry"',
      "    duration:NX_FLOAT64[] = 2.5",
      '      @units = "s"',
      "    title:NX_CHAR = b'scan-S0001'",
      "    x --> /entry/data/x",
      "    data:NXdata",
      '      @NX_class = "NXdata"',
      '      @axes = ["x"]',
      '      @signal = "y"',
      "      x:NX_FLOAT64[5] = [-0.5, -0.25, 0.0, 0.25, 0.5]",
      '        @target = "/entry/data/x"',
      "      y:NX_FLOAT64[7] = [1.0, 2.0, 3.0, '...', 7.0]",
    ]);
  });
});

Deno.test("nx tree takes a file name relative to the current folder", async () => {
  await withDir(async (dir) => {
    await new H5wasmBackend().write(sampleTree(), `${dir}/données.h5`);
    const { code, stdout, stderr } = await runScript("nx.ts", ["tree", "données.h5"], {
      cwd: dir,
    });
    assert.equal(code, 0, stderr);
    assert.equal(stdout.split("\n")[0], "données.h5 : NeXus data file");
  });
});

Deno.test("nx tree exits 1 with a one-line error naming a missing file", async () => {
  await withDir(async (dir) => {
    const { code, stdout, stderr } = await runScript("nx.ts", ["tree", `${dir}/nothing.h5`]);
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.equal(stderr, `Error: Cannot read "${dir}/nothing.h5": no such file\n`);
  });
});

Deno.test("nx tree exits 1 with a one-line error on a file that is not HDF5", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/notes.txt`, "just some text, not HDF5 at all");
    const { code, stderr } = await runScript("nx.ts", ["tree", `${dir}/notes.txt`]);
    assert.equal(code, 1);
    assert.equal(stderr.trimEnd().split("\n").length, 1);
    assert.match(stderr, new RegExp(`^Error: "${dir}/notes.txt" is not an HDF5 file`));
  });
});

Deno.test("nx tree without a file, or with two, is a usage error (exit 2)", async () => {
  for (const args of [["tree"], ["tree", "a.h5", "b.h5"], ["tree", "--depth", "a.h5"]]) {
    const { code, stdout, stderr } = await runScript("nx.ts", args);
    assert.equal(code, 2, args.join(" "));
    assert.equal(stdout, "");
    assert.match(stderr, /Usage: deno task nx tree FILE/);
  }
});

Deno.test("nx tree --help prints its usage and nx --help lists the command", async () => {
  const help = await runScript("nx.ts", ["tree", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: deno task nx tree FILE/);
  const nx = await runScript("nx.ts", ["--help"]);
  assert.match(nx.stdout, /^ {2}tree FILE +the file's structure, as punx tree prints it$/m);
});
