/**
 * Line plots of a scan: an SVG file, or lines of text for a terminal. Points that are not
 * finite numbers are skipped and break the line, as matplotlib does with NaN.
 *
 * @module
 */

/** One dependent variable of a plot. */
export interface PlotLine {
  /** Legend label, usually the data key. */
  name: string;
  /** One value per entry of the plot's `x`. */
  values: readonly number[];
}

/** What a plot shows: lines of several `ys` against one `x`. */
export interface PlotSeries {
  /** Title above the plot. */
  title: string;
  /** Label of the x axis, usually the data key of `x`. */
  xLabel: string;
  /** Independent values. */
  x: readonly number[];
  /** Dependent values, one line each. */
  ys: readonly PlotLine[];
}

/** Options of {@linkcode renderSvg}. */
export interface SvgOptions {
  /** Width in pixels. */
  width?: number;
  /** Height in pixels. */
  height?: number;
  /** Line colors, cycled. */
  colors?: readonly string[];
  /** Draw a dot at each point; `"auto"` does so up to 200 points per line. */
  markers?: boolean | "auto";
}

/** Defaults of {@linkcode SvgOptions}; the colors are matplotlib's default cycle. */
export const svgDefaults = {
  width: 640,
  height: 400,
  colors: [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
  ],
  markers: "auto",
} satisfies Required<SvgOptions>;

/** Finite range of some numbers, widened when empty or a single value. */
function range(arrays: readonly (readonly number[])[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of arrays) {
    for (const v of values) {
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) {
    const d = Math.abs(lo) * 0.05 || 0.5;
    return [lo - d, hi + d];
  }
  return [lo, hi];
}

/** Round, evenly spaced tick values inside `[lo, hi]` and the decimals they need. */
function ticks(lo: number, hi: number, count = 5): [number[], number] {
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const first = Math.ceil(lo / step);
  const values: number[] = [];
  for (let i = first; i * step <= hi + step * 1e-9; i++) values.push(i * step);
  return [values, Math.max(0, -Math.floor(Math.log10(step)))];
}

/** A short label for an axis value. */
function label(v: number, decimals?: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-4)) return v.toExponential(2);
  const s = decimals === undefined ? String(Number(v.toPrecision(4))) : v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

const escape = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const num = (v: number): string => String(Math.round(v * 100) / 100);

/** Indices of the runs of consecutive finite points. */
function segments(x: readonly number[], y: readonly number[]): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) run.push(i);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * Draw a plot as an SVG document: axes with ticks and labels, the title, one polyline (per
 * run of finite points) and optional markers per line, and a legend.
 *
 * @param series What to plot.
 * @param options Size, colors and markers.
 * @returns The SVG text, starting with `<svg`.
 *
 * @example Plot three points
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderSvg } from "./plot.ts";
 * const svg = renderSvg({
 *   title: "scan 1", xLabel: "motor", x: [0, 1, 2],
 *   ys: [{ name: "sensor", values: [1, 4, 9] }],
 * });
 * assert.ok(svg.startsWith("<svg"));
 * assert.equal(svg.match(/<polyline /g)?.length, 1);
 * ```
 */
export function renderSvg(series: PlotSeries, options: SvgOptions = {}): string {
  const { width, height, colors, markers } = { ...svgDefaults, ...options };
  const [left, right, top, bottom] = [70, 20, 40, 50];
  const pw = width - left - right;
  const ph = height - top - bottom;
  const [xa, xb] = range([series.x]);
  const [ya, yb] = range(series.ys.map((y) => y.values));
  // 5% margins, so that extreme points do not sit on the axes.
  const [x0, x1] = [xa - (xb - xa) * 0.05, xb + (xb - xa) * 0.05];
  const [y0, y1] = [ya - (yb - ya) * 0.05, yb + (yb - ya) * 0.05];
  const sx = (v: number): number => left + (v - x0) / (x1 - x0) * pw;
  const sy = (v: number): number => top + ph - (v - y0) / (y1 - y0) * ph;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${num(width / 2)}" y="24" text-anchor="middle" font-size="14">` +
    `${escape(series.title)}</text>`,
    `<path d="M${left},${top}V${top + ph}H${left + pw}" fill="none" stroke="black"/>`,
  ];
  const [xTicks, xDecimals] = ticks(x0, x1);
  for (const t of xTicks) {
    const x = num(sx(t));
    out.push(
      `<line x1="${x}" y1="${top + ph}" x2="${x}" y2="${top + ph + 5}" stroke="black"/>`,
      `<text x="${x}" y="${top + ph + 18}" text-anchor="middle">${label(t, xDecimals)}</text>`,
    );
  }
  const [yTicks, yDecimals] = ticks(y0, y1);
  for (const t of yTicks) {
    const y = num(sy(t));
    out.push(
      `<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="black"/>`,
      `<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">` +
        `${label(t, yDecimals)}</text>`,
    );
  }
  const yLabel = series.ys.map((y) => y.name).join(", ");
  out.push(
    `<text x="${num(left + pw / 2)}" y="${height - 12}" text-anchor="middle">` +
      `${escape(series.xLabel)}</text>`,
    `<text transform="translate(16 ${num(top + ph / 2)}) rotate(-90)" text-anchor="middle">` +
      `${escape(yLabel)}</text>`,
  );
  // The legend sits in the top right corner, on a box that keeps lines behind it readable.
  const legendWidth = 42 + 7 * Math.max(0, ...series.ys.map((y) => y.name.length));
  const lx = left + pw - 8 - legendWidth;
  const legend = series.ys.length === 0 ? [] : [
    `<rect x="${lx}" y="${top + 8}" width="${legendWidth}" height="${16 * series.ys.length + 4}" ` +
    `fill="white" fill-opacity="0.8" stroke="#cccccc"/>`,
  ];
  series.ys.forEach((line, k) => {
    const color = colors[k % colors.length] ?? "black";
    const runs = segments(series.x, line.values);
    for (const run of runs) {
      const points = run.map((i) => `${num(sx(series.x[i]!))},${num(sy(line.values[i]!))}`);
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.join(" ")}"/>`,
      );
    }
    const total = runs.reduce((n, run) => n + run.length, 0);
    if (markers === true || (markers === "auto" && total <= 200)) {
      for (const i of runs.flat()) {
        out.push(
          `<circle cx="${num(sx(series.x[i]!))}" cy="${num(sy(line.values[i]!))}" r="3" ` +
            `fill="${color}"/>`,
        );
      }
    }
    const ly = top + 18 + 16 * k;
    legend.push(
      `<line x1="${lx + 8}" y1="${ly}" x2="${lx + 28}" y2="${ly}" stroke="${color}" ` +
        `stroke-width="2"/>`,
      `<text x="${lx + 34}" y="${ly}" dominant-baseline="middle">${escape(line.name)}</text>`,
    );
  });
  out.push(...legend, "</svg>");
  return out.join("\n") + "\n";
}

/** Options of {@linkcode renderTerminal}. */
export interface TerminalOptions {
  /** Width of the plot area in characters. */
  width?: number;
  /** Height of the plot area in lines. */
  height?: number;
  /** Braille characters (2 by 4 dots per character) or ASCII symbols (one per character). */
  dots?: "braille" | "ascii";
  /** Color each line with ANSI escapes. */
  color?: boolean;
}

/** Defaults of {@linkcode TerminalOptions}. */
export const terminalDefaults = {
  width: 60,
  height: 15,
  dots: "braille",
  color: false,
} satisfies Required<TerminalOptions>;

const SYMBOLS = ["*", "+", "o", "x", "#", "@"];
const ANSI = [34, 33, 32, 31, 35, 36];
// Bit of each dot of a braille cell, by [row][column].
const BRAILLE = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];

/**
 * Draw a plot as lines of text: the title, `height` lines of plot area framed by the axes
 * with the y range's max and min, the x range's min and max, the x label and a legend.
 *
 * @param series What to plot.
 * @param options Size, kind of dots and colors.
 * @returns `height + 5` lines, without newlines.
 * @throws {RangeError} When the width or height is not a positive integer.
 *
 * @example An ASCII plot of a line
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderTerminal } from "./plot.ts";
 * const lines = renderTerminal(
 *   { title: "ramp", xLabel: "x", x: [0, 1, 2], ys: [{ name: "y", values: [0, 1, 2] }] },
 *   { width: 20, height: 5, dots: "ascii" },
 * );
 * assert.equal(lines.length, 10);
 * assert.equal(lines.at(-1), "* y");
 * ```
 */
export function renderTerminal(series: PlotSeries, options: TerminalOptions = {}): string[] {
  const { width, height, dots, color } = { ...terminalDefaults, ...options };
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Invalid ${name} "${value}": expected a positive integer`);
    }
  }
  const braille = dots === "braille";
  const [gw, gh] = braille ? [width * 2, height * 4] : [width, height];
  const bits = new Uint8Array(width * height);
  const owner = new Int8Array(width * height).fill(-1);
  const chars: string[] = new Array(width * height).fill(" ");
  const [x0, x1] = range([series.x]);
  const [y0, y1] = range(series.ys.map((y) => y.values));
  const gx = (v: number): number => Math.round((v - x0) / (x1 - x0) * (gw - 1));
  const gy = (v: number): number => gh - 1 - Math.round((v - y0) / (y1 - y0) * (gh - 1));
  const plot = (px: number, py: number, k: number, mark: string): void => {
    const cell = braille ? Math.floor(py / 4) * width + Math.floor(px / 2) : py * width + px;
    if (braille) bits[cell]! |= BRAILLE[py % 4]![px % 2]!;
    else if (mark !== "." || chars[cell] === " ") chars[cell] = mark;
    owner[cell] = k;
  };
  series.ys.forEach((line, k) => {
    const mark = SYMBOLS[k % SYMBOLS.length]!;
    for (const run of segments(series.x, line.values)) {
      let prev: [number, number] | undefined;
      for (const i of run) {
        const p: [number, number] = [gx(series.x[i]!), gy(line.values[i]!)];
        if (prev) {
          // Join consecutive points with the dots of a straight line.
          const steps = Math.max(Math.abs(p[0] - prev[0]), Math.abs(p[1] - prev[1]));
          for (let s = 1; s < steps; s++) {
            const t = s / steps;
            plot(
              Math.round(prev[0] + (p[0] - prev[0]) * t),
              Math.round(prev[1] + (p[1] - prev[1]) * t),
              k,
              ".",
            );
          }
        }
        plot(p[0], p[1], k, mark);
        prev = p;
      }
    }
  });
  const paint = (text: string, k: number): string =>
    color && k >= 0 && text !== " " ? `\x1b[${ANSI[k % ANSI.length]}m${text}\x1b[0m` : text;
  const [top, bottom] = [label(y1), label(y0)];
  const margin = Math.max(top.length, bottom.length);
  const [tick, vertical, corner, horizontal] = braille
    ? ["┤", "│", "└", "─"]
    : ["+", "|", "+", "-"];
  const lines = [series.title];
  for (let r = 0; r < height; r++) {
    let row = "";
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      row += paint(
        braille ? (bits[i] ? String.fromCharCode(0x2800 + bits[i]!) : " ") : chars[i]!,
        owner[i]!,
      );
    }
    const name = r === 0 ? top : r === height - 1 ? bottom : "";
    lines.push(name.padStart(margin) + " " + (name ? tick : vertical) + row);
  }
  lines.push(" ".repeat(margin + 1) + corner + horizontal.repeat(width));
  const [xMin, xMax] = [label(x0), label(x1)];
  lines.push(" ".repeat(margin + 2) + xMin + xMax.padStart(Math.max(1, width - xMin.length)));
  lines.push(
    " ".repeat(margin + 2 + Math.max(0, Math.floor((width - series.xLabel.length) / 2))) +
      series.xLabel,
  );
  lines.push(
    series.ys.map((line, k) =>
      paint(braille ? "⣿" : SYMBOLS[k % SYMBOLS.length]!, k) + " " + line.name
    ).join("   "),
  );
  return lines;
}
