import assert from "node:assert/strict";
import { DOCUMENT_NAMES } from "./types.ts";
import type { DocumentMap, DocumentName } from "./types.ts";
import { DocumentError } from "../errors.ts";
import { isDocumentName, validateDocument } from "./validate.ts";

/** A fresh, valid, minimal document of each kind. */
function valid(): { [K in DocumentName]: DocumentMap[K] } {
  return {
    start: { uid: "r1", time: 1700000000.5 },
    descriptor: {
      uid: "d1",
      run_start: "r1",
      time: 1700000001,
      data_keys: { det: { dtype: "number", shape: [], source: "SIM:det" } },
    },
    event: {
      uid: "e1",
      descriptor: "d1",
      seq_num: 1,
      time: 1700000002,
      data: { det: 5 },
      timestamps: { det: 1700000002 },
    },
    event_page: {
      uid: ["e1", "e2"],
      descriptor: "d1",
      seq_num: [1, 2],
      time: [1700000002, 1700000003],
      data: { det: [5, 6] },
      timestamps: { det: [1700000002, 1700000003] },
    },
    stop: { uid: "s1", run_start: "r1", time: 1700000004, exit_status: "success" },
    resource: {
      uid: "res1",
      spec: "AD_HDF5",
      root: "/",
      resource_path: "data/image.h5",
      resource_kwargs: { frame_per_point: 1 },
    },
    datum: { datum_id: "res1/0", resource: "res1", datum_kwargs: { point_number: 0 } },
    datum_page: {
      datum_id: ["res1/0", "res1/1"],
      resource: "res1",
      datum_kwargs: { point_number: [0, 1] },
    },
    stream_resource: {
      uid: "sr1",
      data_key: "image",
      mimetype: "application/x-hdf5",
      uri: "file://localhost/data/image.h5",
      parameters: { dataset: "/entry/data/data" },
    },
    stream_datum: {
      uid: "sr1/0",
      stream_resource: "sr1",
      descriptor: "d1",
      indices: { start: 0, stop: 2 },
      seq_nums: { start: 1, stop: 3 },
    },
  };
}

/** The DocumentError that `fn` throws. */
function errorOf(fn: () => unknown): DocumentError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DocumentError, `expected a DocumentError, got: ${error}`);
    return error;
  }
  assert.fail("expected a DocumentError, nothing was thrown");
}

/** Checks a document of `name` after `change` and returns the error. */
function rejected(name: DocumentName, change: (doc: Record<string, unknown>) => void) {
  const doc = valid()[name] as unknown as Record<string, unknown>;
  change(doc);
  return errorOf(() => validateDocument(name, doc));
}

Deno.test("validateDocument() returns the very document it was given, for every kind", () => {
  const docs = valid();
  for (const name of DOCUMENT_NAMES) {
    assert.equal(validateDocument(name, docs[name]), docs[name], name);
  }
});

Deno.test("validateDocument() leaves the document unchanged", () => {
  const docs = valid();
  const before = structuredClone(docs);
  for (const name of DOCUMENT_NAMES) validateDocument(name, docs[name]);
  assert.deepEqual(docs, before);
});

Deno.test("validateDocument() returns a document typed after its name", () => {
  const stop = validateDocument("stop", JSON.parse(JSON.stringify(valid().stop)));
  const status: "success" | "abort" | "fail" = stop.exit_status;
  assert.equal(status, "success");
});

Deno.test("validateDocument() refuses an unknown document name and names it", () => {
  const error = errorOf(() => validateDocument("bulk_events", { uid: "x" }));
  assert.equal(error.document, "bulk_events");
  assert.equal(error.uid, "x");
  assert.match(error.message, /unknown document name "bulk_events": expected one of "start", /);
});

Deno.test("validateDocument() refuses a document that is not a plain object", () => {
  class Reading {
    uid = "e1";
  }
  const cases: [unknown, string][] = [
    [null, "null"],
    [[], "an array"],
    ["e1", '"e1"'],
    [7, "7"],
    [undefined, "nothing"],
    [new Map([["uid", "e1"]]), "a Map"],
    [new Reading(), "a Reading"],
  ];
  for (const [doc, shown] of cases) {
    const error = errorOf(() => validateDocument("event", doc));
    assert.equal(error.document, "event");
    assert.equal(error.field, undefined);
    assert.equal(error.message, `event document: must be a plain object: got ${shown}`);
  }
});

Deno.test("validateDocument() accepts an object without prototype", () => {
  const doc = Object.assign(Object.create(null), valid().stop);
  assert.equal(validateDocument("stop", doc), doc);
});

Deno.test("validateDocument() names the kind, the uid and the missing required field", () => {
  const required: [DocumentName, string, string | undefined][] = [
    ["start", "time", "r1"],
    ["start", "uid", undefined],
    ["descriptor", "data_keys", "d1"],
    ["descriptor", "run_start", "d1"],
    ["event", "seq_num", "e1"],
    ["event", "timestamps", "e1"],
    ["event_page", "time", "e1"],
    ["stop", "exit_status", "s1"],
    ["resource", "resource_kwargs", "res1"],
    ["datum", "resource", "res1/0"],
    ["datum_page", "datum_kwargs", "res1/0"],
    ["stream_resource", "parameters", "sr1"],
    ["stream_datum", "seq_nums", "sr1/0"],
  ];
  for (const [name, field, uid] of required) {
    const error = rejected(name, (doc) => delete doc[field]);
    assert.equal(error.document, name);
    assert.equal(error.uid, uid, `${name}.${field}`);
    assert.equal(error.field, field);
    assert.match(error.message, /: is required$/);
  }
});

Deno.test("validateDocument() formats the error as kind, uid, field, then what is wrong", () => {
  const error = rejected("stop", (doc) => doc.exit_status = "ok");
  assert.equal(
    error.message,
    'stop document, uid "s1", field "exit_status": ' +
      'must be one of "success", "abort", "fail": got "ok"',
  );
});

Deno.test("validateDocument() checks the types of required fields", () => {
  const cases: [DocumentName, string, unknown][] = [
    ["start", "uid", 5],
    ["start", "time", "yesterday"],
    ["descriptor", "data_keys", []],
    ["event", "data", [1]],
    ["event", "timestamps", null],
    ["event", "time", Number.NaN],
    ["event", "descriptor", { uid: "d1" }],
    ["event_page", "descriptor", ["d1"]],
    ["stop", "time", Infinity],
    ["resource", "root", null],
    ["datum", "datum_kwargs", "point_number=0"],
    ["stream_resource", "uri", 7],
    ["stream_datum", "indices", [0, 2]],
  ];
  for (const [name, field, value] of cases) {
    const error = rejected(name, (doc) => doc[field] = value);
    assert.equal(error.field, field, `${name}.${field}`);
    assert.match(error.message, /: must be /);
  }
});

Deno.test("validateDocument() requires event seq_num to be an integer from 1", () => {
  for (const seq of [0, -1, 1.5, "1"]) {
    const error = rejected("event", (doc) => doc.seq_num = seq);
    assert.equal(error.field, "seq_num");
    assert.equal(error.uid, "e1");
  }
  const ok = valid().event;
  ok.seq_num = 123456;
  assert.equal(validateDocument("event", ok), ok);
});

Deno.test("validateDocument() checks event filled values are booleans or datum ids", () => {
  const event = valid().event;
  event.filled = { image: false, other: "res1/0" };
  assert.equal(validateDocument("event", event), event);
  const error = rejected("event", (doc) => doc.filled = { image: 0 });
  assert.equal(error.field, "filled.image");
});

Deno.test("validateDocument() refuses fields the schema does not allow", () => {
  const closed: DocumentName[] = ["event", "event_page", "resource", "datum", "datum_page"];
  for (const name of closed) {
    const error = rejected(name, (doc) => doc.extra = 1);
    assert.equal(error.field, "extra", name);
    assert.match(error.message, /unexpected field: allowed are /);
  }
});

Deno.test("validateDocument() lets extra metadata through where the schema allows it", () => {
  const docs = valid();
  const open = [
    ["start", { plan_name: "scan", versions: { bluesky: "1.13" }, nested: { a: [{ "x.y": 1 }] } }],
    ["descriptor", { object_classes: { det: "ophyd.sim.SynGauss" } }],
    ["stop", { "custom": { "a.b": 1 } }],
    ["stream_resource", { "any.key": 1 }],
    ["stream_datum", { "any/key": 1 }],
  ] as const;
  for (const [name, extra] of open) {
    const doc = { ...docs[name], ...extra };
    assert.equal(validateDocument(name, doc), doc, name);
  }
});

Deno.test("validateDocument() refuses keys with a dot or slash anywhere in start and descriptor", () => {
  assert.equal(rejected("start", (doc) => doc["a.b"] = 1).field, "a.b");
  assert.match(rejected("start", (doc) => doc[""] = 1).message, /: key "" must be non-empty/);
  const nested = rejected("start", (doc) => doc.md = { inner: { "x/y": 1 } });
  assert.equal(nested.field, "md.inner.x/y");
  assert.match(nested.message, /key "x\/y" must be non-empty and contain no "\." or "\/"/);
  const dataKey = rejected("descriptor", (doc) => {
    doc.data_keys = { "det.x": { dtype: "number", shape: [], source: "SIM:det" } };
  });
  assert.equal(dataKey.field, "data_keys.det.x");
  assert.equal(rejected("stop", (doc) => doc["a/b"] = 1).field, "a/b");
});

Deno.test("validateDocument() checks every data key of a descriptor", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ dtype: "float", shape: [], source: "s" }, "data_keys.det.dtype"],
    [{ shape: [], source: "s" }, "data_keys.det.dtype"],
    [{ dtype: "array", shape: "3", source: "s" }, "data_keys.det.shape"],
    [{ dtype: "array", shape: [3, "4"], source: "s" }, "data_keys.det.shape.1"],
    [{ dtype: "array", shape: [3, 1.5], source: "s" }, "data_keys.det.shape.1"],
    [{ dtype: "number", shape: [] }, "data_keys.det.source"],
    [{ dtype: "number", shape: [], source: "s", precision: 2.5 }, "data_keys.det.precision"],
    [{ dtype: "number", shape: [], source: "s", units: 5 }, "data_keys.det.units"],
    [{ dtype: "number", shape: [], source: "s", external: "file:" }, "data_keys.det.external"],
    [{ dtype: "number", shape: [], source: "s", dtype_numpy: "f8" }, "data_keys.det.dtype_numpy"],
    [
      { dtype: "number", shape: [], source: "s", dtype_numpy: [["x", "<f8", 1]] },
      "data_keys.det.dtype_numpy.0",
    ],
    [{ dtype: "number", shape: [], source: "s", choices: [1] }, "data_keys.det.choices.0"],
    [
      { dtype: "number", shape: [], source: "s", limits: { control: { low: 0 } } },
      "data_keys.det.limits.control.high",
    ],
    [
      { dtype: "number", shape: [], source: "s", limits: { range: null } },
      "data_keys.det.limits.range",
    ],
  ];
  for (const [key, field] of cases) {
    const error = rejected("descriptor", (doc) => doc.data_keys = { det: key });
    assert.equal(error.field, field);
    assert.equal(error.uid, "d1");
  }
  const rich = valid().descriptor;
  rich.data_keys.det = {
    dtype: "array",
    shape: [null, 1024],
    source: "PV:det",
    units: null,
    precision: 3,
    dims: ["x", "y"],
    dtype_numpy: "<u2",
    external: "STREAM:",
    limits: { control: { low: null, high: 10 }, hysteresis: 0.1, rds: null },
  };
  assert.equal(validateDocument("descriptor", rich), rich);
});

Deno.test("validateDocument() checks a descriptor's configuration, hints and object maps", () => {
  const config = rejected("descriptor", (doc) => {
    doc.configuration = {
      det: { data: {}, timestamps: {}, data_keys: { gain: { dtype: "int", shape: [] } } },
    };
  });
  assert.equal(config.field, "configuration.det.data_keys.gain.dtype");
  const hints = rejected("descriptor", (doc) => doc.hints = { NX_class: "detector" });
  assert.equal(hints.field, "hints.NX_class");
  const classes = rejected("descriptor", (doc) => doc.object_classes = { det: 1 });
  assert.equal(classes.field, "object_classes.det");
});

Deno.test("validateDocument() checks start hints, sample and projections", () => {
  const ok = valid().start;
  ok.hints = { dimensions: [[["motor"], "primary"]] };
  ok.sample = "silicon";
  ok.projections = [{
    name: "nxsas",
    version: "2.0",
    configuration: {},
    projection: {
      energy: {
        type: "linked",
        location: "configuration",
        stream: "primary",
        config_index: 0,
        config_device: "mono",
        field: "energy",
      },
      sum: {
        type: "calculated",
        location: "event",
        stream: "primary",
        field: "det",
        calculation: { callable: "numpy.sum" },
      },
      title: { type: "static", value: "a title" },
    },
  }];
  assert.equal(validateDocument("start", ok), ok);
  const dims = rejected("start", (doc) => doc.hints = { dimensions: [[["motor"], 5]] });
  assert.equal(dims.field, "hints.dimensions.0.1");
  assert.equal(rejected("start", (doc) => doc.sample = 5).field, "sample");
  assert.equal(rejected("start", (doc) => doc.scan_id = 1.5).field, "scan_id");
  const projection = rejected("start", (doc) => {
    doc.projections = [{ version: "1", configuration: {}, projection: { a: { type: "static" } } }];
  });
  assert.equal(projection.field, "projections.0.projection.a.value");
});

Deno.test("validateDocument() names the uid of the offending row of an event page", () => {
  const seq = rejected("event_page", (doc) => doc.seq_num = [1, 0]);
  assert.equal(seq.field, "seq_num.1");
  assert.equal(seq.uid, "e2");
  const time = rejected("event_page", (doc) => doc.time = [1, "2"]);
  assert.equal(time.field, "time.1");
  assert.equal(time.uid, "e2");
  const filled = rejected("event_page", (doc) => doc.filled = { det: [false, 1] });
  assert.equal(filled.field, "filled.det.1");
  assert.equal(filled.uid, "e2");
  const uid = rejected("event_page", (doc) => doc.uid = ["e1", 2]);
  assert.equal(uid.field, "uid.1");
});

Deno.test("validateDocument() refuses event page columns whose length differs from uid's", () => {
  const cases: [string, (doc: Record<string, unknown>) => void][] = [
    ["seq_num", (doc) => doc.seq_num = [1]],
    ["time", (doc) => doc.time = [1, 2, 3]],
    ["data.det", (doc) => doc.data = { det: [5] }],
    ["timestamps.det", (doc) => doc.timestamps = { det: [] }],
    ["filled.det", (doc) => doc.filled = { det: [false] }],
  ];
  for (const [field, change] of cases) {
    const error = rejected("event_page", change);
    assert.equal(error.field, field);
    assert.equal(error.uid, "e1");
    assert.match(error.message, /has \d rows but uid has 2$/);
  }
  assert.equal(rejected("event_page", (doc) => doc.data = { det: 5 }).field, "data.det");
});

Deno.test("validateDocument() accepts an empty event page", () => {
  const page = {
    uid: [],
    descriptor: "d1",
    seq_num: [],
    time: [],
    data: { det: [] },
    timestamps: { det: [] },
  };
  assert.equal(validateDocument("event_page", page), page);
});

Deno.test("validateDocument() names datum ids in datum and datum page errors", () => {
  const datum = rejected("datum", (doc) => doc.datum_kwargs = null);
  assert.equal(datum.uid, "res1/0");
  assert.equal(datum.field, "datum_kwargs");
  const page = rejected("datum_page", (doc) => doc.datum_kwargs = { point_number: [0] });
  assert.equal(page.uid, "res1/0");
  assert.equal(page.field, "datum_kwargs.point_number");
  assert.match(page.message, /has 1 rows but datum_id has 2$/);
  const id = rejected("datum_page", (doc) => doc.datum_id = ["res1/0", null]);
  assert.equal(id.field, "datum_id.1");
});

Deno.test("validateDocument() checks stop num_events, resource path semantics and stream ranges", () => {
  assert.equal(
    rejected("stop", (doc) => doc.num_events = { primary: 2.5 }).field,
    "num_events.primary",
  );
  assert.equal(rejected("stop", (doc) => doc.reason = 0).field, "reason");
  assert.equal(
    rejected("resource", (doc) => doc.path_semantics = "mac").field,
    "path_semantics",
  );
  assert.equal(
    rejected("stream_datum", (doc) => doc.indices = { start: 0, stop: 1.5 }).field,
    "indices.stop",
  );
});

Deno.test("isDocumentName() accepts exactly the event model's document names", () => {
  for (const name of DOCUMENT_NAMES) assert.equal(isDocumentName(name), true, name);
  for (const name of ["bulk_events", "Start", "", "toString", "__proto__", 1, null]) {
    assert.equal(isDocumentName(name), false, String(name));
  }
});
