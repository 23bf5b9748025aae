/**
 * A run's NeXus file in H5Web, in a real browser: Debian's Chromium, headless, against the
 * server in this process on 127.0.0.1, with the H5Web bundle built by `deno task build:h5web`'s
 * code into the test's folder. The file's default plot (its NXdata's signal, as h5py reads the
 * `default` and `signal` attributes of the same file) is what H5Web shows.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Catalog, temp } from "../core/catalog/mod.ts";
import { RunEngine, scan } from "../mod.ts";
import { GaussianDetector, SimMotor } from "../devices/mod.ts";
import { createApi } from "../web/api.ts";
import { createPages } from "../web/pages.ts";
import { NexusFiles } from "../web/nexus_files.ts";
import { createH5webPage } from "../web/h5web/page.ts";
import { buildH5webBundle } from "../web/h5web/build.ts";
import { ignoreUnless } from "./_ci.ts";
import { Browser, chromiumAvailable } from "./_cdp.ts";
import { h5pyAvailable, readWithH5py } from "./_interop.ts";
import { keepScreenshot } from "./_screenshots.ts";

const ignore = ignoreUnless(
  chromiumAvailable() && h5pyAvailable(),
  "No Chromium at /usr/bin/chromium or no python3 with h5py",
);

/** A 15-point scan of a peak against a motor, stored in a new catalog. */
async function scannedCatalog(): Promise<{ catalog: Catalog; uid: string }> {
  const catalog = temp();
  const RE = new RunEngine();
  RE.subscribe("all", (name, doc) => catalog.insert(name, doc));
  const motor = new SimMotor({ name: "motor", instant: true });
  const { uids } = await RE.run(
    scan([new GaussianDetector({ motor, name: "sensor", sigma: 0.4, seed: 7 })], [[motor, -1, 1]], {
      num: 15,
    }),
  );
  return { catalog, uid: uids[0]! };
}

/** The signal of the file's default plot: root's `default`, the entry's, the NXdata's `signal`. */
async function defaultSignal(path: string): Promise<string> {
  const { objects } = await readWithH5py(path);
  const entry = String(objects["/"]!.attrs.default!.value);
  const data = String(objects[`/${entry}`]!.attrs.default!.value);
  return String(objects[`/${entry}/${data}`]!.attrs.signal!.value);
}

Deno.test({
  name: "a run's NeXus file opens in H5Web, which shows the default plot's signal, in Chromium",
  ignore,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "nxdaq-h5web-" });
    const bundle = `${dir}/bundle`;
    try {
      assert.equal(await buildH5webBundle(bundle), true, "the bundle is built");
      assert.equal(await buildH5webBundle(bundle), false, "a second build finds it there");
      await t.step("the default plot's signal", () => defaultPlot(dir, bundle));
      await t.step("a run that is not there", () => missingRun(bundle));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function defaultPlot(dir: string, bundle: string): Promise<void> {
  const { catalog, uid } = await scannedCatalog();
  const cache = `${dir}/cache`;
  await Deno.mkdir(cache);
  const api = createApi(catalog, { nexus: new NexusFiles({ cache, dataFolders: [dir] }) });
  const pages = createPages();
  const h5web = createH5webPage({ bundle });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => pages(request) ?? h5web(request) ?? api(request),
  );
  const base = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  try {
    // The file the page is to show, read by h5py.
    const response = await fetch(`${base}/api/runs/${uid}/nexus.hdf`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/x-hdf5");
    assert.match(response.headers.get("content-disposition")!, /^attachment; filename="S0*1-/);
    await Deno.writeFile(`${dir}/run.hdf`, new Uint8Array(await response.arrayBuffer()));
    const signal = await defaultSignal(`${dir}/run.hdf`);
    assert.equal(signal, "sensor");

    const browser = await Browser.launch();
    try {
      await browser.open(`${base}/runs/${uid}/h5web`);
      await browser.waitFor(`document.body.dataset.loaded`, 30_000);
      assert.equal(await browser.evaluate(`document.body.dataset.loaded`), "true");
      // H5Web follows the `default` attributes to the NXdata and plots its signal.
      await browser.waitFor(
        `[...document.querySelectorAll("#viewer h2, #viewer [class*=title]")]
          .some((e) => e.textContent.trim() === ${JSON.stringify(signal)})`,
        30_000,
      );
      // The axes are drawn once the data is read (in h5wasm's worker).
      await browser.waitFor(`/\\bmotor\\b/.test(document.getElementById("viewer").innerText)`);
      const text = await browser.evaluate<string>(`document.getElementById("viewer").innerText`);
      assert.match(text, /NX Line/, "the NXdata is shown as a line plot");
      assert.match(text, /\bsensor\b[^]*\bmotor\b/, "against its axis, the motor");
      const size = await browser.screenshot(`${dir}/h5web.png`);
      assert.ok(size > 20_000, `the screenshot of the H5Web page holds a plot: ${size} bytes`);
      await keepScreenshot(`${dir}/h5web.png`);
      assert.deepEqual(browser.errors, [], "the page logs no JavaScript error");
    } finally {
      await browser.close();
    }
  } finally {
    await server.shutdown();
    catalog.close();
  }
}

async function missingRun(bundle: string): Promise<void> {
  const catalog = temp();
  // No NeXus files served here; the run is not there either: the page shows the API's 404.
  const api = createApi(catalog);
  const h5web = createH5webPage({ bundle });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => h5web(request) ?? api(request),
  );
  const base = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  try {
    const browser = await Browser.launch();
    try {
      await browser.open(`${base}/runs/no-such-run/h5web`);
      await browser.waitFor(`document.body.dataset.loaded === "error"`);
      const status = await browser.evaluate<string>(
        `document.getElementById("status").textContent`,
      );
      assert.equal(status, `The NeXus file cannot be shown: No run has uid "no-such-run"`);
      // The failed fetch itself is logged by the browser as a resource error, not a script's.
      assert.deepEqual(
        browser.errors.filter((error) => !/Failed to load resource.*404/.test(error)),
        [],
      );
    } finally {
      await browser.close();
    }
  } finally {
    await server.shutdown();
    catalog.close();
  }
}
