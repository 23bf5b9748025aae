/**
 * End to end: `nxdaq.config.ts` in a temporary folder outside the project, read by the real
 * command line (`scan`, `nx convert`, `nx export`, `nx import`) from the current folder or
 * from `--config`; its plugins, given as objects or by specifier, write their groups; a
 * config that fails to load or has the wrong shape is one line on stderr naming the file.
 */

import assert from "node:assert/strict";
import { composeRun, type NamedDocument } from "../mod.ts";
import { writeJsonLines } from "../core/readers/mod.ts";
import { type CommandOutput, ROOT, runScript } from "./_cli.ts";
import { h5pyValues, ignoreWithoutH5py } from "./_interop.ts";

/** A plugin module as a third party writes it: it imports only the published entry points. */
const BEAMLINE_PLUGIN = `import type { NexusPlugin } from "jsr:@nxdaq/nxdaq/nexus";

/** The plan's name in a group of the beamline's own. */
export default function beamline(): NexusPlugin {
  return {
    name: "beamline",
    build({ run, tree }) {
      tree.group("/entry/beamline", "NXnote");
      tree.field("/entry/beamline/plan", String(run.start.plan_name));
    },
  };
}
`;

/** A plugin module named in the config by its specifier: its "plugin" export is a plugin. */
const COUNTER_PLUGIN = `export const plugin = {
  name: "counter",
  build({ run, tree }) {
    tree.group("/entry/counter", "NXnote");
    tree.field("/entry/counter/events", run.streams.get("primary")?.length ?? 0);
  },
};
`;

/** The config: a facility plugin, a plugin imported by path, one by specifier, a source. */
const CONFIG = `import { defineConfig } from "jsr:@nxdaq/nxdaq";
import { sample } from "@nxdaq/nxdaq/plugins";
import beamline from "./beamline_plugin.ts";

export default defineConfig({
  builtins: { source: { name: "Test Ring", shortName: "TR" } },
  plugins: [sample(), beamline(), "./counter_plugin.ts"],
});
`;

/** A run with sample metadata and an apstools template, as a JSON Lines file. */
async function writeRun(path: string, metadata: Record<string, unknown> = {}): Promise<string> {
  const run = composeRun({ plan_name: "count", scan_id: 3, sample: "Si powder", ...metadata });
  const primary = run.descriptor({
    name: "primary",
    data_keys: { det: { dtype: "number", shape: [], source: "SIM:det" } },
  });
  const docs: NamedDocument[] = [["start", run.start], ["descriptor", primary.doc]];
  for (const det of [1, 2, 3]) {
    docs.push(["event", primary.event({ data: { det }, timestamps: { det: 0 } })]);
  }
  docs.push(["stop", run.stop()]);
  await writeJsonLines(path, docs);
  return run.start.uid;
}

/** A temporary folder holding the given files; removed after `fn`. */
async function withFolder(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "nxdaq_config_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The config's plugin files and the config itself. */
const CONFIG_FILES = {
  "nxdaq.config.ts": CONFIG,
  "beamline_plugin.ts": BEAMLINE_PLUGIN,
  "counter_plugin.ts": COUNTER_PLUGIN,
};

/** The one line of a failed command. */
function failure(out: CommandOutput): string {
  assert.equal(out.code, 1, `exit status ${out.code}: ${out.stderr}`);
  assert.equal(out.stdout, "");
  const lines = out.stderr.split("\n").filter((line) => line !== "");
  assert.equal(lines.length, 1, `more than one line: ${out.stderr}`);
  return lines[0]!;
}

Deno.test({
  name: "nx convert reads the current folder's nxdaq.config.ts: sample() and the plugin " +
    "modules beside it write their groups; --no-config leaves them out",
  ignore: ignoreWithoutH5py(),
  async fn() {
    await withFolder(CONFIG_FILES, async (dir) => {
      await writeRun(`${dir}/run.jsonl`);
      const out = await runScript("nx.ts", ["convert", "run.jsonl", "--file", "out.hdf"], {
        cwd: dir,
      });
      assert.equal(out.code, 0, out.stderr);
      const v = await h5pyValues(`${dir}/out.hdf`, [
        "/entry/sample/name",
        "/entry/beamline/plan",
        "/entry/counter/events",
        "/entry/instrument/source/name",
      ]);
      assert.deepEqual(v, {
        "/entry/sample/name": "Si powder",
        "/entry/beamline/plan": "count",
        "/entry/counter/events": 3,
        "/entry/instrument/source/name": "Test Ring",
      });
      const plain = await runScript(
        "nx.ts",
        ["convert", "run.jsonl", "--file", "plain.hdf", "--no-config"],
        { cwd: dir },
      );
      assert.equal(plain.code, 0, plain.stderr);
      const p = await h5pyValues(`${dir}/plain.hdf`, [
        "/entry/sample/name",
        "/entry/instrument/source/name",
      ]);
      assert.deepEqual(p, {
        "/entry/sample/name": null,
        "/entry/instrument/source/name": "Bluesky framework",
      });
    });
  },
});

Deno.test({
  name: "scan and nx export take the config from the current folder and from --config, and " +
    "their own options win over it",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const config = `export default {
  fileName: "from_config.hdf",
  builtins: { source: { name: "Config Ring" }, entry: { instrumentName: "9-ID" } },
};
`;
    await withFolder({ "nxdaq.config.ts": config }, async (dir) => {
      const here = await runScript("scan.ts", ["--num", "2", "--no-table", "--catalog", "cat"], {
        cwd: dir,
      });
      assert.equal(here.code, 0, here.stderr);
      assert.match(here.stdout, /exists=true {2}file=(\.\/)?from_config\.hdf$/m);
      const given = await runScript("scan.ts", [
        "--num",
        "2",
        "--no-table",
        "--config",
        `${dir}/nxdaq.config.ts`,
        "--file",
        `${dir}/given.hdf`,
      ]);
      assert.equal(given.code, 0, given.stderr);
      const exported = await runScript("nx.ts", [
        "export",
        "--index",
        "-1",
        "--catalog",
        `${dir}/cat`,
        "--config",
        `${dir}/nxdaq.config.ts`,
        "--dir",
        `${dir}/exported`,
      ]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, new RegExp(`file=${dir}/exported/from_config\\.hdf$`, "m"));
      const again = await runScript("nx.ts", [
        "export",
        "--index",
        "-1",
        "--catalog",
        "cat",
        "--file",
        "again.hdf",
      ], { cwd: dir });
      assert.equal(again.code, 0, again.stderr);
      const files = ["from_config.hdf", "given.hdf", "exported/from_config.hdf", "again.hdf"];
      for (const file of files) {
        const v = await h5pyValues(`${dir}/${file}`, [
          "/entry/instrument/source/name",
          "/entry/instrument/name",
        ]);
        assert.deepEqual(v, {
          "/entry/instrument/source/name": "Config Ring",
          "/entry/instrument/name": "9-ID",
        }, file);
      }
    });
  },
});

Deno.test("A config that fails to load is one line on stderr naming the file, exit status 1", async () => {
  const broken = {
    "syntax.ts": "export default { overwrite: 'rename' ;\n",
    "missing_import.ts": 'import { helper } from "./helper.ts";\nexport default { helper };\n',
    "throws.ts": 'throw new Error("The beamline is closed");\n',
    "url_import.ts": 'import x from "http://127.0.0.1:9/plugin.ts";\nexport default { x };\n',
    "env.ts": 'export default { filePath: Deno.env.get("BEAMLINE_DATA") };\n',
    "missing_plugin.ts": 'export default { plugins: ["./nowhere.ts"] };\n',
  };
  await withFolder(broken, async (dir) => {
    const names = Object.keys(broken);
    const outputs = await Promise.all(
      names.map((name) =>
        runScript("nx.ts", ["convert", "run.jsonl", "--config", name], { cwd: dir })
      ),
    );
    const lines = Object.fromEntries(names.map((name, i) => [name, failure(outputs[i]!)]));
    for (const [name, line] of Object.entries(lines)) {
      assert.ok(line.startsWith(`Error: Config "${dir}/${name}": `), line);
    }
    assert.match(
      lines["syntax.ts"]!,
      /cannot be loaded: SyntaxError: .* \(at .*syntax\.ts:1:\d+\)$/,
    );
    assert.match(
      lines["missing_import.ts"]!,
      /cannot be loaded: Module not found ".*\/helper\.ts"/,
    );
    assert.match(lines["throws.ts"]!, /cannot be loaded: The beamline is closed$/);
    assert.match(
      lines["url_import.ts"]!,
      /Requires import access to "127\.0\.0\.1:9".*the tasks allow only --allow-read --allow-write/,
    );
    assert.match(
      lines["env.ts"]!,
      /Requires env access to "BEAMLINE_DATA".*run nx\.ts or scan\.ts/,
    );
    assert.match(
      lines["missing_plugin.ts"]!,
      /plugins\[0\] "\.\/nowhere\.ts" cannot be loaded: Module not found/,
    );
  });
});

Deno.test("A config of the wrong shape is one line naming the file and the key, whichever command reads it", async () => {
  const wrong = {
    "number.ts": "export default 42;\n",
    "no_default.ts": "export const config = {};\n",
    "unknown_key.ts": 'export default { overwrites: "rename" };\n',
    "bad_value.ts": 'export default { overwrite: "always" };\n',
    "bad_builtin.ts": 'export default { builtins: { entry: { axes: "motor" } } };\n',
    "unknown_builtin.ts": "export default { builtins: { sorce: {} } };\n",
    "no_build.ts": 'export default { plugins: [{ name: "half" }] };\n',
    "same_name.ts": 'export default { plugins: [{ name: "entry", build() {} }] };\n',
    "not_a_plugin.ts": 'export default { plugins: ["./helper.ts"] };\n',
    "helper.ts": "export default 7;\n",
    "define_config.ts": 'import { defineConfig } from "jsr:@nxdaq/nxdaq";\n' +
      'export default defineConfig({ timeZone: "Mars/Olympus" });\n',
  };
  const expected: Record<string, RegExp> = {
    "number.ts": /: the default export is not an object of options: got 42$/,
    "no_default.ts": /: has no default export: export default defineConfig\(\{ \.\.\. \}\)$/,
    "unknown_key.ts": /: key "overwrites" is unknown: known keys are fileName, filePath, /,
    "bad_value.ts": /: key "overwrite" is "fail", "replace" or "rename": got "always"$/,
    "bad_builtin.ts": /: key "builtins\.entry\.axes" is a list of strings: got "motor"$/,
    "unknown_builtin.ts": /: key "builtins\.sorce" is unknown: known keys are metadata, streams, /,
    "no_build.ts":
      /: key "plugins\[0\]" is not a plugin: NeXus plugin "half" has no build\(\) function$/,
    "same_name.ts": /: A NeXus plugin named "entry" is already registered$/,
    "not_a_plugin.ts":
      /: plugins\[0\] "\.\/helper\.ts" is not a plugin: A NeXus plugin needs a non-empty name$/,
    "define_config.ts":
      /: key "timeZone" is an IANA time zone name, for example "Europe\/Berlin": got "Mars\/Olympus"$/,
  };
  await withFolder(wrong, async (dir) => {
    const names = Object.keys(expected);
    const outputs = await Promise.all(
      names.map((name) =>
        runScript("nx.ts", ["convert", "run.jsonl", "--config", name], { cwd: dir })
      ),
    );
    for (const [i, name] of names.entries()) {
      const line = failure(outputs[i]!);
      assert.ok(line.startsWith(`Error: Config "${dir}/${name}": `), line);
      assert.match(line, expected[name]!);
    }
    // Every command that takes --config checks it the same way, before doing anything.
    const commands = [
      ["scan.ts", "--num", "1"],
      ["nx.ts", "export", "--index", "-1", "--catalog", `${dir}/none`],
      ["nx.ts", "import", "run.jsonl", "--catalog", `${dir}/none`],
    ];
    const others = await Promise.all(
      commands.map(([script, ...args]) =>
        runScript(script!, [...args, "--config", "unknown_key.ts"], { cwd: dir })
      ),
    );
    for (const out of others) {
      assert.match(
        failure(out),
        /^Error: Config ".*\/unknown_key\.ts": key "overwrites" is unknown/,
      );
    }
    const nothing = await Array.fromAsync(Deno.readDir(dir));
    assert.ok(!nothing.some((entry) => entry.name === "none"), "import stored nothing");
  });
});

Deno.test("--config names a file that must exist, and does not go with --no-config", async () => {
  await withFolder({}, async (dir) => {
    const missing = await runScript("nx.ts", [
      "convert",
      "run.jsonl",
      "--config",
      "nxdaq.config.ts",
    ], {
      cwd: dir,
    });
    assert.equal(failure(missing), `Error: Config "${dir}/nxdaq.config.ts": no such file`);
    const both = await runScript("scan.ts", ["--config", "a.ts", "--no-config"], { cwd: dir });
    assert.equal(both.code, 2);
    assert.match(
      both.stderr,
      /^Options --config and --no-config cannot be used together\nUsage: deno task scan/,
    );
    const help = await runScript("nx.ts", ["import", "--help"]);
    assert.match(help.stdout, /--config FILE +the writer's setup/);
    assert.match(help.stdout, /import uses none of the setup/);
  });
});

Deno.test({
  name: "Without a config, nx convert applies a run's nxwriter_template, as apstools does",
  ignore: ignoreWithoutH5py(),
  async fn() {
    await withFolder({}, async (dir) => {
      const template = JSON.stringify([
        ["/entry/instrument/extra:NXnote/wavelength=", 1.5],
        ["/entry/instrument/bluesky/metadata/run_start_uid", "/entry/instrument/extra/uid"],
      ]);
      const uid = await writeRun(`${dir}/run.jsonl`, { nxwriter_template: template });
      const out = await runScript("nx.ts", ["convert", `${dir}/run.jsonl`, "--dir", dir], {
        cwd: ROOT,
      });
      assert.equal(out.code, 0, out.stderr);
      const file = new RegExp(`\\(${uid.slice(0, 7)}\\) {2}file=(.+)$`, "m").exec(out.stdout)?.[1];
      assert.ok(file, out.stdout);
      const v = await h5pyValues(file, [
        "/entry/instrument/extra/wavelength",
        "/entry/instrument/extra/uid",
      ]);
      assert.deepEqual(v, {
        "/entry/instrument/extra/wavelength": 1.5,
        "/entry/instrument/extra/uid": uid,
      });
    });
  },
});
