/**
 * The facility plugins (sample, user, monochromator, aps, templates) and the plugin author's
 * guide's example and template, each building a file read back by h5py. The user,
 * monochromator and APS plugins read real USAXS runs recorded at the APS.
 */

import assert from "node:assert/strict";
import { aps, monochromator, sample, user } from "../plugins/mod.ts";
import { buildPluginTree } from "../plugins/testing.ts";
import { composeRun, createNXWriter, type NamedDocument, type PluginLike } from "../mod.ts";
import { readDocuments } from "../core/readers/mod.ts";
import { slits } from "../docs/example_plugin.ts";
import { myGroup } from "../docs/plugin_template.ts";
import { fixtureFiles, ignoreWithoutFixtures } from "./_fixtures.ts";
import { checkNexusFile, h5pyValues, ignoreWithoutH5py, resolvePath } from "./_interop.ts";

const BASELINE = "/entry/instrument/bluesky/streams/baseline";

/** The documents of one run of usaxs.json.gz, by the start of its uid. */
async function usaxsRun(uid: string): Promise<NamedDocument[]> {
  const file = fixtureFiles().find((f) => f.endsWith("usaxs.json.gz"));
  assert.ok(file, "usaxs.json.gz is missing");
  const docs: NamedDocument[] = [];
  let inside = false;
  for await (const [name, doc] of readDocuments(file)) {
    if (name === "start") inside = String((doc as { uid: string }).uid).startsWith(uid);
    if (inside) docs.push([name, doc] as NamedDocument);
  }
  assert.ok(docs.length > 0, `no run ${uid}`);
  return docs;
}

async function write(docs: readonly NamedDocument[], plugins: PluginLike[]) {
  const dir = await Deno.makeTempDir();
  const writer = createNXWriter({ filePath: dir, fileName: "run.h5", plugins });
  for (const [name, doc] of docs) writer.receiver(name, doc);
  const path = await writer.wait();
  await checkNexusFile(path);
  return { dir, path, warnings: writer.warnings.map((w) => `${w.plugin}: ${w.message}`) };
}

const ignoreReal = ignoreWithoutFixtures() || ignoreWithoutH5py();

Deno.test({
  name: "user() and aps() write NXuser, NXsource and NXinsertion_device from a real USAXS run",
  ignore: ignoreReal,
  async fn() {
    const { dir, path } = await write(await usaxsRun("fdf496ee"), [user(), aps()]);
    try {
      const v = await h5pyValues(path, [
        "/entry/contact/name",
        "/entry/contact/role",
        `${BASELINE}/bss_user_info_contact/value_start`,
        "/entry/instrument/source/name",
        "/entry/instrument/source/current",
        `${BASELINE}/aps_current/value_start`,
        "/entry/instrument/source/fill_number",
        "/entry/instrument/source/energy",
        "/entry/instrument/undulator/type",
        "/entry/instrument/undulator/energy",
        `${BASELINE}/undulator_downstream_energy/value_start`,
      ]);
      assert.equal(v["/entry/contact/role"], "contact");
      assert.equal(v["/entry/contact/name"], v[`${BASELINE}/bss_user_info_contact/value_start`]);
      assert.equal(v["/entry/instrument/source/name"], "Advanced Photon Source");
      assert.equal(v["/entry/instrument/source/energy"], 6);
      assert.equal(typeof v["/entry/instrument/source/current"], "number");
      assert.equal(v["/entry/instrument/source/current"], v[`${BASELINE}/aps_current/value_start`]);
      assert.notEqual(v["/entry/instrument/source/fill_number"], null);
      assert.equal(v["/entry/instrument/undulator/type"], "undulator");
      assert.equal(
        v["/entry/instrument/undulator/energy"],
        v[`${BASELINE}/undulator_downstream_energy/value_start`],
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "monochromator() links the DCM's signals of a real USAXS run",
  ignore: ignoreReal,
  async fn() {
    const { dir, path } = await write(await usaxsRun("3554003e"), [monochromator()]);
    try {
      const mono = "/entry/instrument/monochromator";
      const v = await h5pyValues(path, [
        `${mono}/energy`,
        `${mono}/wavelength`,
        `${mono}/feedback_on`,
        `${BASELINE}/monochromator_dcm_energy/value_start`,
      ]);
      assert.equal(typeof v[`${mono}/energy`], "number");
      assert.equal(v[`${mono}/energy`], v[`${BASELINE}/monochromator_dcm_energy/value_start`]);
      assert.notEqual(v[`${mono}/wavelength`], null);
      assert.notEqual(v[`${mono}/feedback_on`], null);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A run with a sample, a baseline of sample and slit signals, and a template. */
function composedRun(md: Record<string, unknown>): NamedDocument[] {
  const run = composeRun({ plan_name: "count", scan_id: 9, ...md });
  const baseline = run.descriptor({
    name: "baseline",
    data_keys: {
      sample_data_temperature: { dtype: "number", shape: [], source: "SIM:T", units: "K" },
      sample_data_magnetic_field: { dtype: "number", shape: [], source: "SIM:B", units: "T" },
      sample_data_magnetic_field_dir: { dtype: "string", shape: [], source: "SIM:Bdir" },
      guard_slit_h_size: { dtype: "number", shape: [], source: "SIM:gh" },
      guard_slit_v_size: { dtype: "number", shape: [], source: "SIM:gv" },
    },
    configuration: {
      guard_slit: { data: { guard_slit_units: "mm" }, timestamps: {}, data_keys: {} },
    },
    object_keys: { guard_slit: ["guard_slit_h_size", "guard_slit_v_size"] },
  });
  const primary = run.descriptor({
    name: "primary",
    data_keys: { det: { dtype: "number", shape: [], source: "SIM:det" } },
  });
  const b = (t: number) =>
    baseline.event({
      data: {
        sample_data_temperature: t,
        sample_data_magnetic_field: 0.5,
        sample_data_magnetic_field_dir: "Z",
        guard_slit_h_size: 0.5,
        guard_slit_v_size: 0.25,
      },
      timestamps: {
        sample_data_temperature: 1,
        sample_data_magnetic_field: 1,
        sample_data_magnetic_field_dir: 1,
        guard_slit_h_size: 1,
        guard_slit_v_size: 1,
      },
    });
  return [
    ["start", run.start],
    ["descriptor", baseline.doc],
    ["event", b(295)],
    ["descriptor", primary.doc],
    ["event", primary.event({ data: { det: 1 }, timestamps: { det: 1 } })],
    ["event", b(296)],
    ["stop", run.stop()],
  ];
}

Deno.test({
  name: "sample() writes NXsample from metadata and links the baseline temperature",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const docs = composedRun({
      sample: { name: "Si powder", chemical_formula: "Si", holder: [1, 2] },
    });
    const { dir, path } = await write(docs, [sample()]);
    try {
      const v = await h5pyValues(path, [
        "/entry/sample/name",
        "/entry/sample/chemical_formula",
        "/entry/sample/holder",
        "/entry/sample/temperature",
      ]);
      assert.equal(v["/entry/sample/name"], "Si powder");
      assert.equal(v["/entry/sample/chemical_formula"], "Si");
      assert.match(String(v["/entry/sample/holder"]), /^- 1\n- 2\n/);
      assert.equal(v["/entry/sample/temperature"], 295);
      const summary = await checkNexusFile(path);
      const field = resolvePath(summary, "/entry/sample/magnetic_field");
      assert.equal(field?.attrs.direction?.value, "z");
      // Missing optional parts are left out: no sample at all is a warning, not an error.
      const none = await write(composedRun({}).filter(([n]) => n !== "descriptor" || true), [
        sample({ prefix: "nothing" }),
      ]);
      assert.ok(none.warnings.some((w) => /sample: No sample metadata or signals/.test(w)));
      await Deno.remove(none.dir, { recursive: true });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "The built-in templates() writes constants, attributes and links, and names a bad entry by index",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const template = JSON.stringify([
      ["/entry/instrument/extra:NXnote/wavelength=", 1.5],
      ["/entry/instrument/extra/@note", "from a template"],
      ["/entry/instrument/bluesky/metadata/run_start_uid", "/entry/instrument/extra/uid"],
      ["/entry/missing/thing", "/entry/x"],
      ["not a pair"],
    ]);
    const docs = composedRun({ nxwriter_template: template });
    const { dir, path, warnings } = await write(docs, []);
    try {
      const extra = "/entry/instrument/extra";
      const v = await h5pyValues(path, [`${extra}/wavelength`, `${extra}/uid`]);
      assert.equal(v[`${extra}/wavelength`], 1.5);
      assert.equal(v[`${extra}/uid`], (docs[0]![1] as { uid: string }).uid);
      const summary = await checkNexusFile(path);
      assert.equal(summary.objects[extra]?.attrs.note?.value, "from a template");
      assert.ok(
        warnings.some((w) => /nxwriter_template\[3\]: no "\/entry\/missing\/thing"/.test(w)),
      );
      assert.ok(
        warnings.some((w) => /nxwriter_template\[4\]: expected a \[source, target\]/.test(w)),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "The guide's example plugin and the template pass the contract and write a file",
  ignore: ignoreWithoutH5py(),
  async fn() {
    const docs = composedRun({});
    const { tree, warnings } = await buildPluginTree([slits(), myGroup()], docs);
    assert.equal(tree.resolve("/entry/instrument/slits/guard_slit/x_gap")?.kind, "field");
    assert.equal(
      tree.get("/entry/instrument/slits/guard_slit")?.attrs.get("guard_slit_units")?.value,
      "mm",
    );
    assert.equal(tree.get("/entry/instrument/slits/beam_slit"), undefined);
    assert.ok(Array.isArray(warnings));
    const { dir, path } = await write(docs, [slits(), myGroup()]);
    try {
      const v = await h5pyValues(path, [
        "/entry/instrument/slits/guard_slit/x_gap",
        "/entry/instrument/slits/guard_slit/y_gap",
        "/entry/my_group/plan_name",
      ]);
      assert.deepEqual(Object.values(v), [0.5, 0.25, "count"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("buildPluginTree() names the plugin that breaks the contract, and what it broke", async () => {
  const docs = composedRun({});
  await assert.rejects(
    buildPluginTree(
      { name: "bad", build: ({ tree }) => void tree.group("/entry/x", "notaclass") },
      docs,
    ),
    /NX class "notaclass"|bad/,
  );
  await assert.rejects(
    buildPluginTree(
      { name: "dangling", build: ({ tree }) => void tree.link("/entry/l", "/nowhere") },
      docs,
    ),
    /dangling|nowhere/,
  );
  await assert.rejects(
    buildPluginTree({
      name: "thrower",
      build: () => {
        throw new Error("boom");
      },
    }, docs),
    /thrower.*boom|boom/,
  );
});
