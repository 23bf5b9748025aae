import assert from "node:assert/strict";
import { CONTENT_SECURITY_POLICY, createPages } from "./pages.ts";

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
