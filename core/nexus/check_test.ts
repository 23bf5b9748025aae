import assert from "node:assert/strict";
import { NexusLayoutError } from "../errors.ts";
import { checkAttribute, checkNode, checkTree } from "./check.ts";
import { frameStack } from "./frame_stack.ts";
import type { FieldData, NxField, NxGroup, NxType } from "./nodes.ts";
import { NexusTree } from "./tree.ts";
import { attrsOf, childrenOf } from "./_mutable.ts";

/** A field as a builder would make it, with whatever it is given. */
function field(data: FieldData, init: Partial<NxField> = {}): NxField {
  return {
    kind: "field",
    name: "x",
    path: "/x",
    owner: "p",
    attrs: new Map(),
    dtype: "NX_FLOAT64",
    shape: typeof data === "object" && !("kind" in data) ? [data.length] : [],
    data,
    ...init,
  };
}

function group(nxClass: string, name = "g"): NxGroup {
  return {
    kind: "group",
    name,
    path: `/${name}`,
    owner: "p",
    nxClass,
    attrs: new Map(),
    children: new Map(),
  };
}

/** The messages of a node's problems, without the path and plugin. */
function problems(errors: NexusLayoutError[]): string[] {
  return errors.map((e) => e.message.replace(/^(plugin "[^"]*", )?path "[^"]*": /, ""));
}

Deno.test("checkNode() refuses names HDF5 cannot hold", () => {
  for (
    const [name, why] of [
      ["", "an empty name"],
      [".", `"." is reserved`],
      ["a\0b", "a name may not contain NUL"],
      ["é".repeat(128), "a name longer than 255 bytes"],
    ]
  ) {
    assert.deepEqual(problems(checkNode(group("NXnote", name!))), [`Illegal name: ${why}`]);
  }
  assert.deepEqual(checkNode(group("NXnote", "motor-1 (deg)")), []);
});

Deno.test("checkTree() asks for NeXus names only with nexusNames, of nodes and attributes", () => {
  const tree = new NexusTree();
  const b = tree.builder("p");
  b.group("/entry", "NXentry", { "my-attr": 1 });
  b.field("/entry/motor-1", [1]);
  b.field(`/entry/${"a".repeat(64)}`, [1]);
  b.field("/entry/motor_1.x", [1]);
  assert.deepEqual(checkTree(tree), []);
  assert.deepEqual(problems(checkTree(tree, { nexusNames: true })), [
    'Attribute "my-attr" is not a NeXus name: letters, digits, "_" and inner ".", at most 63 characters',
    '"motor-1" is not a NeXus name: letters, digits, "_" and inner ".", at most 63 characters',
    `"${
      "a".repeat(64)
    }" is not a NeXus name: letters, digits, "_" and inner ".", at most 63 characters`,
  ]);
});

Deno.test("checkNode() takes NXDL's class names and nothing else", () => {
  for (const nxClass of ["NXentry", "NXcanSAS", "NXem_ebsd", "NXxbase", "NXa.b"]) {
    assert.deepEqual(checkNode(group(nxClass)), [], nxClass);
  }
  for (
    const nxClass of ["", "NX", "nxentry", "entry", "NX-entry", "NXentry.", `NX${"a".repeat(62)}`]
  ) {
    assert.deepEqual(
      problems(checkNode(group(nxClass))),
      [`Group has no valid NX_class: got "${nxClass}"`],
      nxClass,
    );
  }
});

Deno.test("checkNode() refuses a shape that does not hold the data", () => {
  assert.deepEqual(problems(checkNode(field([1, 2, 3], { shape: [2, 2] }))), [
    "Shape [2, 2] holds 4 values: the data has 3",
  ]);
  assert.deepEqual(problems(checkNode(field(5, { shape: [2] }))), [
    "Shape [2] holds 2 values: the data has 1",
  ]);
  assert.deepEqual(problems(checkNode(field([1, 2], { shape: [1.5] }))), [
    "Shape [1.5] is not a shape: its sizes must be whole numbers",
  ]);
  assert.deepEqual(checkNode(field(5, { shape: [1, 1] })), []);
  const stack = frameStack({ count: 3, frameShape: [2], dtype: "uint8", frame: () => [0, 0] });
  assert.deepEqual(checkNode(field(stack, { shape: [3, 2], dtype: "NX_UINT8" })), []);
});

Deno.test("checkNode() wants text in NX_CHAR and numbers in the other types", () => {
  assert.deepEqual(problems(checkNode(field([1, 2], { dtype: "NX_CHAR" }))), [
    "NX_CHAR needs text: got numbers",
  ]);
  assert.deepEqual(problems(checkNode(field("text", { dtype: "NX_FLOAT64" }))), [
    "NX_FLOAT64 needs numbers: got text",
  ]);
  assert.deepEqual(problems(checkNode(field(["a", "b"], { dtype: "NX_INT32" }))), [
    "NX_INT32 needs numbers: got text",
  ]);
  assert.deepEqual(checkNode(field([], { dtype: "NX_CHAR" })), []);
  assert.deepEqual(checkNode(field(["a", "b"], { dtype: "NX_CHAR" })), []);
});

Deno.test("checkNode() wants values that fit their integer or boolean type", () => {
  const cases: [FieldData, NxType, string][] = [
    [[300], "NX_UINT8", "NX_UINT8 cannot hold 300: out of range"],
    [[-1], "NX_UINT64", "NX_UINT64 cannot hold -1: out of range"],
    [[1.5], "NX_INT32", "NX_INT32 cannot hold 1.5: not an integer"],
    [[NaN], "NX_INT64", "NX_INT64 cannot hold NaN: not an integer"],
    [[2 ** 63], "NX_INT64", `NX_INT64 cannot hold ${2 ** 63}: out of range`],
    [
      new BigUint64Array([2n ** 63n]),
      "NX_INT64",
      `NX_INT64 cannot hold ${2n ** 63n}: out of range`,
    ],
    [new Float64Array([0, 2 ** 31]), "NX_INT32", `NX_INT32 cannot hold ${2 ** 31}: out of range`],
    [new Int16Array([-200]), "NX_INT8", "NX_INT8 cannot hold -200: out of range"],
    [[2], "NX_BOOLEAN", "NX_BOOLEAN cannot hold 2: a boolean is true, false, 0 or 1"],
  ];
  for (const [data, dtype, message] of cases) {
    assert.deepEqual(problems(checkNode(field(data, { dtype }))), [message], message);
  }
  const fits: [FieldData, NxType][] = [
    [[255, 0], "NX_UINT8"],
    [[2 ** 53 + 2], "NX_INT64"],
    [new BigUint64Array([2n ** 64n - 1n]), "NX_UINT64"],
    [new Float64Array([1, -2, 2 ** 40]), "NX_INT64"],
    [[1, 0, 1], "NX_BOOLEAN"],
    [true, "NX_INT8"],
    [2n ** 40n, "NX_FLOAT32"],
    [[1e300], "NX_FLOAT64"],
  ];
  for (const [data, dtype] of fits) assert.deepEqual(checkNode(field(data, { dtype })), [], dtype);
});

Deno.test("checkNode() does not look at each value of an integer array that fits its type", () => {
  // A typed array counting the values read from it: the columns of a long run are such arrays.
  let reads = 0;
  const counted = <T extends Int16Array>(values: T): T =>
    new Proxy(values, {
      get(target, key) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key);
      },
    });
  for (const dtype of ["NX_INT16", "NX_INT32", "NX_INT64", "NX_FLOAT32"] as const) {
    assert.deepEqual(checkNode(field(counted(new Int16Array(10_000)), { dtype })), []);
  }
  assert.equal(reads, 0);
  assert.deepEqual(checkNode(field(counted(new Int16Array(10)), { dtype: "NX_INT8" })), []);
  assert.equal(reads, 10, "a narrower type has to look");
});

Deno.test("checkNode() wants chunks of the shape's rank, and no chunks on a scalar", () => {
  assert.deepEqual(problems(checkNode(field([1, 2], { chunks: [1, 1] }))), [
    "Chunks [1, 1] do not fit shape [2]",
  ]);
  assert.deepEqual(problems(checkNode(field([1, 2], { chunks: [0] }))), [
    "Chunks [0] do not fit shape [2]",
  ]);
  assert.deepEqual(problems(checkNode(field(1, { chunks: [1] }))), [
    "A scalar field cannot be chunked or compressed",
  ]);
  assert.deepEqual(problems(checkNode(field(1, { compression: 4 }))), [
    "A scalar field cannot be chunked or compressed",
  ]);
  // Larger than the shape is fine (the backend fits them); an empty axis takes a 0 chunk.
  assert.deepEqual(checkNode(field([1, 2], { chunks: [100] })), []);
  assert.deepEqual(checkNode(field(new Float64Array(0), { shape: [0, 3], chunks: [0, 3] })), []);
});

Deno.test("checkNode() wants a gzip level from 0 to 9", () => {
  for (const level of [12, -1, 2.5]) {
    assert.deepEqual(problems(checkNode(field([1, 2], { compression: level }))), [
      `The gzip level must be 0-9: got ${level}`,
    ]);
  }
  for (const level of [0, 1, 9]) {
    assert.deepEqual(checkNode(field([1], { compression: level })), []);
  }
});

Deno.test("checkAttribute() refuses NX_class and typed values that do not fit", () => {
  const node = group("NXnote");
  const check = (name: string, value: Parameters<typeof checkAttribute>[1]["value"]) =>
    problems(checkAttribute(node, { name, value, owner: "q" }));
  assert.deepEqual(check("NX_class", "NXdata"), [
    "NX_class is set from the group's class, not as an attribute",
  ]);
  assert.deepEqual(check("a", { value: 1.5, dtype: "NX_INT8" }), [
    'Attribute "@a": NX_INT8 cannot hold 1.5: not an integer',
  ]);
  assert.deepEqual(check("a", { value: [0, 300], dtype: "NX_UINT8" }), [
    'Attribute "@a": NX_UINT8 cannot hold 300: out of range',
  ]);
  assert.deepEqual(check("a", { value: 1, dtype: "NX_CHAR" }), [
    'Attribute "@a": an NX_CHAR attribute takes a string: got a typed value',
  ]);
  assert.deepEqual(check("big", 2n ** 64n), [
    `Attribute "@big": NX_INT64 cannot hold ${2n ** 64n}: out of range`,
  ]);
  assert.deepEqual(check("", "x"), ["Illegal attribute name: an empty name"]);
  for (const value of ["mm", ["x", "."], 2 ** 70, [1, 2.5], true, 2n ** 62n]) {
    assert.deepEqual(check("ok", value), [], String(value));
  }
  // The attribute's owner, not the node's, is the plugin to blame.
  assert.equal(checkAttribute(node, { name: "NX_class", value: "x", owner: "q" })[0]?.plugin, "q");
});

Deno.test("checkTree() refuses attributes on an external link", () => {
  const tree = new NexusTree();
  const b = tree.builder("p");
  b.externalLink("/image", "detector.h5", "/entry/data/data");
  assert.deepEqual(checkTree(tree), []);
  b.attr("/image", "units", "counts");
  assert.deepEqual(problems(checkTree(tree)), [
    "An external link cannot carry attributes (they belong to the other file)",
  ]);
});

Deno.test("checkTree() refuses an attribute set both on a link and on its object", () => {
  const tree = new NexusTree();
  const b = tree.builder("p");
  b.group("/entry", "NXentry");
  b.field("/entry/x", [1, 2], { attrs: { units: "mm" } });
  b.link("/entry/y", "/entry/x");
  b.link("/entry/z", "/entry/x");
  b.link("/entry/e", "/entry");
  tree.builder("q").attr("/entry/y", "long_name", "y");
  assert.deepEqual(checkTree(tree), [], "an attribute of its own lands on the object");
  tree.builder("q").attr("/entry/y", "units", "m");
  tree.builder("r").attr("/entry/z", "long_name", "z");
  const found = checkTree(tree);
  assert.deepEqual(problems(found), [
    'Attribute "@units" is set both on the link and on its target "/entry/x"',
    'Attribute "@long_name" is set on the link and on the link "/entry/y" to the same object "/entry/x"',
  ]);
  assert.deepEqual(found.map((p) => [p.path, p.plugin]), [["/entry/y", "q"], ["/entry/z", "r"]]);
});

Deno.test("checkTree() refuses a hard link into another file, or through an external link", () => {
  const tree = new NexusTree();
  const b = tree.builder("p");
  b.group("/entry", "NXentry");
  b.externalLink("/entry/ext", "other.h5", "/entry");
  b.link("/entry/to_link", "/entry/ext");
  b.link("/entry/through", "/entry/ext/data");
  b.link("/entry/alias", "/entry");
  b.link("/entry/via_alias", "/entry/alias/ext/data");
  assert.deepEqual(problems(checkTree(tree)), [
    'A hard link cannot point into another file (through "/entry/ext")',
    'A hard link cannot point into another file (through "/entry/ext")',
    'A hard link cannot point into another file (through "/entry/ext")',
  ]);
  assert.deepEqual(checkTree(tree).map((p) => p.path), [
    "/entry/to_link",
    "/entry/through",
    "/entry/via_alias",
  ]);
});

Deno.test("checkTree() reports a cycle of links once, and a link to itself", () => {
  const tree = new NexusTree();
  tree.builder("p").link("/a", "/b");
  tree.builder("q").link("/b", "/a/x");
  tree.builder("p").link("/c", "/a");
  tree.builder("r").link("/self", "/self");
  const found = checkTree(tree);
  assert.deepEqual(problems(found), [
    'Links form a cycle: "/a" -> "/b" -> "/a"',
    'Links form a cycle: "/self" -> "/self"',
  ]);
  assert.deepEqual(found.map((p) => p.plugin), ["p", "r"]);
});

Deno.test("checkTree() wants every link target to exist, by absolute path", () => {
  const tree = new NexusTree();
  const b = tree.builder("p");
  b.group("/entry", "NXentry");
  b.group("/entry/data", "NXdata");
  b.field("/entry/data/y", [1]);
  b.link("/entry/y", "/entry/data/y");
  b.link("/entry/up", "/entry");
  b.link("/entry/deep", "/entry/up/data/y");
  assert.deepEqual(checkTree(tree), [], "targets through links and back up the tree resolve");
  b.link("/entry/gone", "/entry/data/z");
  b.link("/entry/under_field", "/entry/data/y/z");
  const found = checkTree(tree);
  assert.deepEqual(problems(found), [
    'Link target "/entry/data/z" does not exist',
    'Link target "/entry/data/y/z" does not exist',
  ]);
  assert.ok(found.every((p) => p instanceof NexusLayoutError && p.plugin === "p"));
});

Deno.test("checkTree() checks the file's attributes, and the builder asks it at once", () => {
  const tree = new NexusTree();
  const b = tree.builder("p");
  assert.throws(() => b.attr("/", "count", { value: -1, dtype: "NX_UINT32" }), /out of range/);
  assert.throws(() => b.group("/entry", ""), /no valid NX_class/);
  // A tree made by other means (the writer's own passes, say) is still checked whole.
  attrsOf(tree.root).set("count", { value: { value: -1, dtype: "NX_UINT32" }, owner: "p" });
  const entry: NxGroup = {
    kind: "group",
    name: "entry",
    path: "/entry",
    owner: "p",
    nxClass: "",
    attrs: new Map(),
    children: new Map(),
  };
  childrenOf(tree.root).set("entry", entry);
  childrenOf(entry).set("n", {
    kind: "field",
    name: "n",
    path: "/entry/n",
    owner: "p",
    attrs: new Map(),
    dtype: "NX_INT8",
    shape: [1],
    data: [1.5],
  });
  const found = checkTree(tree);
  assert.deepEqual(problems(found), [
    'Attribute "@count": NX_UINT32 cannot hold -1: out of range',
    'Group has no valid NX_class: got ""',
    "NX_INT8 cannot hold 1.5: not an integer",
  ]);
  assert.deepEqual(found.map((p) => p.path), ["/", "/entry", "/entry/n"]);
});
