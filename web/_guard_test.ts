import assert from "node:assert/strict";
import { temp } from "../core/catalog/mod.ts";
import { createApi } from "./api.ts";
import { createPages } from "./pages.ts";
import { createH5webPage } from "./h5web/page.ts";
import { givenToken, TOKEN_COOKIE, tokenCookie } from "./_guard.ts";

const access = { host: "0.0.0.0", token: "s3cret" };

Deno.test("the token is taken from the header first, then the query, then the cookie", () => {
  const request = (url: string, headers: Record<string, string> = {}) =>
    new Request(`http://127.0.0.1${url}`, { headers });
  assert.equal(givenToken(request("/", { authorization: "Bearer a" })), "a");
  assert.equal(givenToken(request("/?token=b", { cookie: `${TOKEN_COOKIE}=c` })), "b");
  assert.equal(givenToken(request("/", { cookie: `x=1; ${TOKEN_COOKIE}=c%3Dd; y=2` })), "c=d");
  assert.equal(givenToken(request("/", { cookie: "nxdaq_tokenx=c" })), "");
  assert.equal(givenToken(request("/")), "");
  assert.equal(tokenCookie(request("/")), undefined, "no cookie without ?token=");
  assert.equal(
    tokenCookie(request("/?token=s%20t")),
    `${TOKEN_COOKIE}=s%20t; Path=/; HttpOnly; SameSite=Strict`,
  );
});

Deno.test("off loopback, a page opened with ?token= sets the cookie its files and API calls carry", async () => {
  const catalog = temp();
  const pages = createPages(access);
  const h5web = createH5webPage({ ...access, bundle: "/nowhere" });
  const api = createApi(catalog, access);
  const serve = (url: string, headers: Record<string, string> = {}) => {
    const request = new Request(`http://127.0.0.1${url}`, { headers });
    return pages(request) ?? h5web(request) ?? api(request);
  };
  try {
    const page = await serve("/?token=s3cret");
    assert.equal(page.status, 200);
    const cookie = page.headers.get("set-cookie")!;
    assert.match(cookie, /^nxdaq_token=s3cret; Path=\/; HttpOnly; SameSite=Strict$/);
    await page.body?.cancel();
    const jar = { cookie: cookie.split(";")[0]! };
    for (const url of ["/static/style.css", "/static/runs.js", "/api/runs", "/runs/x/h5web"]) {
      const withCookie = await serve(url, jar);
      // The H5Web page is 503 here (no bundle at /nowhere): served, not refused.
      assert.notEqual(withCookie.status, 401, `${url} with the cookie`);
      assert.equal(withCookie.headers.get("set-cookie"), null, `${url}: no cookie set again`);
      await withCookie.body?.cancel();
      const without = await serve(url);
      assert.equal(without.status, 401, `${url} without the token`);
      await without.body?.cancel();
      const wrong = await serve(url, { cookie: `${TOKEN_COOKIE}=s3cre` });
      assert.equal(wrong.status, 401, `${url} with a wrong cookie`);
      await wrong.body?.cancel();
    }
    const wrongQuery = await serve("/?token=nope");
    assert.equal(wrongQuery.status, 401);
    assert.equal(wrongQuery.headers.get("set-cookie"), null, "no cookie for a wrong token");
    await wrongQuery.body?.cancel();
  } finally {
    catalog.close();
  }
});

Deno.test("on loopback, no token is needed and no cookie is set", async () => {
  const pages = createPages();
  const page = await pages(new Request("http://127.0.0.1/?token=anything"))!;
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("set-cookie"), null);
  await page.body?.cancel();
});
