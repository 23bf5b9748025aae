/**
 * Plans run through the real RunEngine: the documents they produce, their start metadata as
 * bluesky writes it, relative plans that put motors back, baselines, and failures.
 *
 * The devices are small simulated ones defined here, shaped like ophyd's (stageable,
 * triggerable sensor, motor with a position and a move that takes time).
 */

import assert from "node:assert/strict";
import type {
  DocumentMap,
  DocumentName,
  Event,
  EventDescriptor,
  RunStop,
} from "../core/documents/types.ts";
import { count, gridScan, relScan, scan, SupplementalData } from "../core/plans/mod.ts";
import { RunEngine } from "../core/engine/run_engine.ts";
import { Status } from "../core/engine/status.ts";
import { validateDocument } from "../core/documents/validate.ts";
import { assertSchemaValid, ignoreWithoutSchemas } from "./_schemas.ts";

type Doc = [DocumentName, DocumentMap[DocumentName]];

function simMotor(name: string, position = 0, moveTime = 0.002) {
  const motor = {
    name,
    position,
    hints: { fields: [name] },
    repr: () => `SimMotor(name='${name}')`,
    stage: () => {},
    unstage: () => {},
    set(value: unknown) {
      const status = new Status({ label: `move of ${name}` });
      setTimeout(() => {
        motor.position = Number(value);
        status.setFinished();
      }, moveTime * 1000);
      return status;
    },
    stop: () => {},
    read: () => ({ [name]: { value: motor.position, timestamp: Date.now() / 1000 } }),
    describe: () => ({
      [name]: { dtype: "number" as const, shape: [], source: `SIM:${name}`, precision: 5 },
    }),
  };
  return motor;
}

function simSensor(name = "sensor", options: { failAfter?: number } = {}) {
  let reads = 0;
  return {
    name,
    hints: { fields: [name] },
    repr: () => `SimSensor(name='${name}')`,
    stage: () => {},
    unstage: () => {},
    trigger: () => Status.done(name),
    read() {
      if (options.failAfter !== undefined && reads >= options.failAfter) {
        throw new Error(`${name} stopped answering`);
      }
      reads++;
      return { [name]: { value: reads / 10, timestamp: Date.now() / 1000 } };
    },
    describe: () => ({ [name]: { dtype: "number" as const, shape: [], source: `SIM:${name}` } }),
  };
}

function engine(preprocessors: ConstructorParameters<typeof RunEngine>[0] = {}) {
  const RE = new RunEngine(preprocessors);
  const docs: Doc[] = [];
  RE.subscribe("all", (name, doc) => {
    docs.push([name, doc]);
  });
  return { RE, docs };
}

function docsOf<K extends DocumentName>(docs: Doc[], name: K): DocumentMap[K][] {
  return docs.filter(([n]) => n === name).map(([, d]) => d as DocumentMap[K]);
}

function eventsOf(docs: Doc[], stream: string): Event[] {
  const descriptor = docsOf(docs, "descriptor").find((d: EventDescriptor) => d.name === stream);
  return docsOf(docs, "event").filter((e) => e.descriptor === descriptor?.uid);
}

Deno.test("scan() through the RunEngine emits the seed's run: start, 5 events, stop", async () => {
  const { RE, docs } = engine();
  const motor = simMotor("motor");
  const sensor = simSensor();
  const result = await RE.run(scan([sensor], [[motor, -0.5, 0.5]], { num: 5 }));
  assert.equal(result.exitStatus, "success");
  assert.deepEqual(docs.map(([name]) => name), [
    "start",
    "descriptor",
    "event",
    "event",
    "event",
    "event",
    "event",
    "stop",
  ]);
  const [start] = docsOf(docs, "start");
  assert.equal(result.value, start?.uid);
  assert.deepEqual(
    {
      detectors: start?.detectors,
      motors: start?.motors,
      num_points: start?.num_points,
      num_intervals: start?.num_intervals,
      plan_name: start?.plan_name,
      plan_type: start?.plan_type,
      plan_pattern: start?.plan_pattern,
      plan_pattern_module: start?.plan_pattern_module,
      plan_pattern_args: start?.plan_pattern_args,
      plan_args: start?.plan_args,
      hints: start?.hints,
    },
    {
      detectors: ["sensor"],
      motors: ["motor"],
      num_points: 5,
      num_intervals: 4,
      plan_name: "scan",
      plan_type: "generator",
      plan_pattern: "inner_product",
      plan_pattern_module: "bluesky.plan_patterns",
      plan_pattern_args: { num: 5, args: ["SimMotor(name='motor')", -0.5, 0.5] },
      plan_args: {
        detectors: ["SimSensor(name='sensor')"],
        num: 5,
        args: ["SimMotor(name='motor')", -0.5, 0.5],
        per_step: "None",
      },
      hints: { dimensions: [[["motor"], "primary"]] },
    },
  );
  const events = eventsOf(docs, "primary");
  assert.deepEqual(events.map((e) => e.data.motor), [-0.5, -0.25, 0, 0.25, 0.5]);
  assert.deepEqual(events.map((e) => e.seq_num), [1, 2, 3, 4, 5]);
  assert.deepEqual(Object.keys(events[0]!.data), ["sensor", "motor"]);
});

Deno.test("Documents of plans run through the RunEngine validate", {
  ignore: ignoreWithoutSchemas(),
}, async () => {
  const { RE, docs } = engine({
    preprocessors: [new SupplementalData({ baseline: [simSensor("temp")] }).wrap],
  });
  await RE.run(gridScan([simSensor()], [[simMotor("y"), 0, 1, 2], [simMotor("x"), 0, 1, 3, true]]));
  await RE.run(count([simSensor()], { num: 2 }));
  assert.ok(docs.length > 10);
  for (const [name, doc] of docs) {
    validateDocument(name, doc);
    assertSchemaValid(name, doc);
  }
});

Deno.test("gridScan() through the RunEngine visits the snaked grid", async () => {
  const { RE, docs } = engine();
  const [y, x] = [simMotor("y"), simMotor("x")];
  await RE.run(gridScan([simSensor()], [[y, 0, 1, 2], [x, 0, 2, 3, true]]));
  const events = eventsOf(docs, "primary");
  assert.deepEqual(
    events.map((e) => [e.data.y, e.data.x]),
    [[0, 0], [0, 1], [0, 2], [1, 2], [1, 1], [1, 0]],
  );
  const [start] = docsOf(docs, "start");
  assert.deepEqual(start?.shape, [2, 3]);
  assert.deepEqual(start?.snaking, [false, true]);
  assert.deepEqual(start?.hints, {
    gridding: "rectilinear",
    dimensions: [[["y"], "primary"], [["x"], "primary"]],
  });
});

Deno.test("relScan() through the RunEngine scans around the start and returns there", async () => {
  const { RE, docs } = engine();
  const motor = simMotor("motor", 3);
  await RE.run(relScan([simSensor()], [[motor, -1, 1]], { num: 3 }));
  assert.deepEqual(eventsOf(docs, "primary").map((e) => e.data.motor), [2, 3, 4]);
  assert.equal(motor.position, 3);
  assert.equal(docsOf(docs, "start")[0]?.plan_name, "rel_scan");
});

Deno.test("SupplementalData adds a baseline stream read at the start and the end", async () => {
  const sd = new SupplementalData();
  const { RE, docs } = engine({ preprocessors: [sd.wrap] });
  sd.baseline.push(simSensor("temp"));
  await RE.run(count([simSensor()], { num: 3 }));
  const descriptors = docsOf(docs, "descriptor").map((d) => d.name);
  assert.deepEqual(descriptors, ["baseline", "primary"]);
  assert.equal(eventsOf(docs, "baseline").length, 2);
  assert.equal(eventsOf(docs, "primary").length, 3);
  assert.equal(docs.at(-2)?.[0], "event", "the last baseline event comes just before the stop");
});

Deno.test("A failing read ends the run as failed and still puts a relative motor back", async () => {
  const { RE, docs } = engine();
  const motor = simMotor("motor", 1);
  const sensor = simSensor("sensor", { failAfter: 2 });
  await assert.rejects(
    RE.run(relScan([sensor], [[motor, -1, 1]], { num: 5 })),
    /sensor stopped answering/,
  );
  const [stop] = docsOf(docs, "stop") as RunStop[];
  assert.equal(stop?.exit_status, "fail");
  assert.equal(stop?.reason, "sensor stopped answering");
  assert.equal(eventsOf(docs, "primary").length, 2);
  assert.equal(motor.position, 1);
});

Deno.test("An abort during a scan closes the run with exit status abort", async () => {
  const { RE, docs } = engine();
  const motor = simMotor("motor", 0, 0.01);
  RE.subscribe("event", () => RE.abort("enough"));
  const result = await RE.run(relScan([simSensor()], [[motor, 0, 4]], { num: 5 }));
  assert.equal(result.exitStatus, "abort");
  const [stop] = docsOf(docs, "stop") as RunStop[];
  assert.equal(stop?.exit_status, "abort");
  assert.equal(stop?.reason, "enough");
  assert.ok(eventsOf(docs, "primary").length < 5);
  assert.equal(motor.position, 0, "the reset still runs after an abort");
});
