// A 2-D grid scan drawn as an image: a canvas heatmap, one cell per grid point (filled as the
// points arrive), with a colour bar and both axes labelled with their motors and extents.
import { cellOf } from "./axes.js";

/** Viridis at five stops, interpolated between. */
const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 110, top: 16, bottom: 48 };

/**
 * The colour of a value from 0 to 1.
 * @param {number} t
 * @returns {string}
 */
export function colour(t) {
  const u = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(u));
  const f = u - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  const mix = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `rgb(${mix.join(",")})`;
}

/**
 * An axis' range in data units: the extent widened by half a step on each side, so each cell is
 * centred on its position.
 * @param {[number, number]} extent
 * @param {number} n Points along the axis.
 * @returns {[number, number]} The values at the axis' two ends (first position's end first).
 */
function axisRange([first, last], n) {
  const step = n > 1 ? (last - first) / (n - 1) : 1;
  const half = step === 0 ? 0.5 : step / 2;
  return [first - half, last + half];
}

/**
 * Where an axis' ticks go: on every position when there are few, else five from first to last.
 * @param {[number, number]} extent
 * @param {number} n Points along the axis.
 * @returns {number[]}
 */
function ticks([first, last], n) {
  const count = n <= 6 ? n : 5;
  if (count === 1) return [first];
  return Array.from({ length: count }, (_, i) => first + ((last - first) * i) / (count - 1));
}

/**
 * A tick's text: short, without a float's noise.
 * @param {number} value
 * @returns {string}
 */
function tickText(value) {
  return String(Number(value.toPrecision(3)));
}

/**
 * @param {CanvasRenderingContext2D} context
 * @param {string} text
 * @param {number} x
 * @param {number} y
 * @param {CanvasTextAlign} align
 */
function label(context, text, x, y, align = "center") {
  context.textAlign = align;
  context.fillText(text, x, y);
}

/**
 * Draw a grid's values as an image.
 * @param {{ grid: import("./axes.js").Grid, seqNum: number[], values: number[], label: string }}
 *   data The grid, each event's `seq_num` and value, and the value's name.
 * @returns {HTMLElement} A figure holding the canvas; its `data-cells` is the number of cells
 *   filled, `data-x`/`data-y` the fast and slow axes' fields, `data-shape` the grid's shape,
 *   `data-area` the cells' rectangle on the canvas (CSS pixels: left, top, width, height),
 *   `data-low`/`data-high` the colour scale's ends.
 */
export function image({ grid, seqNum, values, label: valueLabel }) {
  const [rows, columns] = grid.shape;
  /** @type {(number | undefined)[]} */
  const cells = new Array(rows * columns);
  for (let i = 0; i < seqNum.length; i++) {
    const cell = cellOf(grid, seqNum[i]);
    if (cell !== null && Number.isFinite(values[i])) cells[cell[0] * columns + cell[1]] = values[i];
  }
  const filled = cells.filter((v) => v !== undefined);
  // A loop, not Math.min(...filled): a large grid would overflow the call's arguments.
  let low = Infinity;
  let high = -Infinity;
  for (const v of filled) [low, high] = [Math.min(low, v), Math.max(high, v)];
  if (filled.length === 0) [low, high] = [0, 1];
  if (low === high) [low, high] = [low - 0.5, high + 0.5];

  const canvas = document.createElement("canvas");
  const ratio = globalThis.devicePixelRatio || 1;
  canvas.width = WIDTH * ratio;
  canvas.height = HEIGHT * ratio;
  canvas.style.width = `${WIDTH}px`;
  canvas.style.height = `${HEIGHT}px`;
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  context.scale(ratio, ratio);
  context.fillStyle = "#fff";
  context.fillRect(0, 0, WIDTH, HEIGHT);

  const left = MARGIN.left;
  const top = MARGIN.top;
  const width = WIDTH - MARGIN.left - MARGIN.right;
  const height = HEIGHT - MARGIN.top - MARGIN.bottom;
  // The fast axis across, the slow one up, as bluesky's LiveGrid shows them.
  const [x0, x1] = axisRange(grid.extents[1], columns);
  const [y0, y1] = axisRange(grid.extents[0], rows);
  const px = (v) => left + ((v - Math.min(x0, x1)) / Math.abs(x1 - x0)) * width;
  const py = (v) => top + height - ((v - Math.min(y0, y1)) / Math.abs(y1 - y0)) * height;
  const stepX = (x1 - x0) / columns;
  const stepY = (y1 - y0) / rows;

  context.fillStyle = "#e8e8e8";
  context.fillRect(left, top, width, height);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const value = cells[r * columns + c];
      if (value === undefined) continue;
      const xa = px(x0 + c * stepX);
      const xb = px(x0 + (c + 1) * stepX);
      const ya = py(y0 + r * stepY);
      const yb = py(y0 + (r + 1) * stepY);
      context.fillStyle = colour((value - low) / (high - low));
      // Half a pixel more on each side, so neighbouring cells leave no seam.
      context.fillRect(
        Math.min(xa, xb) - 0.25,
        Math.min(ya, yb) - 0.25,
        Math.abs(xb - xa) + 0.5,
        Math.abs(yb - ya) + 0.5,
      );
    }
  }
  context.strokeStyle = "#444";
  context.strokeRect(left, top, width, height);

  context.fillStyle = "#444";
  context.font = "11px system-ui, sans-serif";
  for (const xv of ticks(grid.extents[1], columns)) {
    label(context, tickText(xv), px(xv), top + height + 16);
  }
  for (const yv of ticks(grid.extents[0], rows)) {
    label(context, tickText(yv), left - 6, py(yv) + 4, "right");
  }
  const suffix = grid.relative ? " (relative)" : "";
  const [slow, fast] = grid.fields;
  label(context, `${fast}${suffix}`, left + width / 2, HEIGHT - 10);
  context.save();
  context.translate(16, top + height / 2);
  context.rotate(-Math.PI / 2);
  label(context, `${slow}${suffix}`, 0, 0);
  context.restore();

  // The colour bar, low at the bottom.
  const barLeft = left + width + 20;
  const barWidth = 16;
  const gradient = context.createLinearGradient(0, top + height, 0, top);
  for (let i = 0; i <= 10; i++) gradient.addColorStop(i / 10, colour(i / 10));
  context.fillStyle = gradient;
  context.fillRect(barLeft, top, barWidth, height);
  context.strokeRect(barLeft, top, barWidth, height);
  context.fillStyle = "#444";
  for (let i = 0; i <= 4; i++) {
    const v = low + ((high - low) * i) / 4;
    label(
      context,
      v.toPrecision(3),
      barLeft + barWidth + 4,
      top + height - (height * i) / 4 + 4,
      "left",
    );
  }
  context.save();
  context.translate(WIDTH - 8, top + height / 2);
  context.rotate(-Math.PI / 2);
  label(context, valueLabel, 0, 0);
  context.restore();

  const figure = document.createElement("figure");
  figure.className = "grid-image";
  figure.dataset.cells = String(filled.length);
  figure.dataset.shape = `${rows}x${columns}`;
  figure.dataset.x = fast;
  figure.dataset.y = slow;
  figure.dataset.value = valueLabel;
  figure.dataset.area = [left, top, width, height].join(",");
  figure.dataset.low = String(low);
  figure.dataset.high = String(high);
  const caption = document.createElement("figcaption");
  const [[s0, s1], [f0, f1]] = grid.extents;
  caption.textContent =
    `${valueLabel} on a ${rows} × ${columns} grid: ${fast}${suffix} from ${f0}` +
    ` to ${f1} across, ${slow}${suffix} from ${s0} to ${s1} up` +
    `${grid.snaking ? ", snaking" : ""}; ${filled.length} of ${rows * columns} points`;
  figure.append(canvas, caption);
  return figure;
}
