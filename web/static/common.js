// Shared by the pages: API requests (passing on the page's ?token=), text escaping by DOM.

const token = new URLSearchParams(location.search).get("token");

/**
 * A path with the page's token added, if it has one.
 * @param {string} path
 * @returns {string}
 */
export function withToken(path) {
  if (token === null) return path;
  return `${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

/**
 * GET a JSON answer of the API.
 * @param {string} path
 * @returns {Promise<any>}
 */
export async function getJson(path) {
  const response = await fetch(withToken(path));
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `Request "${path}" failed: ${response.status}`);
  return body;
}

/**
 * A table row of cells holding these texts.
 * @param {unknown[]} values
 * @param {string} [tag]
 * @returns {HTMLTableRowElement}
 */
export function row(values, tag = "td") {
  const tr = document.createElement("tr");
  for (const value of values) {
    const cell = document.createElement(tag);
    if (value instanceof Node) cell.append(value);
    else cell.textContent = text(value);
    tr.append(cell);
  }
  return tr;
}

/**
 * A value as shown in a cell.
 * @param {unknown} value
 * @returns {string}
 */
export function text(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    return Number.isInteger(value) || Math.abs(value) >= 1e5 ? String(value) : value.toPrecision(6);
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * A time in epoch seconds as ISO-like UTC text.
 * @param {number | null} seconds
 * @param {boolean} [milliseconds] Keep the milliseconds (for events).
 * @returns {string}
 */
export function timeText(seconds, milliseconds = false) {
  if (typeof seconds !== "number") return "";
  const iso = new Date(seconds * 1000).toISOString().replace("T", " ");
  return milliseconds ? iso.replace("Z", " UTC") : iso.replace(/\.\d+Z$/, " UTC");
}

/**
 * Show a message in the page's status line.
 * @param {string} message
 * @param {boolean} [error]
 */
export function status(message, error = false) {
  const element = document.getElementById("status");
  if (element === null) return;
  element.textContent = message;
  element.classList.toggle("error", error);
}
