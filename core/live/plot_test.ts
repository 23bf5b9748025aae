import assert from "node:assert/strict";
import { renderSvg, renderTerminal } from "./plot.ts";
import type { PlotSeries } from "./plot.ts";

const SEED: PlotSeries = {
  title: "scan 1: sensor vs motor",
  xLabel: "motor",
  x: [-0.5, -0.25, 0, 0.25, 0.5],
  ys: [{ name: "sensor", values: [0.69377, 0.44727, 0.07127, 0.97433, 0.57342] }],
};

/** The `points` of every polyline, each as a list of [x, y]. */
function polylines(svg: string): number[][][] {
  return [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) =>
    m[1]!.split(" ").map((p) => p.split(",").map(Number))
  );
}

/** Every opened element is closed or self-closing, and nothing is left open. */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const [, close, name, selfClosing] of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    if (close) assert.equal(stack.pop(), name);
    else if (!selfClosing) stack.push(name!);
  }
  assert.deepEqual(stack, []);
}

Deno.test("renderSvg() draws one polyline with a point per x, and a marker at each", () => {
  const svg = renderSvg(SEED);
  assert.ok(svg.startsWith("<svg "));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assertBalanced(svg);
  const lines = polylines(svg);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.length, 5);
  assert.ok(lines[0]!.flat().every(Number.isFinite));
  assert.equal(svg.match(/<circle /g)?.length, 5);
  // x grows left to right, y grows upwards.
  const [first, , lowest, highest] = lines[0]!;
  assert.ok(first![0]! < lowest![0]! && highest![1]! < lowest![1]!);
  assert.ok(svg.includes(">scan 1: sensor vs motor</text>"));
  assert.ok(svg.includes(">motor</text>") && svg.includes(">sensor</text>"));
});

Deno.test("renderSvg() draws a line and a legend entry per detector, escaping text", () => {
  const svg = renderSvg({
    title: "a <b> & c",
    xLabel: "x",
    x: [1, 2, 3],
    ys: [{ name: "d1", values: [1, 2, 3] }, { name: "d2", values: [3, 2, 1] }],
  }, { markers: false });
  assertBalanced(svg);
  assert.equal(polylines(svg).length, 2);
  assert.ok(svg.includes("a &lt;b&gt; &amp; c"));
  assert.ok(!svg.includes("<circle"));
  assert.ok(svg.includes('stroke="#1f77b4"') && svg.includes('stroke="#ff7f0e"'));
});

Deno.test("renderSvg() breaks the line at NaN and handles a single point and constant values", () => {
  const gap = renderSvg({
    title: "",
    xLabel: "x",
    x: [0, 1, 2, 3],
    ys: [{ name: "y", values: [1, NaN, 2, 3] }],
  });
  assert.deepEqual(polylines(gap).map((line) => line.length), [1, 2]);
  for (
    const series of [
      { title: "one", xLabel: "x", x: [5], ys: [{ name: "y", values: [7] }] },
      { title: "flat", xLabel: "x", x: [0, 1, 2], ys: [{ name: "y", values: [3, 3, 3] }] },
      { title: "empty", xLabel: "x", x: [], ys: [{ name: "y", values: [] }] },
      { title: "no finite x", xLabel: "x", x: [NaN, NaN], ys: [{ name: "y", values: [NaN, 1] }] },
    ]
  ) {
    const svg = renderSvg(series);
    assertBalanced(svg);
    assert.ok(!/NaN|Infinity/.test(svg), series.title);
  }
});

Deno.test("renderTerminal() fills width by height characters between labelled axes", () => {
  const lines = renderTerminal(SEED, { width: 40, height: 10, dots: "ascii" });
  assert.equal(lines.length, 10 + 5);
  assert.equal(lines[0], "scan 1: sensor vs motor");
  const rows = lines.slice(1, 11);
  assert.ok(rows[0]!.startsWith(" 0.9743 +"));
  assert.ok(rows[9]!.startsWith("0.07127 +"));
  assert.ok(rows.slice(1, 9).every((row) => row.startsWith("        |")));
  const width = rows[0]!.length;
  assert.ok(rows.every((row) => row.length === width));
  assert.equal(lines[11], " ".repeat(width - 41) + "+" + "-".repeat(40));
  assert.ok(lines[12]!.trim().startsWith("-0.5") && lines[12]!.endsWith("0.5"));
  assert.equal(lines[13]!.trim(), "motor");
  assert.equal(lines[14], "* sensor");
  assert.equal(rows.join("").split("*").length - 1, 5);
  assert.ok(lines.every((line) => /^[\x20-\x7e]*$/.test(line)));
});

Deno.test("renderTerminal() draws braille dots, and colors only when asked", () => {
  const lines = renderTerminal(SEED, { width: 30, height: 6 });
  assert.equal(lines.length, 6 + 5);
  const rows = lines.slice(1, 7).map((row) => row.slice(row.search(/[┤│]/) + 1));
  assert.ok(rows.every((row) => [...row].length === 30));
  assert.ok(rows.join("").split("").some((c) => c >= "\u2801" && c <= "\u28ff"));
  assert.ok(!lines.join("\n").includes("\x1b["));
  assert.ok(renderTerminal(SEED, { color: true }).join("\n").includes("\x1b[34m"));
});

Deno.test("renderTerminal() rejects a size that is not a positive integer", () => {
  assert.throws(() => renderTerminal(SEED, { width: 0 }), {
    name: "RangeError",
    message: 'Invalid width "0": expected a positive integer',
  });
});
