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
import { type ApiOptions, createApi } from "../web/api.ts";
import { createPages } from "../web/pages.ts";
import { ignoreUnless } from "./_ci.ts";
import { Browser, chromiumAvailable } from "./_cdp.ts";

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
        assert.ok(size > 5_000, `the screenshot of the live run holds a page: ${size} bytes`);
      },
      catalog,
      { interval: 20 },
    );
  },
});
