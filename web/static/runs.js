// The runs page: /api/runs, newest first, paged, searched by plan, time range and start keys.
// The search is kept in the page's address (as the API's parameters), so it can be shared.
import { getJson, row, status, timeText, withToken } from "./common.js";

const DEFAULT_LIMIT = "25";
const params = new URLSearchParams(location.search);
const limit = params.get("limit") ?? DEFAULT_LIMIT;
let offset = Number(params.get("offset") ?? "0") || 0;
const form = /** @type {HTMLFormElement} */ (document.getElementById("search"));
const planInput = /** @type {HTMLInputElement} */ (document.getElementById("plan"));
const sinceInput = /** @type {HTMLInputElement} */ (document.getElementById("since"));
const untilInput = /** @type {HTMLInputElement} */ (document.getElementById("until"));
const keyRows = /** @type {HTMLElement} */ (document.getElementById("keys"));
const previous = /** @type {HTMLButtonElement} */ (document.getElementById("previous"));
const next = /** @type {HTMLButtonElement} */ (document.getElementById("next"));

/**
 * A time as the API takes it, from a datetime-local input (local time) to ISO 8601 UTC. A time
 * the page cannot read (or one typed in part) is sent as written, for the API to name in its
 * answer.
 * @param {HTMLInputElement} input
 * @returns {string | undefined}
 */
function isoTime(input) {
  // A date typed in part has no value: sent empty, the API's answer says the time is wrong.
  if (input.validity.badInput) return "";
  if (input.value === "") return input.dataset.raw;
  const date = new Date(input.value);
  return Number.isFinite(date.getTime()) ? date.toISOString() : input.value;
}

/**
 * Put a time of the address (epoch seconds or ISO 8601) into a datetime-local input; one it
 * cannot hold is kept aside and sent as it is, until the input is changed.
 * @param {HTMLInputElement} input
 * @param {string | null} value
 */
function setTime(input, value) {
  delete input.dataset.raw;
  input.value = "";
  if (value === null || value === "") return;
  const date = new Date(/^-?\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : value);
  if (Number.isFinite(date.getTime())) {
    const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
    input.value = local.toISOString().slice(0, 19);
  }
  if (input.value === "") input.dataset.raw = value;
}

/**
 * Add a row for one start key.
 * @param {string} [name]
 * @param {string} [value]
 */
function addKey(name = "", value = "") {
  const div = document.createElement("div");
  div.className = "key-row";
  const nameInput = document.createElement("input");
  nameInput.className = "key-name";
  nameInput.placeholder = "key, e.g. sample";
  nameInput.value = name;
  nameInput.setAttribute("aria-label", "start key");
  const valueInput = document.createElement("input");
  valueInput.className = "key-value";
  valueInput.placeholder = 'value, e.g. Si or 300 or "300"';
  valueInput.value = value;
  valueInput.setAttribute("aria-label", "value");
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = "Remove";
  remove.addEventListener("click", () => div.remove());
  div.append(nameInput, " = ", valueInput, " ", remove);
  keyRows.append(div);
}

/** The search as the API's parameters (without the page). */
function searchQuery() {
  const query = new URLSearchParams();
  if (planInput.value !== "") query.set("plan", planInput.value);
  const since = isoTime(sinceInput);
  const until = isoTime(untilInput);
  if (since !== undefined) query.set("since", since);
  if (until !== undefined) query.set("until", until);
  for (const div of keyRows.querySelectorAll(".key-row")) {
    const name = /** @type {HTMLInputElement} */ (div.querySelector(".key-name")).value.trim();
    const value = /** @type {HTMLInputElement} */ (div.querySelector(".key-value")).value.trim();
    // A key given twice is sent twice: the API names it in its answer.
    if (name !== "" || value !== "") query.append(`key.${name}`, value);
  }
  return query;
}

/** Fill the form from the page's address. */
function fromAddress() {
  planInput.value = params.get("plan") ?? "";
  setTime(sinceInput, params.get("since"));
  setTime(untilInput, params.get("until"));
  keyRows.replaceChildren();
  for (const [name, value] of params) {
    if (name.startsWith("key.")) addKey(name.slice(4), value);
  }
  if (keyRows.childElementCount === 0) addKey();
}

/** The number of the load under way: an answer to an older one is dropped. */
let loads = 0;

async function load() {
  const search = searchQuery();
  const query = new URLSearchParams(search);
  query.set("limit", limit);
  query.set("offset", String(offset));
  // The page's address follows the search (the token, if any, stays in it).
  const address = new URLSearchParams(search);
  if (limit !== DEFAULT_LIMIT) address.set("limit", limit);
  if (offset !== 0) address.set("offset", String(offset));
  if (params.has("token")) address.set("token", params.get("token") ?? "");
  history.replaceState(null, "", `${location.pathname}${address.size > 0 ? `?${address}` : ""}`);
  const number = ++loads;
  let body;
  try {
    body = await getJson(`/api/runs?${query}`);
  } catch (error) {
    if (number !== loads) return;
    document.querySelector("#runs tbody")?.replaceChildren();
    document.getElementById("page").textContent = "";
    previous.disabled = offset === 0;
    next.disabled = true;
    status(error instanceof Error ? error.message : String(error), true);
    document.body.dataset.loaded = "true";
    return;
  }
  if (number !== loads) return;
  const tbody = /** @type {HTMLElement} */ (document.querySelector("#runs tbody"));
  tbody.replaceChildren(
    ...body.runs.map((run) => {
      const link = document.createElement("a");
      link.href = withToken(`/runs/${encodeURIComponent(run.uid)}`);
      link.textContent = run.uid;
      const tr = row([
        run.scan_id,
        run.plan_name,
        timeText(run.time),
        run.exit_status ?? "running",
        run.events,
        link,
      ]);
      tr.dataset.uid = run.uid;
      return tr;
    }),
  );
  const last = Math.min(offset + body.runs.length, body.total);
  document.getElementById("page").textContent = body.total === 0
    ? "no runs"
    : body.runs.length === 0
    ? `none past ${body.total}`
    : `${offset + 1}–${last} of ${body.total}`;
  previous.disabled = offset === 0;
  next.disabled = last >= body.total || body.runs.length === 0;
  status(`${body.total} run${body.total === 1 ? "" : "s"}`);
  document.body.dataset.loaded = "true";
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  offset = 0;
  load();
});
for (const input of [sinceInput, untilInput]) {
  input.addEventListener("input", () => delete input.dataset.raw);
}
document.getElementById("add-key").addEventListener("click", () => addKey());
document.getElementById("clear").addEventListener("click", () => {
  form.reset();
  for (const input of [sinceInput, untilInput]) delete input.dataset.raw;
  keyRows.replaceChildren();
  addKey();
  offset = 0;
  load();
});
previous.addEventListener("click", () => {
  offset = Math.max(0, offset - (Number(limit) || Number(DEFAULT_LIMIT)));
  load();
});
next.addEventListener("click", () => {
  offset += Number(limit) || Number(DEFAULT_LIMIT);
  load();
});

fromAddress();
load();

// Runs that start or stop while the page is open: the first page is read again.
const live = new EventSource(withToken("/api/live"));
for (const name of ["start", "stop"]) {
  live.addEventListener(name, () => {
    if (offset === 0) load();
  });
}
