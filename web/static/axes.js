// What a stream is plotted against by default, as bluesky's BestEffortCallback works it out from
// the start document and the descriptors' hints, and where a grid scan's points fall. No DOM: the
// functions are pure, so web/pages_test.ts tests them in Deno.

/**
 * Whether a data key holds one number per event.
 * @param {any} dataKey
 * @returns {boolean}
 */
export function scalar(dataKey) {
  return (dataKey?.dtype === "number" || dataKey?.dtype === "integer") &&
    (dataKey.shape ?? []).length === 0;
}

/**
 * A stream's data keys object by object, from their `object_name` (what a descriptor's
 * `object_keys` says).
 * @param {Record<string, any>} dataKeys
 * @returns {Map<string, string[]>}
 */
function objectKeys(dataKeys) {
  const objects = new Map();
  for (const [key, dataKey] of Object.entries(dataKeys)) {
    const object = dataKey?.object_name;
    if (typeof object !== "string") continue;
    objects.set(object, [...(objects.get(object) ?? []), key]);
  }
  return objects;
}

/**
 * The fields of an object's hints, when it has a list of them.
 * @param {Record<string, any>} hints
 * @param {string} object
 * @returns {string[] | undefined}
 */
function hintFields(hints, object) {
  const fields = Object.hasOwn(hints, object) ? hints[object]?.fields : undefined;
  return Array.isArray(fields) ? fields.filter((f) => typeof f === "string") : undefined;
}

/**
 * The fields a stream's devices hint at (bluesky's `hinted_fields`): each object's
 * `hints.fields`, else all its keys; a stream whose keys name no object hints at the fields of
 * all its hints, else at all its keys.
 * @param {{ data_keys: Record<string, any>, hints?: Record<string, any> }} info
 * @returns {string[]}
 */
export function hintedFields(info) {
  const hints = info.hints ?? {};
  const objects = objectKeys(info.data_keys);
  if (objects.size > 0) {
    return [...objects].flatMap(([object, keys]) => hintFields(hints, object) ?? keys);
  }
  const hinted = Object.keys(hints).flatMap((object) => hintFields(hints, object) ?? []);
  return hinted.length > 0 ? hinted : Object.keys(info.data_keys);
}

/**
 * A run's independent axes: `start.hints.dimensions` when they are given for one stream, else
 * one per entry of `motors` (turned into fields with the stream's hints), else `seq_num`.
 * @param {any} start The start document.
 * @param {{ name: string, data_keys: Record<string, any>, hints?: Record<string, any> }} [info]
 *   The stream, to turn motor names into fields when it is the dimensions' stream.
 * @returns {{ stream: string, axes: string[], fields: string[], guessed: boolean }}
 */
export function dimensions(start, info) {
  const hinted = start?.hints?.dimensions;
  if (
    Array.isArray(hinted) && hinted.length > 0 &&
    hinted.every((d) => Array.isArray(d) && Array.isArray(d[0])) &&
    new Set(hinted.map((d) => d[1])).size === 1
  ) {
    return {
      stream: String(hinted[0][1] ?? "primary"),
      axes: hinted.map(([fields]) => String(fields[0] ?? "time")),
      fields: hinted.flatMap(([fields]) => fields.map(String)),
      guessed: false,
    };
  }
  const motors = Array.isArray(start?.motors) ? start.motors.map(String) : [];
  const objects = info?.name === "primary" ? objectKeys(info.data_keys) : new Map();
  const fieldsOf = (motor) =>
    (info?.name === "primary" ? hintFields(info.hints ?? {}, motor) : undefined) ??
      objects.get(motor) ?? [motor];
  const dims = motors.map(fieldsOf);
  if (dims.length === 0) dims.push(["seq_num"]);
  return {
    stream: "primary",
    axes: dims.map((fields) => fields[0] ?? "time"),
    fields: dims.flat(),
    guessed: true,
  };
}

/**
 * The default x and y of a stream, as BestEffortCallback plots it: the hinted fields that are no
 * dimension's against the first dimension (against `time` in any other stream). When no hinted
 * field is a scalar, every other scalar key.
 * @param {any} start The start document.
 * @param {{ name: string, data_keys: Record<string, any>, hints?: Record<string, any> }} info
 * @returns {{ x: string, y: string[], hinted: boolean }}
 */
export function defaultAxes(start, info) {
  const keys = Object.keys(info.data_keys).filter((key) => scalar(info.data_keys[key]));
  const dims = dimensions(start, info);
  let x = info.name === dims.stream ? dims.axes[0] ?? "seq_num" : "time";
  if (x !== "seq_num" && x !== "time" && !keys.includes(x)) x = "seq_num";
  const y = hintedFields(info).filter((f) => keys.includes(f) && !dims.fields.includes(f));
  if (y.length > 0) return { x, y, hinted: true };
  return { x, y: keys.filter((key) => key !== x), hinted: false };
}

/**
 * @typedef {object} Grid A 2-D grid scan's layout.
 * @property {[number, number]} shape Points along the slow (first) and the fast axis.
 * @property {[[number, number], [number, number]]} extents First and last position of each.
 * @property {boolean} snaking Whether the fast axis runs back on every other row.
 * @property {[string, string]} fields The slow and the fast axis' fields.
 * @property {boolean} relative Whether the extents are relative to where the motors were.
 */

/**
 * The grid a run scans, when its start says it is a 2-D one: `hints.gridding` is
 * `"rectilinear"`, or the plan is `grid_scan`/`rel_grid_scan`, with two dimensions and a `shape`
 * of two. Only the dimensions' stream is a grid.
 * @param {any} start The start document.
 * @param {{ name: string, data_keys: Record<string, any>, hints?: Record<string, any> }} info
 * @returns {Grid | null}
 */
export function gridOf(start, info) {
  const dims = dimensions(start, info);
  const shape = start?.shape;
  const gridPlan = start?.plan_name === "grid_scan" || start?.plan_name === "rel_grid_scan";
  if (
    info.name !== dims.stream || dims.axes.length !== 2 || !Array.isArray(shape) ||
    shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n > 0) ||
    !(start?.hints?.gridding === "rectilinear" || gridPlan)
  ) {
    return null;
  }
  const given = start.extents;
  const extents = Array.isArray(given) && given.length === 2 &&
      given.every((e) => Array.isArray(e) && e.length === 2 && e.every(Number.isFinite))
    ? [[given[0][0], given[0][1]], [given[1][0], given[1][1]]]
    : [[0, shape[0] - 1], [0, shape[1] - 1]];
  const snaking = Array.isArray(start.snaking) ? start.snaking[1] === true : start.snaking === true;
  return {
    shape: [shape[0], shape[1]],
    extents,
    snaking,
    fields: [dims.axes[0], dims.axes[1]],
    relative: start.plan_name === "rel_grid_scan",
  };
}

/**
 * Where the point of an event falls in the grid, as bluesky's LiveGrid places it: by `seq_num`,
 * row-major, the fast axis reversed on odd rows when it snakes.
 * @param {Grid} grid
 * @param {number} seqNum The event's `seq_num` (from 1).
 * @returns {[number, number] | null} Row (slow axis) and column (fast axis); `null` off the grid.
 */
export function cellOf(grid, seqNum) {
  const [rows, columns] = grid.shape;
  const index = seqNum - 1;
  if (!Number.isInteger(index) || index < 0 || index >= rows * columns) return null;
  const row = Math.floor(index / columns);
  let column = index % columns;
  if (grid.snaking && row % 2 === 1) column = columns - 1 - column;
  return [row, column];
}
