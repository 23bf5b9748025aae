/**
 * What viewers make of the files: silx (the toolbox behind the viewer beamline scientists use)
 * checks every NXdata group of each file as its viewer does, and finds the default plot.
 */

import assert from "node:assert/strict";
import { count, createNXWriter, RunEngine } from "../mod.ts";
import { declareStream, openRun } from "../core/plans/stubs/mod.ts";
import { SimAreaDetector, SimMotor } from "../devices/mod.ts";
import { runScript } from "./_cli.ts";
import { ignoreWithoutSilx, silxVerdict } from "./_silx.ts";

const ignore = ignoreWithoutSilx();

Deno.test({
  name: "silx plots the seed's scan: every NXdata valid, the default plot the sensor",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const { code, stderr } = await runScript("scan.ts", ["--file", `${dir}/seed.hdf`]);
      assert.equal(code, 0, stderr);
      const verdict = await silxVerdict(`${dir}/seed.hdf`);
      assert.deepEqual(verdict.invalid, []);
      assert.equal(verdict.defaultPlot, "/entry/data");
      assert.equal(verdict.signal?.path, "/entry/data/sensor");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "silx plots every NXdata of an image scan, and the detector's own file has a default plot",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const { code, stdout, stderr } = await runScript("scan.ts", [
        "--detector",
        "image",
        "--file",
        `${dir}/images.hdf`,
      ]);
      assert.equal(code, 0, stderr);
      const verdict = await silxVerdict(`${dir}/images.hdf`);
      assert.deepEqual(verdict.invalid, []);
      assert.ok(verdict.defaultPlot, "a default plot");
      const detectorFile = /^detector file=(.+)$/m.exec(stdout)?.[1];
      assert.ok(detectorFile, stdout);
      const own = await silxVerdict(detectorFile);
      assert.deepEqual(own.invalid, []);
      assert.ok(own.defaultPlot, "the detector's file has a default plot");
      assert.equal(own.signal?.shape.length, 3, "the frames, as a stack");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "A run of only images has the image stack as its default plot",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const motor = new SimMotor({ name: "motor", instant: true });
      const det = new SimAreaDetector({ motor, folder: `${dir}/images`, width: 16, height: 8 });
      const writer = createNXWriter({ filePath: dir, fileName: "count.hdf" });
      const RE = new RunEngine();
      RE.subscribe("all", writer.receiver);
      await RE.run(count([det], { num: 3 }));
      const verdict = await silxVerdict(await writer.wait());
      assert.deepEqual(verdict.invalid, []);
      assert.ok(verdict.defaultPlot, "a default plot");
      assert.deepEqual(verdict.signal?.shape, [3, 8, 16]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "A run that failed before its first event has no empty default plot",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const motor = new SimMotor({ name: "motor", instant: true });
      // The stream is declared, so its descriptor is there; no event ever comes.
      const plan = function* () {
        yield* openRun({ plan_name: "broken", detectors: ["motor"] });
        yield* declareStream([motor]);
        throw new Error("The detector is gone");
      };
      const writer = createNXWriter({ filePath: dir, fileName: "failed.hdf" });
      const RE = new RunEngine();
      RE.subscribe("all", writer.receiver);
      await assert.rejects(RE.run(plan()), /gone/);
      const verdict = await silxVerdict(await writer.wait());
      assert.deepEqual(verdict.invalid, []);
      assert.equal(verdict.defaultPlot, null, "nothing to plot, and no empty plot offered");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
