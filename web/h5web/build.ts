/**
 * The H5Web viewer's bundle: `web/h5web/viewer.js` with React, `@h5web/app` and its h5wasm
 * provider, bundled by esbuild into one script and one style sheet, in a cache folder named by
 * a hash of the sources and the versions the import map pins (built once per version).
 *
 * `deno task build:h5web` builds it; `deno task serve` runs that first, so the server itself
 * needs no permission to run programs.
 *
 * @module
 */

/** The packages in the bundle, whose pinned versions name it. */
const BUNDLED = ["react", "react-dom", "@h5web/app", "@h5web/h5wasm", "esbuild"];

/** The files of the bundle, as the server sends them. */
export const H5WEB_FILES: Readonly<Record<string, string>> = {
  "viewer.js": "text/javascript; charset=utf-8",
  "viewer.css": "text/css; charset=utf-8",
};

const SOURCE = new URL("./viewer.js", import.meta.url);
const PROJECT = new URL("../../", import.meta.url);

/**
 * The folder the bundle of this version goes in: `nxdaq/h5web-<hash>` in `$XDG_CACHE_HOME` or
 * `~/.cache`.
 * @param env The environment variables (default: the process's, where readable).
 * @returns The folder.
 * @throws {Error} When neither `XDG_CACHE_HOME` nor `HOME` is set.
 */
export async function h5webBundleDir(
  env: (name: string) => string | undefined = readEnv,
): Promise<string> {
  const base = env("XDG_CACHE_HOME") || (env("HOME") ? `${env("HOME")}/.cache` : undefined);
  if (base === undefined) {
    throw new Error("Neither XDG_CACHE_HOME nor HOME is set: no folder for the H5Web viewer");
  }
  const text = [
    await Deno.readTextFile(SOURCE),
    ...BUNDLED.map((name) => `${name}=${import.meta.resolve(name)}`),
  ].join("\n");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const hash = [...new Uint8Array(digest).slice(0, 8)]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${base}/nxdaq/h5web-${hash}`;
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * Whether the bundle in `dir` is complete.
 * @param dir The bundle's folder.
 * @returns `true` when every file of {@linkcode H5WEB_FILES} is there.
 */
export async function h5webBundleReady(dir: string): Promise<boolean> {
  for (const name of Object.keys(H5WEB_FILES)) {
    try {
      if (!(await Deno.stat(`${dir}/${name}`)).isFile) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Build the bundle into `dir`, unless it is there already: into a temporary folder beside it,
 * then renamed, so a bundle half built is never served.
 * @param dir The bundle's folder ({@linkcode h5webBundleDir}).
 * @returns `true` when it was built now, `false` when it was there.
 * @throws {Error} When `deno install` or esbuild fails, with their messages.
 */
export async function buildH5webBundle(dir: string): Promise<boolean> {
  if (await h5webBundleReady(dir)) return false;
  // esbuild resolves packages through node_modules: make sure the import map's are there
  // (`deno install`, unless they are: it locks node_modules while it runs).
  if (!(await installed())) await install();
  const parent = dir.slice(0, dir.lastIndexOf("/"));
  await Deno.mkdir(parent, { recursive: true });
  const temporary = await Deno.makeTempDir({ dir: parent, prefix: ".h5web-" });
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      absWorkingDir: PROJECT.pathname,
      entryPoints: [SOURCE.pathname],
      outdir: temporary,
      entryNames: "viewer",
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "silent",
      legalComments: "none",
    });
    if (result.errors.length > 0) {
      throw new Error(result.errors.map((error) => error.text).join("; "));
    }
    try {
      await Deno.rename(temporary, dir);
    } catch (error) {
      // Another build finished first: its bundle is the same.
      if (!(await h5webBundleReady(dir))) throw error;
      await Deno.remove(temporary, { recursive: true });
    }
  } catch (error) {
    await Deno.remove(temporary, { recursive: true }).catch(() => {});
    throw error;
  } finally {
    await esbuild.stop();
  }
  return true;
}

/** Whether every bundled package is in the project's node_modules. */
async function installed(): Promise<boolean> {
  for (const name of BUNDLED) {
    try {
      await Deno.stat(new URL(`node_modules/${name}/package.json`, PROJECT));
    } catch {
      return false;
    }
  }
  return true;
}

async function install(): Promise<void> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["install", "--quiet"],
    cwd: PROJECT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`deno install failed: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
}

if (import.meta.main) {
  const quiet = Deno.args.includes("--quiet");
  const dir = await h5webBundleDir();
  const started = performance.now();
  if (!(await h5webBundleReady(dir))) {
    console.error("H5Web viewer: building its bundle (once per version)...");
  }
  try {
    const built = await buildH5webBundle(dir);
    if (built || !quiet) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.error(`H5Web viewer: ${built ? `built in ${seconds} s` : "up to date"}: ${dir}`);
    }
  } catch (error) {
    console.error(`H5Web viewer: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
