import assert from "node:assert/strict";
import { composeRun } from "./compose.ts";
import type { Datum, Event, EventPage } from "./types.ts";
import { DocumentError } from "../errors.ts";
import { packDatumPage, packEventPage, unpackDatumPage, unpackEventPage } from "./pages.ts";
import { validateDocument } from "./validate.ts";

/** Three events of one stream with two keys, and optionally `filled`. */
function events(options: { filled?: boolean } = {}): Event[] {
  let tick = 100;
  const run = composeRun({}, { clock: () => tick++ });
  const stream = run.descriptor({
    name: "primary",
    data_keys: {
      motor: { dtype: "number", shape: [], source: "SIM:motor" },
      // Events of an external key get `filled` from the composer, as bluesky's do.
      image: options.filled
        ? { dtype: "array", shape: [2, 2], source: "SIM:image", external: "FILESTORE:" }
        : { dtype: "string", shape: [], source: "SIM:image" },
    },
  });
  return [0, 1, 2].map((i) =>
    stream.event({
      data: { motor: i / 10, image: `res/${i}` },
      timestamps: { motor: 50 + i, image: 60 + i },
      ...(options.filled ? { filled: { image: false } } : {}),
    })
  );
}

function datums(): Datum[] {
  const run = composeRun();
  const resource = run.resource({
    spec: "AD_HDF5",
    root: "/",
    resource_path: "data/a.h5",
    resource_kwargs: {},
  });
  return [0, 1, 2].map((i) => run.datum(resource, { point_number: i, frame: [i, i + 1] }));
}

function documentErrorOf(fn: () => unknown): DocumentError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DocumentError, `expected a DocumentError, got: ${error}`);
    return error;
  }
  assert.fail("expected a DocumentError, nothing was thrown");
}

Deno.test("packEventPage() lays the events out column by column, in order", () => {
  const input = events();
  const page = packEventPage(input);
  assert.deepEqual(page.uid, input.map((e) => e.uid));
  assert.deepEqual(page.seq_num, [1, 2, 3]);
  assert.deepEqual(page.time, input.map((e) => e.time));
  assert.equal(page.descriptor, input[0]?.descriptor);
  assert.deepEqual(page.data, { motor: [0, 0.1, 0.2], image: ["res/0", "res/1", "res/2"] });
  assert.deepEqual(page.timestamps, { motor: [50, 51, 52], image: [60, 61, 62] });
  assert.equal(validateDocument("event_page", page), page);
});

Deno.test("packEventPage() writes filled only when the events have it", () => {
  assert.equal("filled" in packEventPage(events()), false);
  const page = packEventPage(events({ filled: true }));
  assert.deepEqual(page.filled, { image: [false, false, false] });
});

Deno.test("unpackEventPage() gives back the events that were packed, with or without filled", () => {
  for (const filled of [false, true]) {
    const input = events({ filled });
    const output = unpackEventPage(packEventPage(input));
    assert.deepEqual(output, input);
    assert.equal(output.every((event) => "filled" in event), filled);
    for (const event of output) assert.equal(validateDocument("event", event), event);
  }
});

Deno.test("packEventPage() gives back the page that was unpacked", () => {
  const page: EventPage = {
    uid: ["a", "b"],
    descriptor: "d",
    seq_num: [4, 5],
    time: [1.5, 2.5],
    data: { x: [[1, 2], [3, 4]], label: ["one", "two"] },
    timestamps: { x: [1.25, 2.25], label: [1.25, 2.25] },
    filled: { x: [true, "datum/1"] },
  };
  assert.deepEqual(packEventPage(unpackEventPage(page)), page);
});

Deno.test("packEventPage() and unpackEventPage() share values instead of copying them", () => {
  const input = events();
  const frame = [[1, 2], [3, 4]];
  input[0]!.data.image = frame;
  const page = packEventPage(input);
  assert.equal(page.data.image?.[0], frame);
  assert.equal(unpackEventPage(page)[0]?.data.image, frame);
});

Deno.test("unpackEventPage() returns no events for an empty page", () => {
  const page: EventPage = {
    uid: [],
    descriptor: "d",
    seq_num: [],
    time: [],
    data: { x: [] },
    timestamps: { x: [] },
  };
  assert.deepEqual(unpackEventPage(page), []);
});

Deno.test("packEventPage() refuses an empty list of events", () => {
  assert.throws(() => packEventPage([]), RangeError);
});

Deno.test("packEventPage() refuses events of two descriptors, naming the event", () => {
  const input = events();
  input[2]!.descriptor = "another";
  const error = documentErrorOf(() => packEventPage(input));
  assert.equal(error.document, "event");
  assert.equal(error.uid, input[2]?.uid);
  assert.equal(error.field, "descriptor");
  assert.match(error.message, /belongs to descriptor "another", not "/);
});

Deno.test("packEventPage() refuses an event that lacks a key of the first, naming it", () => {
  const input = events();
  delete input[1]!.data.motor;
  const error = documentErrorOf(() => packEventPage(input));
  assert.equal(error.uid, input[1]?.uid);
  assert.equal(error.field, "data.motor");
  assert.match(error.message, /missing key "motor" that the first event of the page has$/);
});

Deno.test("packEventPage() refuses an event with a key the first lacks, naming it", () => {
  const input = events();
  input[2]!.timestamps.extra = 1;
  const error = documentErrorOf(() => packEventPage(input));
  assert.equal(error.uid, input[2]?.uid);
  assert.equal(error.field, "timestamps.extra");
  assert.match(error.message, /unexpected key "extra" that the first event of the page lacks$/);
});

Deno.test("packEventPage() compares own keys, not names inherited from Object", () => {
  const input = events();
  input[1]!.data = { image: "res/1", toString: 1 };
  const error = documentErrorOf(() => packEventPage(input));
  assert.equal(error.field, "data.motor");
  const first = events();
  first[0]!.data["constructor"] = 1;
  assert.equal(documentErrorOf(() => packEventPage(first)).field, "data.constructor");
});

Deno.test("packEventPage() refuses filled in some events but not others", () => {
  const input = events({ filled: true });
  delete input[1]!.filled;
  const missing = documentErrorOf(() => packEventPage(input));
  assert.equal(missing.uid, input[1]?.uid);
  assert.equal(missing.field, "filled");
  const extra = events();
  extra[2]!.filled = { image: true };
  assert.equal(documentErrorOf(() => packEventPage(extra)).field, "filled");
  const keys = events({ filled: true });
  keys[1]!.filled = { motor: false };
  assert.equal(documentErrorOf(() => packEventPage(keys)).field, "filled.image");
});

Deno.test("unpackEventPage() refuses a column whose length differs from uid's", () => {
  const page = packEventPage(events());
  page.data.motor = [1, 2];
  const error = documentErrorOf(() => unpackEventPage(page));
  assert.equal(error.document, "event_page");
  assert.equal(error.uid, page.uid[0]);
  assert.equal(error.field, "data.motor");
  assert.match(error.message, /column has 2 rows but uid has 3$/);
  const times = packEventPage(events());
  times.time.pop();
  assert.equal(documentErrorOf(() => unpackEventPage(times)).field, "time");
});

Deno.test("packDatumPage() and unpackDatumPage() round-trip datums of one resource", () => {
  const input = datums();
  const page = packDatumPage(input);
  assert.deepEqual(page.datum_id, input.map((d) => d.datum_id));
  assert.deepEqual(page.datum_kwargs, { point_number: [0, 1, 2], frame: [[0, 1], [1, 2], [2, 3]] });
  assert.equal(validateDocument("datum_page", page), page);
  assert.deepEqual(unpackDatumPage(page), input);
  assert.deepEqual(packDatumPage(unpackDatumPage(page)), page);
});

Deno.test("packDatumPage() refuses datums of two resources, naming the datum id", () => {
  const input = datums();
  input[1]!.resource = "elsewhere";
  const error = documentErrorOf(() => packDatumPage(input));
  assert.equal(error.document, "datum");
  assert.equal(error.uid, input[1]?.datum_id);
  assert.equal(error.field, "resource");
});

Deno.test("packDatumPage() refuses datums whose kwargs differ from the first's", () => {
  const input = datums();
  delete input[2]!.datum_kwargs.frame;
  const error = documentErrorOf(() => packDatumPage(input));
  assert.equal(error.uid, input[2]?.datum_id);
  assert.equal(error.field, "datum_kwargs.frame");
});

Deno.test("packDatumPage() refuses an empty list of datums", () => {
  assert.throws(() => packDatumPage([]), RangeError);
});

Deno.test("unpackDatumPage() refuses a kwargs column whose length differs from datum_id's", () => {
  const page = packDatumPage(datums());
  page.datum_kwargs.frame = [];
  const error = documentErrorOf(() => unpackDatumPage(page));
  assert.equal(error.document, "datum_page");
  assert.equal(error.uid, page.datum_id[0]);
  assert.equal(error.field, "datum_kwargs.frame");
});
