/**
 * End to end: a scan of the simulated area detector, its frames copied into the NeXus file
 * with bitshuffle + LZ4 and with LZ4 (the filters of `h5wasm-plugins`), read back by
 * independent readers that have HDF5's filter plugins: h5py and `h5dump`.
 *
 * Debian's packages `hdf5-filter-plugin` (LZ4) and `bitshuffle` (bitshuffle + LZ4) put the
 * plugins in Debian's HDF5 plugin folder; the readers are given it as `HDF5_PLUGIN_PATH`.
 * Without them the tests are skipped, except under CI.
 */

import assert from "node:assert/strict";
import { createNXWriter, type NamedDocument } from "../mod.ts";
import { areaDetectorScan } from "./_area_detector_scan.ts";
import { ignoreUnless } from "./_ci.ts";
import { h5dumpAvailable, h5pyValues, ignoreWithoutH5py, pythonWithH5py } from "./_interop.ts";

const VALUE = "/entry/instrument/bluesky/streams/primary/image_image/value";
const DETECTOR_DATASET = "/entry/data/data";
const FILTERS = { bslz4: 32008, lz4: 32004 } as const;
const WIDTH = 40;
const HEIGHT = 24;
const FRAMES = 5;

/** Folders where HDF5 filter plugins are installed: `HDF5_PLUGIN_PATH`, then Debian's. */
function pluginFolders(): string[] {
  const folders = (Deno.env.get("HDF5_PLUGIN_PATH") ?? "").split(":").filter(Boolean);
  try {
    for (const arch of Deno.readDirSync("/usr/lib")) {
      const folder = `/usr/lib/${arch.name}/hdf5/serial/plugins`;
      if (arch.isDirectory && exists(folder)) folders.push(folder);
    }
  } catch {
    // No /usr/lib: no Debian folder.
  }
  return folders;
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

const AVAILABLE_SCRIPT = `
import sys, h5py
print(all(h5py.h5z.filter_avail(int(code)) for code in sys.argv[1:]))
`;

/** The plugin path under which h5py has both filters, or null. */
function findPluginPath(): string | null {
  const python = pythonWithH5py();
  const path = pluginFolders().join(":");
  if (python === null || path === "") return null;
  try {
    const { success, stdout } = new Deno.Command(python, {
      args: ["-c", AVAILABLE_SCRIPT, ...Object.values(FILTERS).map(String)],
      env: { HDF5_PLUGIN_PATH: path },
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return success && new TextDecoder().decode(stdout).trim() === "True" ? path : null;
  } catch {
    return null;
  }
}

const pluginPath = findPluginPath();
const ignore = ignoreWithoutH5py() ||
  ignoreUnless(
    pluginPath !== null,
    "HDF5 filter plugins for h5py (Debian: hdf5-filter-plugin, bitshuffle)",
  );

/** A scan of the simulated detector: its documents, and its own (uncompressed) file. */
async function record(dir: string): Promise<{ docs: NamedDocument[]; file: string }> {
  const { docs, file, exitStatus } = await areaDetectorScan({
    folder: `${dir}/detector`,
    width: WIDTH,
    height: HEIGHT,
    num: FRAMES,
    seed: 3,
  });
  assert.equal(exitStatus, "success");
  return { docs, file };
}

async function copy(
  dir: string,
  docs: NamedDocument[],
  compression: keyof typeof FILTERS,
): Promise<string> {
  const writer = createNXWriter({
    filePath: dir,
    fileName: `${compression}.h5`,
    builtins: { streams: { frames: "copy", compression } },
  });
  for (const [name, doc] of docs) writer.receiver(name, doc);
  await writer.wait();
  return `${dir}/${compression}.h5`;
}

const READ_SCRIPT = `
import json, sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    d = f[sys.argv[2]]
    plist = d.id.get_create_plist()
    filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    print(json.dumps({"filters": filters, "chunks": list(d.chunks), "dtype": str(d.dtype),
                      "value": d[()].tolist()}))
`;

interface H5pyRead {
  filters: number[];
  chunks: number[];
  dtype: string;
  value: number[][][];
}

/** A dataset as h5py reads it, with `HDF5_PLUGIN_PATH` set to `plugins`. */
async function readWithPlugins(file: string, path: string, plugins: string): Promise<H5pyRead> {
  const { success, stdout, stderr } = await new Deno.Command(pythonWithH5py()!, {
    args: ["-c", READ_SCRIPT, file, path],
    env: { HDF5_PLUGIN_PATH: plugins },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  if (!success) {
    throw new Error(`h5py cannot read "${path}" of "${file}": ${text.decode(stderr).trim()}`);
  }
  return JSON.parse(text.decode(stdout)) as H5pyRead;
}

for (const compression of ["bslz4", "lz4"] as const) {
  Deno.test({
    name: `h5py reads the frames copied with "${compression}" equal to the detector's`,
    ignore,
    async fn() {
      const dir = await Deno.makeTempDir();
      try {
        const { docs, file } = await record(dir);
        const source = (await h5pyValues(file, [DETECTOR_DATASET]))[DETECTOR_DATASET];
        const copied = await readWithPlugins(
          await copy(dir, docs, compression),
          VALUE,
          pluginPath!,
        );
        assert.deepEqual(copied.filters, [FILTERS[compression]]);
        assert.deepEqual(copied.chunks, [1, HEIGHT, WIDTH]);
        assert.equal(copied.dtype, "uint16");
        assert.equal(copied.value.length, FRAMES);
        assert.deepEqual(copied.value, source);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "h5py without the filter plugins cannot read a bitshuffle + LZ4 copy",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { docs } = await record(dir);
      const path = await copy(dir, docs, "bslz4");
      await assert.rejects(
        readWithPlugins(path, VALUE, `${dir}/no-plugins`),
        /h5py cannot read .*(filter|plugin)/is,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The numbers of `h5dump -d`'s DATA block, without their indices. */
function h5dumpNumbers(output: string): number[] {
  const data = /DATA \{([\s\S]*?)\}/.exec(output)?.[1];
  if (data === undefined) throw new Error(`h5dump printed no DATA block:\n${output}`);
  return data.split(/[\s,]+/).filter(Boolean).map(Number);
}

Deno.test({
  name: "h5dump with HDF5_PLUGIN_PATH reads the bitshuffle + LZ4 frames equal to the detector's",
  ignore: ignore || ignoreUnless(h5dumpAvailable(), "h5dump"),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { docs, file } = await record(dir);
      const source = (await h5pyValues(file, [DETECTOR_DATASET]))[DETECTOR_DATASET] as number[][][];
      const path = await copy(dir, docs, "bslz4");
      const { success, stdout, stderr } = await new Deno.Command("h5dump", {
        // -p: the filters; -y: no indices; -w 0: no wrapping of lines.
        args: ["-p", "-y", "-w", "0", "-d", VALUE, path],
        env: { HDF5_PLUGIN_PATH: pluginPath! },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      assert.ok(success, text.decode(stderr));
      const output = text.decode(stdout);
      assert.match(output, /FILTER_ID 32008/);
      assert.deepEqual(h5dumpNumbers(output), source.flat(2));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
