/**
 * The web view's pages in a real browser: Debian's Chromium, headless, driven through the
 * DevTools protocol (tests/_cdp.ts), against the server in this process on 127.0.0.1. A screenshot
 * of each page goes into the test's temporary folder; any JavaScript error on a page fails it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Catalog, temp } from "../core/catalog/mod.ts";
import { testRun } from "../core/catalog/_test_runs.ts";
import type { NamedDocument } from "../core/documents/types.ts";
import { gridScan, type Plan, RunEngine, scan, SupplementalData } from "../mod.ts";
import { GaussianDetector, SimMotor } from "../devices/mod.ts";
import { type ApiOptions, createApi } from "../web/api.ts";
import { createPages } from "../web/pages.ts";
import { ignoreUnless } from "./_ci.ts";
import { Browser, chromiumAvailable } from "./_cdp.ts";
import { keepScreenshot } from "./_screenshots.ts";

const ignore = ignoreUnless(chromiumAvailable(), "No Chromium at /usr/bin/chromium");

/** Two runs: scan 1 ("count", 4 events), then scan 2 ("scan", 7 events, motor "motor"). */
function twoRuns(): Catalog {
  const catalog = temp();
  const runs = [
    { uid: "run-a-0001", scan_id: 1, plan_name: "count", time: 1_700_000_000, events: 4 },
    { uid: "run-b-0002", scan_id: 2, plan_name: "scan", time: 1_700_000_100, events: 7 },
  ];
  for (const { events, ...start } of runs) {
    const motors = start.plan_name === "scan" ? { motors: ["motor"], detectors: ["det"] } : {};
    for (const [name, doc] of testRun({ start: { ...start, ...motors }, events }).documents) {
      catalog.insert(name, doc as never);
    }
  }
  return catalog;
}

/** The documents of a plan run by the RunEngine, with `m2` in a baseline. */
async function recorded(
  plan: (motors: { m1: SimMotor; m2: SimMotor; m3: SimMotor }) => Plan<string>,
): Promise<NamedDocument[]> {
  const m1 = new SimMotor({ name: "m1", instant: true });
  const m2 = new SimMotor({ name: "m2", instant: true });
  const m3 = new SimMotor({ name: "m3", instant: true });
  const documents: NamedDocument[] = [];
  const RE = new RunEngine({ preprocessors: [new SupplementalData({ baseline: [m3] }).wrap] });
  RE.subscribe("all", (name, doc) => void documents.push([name, structuredClone(doc)] as never));
  await RE.run(plan({ m1, m2, m3 }));
  return documents;
}

/** A catalog holding these documents. */
function catalogOf(...runs: NamedDocument[][]): Catalog {
  const catalog = temp();
  for (const documents of runs) {
    for (const [name, doc] of documents) catalog.insert(name, doc as never);
  }
  catalog.flush();
  return catalog;
}

/** A detector that reads 10 m1 + m2: each grid cell gets its own value. */
function gridDetector(m1: SimMotor, m2: SimMotor): GaussianDetector {
  const position = {
    name: "p",
    get position() {
      return 10 * m1.position + m2.position;
    },
  };
  return new GaussianDetector({ name: "det", motor: position, sigma: 20 });
}

/** The uid of a run's start document. */
function uidOf(documents: NamedDocument[]): string {
  return (documents[0]![1] as { uid: string }).uid;
}

/** The server (pages before the API) and a browser, for the length of `body`. */
async function withBrowser(
  body: (browser: Browser, base: string, dir: string) => Promise<void>,
  catalog: Catalog = twoRuns(),
  options: ApiOptions = {},
): Promise<void> {
  const api = createApi(catalog, options);
  const pages = createPages();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => pages(request) ?? api(request),
  );
  const dir = await Deno.makeTempDir({ prefix: "nxdaq-browser-" });
  try {
    const browser = await Browser.launch();
    try {
      const { port } = server.addr as Deno.NetAddr;
      await body(browser, `http://127.0.0.1:${port}`, dir);
      assert.deepEqual(browser.errors, [], "the page logs no JavaScript error");
    } finally {
      await browser.close();
    }
  } finally {
    await server.shutdown();
    catalog.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "the runs page lists both runs of the catalog, newest first, in Chromium",
  ignore,
  fn: () =>
    withBrowser(async (browser, base, dir) => {
      await browser.open(`${base}/`);
      await browser.waitFor(`document.body.dataset.loaded === "true"`);
      const rows = await browser.evaluate<string[][]>(
        `[...document.querySelectorAll("#runs tbody tr")]
          .map((tr) => [...tr.cells].map((td) => td.textContent))`,
      );
      assert.equal(rows.length, 2);
      assert.deepEqual(rows.map((row) => row[0]), ["2", "1"], "newest first");
      assert.deepEqual(rows.map((row) => row[1]), ["scan", "count"]);
      assert.deepEqual(rows.map((row) => row[4]), ["8", "5"], "the events, baseline included");
      assert.deepEqual(rows.map((row) => row[5]), ["run-b-0002", "run-a-0001"]);
      await browser.evaluate(`(document.getElementById("plan").value = "count",
        document.body.dataset.loaded = "", document.getElementById("search").requestSubmit())`);
      await browser.waitFor(`document.body.dataset.loaded === "true"`);
      const searched = await browser.evaluate<string[]>(
        `[...document.querySelectorAll("#runs tbody tr")].map((tr) => tr.dataset.uid)`,
      );
      assert.deepEqual(searched, ["run-a-0001"], "the search by plan keeps only that plan's run");
      await browser.evaluate(`(document.getElementById("plan").value = "",
        document.body.dataset.loaded = "", document.getElementById("search").requestSubmit())`);
      await browser.waitFor(`document.body.dataset.loaded === "true"`);
      const size = await browser.screenshot(`${dir}/runs.png`);
      await keepScreenshot(`${dir}/runs.png`);
      assert.ok(size > 5_000, `the screenshot of the runs page holds a page: ${size} bytes`);
    }),
});

Deno.test({
  name: "a run's page shows its events as a table and plots one point per event, in Chromium",
  ignore,
  fn: () =>
    withBrowser(async (browser, base, dir) => {
      await browser.open(`${base}/runs/run-b-0002`);
      await browser.waitFor(`document.body.dataset.loaded === "true"`);
      const title = await browser.evaluate<string>(`document.getElementById("title").textContent`);
      assert.match(title, /Scan 2 · scan/);
      const start = await browser.evaluate<string[]>(
        `[...document.querySelectorAll("#start tbody tr")].map((tr) => tr.cells[0].textContent)`,
      );
      assert.ok(start.includes("plan_name") && start.includes("uid"), `start keys: ${start}`);
      const table = await browser.evaluate<string[][]>(
        `[...document.querySelectorAll('table[data-stream="primary"] tbody tr')]
          .map((tr) => [...tr.cells].map((td) => td.textContent))`,
      );
      assert.equal(table.length, 7, "one row per event");
      assert.deepEqual(table.map((row) => row[0]), ["1", "2", "3", "4", "5", "6", "7"]);
      const axes = await browser.evaluate<{ x: string; y: string[] }>(
        `({ x: document.getElementById("x").value,
            y: [...document.getElementById("y").selectedOptions].map((o) => o.value) })`,
      );
      assert.deepEqual(axes, { x: "motor", y: ["det"] }, "the detector against the motor");
      const points = await browser.evaluate<number>(
        `document.querySelectorAll("#plot svg circle.point").length`,
      );
      assert.equal(points, 7, "one point per event");
      const size = await browser.screenshot(`${dir}/run.png`);
      await keepScreenshot(`${dir}/run.png`);
      assert.ok(size > 5_000, `the screenshot of the run's page holds a page: ${size} bytes`);
      await browser.evaluate(`(() => {
        const x = document.getElementById("x");
        x.value = "seq_num";
        x.dispatchEvent(new Event("change"));
      })()`);
      const xLabel = await browser.evaluate<string>(
        `[...document.querySelectorAll("#plot svg text")].map((t) => t.textContent)
          .includes("seq_num")`,
      );
      assert.equal(xLabel, true, "another key chosen for x redraws the plot against it");
    }),
});

Deno.test({
  name: "a running run's table and plot grow point by point as its events are stored, in Chromium",
  ignore,
  fn: async () => {
    const catalog = temp();
    const { documents } = testRun({
      start: { uid: "run-live-0001", scan_id: 3, plan_name: "scan", motors: ["motor"] },
      events: 6,
    });
    const insert = (count: number) => {
      for (const [name, doc] of documents.splice(0, count)) catalog.insert(name, doc as never);
      catalog.flush();
    };
    insert(4); // start, the primary descriptor, two events
    await withBrowser(
      async (browser, base, dir) => {
        await browser.open(`${base}/runs/run-live-0001`);
        await browser.waitFor(`document.body.dataset.loaded === "true"`);
        const points = `document.querySelectorAll("#plot svg circle.point").length`;
        await browser.waitFor(`${points} === 2`);
        assert.match(
          await browser.evaluate<string>(`document.getElementById("status").textContent`),
          /running/,
        );
        for (let n = 3; n <= 6; n++) {
          insert(1);
          await browser.waitFor(`${points} === ${n}`);
          const rows = await browser.evaluate<number>(
            `document.querySelectorAll('table[data-stream="primary"] tbody tr').length`,
          );
          assert.equal(rows, n, "the table grows with the plot");
        }
        insert(documents.length); // the baseline and the stop
        await browser.waitFor(`document.body.dataset.live === "ended"`);
        assert.equal(
          await browser.evaluate<string>(`document.getElementById("status").textContent`),
          "exit status: success",
        );
        assert.equal(await browser.evaluate<number>(points), 6, "no point twice");
        const size = await browser.screenshot(`${dir}/live.png`);
        await keepScreenshot(`${dir}/live.png`);
        assert.ok(size > 5_000, `the screenshot of the live run holds a page: ${size} bytes`);
      },
      catalog,
      { interval: 20 },
    );
  },
});

/** The page's list of texts or values for a selector and a property. */
const texts = (selector: string, what = "textContent") =>
  `[...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => e.${what})`;

/** Choose a value in a select (or several, for a multiple one) as a user does. */
const choose = (id: string, ...values: string[]) =>
  `(() => {
    const select = document.getElementById(${JSON.stringify(id)});
    for (const option of select.options) option.selected = ${
    JSON.stringify(values)
  }.includes(option.value);
    select.dispatchEvent(new Event("change"));
  })()`;

Deno.test({
  name: "a real scan's page plots the hinted detectors against the dimension's motor by default",
  ignore,
  fn: async () => {
    const documents = await recorded(({ m1, m2 }) =>
      scan([new GaussianDetector({ name: "det", motor: m1 }), m2], [[m1, -1, 1]], { num: 5 })
    );
    const uid = uidOf(documents);
    await withBrowser(async (browser, base, dir) => {
      await browser.open(`${base}/runs/${uid}?token=t0k`);
      await browser.waitFor(`document.body.dataset.loaded === "true"`);
      const axes = await browser.evaluate<{ x: string; y: string[]; svgX: string; svgY: string }>(
        `({ x: document.getElementById("x").value,
            y: [...document.getElementById("y").selectedOptions].map((o) => o.value),
            svgX: document.querySelector("#plot svg").dataset.x,
            svgY: document.querySelector("#plot svg").dataset.y })`,
      );
      assert.deepEqual(
        { ...axes, svgY: JSON.parse(axes.svgY) },
        { x: "m1", y: ["det", "m2"], svgX: "m1", svgY: ["det", "m2"] },
        "the hinted fields (not the setpoints) against the first dimension's field",
      );
      assert.deepEqual(
        await browser.evaluate<string[]>(texts("#plot svg g[data-series]", "dataset.series")),
        ["det", "m2"],
      );
      assert.equal(
        await browser.evaluate<number>(`document.querySelectorAll("#plot svg circle").length`),
        10,
      );
      const keys = await browser.evaluate<string[]>(texts("#x option", "value"));
      assert.ok(keys.includes("m1_user_setpoint"), `any key can be chosen: ${keys}`);
      assert.equal(
        await browser.evaluate<boolean>(`document.getElementById("view").closest("label").hidden`),
        true,
        "no image view for a 1-D scan",
      );
      await browser.evaluate(choose("x", "m2_user_setpoint"));
      await browser.evaluate(choose("y", "m1_user_setpoint"));
      assert.deepEqual(
        await browser.evaluate<string[]>(
          `(({ x, y }) => [x, y])(document.querySelector("#plot svg").dataset)`,
        ),
        ["m2_user_setpoint", '["m1_user_setpoint"]'],
        "the keys chosen are plotted",
      );
      await browser.evaluate(choose("stream", "baseline"));
      const baseline = await browser.evaluate<string[]>(
        `[document.querySelector("#plot svg").dataset.x, document.querySelector("#plot svg").dataset.y,
          ${texts("#plot svg text")}.includes("time (s since the start)")]`,
      );
      assert.deepEqual(baseline, ["time", '["m3"]', true], "another stream against time");
      const links = await browser.evaluate<string[][]>(
        `[...document.querySelectorAll("#links a")].map((a) => [a.textContent, a.getAttribute("href")])`,
      );
      const run = `/runs/${uid}`;
      assert.deepEqual(links, [
        ["Open in H5Web", `${run}/h5web?token=t0k`],
        ["NeXus file", `/api${run}/nexus.hdf?token=t0k`],
        ["JSON Lines", `/api${run}/documents.jsonl?token=t0k`],
      ]);
      await browser.evaluate(choose("stream", "primary"));
      const size = await browser.screenshot(`${dir}/scan.png`);
      await keepScreenshot(`${dir}/scan.png`);
      assert.ok(size > 5_000, `the screenshot of the scan's page holds a page: ${size} bytes`);
    }, catalogOf(documents));
  },
});

/** A 3 x 4 grid scan whose fast axis (m2, -2 to 2) snakes; m1 from 0 to 1. */
function gridDocuments(): Promise<NamedDocument[]> {
  return recorded(({ m1, m2 }) =>
    gridScan([gridDetector(m1, m2)], [[m1, 0, 1, 3], [m2, -2, 2, 4, true]])
  );
}

/** Each primary event's grid cell (from its motors' positions) and value. */
function expectedCells(documents: NamedDocument[]): [number, number, number][] {
  const primary = documents.find(([name, doc]) =>
    name === "descriptor" && (doc as { name?: string }).name === "primary"
  )![1] as { uid: string };
  return documents.flatMap(([name, doc]) => {
    if (name !== "event") return [];
    const event = doc as { descriptor: string; data: Record<string, number> };
    if (event.descriptor !== primary.uid) return [];
    const { m1, m2, det } = event.data as { m1: number; m2: number; det: number };
    return [[Math.round(m1 * 2), Math.round((m2 + 2) * 3 / 4), det] as [number, number, number]];
  });
}

/** How many cells of the page's image are painted, and how many in the colour of their value. */
function paintedCells(cells: [number, number, number][]): string {
  return `(async () => {
    const { colour } = await import("/static/image.js");
    const figure = document.querySelector("#plot figure.grid-image");
    const canvas = figure.querySelector("canvas");
    const [left, top, width, height] = figure.dataset.area.split(",").map(Number);
    const [rows, columns] = figure.dataset.shape.split("x").map(Number);
    const low = Number(figure.dataset.low), high = Number(figure.dataset.high);
    const ratio = canvas.width / canvas.clientWidth;
    const context = canvas.getContext("2d");
    const pixel = (r, c) => [...context.getImageData(
      Math.floor((left + (c + 0.5) * width / columns) * ratio),
      Math.floor((top + height - (r + 0.5) * height / rows) * ratio), 1, 1).data].slice(0, 3);
    let painted = 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) if (pixel(r, c).join() !== "232,232,232") painted++;
    }
    let matching = 0;
    for (const [r, c, value] of ${JSON.stringify(cells)}) {
      const want = colour((value - low) / (high - low)).match(/\\d+/g).map(Number);
      if (pixel(r, c).every((v, i) => Math.abs(v - want[i]) <= 2)) matching++;
    }
    return { painted, matching, cells: Number(figure.dataset.cells) };
  })()`;
}

Deno.test({
  name: "a real grid scan's page shows its detector as an image, one cell per point, snaking",
  ignore,
  fn: async () => {
    const documents = await gridDocuments();
    const cells = expectedCells(documents);
    assert.equal(cells.length, 12);
    await withBrowser(async (browser, base, dir) => {
      await browser.open(`${base}/runs/${uidOf(documents)}`);
      await browser.waitFor(`document.body.dataset.loaded === "true"`);
      assert.equal(
        await browser.evaluate<string>(`document.getElementById("view").value`),
        "image",
      );
      const figure = await browser.evaluate<Record<string, string>>(
        `({ ...document.querySelector("#plot figure.grid-image").dataset })`,
      );
      assert.deepEqual(
        [figure.cells, figure.shape, figure.x, figure.y, figure.value],
        ["12", "3x4", "m2", "m1", "det"],
        "the detector on the grid of the fast (across) and slow (up) motors",
      );
      assert.deepEqual(
        await browser.evaluate(paintedCells(cells)),
        { painted: 12, matching: 12, cells: 12 },
        "every cell painted, each in its own point's colour (the snaking rows reversed)",
      );
      const caption = await browser.evaluate<string>(
        `document.querySelector("#plot figcaption").textContent`,
      );
      assert.match(
        caption,
        /det on a 3 × 4 grid: m2 from -2 to 2 across, m1 from 0 to 1 up, snaking/,
      );
      const size = await browser.screenshot(`${dir}/grid.png`);
      await keepScreenshot(`${dir}/grid.png`);
      assert.ok(size > 5_000, `the screenshot of the grid scan's page holds a page: ${size} bytes`);
      await browser.evaluate(choose("view", "line"));
      assert.deepEqual(
        await browser.evaluate<string[]>(
          `(({ x, y }) => [x, y])(document.querySelector("#plot svg").dataset)`,
        ),
        ["m1", '["det"]'],
        "the line plot is still there: the detector against the first dimension",
      );
      assert.equal(
        await browser.evaluate<number>(`document.querySelectorAll("#plot svg circle").length`),
        12,
      );
    }, catalogOf(documents));
  },
});

Deno.test({
  name: "a running grid scan's image fills cell by cell as its events are stored, in Chromium",
  ignore,
  fn: async () => {
    const documents = await gridDocuments();
    const cells = expectedCells(documents);
    const uid = uidOf(documents);
    const catalog = temp();
    const primary = documents.findIndex(([name, doc]) =>
      name === "descriptor" && (doc as { name?: string }).name === "primary"
    );
    const insert = (count: number) => {
      for (const [name, doc] of documents.splice(0, count)) catalog.insert(name, doc as never);
      catalog.flush();
    };
    insert(primary + 1 + 5); // up to the primary descriptor, and five events
    await withBrowser(
      async (browser, base, dir) => {
        await browser.open(`${base}/runs/${uid}`);
        await browser.waitFor(`document.body.dataset.loaded === "true"`);
        const filled = `document.querySelector("#plot figure.grid-image")?.dataset.cells`;
        await browser.waitFor(`${filled} === "5"`);
        assert.deepEqual(
          await browser.evaluate<{ painted: number }>(paintedCells(cells.slice(0, 5))),
          { painted: 5, matching: 5, cells: 5 },
        );
        for (let n = 6; n <= 8; n++) {
          insert(1);
          await browser.waitFor(`${filled} === "${n}"`);
        }
        insert(documents.length);
        await browser.waitFor(`document.body.dataset.live === "ended"`);
        await browser.waitFor(`${filled} === "12"`);
        assert.deepEqual(
          await browser.evaluate(paintedCells(cells)),
          { painted: 12, matching: 12, cells: 12 },
        );
        const size = await browser.screenshot(`${dir}/live-grid.png`);
        await keepScreenshot(`${dir}/live-grid.png`);
        assert.ok(size > 5_000, `the screenshot of the live grid holds a page: ${size} bytes`);
      },
      catalog,
      { interval: 20 },
    );
  },
});

/**
 * Take Chromium's log lines of the API's 400 answers out of the page's errors (it logs every
 * failed load), checking there are as many as the page was expected to get.
 */
function takeRefusals(browser: Browser, count: number): void {
  const refused = browser.errors.filter((line) =>
    /^Log: Failed to load resource: the server responded with a status of 400 .*\/api\/runs\?/
      .test(line)
  );
  assert.equal(refused.length, count, `the API refused ${count} searches: ${browser.errors}`);
  const others = browser.errors.filter((line) => !refused.includes(line));
  browser.errors.splice(0, browser.errors.length, ...others);
}

/** Three runs an hour apart: samples Si, Ge, Si; temperature 300, 300 and the text "300". */
function searchRuns(): Catalog {
  const runs = [
    { uid: "run-s-0001", scan_id: 1, plan_name: "count", sample: "Si", temperature: 300 },
    { uid: "run-s-0002", scan_id: 2, plan_name: "scan", sample: "Ge", temperature: 300 },
    { uid: "run-s-0003", scan_id: 3, plan_name: "scan", sample: "Si", temperature: "300" },
  ];
  return catalogOf(
    ...runs.map((start, i) =>
      testRun({ start: { ...start, time: 1_700_000_000 + 3600 * i }, events: 2 }).documents
    ),
  );
}

Deno.test({
  name: "the runs page searches by time range and start keys, pages, and shows a 400's message",
  ignore,
  fn: () =>
    withBrowser(async (browser, base, dir) => {
      // The datetime-local inputs are in the page's time zone: UTC here.
      await browser.send("Emulation.setTimezoneOverride", { timezoneId: "UTC" });
      const uids = texts("#runs tbody tr", "dataset.uid");
      const page = `document.getElementById("page").textContent`;
      const search = async (set: string) => {
        await browser.evaluate(`(${set}, document.body.dataset.loaded = "",
          document.getElementById("search").requestSubmit())`);
        await browser.waitFor(`document.body.dataset.loaded === "true"`);
      };
      const click = async (id: string) => {
        await browser.evaluate(`(document.body.dataset.loaded = "",
          document.getElementById("${id}").click())`);
        await browser.waitFor(`document.body.dataset.loaded === "true"`);
      };
      const disabled = `["previous", "next"].map((id) => document.getElementById(id).disabled)`;

      await browser.open(`${base}/?limit=2`);
      await browser.waitFor(`document.body.dataset.loaded === "true"`);
      assert.deepEqual(await browser.evaluate(uids), ["run-s-0003", "run-s-0002"]);
      assert.equal(await browser.evaluate(page), "1–2 of 3");
      assert.deepEqual(await browser.evaluate(disabled), [true, false]);
      await click("next");
      assert.deepEqual(await browser.evaluate(uids), ["run-s-0001"], "the next page");
      assert.equal(await browser.evaluate(page), "3–3 of 3");
      assert.deepEqual(await browser.evaluate(disabled), [false, true]);
      await click("previous");
      assert.deepEqual(await browser.evaluate(uids), ["run-s-0003", "run-s-0002"]);

      // 2023-11-14 22:13:20, 23:13:20 and 2023-11-15 00:13:20 UTC.
      await search(`document.getElementById("since").value = "2023-11-14T23:00:00",
        document.getElementById("until").value = "2023-11-15T00:00:00"`);
      assert.deepEqual(await browser.evaluate(uids), ["run-s-0002"], "the runs in the range");
      assert.equal(await browser.evaluate(page), "1–1 of 1");
      const address = new URLSearchParams(await browser.evaluate<string>(`location.search`));
      assert.equal(address.get("since"), "2023-11-14T23:00:00.000Z", "sent as ISO 8601 UTC");
      assert.equal(address.get("until"), "2023-11-15T00:00:00.000Z");
      await search(`document.getElementById("until").value = ""`);
      assert.deepEqual(await browser.evaluate(uids), ["run-s-0003", "run-s-0002"], "since only");

      const key = (row: number, name: string, value: string) =>
        `(() => {
          if (document.querySelectorAll(".key-row").length <= ${row}) {
            document.getElementById("add-key").click();
          }
          const div = document.querySelectorAll(".key-row")[${row}];
          div.querySelector(".key-name").value = ${JSON.stringify(name)};
          div.querySelector(".key-value").value = ${JSON.stringify(value)};
        })()`;
      await search(`document.getElementById("since").value = "", ${key(0, "sample", "Si")}`);
      assert.deepEqual(await browser.evaluate(uids), ["run-s-0003", "run-s-0001"], "sample = Si");
      await search(key(1, "temperature", "300"));
      assert.deepEqual(await browser.evaluate(uids), ["run-s-0001"], "and temperature = 300");
      await search(key(1, "temperature", '"300"'));
      assert.deepEqual(await browser.evaluate(uids), ["run-s-0003"], 'and temperature = "300"');
      assert.equal(
        new URLSearchParams(await browser.evaluate<string>(`location.search`)).get(
          "key.temperature",
        ),
        '"300"',
      );
      const size = await browser.screenshot(`${dir}/search.png`);
      await keepScreenshot(`${dir}/search.png`);
      assert.ok(
        size > 5_000,
        `the screenshot of the searched runs page holds a page: ${size} bytes`,
      );

      await search(key(1, "since", "1"));
      const refusal = await browser.evaluate<[string, boolean, number]>(
        `[document.getElementById("status").textContent,
          document.getElementById("status").classList.contains("error"),
          document.querySelectorAll("#runs tbody tr").length]`,
      );
      assert.deepEqual(refusal, [
        'Parameter "key.since" needs a start key other than since/until',
        true,
        0,
      ]);

      // A time typed in part (a month only): the API is asked, and its answer shown.
      await browser.evaluate(`(${key(1, "", "")}, document.getElementById("until").focus())`);
      for (const text of ["1", "2"]) {
        await browser.send("Input.dispatchKeyEvent", { type: "char", text });
      }
      assert.equal(
        await browser.evaluate<boolean>(`document.getElementById("until").validity.badInput`),
        true,
        "the until input holds a time typed in part",
      );
      await search(`0`);
      assert.deepEqual(
        await browser.evaluate<[string, boolean]>(`[document.getElementById("status").textContent,
          document.getElementById("status").classList.contains("error")]`),
        ['Parameter "until" needs epoch seconds or an ISO 8601 time: got ""', true],
      );

      await browser.open(`${base}/?since=yesterday`);
      await browser.waitFor(`document.body.dataset.loaded === "true"`);
      assert.deepEqual(
        await browser.evaluate<[string, boolean]>(`[document.getElementById("status").textContent,
          document.getElementById("status").classList.contains("error")]`),
        ['Parameter "since" needs epoch seconds or an ISO 8601 time: got "yesterday"', true],
        "a bad time shows the API's message",
      );
      const badSize = await browser.screenshot(`${dir}/bad-time.png`);
      await keepScreenshot(`${dir}/bad-time.png`);
      assert.ok(badSize > 3_000, `the screenshot of the refused search: ${badSize} bytes`);
      takeRefusals(browser, 3);
    }, searchRuns()),
});
