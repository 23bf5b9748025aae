import assert from "node:assert/strict";
import { defaultCatalogDir } from "./default_dir.ts";

Deno.test("defaultCatalogDir() follows XDG_DATA_HOME, then HOME", () => {
  assert.equal(
    defaultCatalogDir(new Map([["XDG_DATA_HOME", "/srv/data/"], ["HOME", "/home/ada"]])),
    "/srv/data/nxdaq/catalog",
  );
  assert.equal(
    defaultCatalogDir(new Map([["XDG_DATA_HOME", "relative"], ["HOME", "/home/ada"]])),
    "/home/ada/.local/share/nxdaq/catalog",
    "a relative XDG_DATA_HOME is ignored, as the specification says",
  );
  assert.throws(() => defaultCatalogDir(new Map()), /set XDG_DATA_HOME or HOME/);
});

Deno.test("defaultCatalogDir() reads Deno.env by default", () => {
  const home = Deno.env.get("XDG_DATA_HOME") ?? Deno.env.get("HOME");
  if (home !== undefined) assert.ok(defaultCatalogDir().endsWith("nxdaq/catalog"));
});
