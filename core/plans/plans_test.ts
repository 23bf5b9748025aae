import assert from "node:assert/strict";
import type { Msg, Plan } from "../engine/messages.ts";
import type { Step } from "./plan_patterns.ts";
import { count, gridScan, listScan, relGridScan, relScan, scan, scanNd } from "./mod.ts";
import { innerListProduct, linspace, outerProduct, snakeProduct } from "./plan_patterns.ts";
import { oneNdStep, type PositionCache } from "./stubs/mod.ts";
import { runWrapper, stageWrapper } from "./preprocessors/run_wrappers.ts";
import { RunInterrupted } from "../errors.ts";
import type { Readable } from "../engine/protocols.ts";
import { Status } from "../engine/status.ts";
import { answerAsEngine, brief, drive, type Simulation } from "./_plan_fakes.ts";

// ------------------------------------------------------------ fakes

const MOTOR_REPR = "EpicsMotor(prefix='gp:m10', name='motor', settle_time=0.0, timeout=None)";
const SENSOR_REPR = "EpicsSignalRO(read_pv='gp:userCalc10.VAL', name='sensor')";

function fakeMotor(name: string, position = 0, hints: { fields?: string[] } | null = {
  fields: [name],
}) {
  const motor = {
    name,
    position,
    repr: () => name === "motor" ? MOTOR_REPR : `SimMotor(name='${name}')`,
    set(value: unknown) {
      motor.position = value as number;
      return Status.done();
    },
    read: () => ({ [name]: { value: motor.position, timestamp: 0 } }),
    describe: () => ({ [name]: { dtype: "number" as const, shape: [], source: `SIM:${name}` } }),
    ...(hints === null ? {} : { hints }),
  };
  return motor;
}

function fakeSensor(name = "sensor", options: { failRead?: boolean } = {}) {
  return {
    name,
    hints: { fields: [name] },
    repr: () => name === "sensor" ? SENSOR_REPR : `SimDetector(name='${name}')`,
    read() {
      if (options.failRead) throw new Error(`${name} is unreachable`);
      return { [name]: { value: 0.5, timestamp: 0 } };
    },
    describe: () => ({ [name]: { dtype: "number" as const, shape: [], source: `SIM:${name}` } }),
    trigger: () => Status.done(),
  };
}

/** Run a plan against a responder that answers as the RunEngine does, without any waiting. */
function simulate<R>(plan: Plan<R>, limit = 10_000): Simulation<R> {
  let runs = 0;
  let uid = "";
  return drive(plan, (m) => {
    if (m.command === "open_run") return uid = `uid-${++runs}`;
    if (m.command === "close_run") return uid;
    return answerAsEngine(m);
  }, limit);
}

function startOf(messages: Msg[]): Record<string, unknown> {
  const open = messages.find((m) => m.command === "open_run");
  assert.ok(open, "no open_run message");
  return { ...open.kwargs };
}

function positions(messages: Msg[], motor: unknown): unknown[] {
  return messages.filter((m) => m.command === "set" && m.obj === motor).map((m) => m.args?.[0]);
}

// ------------------------------------------------------------ scan

Deno.test("scan() writes the seed's start metadata key for key", () => {
  const motor = fakeMotor("motor");
  const sensor = fakeSensor();
  const { messages } = simulate(scan([sensor], [[motor, -0.5, 0.5]], { num: 5 }));
  assert.deepEqual(startOf(messages), {
    detectors: ["sensor"],
    motors: ["motor"],
    num_points: 5,
    num_intervals: 4,
    plan_args: {
      detectors: [SENSOR_REPR],
      num: 5,
      args: [MOTOR_REPR, -0.5, 0.5],
      per_step: "None",
    },
    plan_name: "scan",
    plan_type: "generator",
    hints: { dimensions: [[["motor"], "primary"]] },
    plan_pattern: "inner_product",
    plan_pattern_module: "bluesky.plan_patterns",
    plan_pattern_args: { num: 5, args: [MOTOR_REPR, -0.5, 0.5] },
  });
});

Deno.test("scan() keeps bluesky's key order in the start metadata", () => {
  const { messages } = simulate(scan([fakeSensor()], [[fakeMotor("motor"), 0, 1]], { num: 2 }));
  assert.deepEqual(Object.keys(startOf(messages)), [
    "detectors",
    "motors",
    "num_points",
    "num_intervals",
    "plan_args",
    "plan_name",
    "plan_type",
    "hints",
    "plan_pattern",
    "plan_pattern_module",
    "plan_pattern_args",
  ]);
});

Deno.test("scan() stages, opens a run, steps with checkpoints and cleans up in order", () => {
  const motor = fakeMotor("motor");
  const sensor = fakeSensor();
  const { messages, value, error } = simulate(scan([sensor], [[motor, 0, 1]], { num: 2 }));
  assert.equal(error, undefined);
  assert.equal(value, "uid-1");
  assert.deepEqual(brief(messages), [
    "stage sensor g1",
    "stage motor g1",
    "open_run",
    "checkpoint",
    "set motor 0 g2",
    "wait g2",
    "trigger sensor g3",
    "wait g3",
    "create primary",
    "read sensor",
    "read motor",
    "save",
    "checkpoint",
    "set motor 1 g4",
    "wait g4",
    "trigger sensor g5",
    "wait g5",
    "create primary",
    "read sensor",
    "read motor",
    "save",
    "close_run",
    "unstage motor g6",
    "unstage sensor g6",
  ]);
});

Deno.test("scan() moves several motors together along evenly spaced points", () => {
  const [m1, m2] = [fakeMotor("m1"), fakeMotor("m2")];
  const { messages } = simulate(scan([], [[m1, -0.5, 0.5], [m2, 0, 10]], { num: 5 }));
  assert.deepEqual(positions(messages, m1), [-0.5, -0.25, 0, 0.25, 0.5]);
  assert.deepEqual(positions(messages, m2), [0, 2.5, 5, 7.5, 10]);
  const start = startOf(messages);
  assert.deepEqual(start.hints, { dimensions: [[["m1", "m2"], "primary"]] });
  assert.deepEqual(start.motors, ["m1", "m2"]);
});

Deno.test("scan() lets the user's metadata override the plan's, hints key by key", () => {
  const motor = fakeMotor("motor");
  const md = { plan_name: "my_scan", sample: "Si", hints: { gridding: "none" } };
  const { messages } = simulate(scan([fakeSensor()], [[motor, 0, 1]], { num: 2, md }));
  const start = startOf(messages);
  assert.equal(start.plan_name, "my_scan");
  assert.equal(start.sample, "Si");
  assert.deepEqual(start.hints, { dimensions: [[["motor"], "primary"]], gridding: "none" });
  const dims = { hints: { dimensions: [[["x"], "primary"]] } };
  const other = simulate(scan([fakeSensor()], [[motor, 0, 1]], { num: 2, md: dims }));
  assert.deepEqual(startOf(other.messages).hints, dims.hints);
  assert.deepEqual(md.hints, { gridding: "none" }, "the caller's metadata is not changed");
});

Deno.test("scan() writes no dimensions when the motors hint no fields", () => {
  const motor = fakeMotor("motor", 0, null);
  const { messages } = simulate(scan([fakeSensor()], [[motor, 0, 1]], { num: 2 }));
  assert.deepEqual(startOf(messages).hints, {});
});

Deno.test("scan() rejects a num that is not a whole number of points", () => {
  const motor = fakeMotor("motor");
  assert.throws(() => scan([], [[motor, 0, 1]], { num: 0.5 }).next(), RangeError);
  assert.throws(() => scan([], [[motor, 0, 1]], { num: 0 }).next(), RangeError);
  assert.throws(
    () => scan("det" as unknown as Readable[], [[motor, 0, 1]], { num: 2 }).next(),
    TypeError,
  );
});

Deno.test("scan() closes the run as failed, unstages and rethrows when a read fails", () => {
  const motor = fakeMotor("motor");
  const sensor = fakeSensor("sensor", { failRead: true });
  const { messages, error } = simulate(scan([sensor], [[motor, 0, 1]], { num: 2 }));
  assert.match(String(error), /sensor is unreachable/);
  const tail = brief(messages).slice(-5);
  assert.deepEqual(tail, [
    "read sensor",
    "drop",
    "close_run fail",
    "unstage motor g4",
    "unstage sensor g4",
  ]);
  const close = messages.find((m) => m.command === "close_run");
  assert.equal(close?.kwargs?.reason, "sensor is unreachable");
});

Deno.test("scanNd() records the trajectory and calls a custom perStep at every point", () => {
  const motor = fakeMotor("motor");
  const seen: unknown[] = [];
  function* myStep(_dets: readonly Readable[], step: Step, context: { posCache: PositionCache }) {
    seen.push(step.get(motor));
    yield* oneNdStep([], step, context);
  }
  const { messages } = simulate(scanNd([], innerListProduct([[motor, [3, 1]]]), {
    perStep: myStep,
  }));
  assert.deepEqual(seen, [3, 1]);
  const start = startOf(messages);
  assert.equal(start.plan_name, "scan_nd");
  assert.deepEqual(start.plan_args, {
    detectors: [],
    cycler: `cycler(${MOTOR_REPR}, [3, 1])`,
    per_step: "<function myStep>",
  });
  assert.deepEqual(start.hints, { dimensions: [[["motor"], "primary"]] });
});

// ------------------------------------------------------------ count

Deno.test("count() writes bluesky's metadata and reads once per shot", () => {
  const sensor = fakeSensor();
  const { messages, value } = simulate(count([sensor], { num: 2 }));
  assert.equal(value, "uid-1");
  assert.deepEqual(startOf(messages), {
    detectors: ["sensor"],
    num_points: 2,
    num_intervals: 1,
    plan_args: { detectors: [SENSOR_REPR], num: 2, delay: 0 },
    plan_name: "count",
    plan_type: "generator",
    hints: { dimensions: [[["time"], "primary"]] },
  });
  assert.deepEqual(brief(messages), [
    "stage sensor g1",
    "open_run",
    "checkpoint",
    "checkpoint",
    "trigger sensor g2",
    "wait g2",
    "create primary",
    "read sensor",
    "save",
    "checkpoint",
    "checkpoint",
    "trigger sensor g3",
    "wait g3",
    "create primary",
    "read sensor",
    "save",
    "close_run",
    "unstage sensor g4",
  ]);
});

Deno.test("count() sleeps the rest of each delay and checks there are enough delays", () => {
  const { messages } = simulate(count([fakeSensor()], { num: 3, delay: [5, null] }));
  const sleeps = messages.filter((m) => m.command === "sleep").map((m) => m.args?.[0] as number);
  assert.equal(sleeps.length, 1);
  assert.ok(sleeps[0]! > 4.9 && sleeps[0]! <= 5);
  assert.deepEqual((startOf(messages).plan_args as { delay: unknown }).delay, [5, null]);
  const short = simulate(count([fakeSensor()], { num: 3, delay: [1] }));
  assert.ok(short.error instanceof RangeError);
});

Deno.test("count() with num null keeps reading until stopped", () => {
  const plan = count([fakeSensor()], { num: null });
  const { messages, error } = simulate(plan, 200);
  assert.match(String(error), /did not end/);
  assert.ok(messages.filter((m) => m.command === "save").length > 10);
  assert.deepEqual(
    { num_points: startOf(messages).num_points, num_intervals: startOf(messages).num_intervals },
    { num_points: null, num_intervals: null },
  );
});

// ------------------------------------------------------------ list_scan

Deno.test("listScan() writes bluesky's metadata and visits the listed points", () => {
  const [m1, m2] = [fakeMotor("m1"), fakeMotor("m2")];
  const { messages } = simulate(listScan([fakeSensor("det")], [[m1, [1, 4, 9]], [m2, [0, 0, 1]]]));
  assert.deepEqual(positions(messages, m1), [1, 4, 9]);
  assert.deepEqual(positions(messages, m2), [0, 1], "m2 is not moved when it stays put");
  assert.deepEqual(startOf(messages), {
    detectors: ["det"],
    motors: ["m1", "m2"],
    num_points: 3,
    num_intervals: 2,
    plan_args: {
      detectors: ["SimDetector(name='det')"],
      args: ["SimMotor(name='m1')", [1, 4, 9], "SimMotor(name='m2')", [0, 0, 1]],
      per_step: "None",
    },
    plan_name: "list_scan",
    plan_type: "generator",
    hints: { dimensions: [[["m1", "m2"], "primary"]] },
    plan_pattern: "inner_list_product",
    plan_pattern_module: "bluesky.plan_patterns",
    plan_pattern_args: {
      args: ["SimMotor(name='m1')", [1, 4, 9], "SimMotor(name='m2')", [0, 0, 1]],
    },
  });
});

Deno.test("listScan() rejects lists of different lengths", () => {
  const [m1, m2] = [fakeMotor("m1"), fakeMotor("m2")];
  assert.throws(() => listScan([], [[m1, [1, 2]], [m2, [1]]]).next(), /"m1": 2, "m2": 1/);
});

// ------------------------------------------------------------ grid_scan

Deno.test("gridScan() writes bluesky's metadata for a snaked grid", () => {
  const [m1, m2] = [fakeMotor("m1"), fakeMotor("m2")];
  const axes = [[m1, -1, 1, 3], [m2, -2, 2, 5, true]] as const;
  const { messages } = simulate(gridScan([fakeSensor("det")], axes));
  const args = ["SimMotor(name='m1')", -1, 1, 3, "SimMotor(name='m2')", -2, 2, 5, true];
  assert.deepEqual(startOf(messages), {
    detectors: ["det"],
    motors: ["m1", "m2"],
    num_points: 15,
    num_intervals: 14,
    plan_args: { detectors: ["SimDetector(name='det')"], args, per_step: "None" },
    plan_name: "grid_scan",
    plan_type: "generator",
    hints: {
      gridding: "rectilinear",
      dimensions: [[["m1"], "primary"], [["m2"], "primary"]],
    },
    shape: [3, 5],
    extents: [[-1, 1], [-2, 2]],
    snaking: [false, true],
    plan_pattern: "outer_product",
    plan_pattern_args: { args },
    plan_pattern_module: "bluesky.plan_patterns",
  });
});

Deno.test("gridScan() snakes the fast axis and moves the slow one only when it changes", () => {
  const [m1, m2] = [fakeMotor("m1"), fakeMotor("m2")];
  const { messages } = simulate(gridScan([], [[m1, -1, 1, 3], [m2, -2, 2, 5, true]]));
  assert.deepEqual(positions(messages, m1), [-1, 0, 1]);
  assert.deepEqual(positions(messages, m2), [-2, -1, 0, 1, 2, 1, 0, -1, -2, -1, 0, 1, 2]);
  const plain = simulate(gridScan([], [[m1, -1, 1, 3], [m2, -2, 2, 5]]));
  assert.deepEqual(positions(plain.messages, m2), Array(3).fill([-2, -1, 0, 1, 2]).flat());
  assert.deepEqual(startOf(plain.messages).snaking, [false, false]);
});

Deno.test("gridScan() snakes three axes as bluesky does", () => {
  const [a, b, c] = [fakeMotor("a"), fakeMotor("b"), fakeMotor("c")];
  const { messages } = simulate(gridScan([], [[a, 0, 1, 2], [b, 0, 1, 2], [c, 0, 2, 3]], {
    snakeAxes: true,
  }));
  const points = messages.filter((m) => m.command === "save").length;
  assert.equal(points, 12);
  // Every point is read from the motors' readbacks: collect them per event.
  const reads: string[] = [];
  let current: Record<string, unknown> = {};
  for (const m of messages) {
    if (m.command === "set") current[(m.obj as { name: string }).name] = m.args?.[0];
    if (m.command === "save") {
      reads.push(`${current.a}${current.b}${current.c}`);
      current = { ...current };
    }
  }
  assert.deepEqual(reads, [
    "000",
    "001",
    "002",
    "012",
    "011",
    "010",
    "110",
    "111",
    "112",
    "102",
    "101",
    "100",
  ]);
});

Deno.test("gridScan() takes snakeAxes as a list of motors and checks it", () => {
  const [m1, m2, m3] = [fakeMotor("m1"), fakeMotor("m2"), fakeMotor("m3")];
  const axes = [[m1, 0, 1, 2], [m2, 0, 1, 2], [m3, 0, 1, 2]] as const;
  const { messages } = simulate(gridScan([], axes, { snakeAxes: [m3] }));
  assert.deepEqual(startOf(messages).snaking, [false, false, true]);
  assert.throws(() => gridScan([], axes, { snakeAxes: [m1] }).next(), /first \(slowest\)/);
  assert.throws(() => gridScan([], axes, { snakeAxes: [m2, m2] }).next(), /twice/);
  const stranger = fakeMotor("x");
  assert.throws(() => gridScan([], axes, { snakeAxes: [stranger] }).next(), /not one of/);
  assert.throws(
    () => gridScan([], [[m1, 0, 1, 2], [m2, 0, 1, 2, true]], { snakeAxes: true }).next(),
    /Cannot combine/,
  );
  assert.throws(() => gridScan([], [[m1, 0, 1, 2], [m1, 0, 1, 2]]).next(), /listed twice/);
});

// ------------------------------------------------------------ relative plans

Deno.test("relScan() moves relative to the start and puts the motor back", () => {
  const motor = fakeMotor("motor", 10);
  const { messages, error } = simulate(relScan([fakeSensor()], [[motor, -1, 1]], { num: 3 }));
  assert.equal(error, undefined);
  assert.deepEqual(positions(messages, motor), [9, 10, 11, 10]);
  assert.deepEqual(brief(messages).slice(-5), [
    "close_run",
    "unstage motor g8",
    "unstage sensor g8",
    "set motor 10 g9",
    "wait g9",
  ]);
  assert.match(String(messages.at(-1)?.kwargs?.group), /^reset-[0-9a-f]{6}$/);
  const start = startOf(messages);
  assert.equal(start.plan_name, "rel_scan");
  assert.deepEqual((start.plan_args as { args: unknown[] }).args, [MOTOR_REPR, -1, 1]);
  assert.equal(motor.position, 10);
});

Deno.test("relScan() puts the motor back even when the scan fails", () => {
  const motor = fakeMotor("motor", 2);
  const sensor = fakeSensor("sensor", { failRead: true });
  const { messages, error } = simulate(relScan([sensor], [[motor, -1, 1]], { num: 3 }));
  assert.match(String(error), /unreachable/);
  assert.deepEqual(positions(messages, motor), [1, 2]);
  assert.equal(motor.position, 2);
});

Deno.test("relGridScan() records its name and resets every motor", () => {
  const [m1, m2] = [fakeMotor("m1", 5), fakeMotor("m2", -5)];
  const { messages } = simulate(relGridScan([], [[m1, -1, 1, 2], [m2, 0, 1, 2, true]]));
  assert.equal(startOf(messages).plan_name, "rel_grid_scan");
  assert.deepEqual(positions(messages, m1), [4, 6, 5]);
  assert.deepEqual(positions(messages, m2), [-5, -4, -5, -5]);
  assert.deepEqual([m1.position, m2.position], [5, -5]);
});

// ------------------------------------------------------------ lazy trajectories

/** The first `n` positions `motor` is sent to, taking only the messages needed. */
function firstMoves(plan: Plan<unknown>, motor: { name: string }, n: number): unknown[] {
  const moves: unknown[] = [];
  let answer: unknown = undefined;
  for (let i = 0; i < 1000 && moves.length < n; i++) {
    const step = plan.next(answer);
    if (step.done) break;
    const m = step.value;
    if (m.command === "set" && m.obj === motor) moves.push(m.args?.[0]);
    answer = m.command === "open_run" ? "uid-1" : answerAsEngine(m);
  }
  return moves;
}

Deno.test("scan() of 2**32 points opens its run and moves at once, computing each point when due", () => {
  const motor = fakeMotor("motor");
  const plan = scan([fakeSensor()], [[motor, 0, 1]], { num: 2 ** 32 });
  assert.deepEqual(firstMoves(plan, motor, 2), [0, 1 / (2 ** 32 - 1)]);
});

Deno.test("scan() of 2**32 points writes the same start metadata as a short scan would", () => {
  const motor = fakeMotor("motor");
  const { messages } = simulate(scan([], [[motor, 0, 1]], { num: 2 ** 32 }), 3);
  const start = startOf(messages);
  assert.equal(start.num_points, 2 ** 32);
  assert.equal(start.num_intervals, 2 ** 32 - 1);
  assert.deepEqual(start.plan_pattern_args, { num: 2 ** 32, args: [MOTOR_REPR, 0, 1] });
});

Deno.test("gridScan() of 2**32 x 2 points opens its run and snakes its fast axis lazily", () => {
  const [y, x] = [fakeMotor("y"), fakeMotor("x")];
  const plan = gridScan([], [[y, 0, 1, 2 ** 32], [x, 5, 6, 2, true]]);
  // A motor already where the next point is is not moved again.
  assert.deepEqual(firstMoves(plan, x, 3), [5, 6, 5]);
  const grid = outerProduct([[y, 0, 1, 2 ** 32], [x, 5, 6, 2, true]]);
  assert.deepEqual([0, 1, 2, 3, 2 ** 33 - 1].map((i) => grid.at(i).get(x)), [5, 6, 6, 5, 5]);
  assert.deepEqual([0, 2, 2 ** 33 - 1].map((i) => grid.at(i).get(y)), [0, 1 / (2 ** 32 - 1), 1]);
  const { messages } = simulate(gridScan([], [[y, 0, 1, 2 ** 32], [x, 5, 6, 2]]), 3);
  assert.equal(startOf(messages).num_points, 2 ** 33);
  assert.deepEqual(startOf(messages).shape, [2 ** 32, 2]);
});

Deno.test("Lazy trajectories give the points the lists of positions gave, bit for bit", () => {
  const [y, x] = [fakeMotor("y"), fakeMotor("x")];
  const ys = linspace(-0.3, 0.7, 7);
  const xs = linspace(0.1, 0.2, 3);
  const grid = outerProduct([[y, -0.3, 0.7, 7], [x, 0.1, 0.2, 3, true]]);
  const listed = snakeProduct([[y, ys], [x, xs]], [false, true]);
  assert.equal(grid.length, 21);
  assert.deepEqual([...grid], [...listed]);
  const expected = ys.flatMap((v, i) => (i % 2 ? [...xs].reverse() : xs).map((u) => [v, u]));
  assert.deepEqual([...grid].map((p) => [p.get(y), p.get(x)]), expected);
  assert.throws(() => grid.at(21), /Cannot take point 21 of a trajectory of 21 points/);
});

// ------------------------------------------------------------ one generator, same plan

/** scanNd as the stubs and wrappers compose it, for comparison with the one generator. */
function* composedScanNd(
  detectors: readonly Readable[],
  trajectory: ReturnType<typeof innerListProduct>,
  md: Record<string, unknown>,
): Plan<string> {
  const posCache: PositionCache = new Map();
  function* steps(): Plan<void> {
    for (const step of trajectory) yield* oneNdStep(detectors, step, { posCache });
  }
  return yield* stageWrapper(runWrapper(steps(), { md }), [...detectors, ...trajectory.motors]);
}

/** Messages in full (groups as g1, g2...), and the error the plan ended with. */
function fullRecord(simulation: Simulation<string>): unknown[] {
  const groups = new Map<unknown, string>();
  const messages = simulation.messages.map((m) => {
    const kwargs = { ...m.kwargs };
    if (kwargs.group !== undefined) {
      if (!groups.has(kwargs.group)) groups.set(kwargs.group, `g${groups.size + 1}`);
      kwargs.group = groups.get(kwargs.group);
    }
    return {
      command: m.command,
      obj: (m.obj as { name?: string } | undefined)?.name,
      args: m.args,
      kwargs,
    };
  });
  return [messages, simulation.value, String(simulation.error)];
}

Deno.test("scanNd() yields the messages of stageWrapper(runWrapper(oneNdStep...)), also when a message fails", () => {
  const interrupt = new RunInterrupted("abort", "beam lost");
  for (const failAt of [Infinity, 0, 1, 3, 4, 6, 7, 9, 12, 13, 15, 16, 17, 20, 22, 23, 26, 40]) {
    for (const failure of [new Error("boom"), interrupt]) {
      const run = (
        make: (dets: Readable[], t: ReturnType<typeof innerListProduct>) => Plan<string>,
      ) => {
        const [x, y] = [fakeMotor("x"), fakeMotor("y")];
        const detectors = [fakeSensor("a"), fakeSensor("b")];
        const trajectory = innerListProduct([[x, [1, 1, 2]], [y, [5, 6, 6]]]);
        let n = 0;
        return fullRecord(drive(make(detectors, trajectory), (m) => {
          if (n++ === failAt) throw failure;
          return m.command === "open_run" ? "uid" : answerAsEngine(m);
        }, 200));
      };
      const fused = run((dets, t) => scanNd(dets, t, { md: { sample: "Si" } }));
      const md = (fused[0] as Msg[]).find((m) => m.command === "open_run")?.kwargs ?? {};
      const composed = run((dets, t) => composedScanNd(dets, t, { ...md }));
      assert.deepEqual(fused, composed, `failure at message ${failAt}: ${failure.message}`);
    }
  }
});
