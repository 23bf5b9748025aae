// An x-y plot drawn as inline SVG: one polyline and one circle per point for each series. The
// svg's data-x holds the x key, data-y the series' names as JSON.

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

/**
 * @param {string} name
 * @param {Record<string, string | number>} attributes
 * @returns {SVGElement}
 */
function element(name, attributes = {}) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

/**
 * The finite range of some values, widened when they are all equal.
 * @param {number[]} values
 * @returns {[number, number]}
 */
function range(values) {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  // A loop, not Math.min(...finite): a long scan would overflow the call's arguments.
  let low = Infinity;
  let high = -Infinity;
  for (const v of finite) [low, high] = [Math.min(low, v), Math.max(high, v)];
  if (low === high) [low, high] = [low - 0.5, high + 0.5];
  return [low, high];
}

/**
 * Draw series of y against one x as an SVG element.
 * @param {{ x: number[], xLabel: string, xKey?: string, series: { label: string, y: number[] }[] }}
 *   data The values, the x axis' label and key (the label by default), and each series.
 * @returns {SVGSVGElement}
 */
export function plot({ x, xLabel, xKey = xLabel, series }) {
  const width = 640;
  const height = 360;
  const margin = { left: 64, right: 16, top: 16, bottom: 44 };
  const svg = /** @type {SVGSVGElement} */ (element("svg", {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "data-x": xKey,
    "data-y": JSON.stringify(series.map((s) => s.label)),
  }));
  const [x0, x1] = range(x);
  const [y0, y1] = range(series.flatMap((s) => s.y));
  const px = (v) => margin.left + ((v - x0) / (x1 - x0)) * (width - margin.left - margin.right);
  const py = (v) =>
    height - margin.bottom - ((v - y0) / (y1 - y0)) * (height - margin.top - margin.bottom);
  const bottom = height - margin.bottom;
  svg.append(
    element("line", {
      class: "axis",
      x1: margin.left,
      y1: bottom,
      x2: width - margin.right,
      y2: bottom,
    }),
    element("line", {
      class: "axis",
      x1: margin.left,
      y1: margin.top,
      x2: margin.left,
      y2: bottom,
    }),
  );
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4;
    const yv = y0 + ((y1 - y0) * i) / 4;
    const xt = element("text", {
      class: "tick",
      x: px(xv),
      y: bottom + 16,
      "text-anchor": "middle",
    });
    xt.textContent = xv.toPrecision(3);
    const yt = element("text", {
      class: "tick",
      x: margin.left - 6,
      y: py(yv) + 4,
      "text-anchor": "end",
    });
    yt.textContent = yv.toPrecision(3);
    svg.append(xt, yt);
  }
  const label = element("text", {
    class: "tick",
    x: width / 2,
    y: height - 8,
    "text-anchor": "middle",
  });
  label.textContent = xLabel;
  const yLabel = element("text", {
    class: "tick",
    x: 0,
    y: 0,
    transform: `translate(14 ${(margin.top + bottom) / 2}) rotate(-90)`,
    "text-anchor": "middle",
  });
  yLabel.textContent = series.map((s) => s.label).join(", ");
  svg.append(label, yLabel);
  series.forEach((s, index) => {
    const color = COLORS[index % COLORS.length];
    const points = [];
    for (let i = 0; i < x.length; i++) {
      if (Number.isFinite(x[i]) && Number.isFinite(s.y[i])) points.push([px(x[i]), py(s.y[i])]);
    }
    const group = element("g", { "data-series": s.label });
    group.append(element("polyline", {
      class: "series",
      stroke: color,
      points: points.map(([a, b]) => `${a},${b}`).join(" "),
    }));
    for (const [a, b] of points) {
      group.append(element("circle", { class: "point", cx: a, cy: b, r: 3, fill: color }));
    }
    const legend = element("text", {
      class: "tick",
      x: width - margin.right - 4,
      y: margin.top + 14 * (index + 1),
      "text-anchor": "end",
      fill: color,
    });
    legend.textContent = s.label;
    svg.append(group, legend);
  });
  return svg;
}
