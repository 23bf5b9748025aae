/**
 * Cross-checks the hand-written document checks of `core/documents/validate.ts` against the event
 * model's own JSON Schemas (`../shared/event-model-schemas`): valid documents of every kind
 * pass both, a table of invalid documents fails both, and where the two differ on purpose the
 * table says why and asserts that the schema indeed lets the document through.
 */

import assert from "node:assert/strict";
import { composeRun } from "../core/documents/compose.ts";
import { DOCUMENT_NAMES } from "../core/documents/types.ts";
import type { DocumentName, NamedDocument } from "../core/documents/types.ts";
import { DocumentError } from "../core/errors.ts";
import { packDatumPage, packEventPage, unpackEventPage } from "../core/documents/pages.ts";
import { validateDocument } from "../core/documents/validate.ts";
import {
  assertSchemaValid,
  ignoreWithoutSchemas,
  SHARED_DIR,
  validateAgainstSchema,
} from "./_schemas.ts";

const ignore = ignoreWithoutSchemas();

/** A run with every kind of document, its metadata as rich as the schemas describe. */
function composedRun(): NamedDocument[] {
  let tick = 1_700_000_000;
  const run = composeRun({
    plan_name: "scan",
    plan_type: "generator",
    scan_id: 12,
    detectors: ["det"],
    motors: ["motor"],
    num_points: 3,
    hints: { dimensions: [[["motor"], "primary"]] },
    sample: { name: "silicon", composition: "Si" },
    versions: { bluesky: "1.13.0", ophyd: "1.9.0" },
    data_groups: ["beamline", "proposal-1"],
    data_session: "visit-1",
    owner: "operator",
    projections: [{
      name: "nxsas",
      version: "2025.1",
      configuration: { facility: "APS" },
      projection: {
        energy: {
          type: "linked",
          location: "configuration",
          stream: "primary",
          config_index: 0,
          config_device: "mono",
          field: "mono_energy",
        },
        total: {
          type: "calculated",
          location: "event",
          stream: "primary",
          field: "det",
          calculation: { callable: "numpy:sum", args: [], kwargs: { axis: 0 } },
        },
        motor: { type: "linked", location: "event", stream: "primary", field: "motor" },
        title: { type: "static", value: "a scan" },
      },
    }],
  }, { clock: () => tick++ });
  const stream = run.descriptor({
    name: "primary",
    data_keys: {
      motor: {
        dtype: "number",
        dtype_numpy: "<f8",
        shape: [],
        source: "PV:m1.RBV",
        units: "mm",
        precision: 4,
        object_name: "motor",
        limits: {
          control: { low: -10, high: 10 },
          display: { low: null, high: null },
          hysteresis: 0.001,
          rds: { time_difference: 100, value_difference: 0.01 },
        },
      },
      det: { dtype: "integer", shape: [], source: "SIM:det", object_name: "det" },
      image: {
        dtype: "array",
        dtype_numpy: "<u2",
        shape: [null, 4, 4],
        dims: ["frame", "y", "x"],
        source: "PV:cam1",
        external: "FILESTORE:",
        object_name: "cam",
      },
      mode: { dtype: "string", shape: [], source: "PV:mode", choices: ["fast", "slow"] },
      fit: {
        dtype: "array",
        shape: [2],
        source: "SIM:fit",
        dtype_numpy: [["center", "<f8"], ["width", "<f8"]],
      },
    },
    configuration: {
      det: {
        data: { det_gain: 2 },
        timestamps: { det_gain: 1_700_000_000 },
        data_keys: { det_gain: { dtype: "number", shape: [], source: "SIM:gain" } },
      },
    },
    hints: { det: { fields: ["det"] }, motor: { fields: ["motor"] } },
    object_keys: { motor: ["motor"], det: ["det"], cam: ["image"] },
    object_classes: { motor: "ophyd.EpicsMotor" },
  });
  const resource = run.resource({
    spec: "AD_HDF5",
    root: "/",
    resource_path: "data/cam.h5",
    resource_kwargs: { frame_per_point: 1 },
  });
  const datums = [0, 1, 2].map((i) => run.datum(resource, { point_number: i }));
  const events = datums.map((datum, i) =>
    stream.event({
      data: { motor: i / 10, det: 100 + i, image: datum.datum_id, mode: "fast", fit: [i, 1] },
      timestamps: { motor: tick, det: tick, image: tick, mode: tick, fit: tick },
      filled: { image: false },
    })
  );
  const streamResource = run.streamResource({
    data_key: "image",
    mimetype: "application/x-hdf5",
    uri: "file://localhost/data/cam.h5",
    parameters: { dataset: "/entry/data/data", chunk_shape: [1, 4, 4] },
  });
  const streamDatum = run.streamDatum(streamResource, {
    descriptor: stream.doc.uid,
    indices: { start: 0, stop: 3 },
    seq_nums: { start: 1, stop: 4 },
  });
  const page = stream.eventPage({
    data: {
      motor: [0.3, 0.4],
      det: [103, 104],
      image: ["x", "y"],
      mode: ["slow", "slow"],
      fit: [[1, 2], [3, 4]],
    },
    timestamps: { motor: [1, 2], det: [1, 2], image: [1, 2], mode: [1, 2], fit: [1, 2] },
    filled: { image: [true, "x"] },
  });
  const stop = run.stop({ exit_status: "success", reason: "" });
  return [
    ["start", run.start],
    ["descriptor", stream.doc],
    ["resource", resource],
    ...datums.map((datum): NamedDocument => ["datum", datum]),
    ["datum_page", packDatumPage(datums)],
    ["stream_resource", streamResource],
    ["stream_datum", streamDatum],
    ...events.map((event): NamedDocument => ["event", event]),
    ["event_page", packEventPage(events)],
    ["event_page", page],
    ...unpackEventPage(page).map((event): NamedDocument => ["event", event]),
    ["stop", stop],
  ];
}

Deno.test({
  name: "composed documents of every kind match the schemas and pass validateDocument()",
  ignore,
  fn() {
    const docs = composedRun();
    assert.deepEqual(new Set(docs.map(([name]) => name)), new Set(DOCUMENT_NAMES));
    for (const [name, doc] of docs) {
      assertSchemaValid(name, doc);
      assert.equal(validateDocument(name, doc), doc);
    }
  },
});

/** The first composed document of each kind. */
function firstOfEachKind(): Map<DocumentName, unknown> {
  const first = new Map<DocumentName, unknown>();
  for (const [name, doc] of composedRun()) if (!first.has(name)) first.set(name, doc);
  return first;
}

/** A copy of `doc` with the value at `path` replaced, or removed when `value` is undefined. */
function replaced(doc: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string, unknown>;
  let parent: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

const REMOVED = undefined;
const aDataKey = { dtype: "number", shape: [], source: "SIM:x" };

/**
 * An invalid document: the first composed document of a kind with the value at a path replaced
 * (or removed); the path is dotted, or a list of keys when a key has a dot. `validateDocument()` must name the path as the field unless `field` says
 * otherwise; `schemaAccepts` says why the schema lets the document through, where it does.
 */
type InvalidCase = [
  name: DocumentName,
  what: string,
  path: string | string[],
  value: unknown,
  options?: { field?: string | undefined; schemaAccepts?: string },
];

const invalid: InvalidCase[] = [
  ["start", "a start without uid", "uid", REMOVED],
  ["start", "a start time given as text", "time", "now"],
  ["start", "a fractional scan_id", "scan_id", 1.5],
  ["start", "a numeric sample", "sample", 5],
  ["start", "a data group that is not text", "data_groups.0", 1],
  ["start", "a top-level key with a dot", ["plan.args"], 1],
  ["start", "an empty top-level key", [""], 1, { field: undefined }],
  ["start", "a nested key with a slash", "versions.a/b", "1"],
  ["start", "a dimension hint of the wrong shape", "hints.dimensions.0.0", 1],
  ["start", "a projection without version", "projections.0.version", REMOVED],
  ["start", "a projection of unknown type", "projections.0.projection.title.type", "copied"],
  [
    "start",
    "a configuration projection without index",
    "projections.0.projection.energy.config_index",
    REMOVED,
  ],
  ["descriptor", "a descriptor without run_start", "run_start", REMOVED],
  ["descriptor", "data_keys given as an array", "data_keys", []],
  ["descriptor", "an unknown dtype", "data_keys.det.dtype", "float64"],
  ["descriptor", "a shape given as text", "data_keys.image.shape", "4x4"],
  ["descriptor", "a shape with a fractional size", "data_keys.image.shape.1", 4.5],
  ["descriptor", "a data key without source", "data_keys.motor.source", REMOVED],
  ["descriptor", "a data key name with a dot", ["data_keys", "det.x"], { ...aDataKey }],
  ["descriptor", "a fractional precision", "data_keys.motor.precision", 2.5],
  ["descriptor", "units that are not text", "data_keys.motor.units", 1],
  ["descriptor", "an external mark in lower case", "data_keys.image.external", "filestore:"],
  ["descriptor", "a numpy dtype without byte order", "data_keys.motor.dtype_numpy", "f8"],
  ["descriptor", "a numpy field of three items", "data_keys.fit.dtype_numpy.0", ["a", "<f8", 2]],
  ["descriptor", "a choice that is not text", "data_keys.mode.choices.1", 2],
  ["descriptor", "limits of an unknown kind", "data_keys.motor.limits.soft", null],
  ["descriptor", "a limits range without high", "data_keys.motor.limits.control.high", REMOVED],
  ["descriptor", "configuration data given as an array", "configuration.det.data", []],
  [
    "descriptor",
    "a configuration data key with a bad dtype",
    "configuration.det.data_keys.det_gain.dtype",
    "double",
  ],
  ["descriptor", "a hints NX_class that is not a NeXus class", "hints.NX_class", "detector"],
  ["descriptor", "an object class that is not text", "object_classes.motor", 1],
  ["event", "an event without descriptor", "descriptor", REMOVED],
  ["event", "a fractional seq_num", "seq_num", 1.5],
  ["event", "data given as an array", "data", [1, 2]],
  ["event", "timestamps given as null", "timestamps", null],
  ["event", "a filled value that is a number", "filled.image", 0],
  ["event", "an event with an extra field", "run_start", "r"],
  ["event", "an event that is an array", [], [], { field: undefined }],
  ["event", "a seq_num of 0", "seq_num", 0, {
    schemaAccepts: "the schema asks only for an integer; bluesky numbers events from 1",
  }],
  ["event", "an event time that is not finite", "time", Number.NaN, {
    schemaAccepts: "JSON Schema's number admits NaN in memory; a time must be a real instant",
  }],
  ["event_page", "page uids given as text", "uid", "e1"],
  ["event_page", "a page seq_num that is text", "seq_num.1", "2"],
  ["event_page", "a page time that is text", "time.0", "now"],
  ["event_page", "a data column that is not an array", "data.det", 5],
  ["event_page", "a filled cell that is a number", "filled.image.0", 0],
  ["event_page", "a page with an extra field", "length", 3],
  ["event_page", "a data column one row short", "data.det", [101, 102], {
    schemaAccepts: "the schema does not relate the lengths of a page's columns",
  }],
  ["event_page", "a page seq_num of 0", "seq_num.0", 0, {
    schemaAccepts: "the schema asks only for integers; bluesky numbers events from 1",
  }],
  ["stop", "an unknown exit status", "exit_status", "ok"],
  ["stop", "a stop without run_start", "run_start", REMOVED],
  ["stop", "a fractional event count", "num_events.primary", 2.5],
  ["stop", "a reason that is not text", "reason", 1],
  ["stop", "a stop key with a slash", "a/b", 1],
  ["resource", "a resource without kwargs", "resource_kwargs", REMOVED],
  ["resource", "unknown path semantics", "path_semantics", "mac"],
  ["resource", "a resource with an extra field", "id", "x"],
  ["datum", "a datum without resource", "resource", REMOVED],
  ["datum", "datum kwargs given as an array", "datum_kwargs", []],
  ["datum", "a datum with an extra field", "uid", "x"],
  ["datum_page", "a datum id that is a number", "datum_id.0", 0],
  ["datum_page", "a kwargs column that is not an array", "datum_kwargs.point_number", 0],
  ["datum_page", "a kwargs column one row short", "datum_kwargs.point_number", [0, 1], {
    schemaAccepts: "the schema does not relate the lengths of a page's columns",
  }],
  ["stream_resource", "a stream resource without uri", "uri", REMOVED],
  ["stream_resource", "parameters given as text", "parameters", "x"],
  ["stream_datum", "a stream datum without seq_nums", "seq_nums", REMOVED],
  ["stream_datum", "a fractional index", "indices.start", 0.5],
  ["stream_datum", "indices given as an array", "indices", [0, 3]],
];

Deno.test({
  name: "validateDocument() and the schemas refuse the same invalid documents",
  ignore,
  fn() {
    const valid = firstOfEachKind();
    for (const [name, what, dotted, value, options = {}] of invalid) {
      const path = typeof dotted === "string" ? dotted.split(".") : dotted;
      const doc = replaced(valid.get(name), path, value);
      let error: unknown;
      try {
        validateDocument(name, doc);
      } catch (thrown) {
        error = thrown;
      }
      assert.ok(error instanceof DocumentError, `validateDocument() accepts ${what}`);
      assert.equal(error.document, name, what);
      assert.equal(error.field, "field" in options ? options.field : path.join("."), what);
      const complaints = validateAgainstSchema(name, doc);
      if (options.schemaAccepts === undefined) {
        assert.notDeepEqual(complaints, [], `the ${name} schema accepts ${what}`);
      } else {
        assert.deepEqual(complaints, [], `the ${name} schema refuses ${what}`);
      }
    }
  },
});

/** Every path of a document's values, as property lists. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, key];
    return [path, ...paths(child, path)];
  });
}

function accepts(name: DocumentName, doc: unknown): boolean {
  try {
    validateDocument(name, doc);
    return true;
  } catch (error) {
    if (error instanceof DocumentError) return false;
    throw error;
  }
}

/** Where `validateDocument()` is stricter than the schema on purpose (see the table above). */
function stricterOnPurpose(name: DocumentName, path: string[], value: unknown): boolean {
  const [top] = path;
  if (top === "seq_num" && value === 0 && (name === "event" || name === "event_page")) return true;
  // A page's columns keep the length of its uid (datum_id) column: an array of another
  // length put in place of a column, or of uid itself, breaks that.
  return (name === "event_page" || name === "datum_page") && Array.isArray(value) &&
    path.length <= 2;
}

Deno.test({
  name: "validateDocument() and the schemas agree on every field removed or retyped",
  ignore,
  fn() {
    const probes: unknown[] = [undefined, null, 0, 1.5, "text", true, [], {}, ["text"], {
      "a.b": 1,
    }];
    let compared = 0;
    for (const [name, doc] of firstOfEachKind()) {
      for (const path of paths(doc)) {
        for (const probe of probes) {
          const changed = replaced(doc, path, probe);
          const ours = accepts(name, changed);
          const schema = validateAgainstSchema(name, changed).length === 0;
          compared++;
          if (ours === schema) continue;
          const where = `${name} ${path.join(".")} = ${JSON.stringify(probe) ?? "(removed)"}`;
          assert.ok(
            !ours && schema && stricterOnPurpose(name, path, probe),
            `${where}: validateDocument() ${ours ? "accepts" : "refuses"} it, the schema ${
              schema ? "accepts" : "refuses"
            } it`,
          );
        }
      }
    }
    assert.ok(compared > 1000, `only ${compared} comparisons`);
  },
});

async function fixtureRuns(): Promise<[string, [string, unknown][]][]> {
  const dir = new URL("fixtures/apstools/", SHARED_DIR);
  const runs: [string, [string, unknown][]][] = [];
  for await (const entry of Deno.readDir(dir)) {
    const file = new URL(entry.name, dir);
    if (entry.name.endsWith(".json")) {
      runs.push([entry.name, JSON.parse(await Deno.readTextFile(file))]);
    } else if (entry.name.endsWith(".json.gz")) {
      const bytes = await Deno.readFile(file);
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      runs.push([entry.name, JSON.parse(await new Response(stream).text())]);
    }
  }
  return runs;
}

Deno.test({
  name:
    "every document of the recorded apstools runs passes both the schemas and validateDocument()",
  ignore,
  async fn() {
    const runs = await fixtureRuns();
    assert.ok(runs.length >= 8, `found ${runs.length} fixture files`);
    let count = 0;
    for (const [file, docs] of runs) {
      for (const [name, doc] of docs) {
        assert.deepEqual(validateAgainstSchema(name, doc), [], `${file}: ${name}`);
        try {
          validateDocument(name, doc);
        } catch (error) {
          assert.fail(`${file}: ${error}`);
        }
        count++;
      }
    }
    assert.ok(count > 250, `only ${count} documents checked`);
  },
});
