/**
 * The NXWriter end to end: real runs through the RunEngine, real files, read back by h5py.
 * The third-party plugin here imports only from mod.ts, as a facility's would.
 */
import assert from "node:assert/strict";
import { withDir } from "./_temp_dir.ts";
import {
  count,
  createNXWriter,
  gridScan,
  type NexusPlugin,
  RunEngine,
  scan,
  SupplementalData,
} from "../mod.ts";
import { GaussianDetector, RandomSensor, SimMotor } from "../devices/mod.ts";
import { checkNexusFile, h5dumpOk, ignoreWithoutH5py, resolvePath } from "./_interop.ts";

/** A facility's NXsample group from start metadata. */
function samplePlugin(): NexusPlugin {
  return {
    name: "facility-sample",
    build({ run, tree }) {
      const sample = run.start.sample;
      if (typeof sample !== "object" || sample === null) return;
      tree.group("/entry", "NXentry");
      tree.group("/entry/sample", "NXsample");
      for (const [key, value] of Object.entries(sample)) {
        if (typeof value === "string" || typeof value === "number") {
          tree.field(`/entry/sample/${key}`, value);
        }
      }
    },
  };
}

const ignore = ignoreWithoutH5py();

Deno.test({
  name: "A third-party plugin adds its NXsample group to the file",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const writer = createNXWriter({ filePath: dir, plugins: [samplePlugin] });
      const RE = new RunEngine();
      RE.subscribe("all", writer.receiver);
      const motor = new SimMotor({ name: "motor", instant: true });
      await RE.run(scan([new RandomSensor({ seed: 3 })], [[motor, 0, 1]], { num: 3 }), {
        sample: { name: "silicon", temperature: 293.5 },
      });
      const path = await writer.wait();
      const summary = await checkNexusFile(path);
      assert.ok(await h5dumpOk(path));
      assert.equal(resolvePath(summary, "/entry/sample")?.attrs?.NX_class?.value, "NXsample");
      assert.equal(resolvePath(summary, "/entry/sample/name")?.value, "silicon");
      assert.equal(resolvePath(summary, "/entry/sample/temperature")?.value, 293.5);
      assert.deepEqual(resolvePath(summary, "/entry/data/motor")?.value, [0, 0.5, 1]);
    }),
});

Deno.test({
  name: "A throwing plugin is reported and the file is still written",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const broken: NexusPlugin = {
        name: "broken-facility",
        build() {
          throw new Error("beamline database unreachable");
        },
      };
      const writer = createNXWriter({ filePath: dir, plugins: [broken] });
      const RE = new RunEngine();
      RE.subscribe("all", writer.receiver);
      await RE.run(count([new RandomSensor({ seed: 1 })], { num: 2 }));
      const path = await writer.wait();
      const summary = await checkNexusFile(path);
      assert.equal((resolvePath(summary, "/entry/data/sensor")?.value as number[]).length, 2);
      const warning = writer.warnings.find((w) => w.plugin === "broken-facility");
      assert.match(warning!.message, /Plugin "broken-facility" failed: beamline database/);
    }),
});

Deno.test({
  name: "Two runs back to back, the second starting before the first file is written",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const writer = createNXWriter({ filePath: dir });
      const RE = new RunEngine();
      RE.subscribe("all", writer.receiver);
      const motor = new SimMotor({ name: "motor", instant: true });
      const det = new GaussianDetector({ name: "det", motor, seed: 1 });
      // One plan, two runs: the second run's start arrives right after the first stop,
      // before the first file can have been written.
      function* twoRuns() {
        yield* scan([det], [[motor, -1, 1]], { num: 3 });
        yield* scan([det], [[motor, 0, 4]], { num: 5 });
      }
      const { uids } = await RE.run(twoRuns());
      const paths = await Promise.all(uids.map((uid) => writer.written(uid)!));
      assert.notEqual(paths[0], paths[1]);
      const first = await checkNexusFile(paths[0]!);
      const second = await checkNexusFile(paths[1]!);
      assert.deepEqual(resolvePath(first, "/entry/data/motor")?.value, [-1, 0, 1]);
      assert.deepEqual(resolvePath(second, "/entry/data/motor")?.value, [0, 1, 2, 3, 4]);
      assert.equal(
        resolvePath(first, "/entry/instrument/bluesky/metadata/run_start_uid")?.value,
        uids[0],
      );
      assert.equal(
        resolvePath(second, "/entry/instrument/bluesky/metadata/run_start_uid")?.value,
        uids[1],
      );
    }),
});

Deno.test({
  name: "A grid scan's default plot is the signal reshaped to the grid",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const writer = createNXWriter({ filePath: dir });
      const RE = new RunEngine();
      RE.subscribe("all", writer.receiver);
      const m1 = new SimMotor({ name: "m1", instant: true });
      const m2 = new SimMotor({ name: "m2", instant: true });
      const det = new GaussianDetector({ name: "det", motor: m1, seed: 1 });
      await RE.run(gridScan([det], [[m1, 0, 1, 2], [m2, 0, 2, 3, true]]));
      const summary = await checkNexusFile(await writer.wait());
      const signal = resolvePath(summary, "/entry/data/det");
      assert.deepEqual(signal?.shape, [2, 3]);
    }),
});

Deno.test({
  name: "A baseline stream gets value_start and value_end in the file",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const writer = createNXWriter({ filePath: dir });
      const m1 = new SimMotor({ name: "m1", instant: true });
      const m2 = new SimMotor({ name: "m2", instant: true, position: 7 });
      const RE = new RunEngine({ preprocessors: [new SupplementalData({ baseline: [m2] }).wrap] });
      RE.subscribe("all", writer.receiver);
      await RE.run(scan([new RandomSensor({ seed: 1 })], [[m1, 0, 1]], { num: 2 }));
      const summary = await checkNexusFile(await writer.wait());
      const base = "/entry/instrument/bluesky/streams/baseline/m2";
      assert.equal(resolvePath(summary, `${base}/value_start`)?.value, 7);
      assert.equal(resolvePath(summary, `${base}/value_end`)?.value, 7);
    }),
});

Deno.test({
  name:
    "The writer's and the entry plugin's options name the file, the instrument and the default plot",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const writer = createNXWriter({
        filePath: dir,
        fileName: (start) => `run-${start.scan_id}`,
        builtins: {
          entry: {
            instrumentName: "9-ID-C USAXS",
            signal: "motor_user_setpoint",
            axes: ["motor"],
          },
        },
      });
      const RE = new RunEngine();
      RE.subscribe("all", writer.receiver);
      const motor = new SimMotor({ name: "motor", instant: true });
      await RE.run(scan([new RandomSensor({ seed: 1 })], [[motor, 0, 1]], { num: 2 }));
      const path = await writer.wait();
      assert.equal(path, `${dir}/run-1`);
      const summary = await checkNexusFile(path);
      assert.equal(resolvePath(summary, "/entry/instrument/name")?.value, "9-ID-C USAXS");
      const data = resolvePath(summary, "/entry/data");
      assert.equal(data?.attrs?.signal?.value, "motor_user_setpoint");
      assert.deepEqual(data?.attrs?.axes?.value, ["motor"]);
    }),
});
