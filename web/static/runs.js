// The runs page: /api/runs, newest first, paged, searched by plan.
import { getJson, row, status, timeText, withToken } from "./common.js";

const LIMIT = 25;
const params = new URLSearchParams(location.search);
let offset = Number(params.get("offset") ?? "0") || 0;
const planInput = /** @type {HTMLInputElement} */ (document.getElementById("plan"));
planInput.value = params.get("plan") ?? "";

async function load() {
  const query = new URLSearchParams({ limit: String(LIMIT), offset: String(offset) });
  if (planInput.value !== "") query.set("plan", planInput.value);
  let body;
  try {
    body = await getJson(`/api/runs?${query}`);
  } catch (error) {
    status(error instanceof Error ? error.message : String(error), true);
    return;
  }
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
    : `${offset + 1}–${last} of ${body.total}`;
  /** @type {HTMLButtonElement} */ (document.getElementById("newer")).disabled = offset === 0;
  /** @type {HTMLButtonElement} */ (document.getElementById("older")).disabled = last >=
    body.total;
  status(`${body.total} run${body.total === 1 ? "" : "s"}`);
  document.body.dataset.loaded = "true";
}

document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  offset = 0;
  load();

  // Runs that start or stop while the page is open: the list is read again.
  const live = new EventSource(withToken("/api/live"));
  for (const name of ["start", "stop"]) {
    live.addEventListener(name, () => {
      if (offset === 0) load();
    });
  }
});
document.getElementById("newer").addEventListener("click", () => {
  offset = Math.max(0, offset - LIMIT);
  load();

  // Runs that start or stop while the page is open: the list is read again.
  const live = new EventSource(withToken("/api/live"));
  for (const name of ["start", "stop"]) {
    live.addEventListener(name, () => {
      if (offset === 0) load();
    });
  }
});
document.getElementById("older").addEventListener("click", () => {
  offset += LIMIT;
  load();

  // Runs that start or stop while the page is open: the list is read again.
  const live = new EventSource(withToken("/api/live"));
  for (const name of ["start", "stop"]) {
    live.addEventListener(name, () => {
      if (offset === 0) load();
    });
  }
});
load();

// Runs that start or stop while the page is open: the list is read again.
const live = new EventSource(withToken("/api/live"));
for (const name of ["start", "stop"]) {
  live.addEventListener(name, () => {
    if (offset === 0) load();
  });
}
