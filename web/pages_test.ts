import assert from "node:assert/strict";
import { gridScan, RunEngine, scan } from "../mod.ts";
import { GaussianDetector, SimMotor } from "../devices/mod.ts";
import { CONTENT_SECURITY_POLICY, createPages } from "./pages.ts";
import { cellOf, defaultAxes, gridOf, hintedFields } from "./static/axes.js";

const BASE = "http://127.0.0.1";

Deno.test("the runs page and a run's page are sent as HTML with the Content-Security-Policy", async () => {
  const pages = createPages();
  for (const path of ["/", "/runs/run-00001"]) {
    const response = await pages(new Request(`${BASE}${path}`))!;
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(response.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
    assert.match(await response.text(), /<script type="module" src="\/static\/run?s?\.js">/);
  }
});

Deno.test("no page holds an inline script or style, and the policy allows none", async () => {
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
  for (const name of ["index.html", "run.html"]) {
    const html = await Deno.readTextFile(new URL(`./static/${name}`, import.meta.url));
    for (const script of html.match(/<script\b[^>]*>[^<]*<\/script>/g) ?? []) {
      assert.match(script, /src="\/static\/[\w.]+\.js"><\/script>$/, `${name}: ${script}`);
    }
    assert.doesNotMatch(html, /<style|\sstyle=|\son\w+=/i, name);
  }
});

Deno.test("the static files are served with their types, and any other name gets 404", async () => {
  const pages = createPages();
  const script = await pages(new Request(`${BASE}/static/run.js`))!;
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.match(await script.text(), /import/);
  for (
    const path of ["/static/pages.ts", "/static/constructor", "/static/missing.js"]
  ) {
    const response = await pages(new Request(`${BASE}${path}`))!;
    assert.equal(response.status, 404, path);
    assert.deepEqual(await response.json(), { error: "Not found" });
  }
});

Deno.test("paths that are no page's are left to the API", () => {
  const pages = createPages();
  for (
    const path of [
      "/api/runs",
      "/runs",
      "/runs/a/b",
      "/static",
      "/static/..%2Fpages.ts",
      "/favicon.ico",
    ]
  ) {
    assert.equal(pages(new Request(`${BASE}${path}`)), undefined, path);
  }
});

Deno.test("off loopback a page needs the token, and a method other than GET gets 405", async () => {
  assert.throws(() => createPages({ host: "0.0.0.0" }), /needs a token/);
  const pages = createPages({ host: "0.0.0.0", token: "secret" });
  const refused = await pages(new Request(`${BASE}/`))!;
  assert.equal(refused.status, 401);
  await refused.body?.cancel();
  const wrong = await pages(new Request(`${BASE}/?token=guess`))!;
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  const allowed = await pages(new Request(`${BASE}/?token=secret`))!;
  assert.equal(allowed.status, 200);
  await allowed.body?.cancel();
  const posted = await createPages()(new Request(`${BASE}/`, { method: "POST" }))!;
  assert.equal(posted.status, 405);
  await posted.body?.cancel();
});

Deno.test("every static file the pages import is one the server sends", async () => {
  const pages = createPages();
  const dir = new URL("./static/", import.meta.url);
  for await (const entry of Deno.readDir(dir)) {
    const text = await Deno.readTextFile(new URL(entry.name, dir));
    const named = [
      ...text.matchAll(/from "\.\/([\w.-]+\.js)"/g),
      ...text.matchAll(/src="\/static\/([\w.-]+)"/g),
      ...text.matchAll(/href="\/static\/([\w.-]+)"/g),
    ].map((m) => m[1]!);
    for (const name of named) {
      const response = await pages(new Request(`${BASE}/static/${name}`))!;
      assert.equal(response.status, 200, `${entry.name} names "${name}"`);
      await response.body?.cancel();
    }
  }
});

/** What a real scan of `det` against motor `m1` puts in its start and primary descriptor. */
async function scanRun(
  plan: "scan" | "grid",
): Promise<{ start: Record<string, unknown>; info: StreamInfo; events: Event[] }> {
  const m1 = new SimMotor({ name: "m1", instant: true });
  const m2 = new SimMotor({ name: "m2", instant: true });
  const m3 = new SimMotor({ name: "m3", instant: true });
  const det = new GaussianDetector({ name: "det", motor: m1 });
  const documents: [string, Record<string, unknown>][] = [];
  const RE = new RunEngine();
  RE.subscribe("all", (name, doc) => void documents.push([name, structuredClone(doc) as never]));
  if (plan === "scan") await RE.run(scan([det, m3], [[m1, 0, 1]], { num: 3 }));
  else await RE.run(gridScan([det], [[m1, 0, 1, 3], [m2, -2, 2, 4, true]]));
  const start = documents.find(([name]) => name === "start")![1];
  const descriptor = documents.find(([name]) => name === "descriptor")![1] as never as {
    data_keys: Record<string, unknown>;
    hints: Record<string, unknown>;
  };
  const events = documents.filter(([name]) => name === "event").map(([, doc]) => doc as never);
  return {
    start,
    info: { name: "primary", data_keys: descriptor.data_keys, hints: descriptor.hints },
    events,
  };
}

interface StreamInfo {
  name: string;
  data_keys: Record<string, unknown>;
  hints?: Record<string, unknown>;
}

interface Event {
  seq_num: number;
  data: Record<string, number>;
}

Deno.test("the default plot of a real scan is the hinted detectors against the dimension's motor", async () => {
  const { start, info } = await scanRun("scan");
  assert.deepEqual(hintedFields(info), ["det", "m3", "m1"]);
  assert.deepEqual(defaultAxes(start, info), { x: "m1", y: ["det", "m3"], hinted: true });
  assert.equal(gridOf(start, info), null, "a 1-D scan is no grid");
  const baseline = { ...info, name: "baseline" };
  assert.equal(defaultAxes(start, baseline).x, "time", "another stream is plotted against time");
});

Deno.test("without hints.dimensions the default x is the plan's motor, and else seq_num", () => {
  const info = {
    name: "primary",
    data_keys: {
      mtr: { dtype: "number", shape: [], object_name: "mtr" },
      mtr_setpoint: { dtype: "number", shape: [], object_name: "mtr" },
      d: { dtype: "integer", shape: [], object_name: "d" },
      d_raw: { dtype: "number", shape: [], object_name: "d" },
      frame: { dtype: "array", shape: [4, 4], object_name: "cam" },
    },
    hints: { mtr: { fields: ["mtr"] }, d: { fields: ["d"] } },
  };
  assert.deepEqual(defaultAxes({ motors: ["mtr"] }, info), { x: "mtr", y: ["d"], hinted: true });
  assert.deepEqual(defaultAxes({}, info).x, "seq_num");
  assert.deepEqual(defaultAxes({}, info).y, ["mtr", "d"], "every hinted scalar field");
  const unhinted = { name: "primary", data_keys: { a: { dtype: "number", shape: [] } } };
  assert.deepEqual(defaultAxes({ motors: ["a"] }, unhinted), { x: "a", y: [], hinted: false });
});

Deno.test("a real grid scan is a grid, and each event's cell is where its motors were, snaking", async () => {
  const { start, info, events } = await scanRun("grid");
  const grid = gridOf(start, info);
  assert.deepEqual(grid, {
    shape: [3, 4],
    extents: [[0, 1], [-2, 2]],
    snaking: true,
    fields: ["m1", "m2"],
    relative: false,
  });
  assert.equal(events.length, 12);
  const cells = new Set<string>();
  for (const event of events) {
    const cell: [number, number] | null = cellOf(grid!, event.seq_num);
    assert.ok(cell !== null, `seq_num ${event.seq_num} is on the grid`);
    const [row, column] = cell;
    assert.equal(event.data.m1, row * 0.5, `seq_num ${event.seq_num}: m1 is row ${row}'s`);
    assert.ok(
      Math.abs(event.data.m2! - (-2 + column * 4 / 3)) < 1e-9,
      `seq_num ${event.seq_num}: m2 is column ${column}'s`,
    );
    cells.add(`${row},${column}`);
  }
  assert.equal(cells.size, 12, "no cell twice");
  assert.equal(cellOf(grid!, 13), null, "off the grid");
  assert.equal(gridOf({ ...start, shape: [12] }, info), null, "a shape of one is no image");
  const { shape: _shape, plan_name: _plan, ...unshaped } = start;
  assert.equal(gridOf(unshaped, info), null, "no shape, no grid");
  const rectilinear = { ...unshaped, shape: [3, 4], plan_name: "my_grid" };
  assert.equal(gridOf(rectilinear, info)?.shape.join(), "3,4", "gridding: rectilinear is a grid");
});
