// A run's page: start metadata, each stream as a table, and a plot of any key against any other
// (by default the hinted detectors against the first dimension, as BestEffortCallback chooses);
// a 2-D grid scan's detector also as an image.
import { defaultAxes, gridOf, scalar } from "./axes.js";
import { getJson, row, status, text, timeText, withToken } from "./common.js";
import { image } from "./image.js";
import { plot } from "./plot.js";

const uid = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const base = `/api/runs/${encodeURIComponent(uid)}`;
/** @type {Map<string, { info: any, columns: any, seen?: Set<number> }>} */
const streams = new Map();
const streamSelect = /** @type {HTMLSelectElement} */ (document.getElementById("stream"));
const viewSelect = /** @type {HTMLSelectElement} */ (document.getElementById("view"));
const xSelect = /** @type {HTMLSelectElement} */ (document.getElementById("x"));
const ySelect = /** @type {HTMLSelectElement} */ (document.getElementById("y"));
const zSelect = /** @type {HTMLSelectElement} */ (document.getElementById("z"));
/** @type {any} */
let start = {};

/** Show or hide a select's label. */
function shown(select, visible) {
  const label = select.closest("label");
  if (label !== null) label.hidden = !visible;
}

function options(select, keys, selected) {
  select.replaceChildren(...keys.map((key) => {
    const option = document.createElement("option");
    option.value = key;
    option.textContent = key;
    option.selected = selected.includes(key);
    return option;
  }));
}

function chooseStream() {
  const name = streamSelect.value;
  const stream = streams.get(name);
  if (stream === undefined) return;
  const scalars = Object.keys(stream.info.data_keys).filter((key) =>
    scalar(stream.info.data_keys[key])
  );
  const keys = ["seq_num", "time", ...scalars];
  const { x, y } = defaultAxes(start, stream.info);
  options(xSelect, keys, [x]);
  options(ySelect, keys, y);
  options(zSelect, scalars, y.slice(0, 1));
  const grid = gridOf(start, stream.info);
  const views = grid === null ? ["line"] : ["image", "line"];
  viewSelect.replaceChildren(...views.map((view, i) => {
    const option = new Option(
      view === "image" ? "image (grid)" : "line plot",
      view,
      i === 0,
      i === 0,
    );
    return option;
  }));
  shown(viewSelect, grid !== null);
  draw();
}

function column(columns, key) {
  if (key === "seq_num") return columns.seq_num;
  if (key === "time") return columns.time;
  return columns.data[key] ?? [];
}

/** Values as numbers to plot; a missing or non-numeric one is NaN, so no point is drawn. */
function numbers(values) {
  return values.map((v) => typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : NaN);
}

function draw() {
  const stream = streams.get(streamSelect.value);
  const target = /** @type {HTMLElement} */ (document.getElementById("plot"));
  if (stream === undefined) {
    target.replaceChildren();
    return;
  }
  const grid = gridOf(start, stream.info);
  const view = grid !== null && viewSelect.value === "image" ? "image" : "line";
  target.dataset.view = view;
  shown(xSelect, view === "line");
  shown(ySelect, view === "line");
  shown(zSelect, view === "image");
  const columns = stream.columns;
  if (view === "image" && grid !== null) {
    target.replaceChildren(image({
      grid,
      seqNum: columns.seq_num,
      values: numbers(column(columns, zSelect.value)),
      label: zSelect.value,
    }));
    return;
  }
  const yKeys = [...ySelect.selectedOptions].map((option) => option.value);
  const xKey = xSelect.value;
  // Time as BestEffortCallback plots it: seconds since the start.
  const since = xKey === "time" && typeof start.time === "number" ? start.time : 0;
  target.replaceChildren(plot({
    x: numbers(column(columns, xKey)).map((v) => v - since),
    xLabel: since === 0 ? xKey : "time (s since the start)",
    xKey,
    series: yKeys.map((key) => ({ label: key, y: numbers(column(columns, key)) })),
  }));
}

function heading(element, name, n) {
  element.textContent = `Stream "${name}" (${n} event${n === 1 ? "" : "s"})`;
}

function eventRow(columns, i) {
  return row([
    columns.seq_num[i],
    timeText(columns.time[i], true),
    ...Object.keys(columns.data).map((key) => columns.data[key][i]),
  ]);
}

function streamTable(name, columns) {
  const section = document.createElement("section");
  const title = document.createElement("h2");
  heading(title, name, columns.seq_num.length);
  const table = document.createElement("table");
  table.className = "stream";
  table.dataset.stream = name;
  table.append(document.createElement("thead"), document.createElement("tbody"));
  table.tHead.append(row(["seq_num", "time", ...Object.keys(columns.data)], "th"));
  for (let i = 0; i < columns.seq_num.length; i++) table.tBodies[0].append(eventRow(columns, i));
  section.append(title, table);
  return section;
}

/** The stream a descriptor uid belongs to. */
const descriptorStreams = new Map();

/** Add one event to its stream's columns, table and plot; one already shown is skipped. */
function addEvent(event) {
  const name = descriptorStreams.get(event.descriptor);
  const stream = streams.get(name);
  if (stream === undefined) return;
  stream.seen ??= new Set(stream.columns.seq_num);
  if (stream.seen.has(event.seq_num)) return;
  stream.seen.add(event.seq_num);
  const columns = stream.columns;
  columns.seq_num.push(event.seq_num);
  columns.time.push(event.time);
  for (const key of Object.keys(columns.data)) columns.data[key].push(event.data[key] ?? null);
  const table = document.querySelector(`table[data-stream="${CSS.escape(name)}"]`);
  table?.tBodies[0].append(eventRow(columns, columns.seq_num.length - 1));
  const title = table?.previousElementSibling;
  if (title) heading(title, name, columns.seq_num.length);
  if (streamSelect.value === name) draw();
}

/** A new stream, from its first descriptor, while the run goes on. */
function addDescriptor(descriptor) {
  const name = descriptor.name ?? "primary";
  descriptorStreams.set(descriptor.uid, name);
  const known = streams.get(name);
  if (known !== undefined) {
    if (known.info.descriptors.includes(descriptor.uid)) return;
    // Another descriptor of the stream: its keys and hints join the stream's.
    known.info.descriptors.push(descriptor.uid);
    known.info.data_keys = { ...known.info.data_keys, ...descriptor.data_keys };
    known.info.hints = { ...known.info.hints, ...(descriptor.hints ?? {}) };
    for (const key of Object.keys(descriptor.data_keys)) {
      known.columns.data[key] ??= known.columns.seq_num.map(() => null);
    }
    return;
  }
  const data = Object.fromEntries(Object.keys(descriptor.data_keys).map((key) => [key, []]));
  const info = {
    name,
    descriptors: [descriptor.uid],
    data_keys: descriptor.data_keys,
    hints: descriptor.hints ?? {},
  };
  const columns = { stream: name, seq_num: [], time: [], data };
  streams.set(name, { info, columns });
  document.getElementById("streams").append(streamTable(name, columns));
  const first = streamSelect.options.length === 0;
  streamSelect.append(new Option(name, name, first, first));
  if (first) chooseStream();
}

/**
 * Follow the run as it goes on: its documents pushed by /api/runs/<uid>/events (Server-Sent
 * Events), the events added to the tables and plot, until the stop.
 */
function follow() {
  const source = new EventSource(withToken(`${base}/events`));
  document.body.dataset.live = "open";
  source.addEventListener("document", (message) => {
    const { name, doc } = JSON.parse(message.data);
    if (name === "descriptor") addDescriptor(doc);
    else if (name === "event") addEvent(doc);
    else if (name === "event_page") {
      for (let i = 0; i < doc.seq_num.length; i++) {
        addEvent({
          descriptor: doc.descriptor,
          seq_num: doc.seq_num[i],
          time: doc.time[i],
          data: Object.fromEntries(
            Object.entries(doc.data).map(([key, values]) => [key, values[i]]),
          ),
        });
      }
    } else if (name === "stop") {
      status(`exit status: ${doc.exit_status}${doc.reason ? ` (${doc.reason})` : ""}`);
    }
  });
  source.addEventListener("end", () => {
    source.close();
    document.body.dataset.live = "ended";
  });
}

/** Where else the run can be seen: H5Web, its NeXus file, its documents. */
function links() {
  const page = `/runs/${encodeURIComponent(uid)}`;
  return [
    ["Open in H5Web", `${page}/h5web`, "h5web"],
    ["NeXus file", `${base}/nexus.hdf`, "nexus"],
    ["JSON Lines", `${base}/documents.jsonl`, "jsonl"],
  ].map(([label, path, name]) => {
    const link = document.createElement("a");
    link.href = withToken(path);
    link.textContent = label;
    link.dataset.link = name;
    return link;
  });
}

async function load() {
  const detail = await getJson(base);
  start = detail.start;
  const summary = detail.summary;
  document.title = `Run ${summary.scan_id ?? ""} ${summary.plan_name ?? ""}`;
  document.getElementById("title").textContent = `Scan ${text(summary.scan_id)} · ${
    text(summary.plan_name)
  } · ${timeText(summary.time)}`;
  status(
    detail.stop === null ? "running (no stop yet)" : `exit status: ${detail.stop.exit_status}`,
  );
  const startBody = /** @type {HTMLElement} */ (document.querySelector("#start tbody"));
  startBody.replaceChildren(...Object.entries(start).map(([key, value]) => row([key, value])));
  const sections = [];
  for (const info of detail.streams) {
    for (const descriptor of info.descriptors) descriptorStreams.set(descriptor, info.name);
    const columns = await getJson(`${base}/streams/${encodeURIComponent(info.name)}/columns`);
    streams.set(info.name, { info, columns });
    sections.push(streamTable(info.name, columns));
  }
  document.getElementById("streams").replaceChildren(...sections);
  options(streamSelect, [...streams.keys()], [streams.has("primary") ? "primary" : ""]);
  document.getElementById("links").replaceChildren(...links());
  chooseStream();
  if (detail.stop === null) follow();
  document.body.dataset.loaded = "true";
}

streamSelect.addEventListener("change", chooseStream);
viewSelect.addEventListener("change", draw);
zSelect.addEventListener("change", draw);
xSelect.addEventListener("change", draw);
ySelect.addEventListener("change", draw);
load().catch((error) => status(error instanceof Error ? error.message : String(error), true));
