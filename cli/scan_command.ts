/**
 * `deno task scan`: the seed's demo, a scan of a 10 Hz random sensor against a motor, with
 * bluesky's live table and plot. The devices are simulated, or with `--ioc PREFIX` the seed's
 * EPICS devices on an IOC.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  createBestEffortCallback,
  JsonFileMetadataStore,
  type PlotSeries,
  renderSvg,
  renderTerminal,
  RunEngine,
  type RunStart,
  scan,
} from "../mod.ts";
import { RandomSensor, SimAreaDetector, SimMotor } from "../devices/mod.ts";
import { Catalog } from "../core/catalog/mod.ts";
import {
  CONFIG_OPTIONS,
  configOptionHelp,
  configuredWriter,
  loadConfig,
  type LoadedConfig,
  outputFolder,
} from "./_config.ts";
import { type CommandIO, joinNegativeValues, UsageError } from "./_io.ts";
import { connectSeedDevices, CountedWarnings, type SeedDevices } from "./_epics_seed.ts";

/** Usage text of the scan command. */
export const SCAN_USAGE = `Usage: deno task scan [options]

Scan the 10 Hz random "sensor" against the "motor", as bluesky's
scan([sensor], motor, start, stop, num), print the live table, and write the plot.
The devices are simulated, unless --ioc names an EPICS IOC.

Options:
  --start X       first motor position (default -0.5)
  --stop X        last motor position (default 0.5)
  --num N         number of points (default 5)
  --file F        NeXus file to write; the plot goes beside it as F with .svg
                  (default: YYYYmmdd-HHMMSS-S00001-c888d28.hdf in the current folder)
  --overwrite     replace F if it exists (otherwise the config's overwrite policy;
                  without one, an existing file is an error)
  --catalog DIR   store the run's documents in the catalog in DIR (export it later
                  with deno task nx export), and keep scan_id counting there
  --detector D    sensor (default), or image: a simulated 512 x 512 area detector
                  whose frames go to its own HDF5 file in images/ beside the NeXus
                  file, linked from it
  --frames MODE   with --detector image: link (default) or copy the frames into
                  the NeXus file
  --no-table      do not print the live table
  --ioc PREFIX    scan the seed's EPICS devices over Channel Access instead:
                  EpicsMotor("PREFIX" + "m10") and EpicsSignalRO of the swait
                  record "PREFIX" + "userCalc10", set up as a 10 Hz random number
                  generator (deno task ioc serves them); EPICS_CA_ADDR_LIST and
                  the other EPICS_CA_* variables say where IOCs are
  --timeout S     with --ioc: seconds to wait for the PVs to connect (default 5)
${configOptionHelp(18)}
  --help          show this text`;

interface ScanArgs {
  start: number;
  stop: number;
  num: number;
  file: string | undefined;
  catalog: string | undefined;
  table: boolean;
  overwrite: boolean;
  detector: "sensor" | "image";
  frames: "link" | "copy" | undefined;
  ioc: string | undefined;
  timeout: number;
  /** `--config` and `--no-config`. */
  config: { config: string | undefined; "no-config": boolean };
}

function number(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`Option --${name} needs a number: got "${text}"`);
  }
  return value;
}

function choice<T extends string>(name: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`Option --${name} is ${choices.join(" or ")}: got "${text}"`);
}

function parse(args: string[]): ScanArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args, ["start", "stop", "num"]),
      options: {
        start: { type: "string" },
        stop: { type: "string" },
        num: { type: "string" },
        file: { type: "string" },
        catalog: { type: "string" },
        "no-table": { type: "boolean", default: false },
        detector: { type: "string", default: "sensor" },
        frames: { type: "string" },
        overwrite: { type: "boolean", default: false },
        ioc: { type: "string" },
        timeout: { type: "string" },
        ...CONFIG_OPTIONS,
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
      allowNegative: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  const num = number("num", v.num, 5);
  if (!Number.isInteger(num) || num < 1) {
    throw new UsageError(`Option --num needs a whole number of points >= 1: got "${v.num}"`);
  }
  const timeout = number("timeout", v.timeout, 5);
  if (!(timeout > 0)) {
    throw new UsageError(`Option --timeout needs a number of seconds > 0: got "${v.timeout}"`);
  }
  if (v.ioc !== undefined && v.detector !== "sensor") {
    throw new UsageError(
      `Option --ioc scans the seed's sensor: --detector "${v.detector}" is simulated only`,
    );
  }
  if (v.timeout !== undefined && v.ioc === undefined) {
    throw new UsageError("Option --timeout is for --ioc");
  }
  return {
    start: number("start", v.start, -0.5),
    stop: number("stop", v.stop, 0.5),
    num,
    file: v.file,
    catalog: v.catalog,
    table: !v["no-table"],
    overwrite: v.overwrite,
    detector: choice("detector", v.detector, ["sensor", "image"] as const),
    frames: v.frames === undefined
      ? undefined
      : choice("frames", v.frames, ["link", "copy"] as const),
    ioc: v.ioc,
    timeout,
    config: { config: v.config, "no-config": v["no-config"] },
  };
}

/**
 * Run the scan command.
 * @param args Command-line arguments.
 * @param io Where output goes, and the signal source for Ctrl-C.
 * @returns The exit code.
 */
export async function runScanCommand(args: string[], io: CommandIO): Promise<number> {
  const options = parse(args);
  if (options === "help") {
    io.out(SCAN_USAGE);
    return 0;
  }
  const config = await loadConfig(options.config);
  let metadataStore;
  let catalog: Catalog | undefined;
  if (options.catalog !== undefined) {
    catalog = Catalog.open(options.catalog);
    metadataStore = new JsonFileMetadataStore(`${options.catalog}/metadata.json`);
  }
  let epics: SeedDevices | undefined;
  const warnings = new CountedWarnings(io.err);
  try {
    if (options.ioc !== undefined) {
      // Before any run opens: a PV that does not connect fails the scan with the list of them.
      epics = await connectSeedDevices(options.ioc, {
        timeout: options.timeout,
        onError: warnings.add,
      });
    }
    return await scanWith(options, io, { config, metadataStore, catalog, epics });
  } finally {
    catalog?.close();
    await epics?.close();
    warnings.summarize();
  }
}

/** What the scan writes to, besides the NeXus file. */
interface ScanTargets {
  config: LoadedConfig | undefined;
  metadataStore: JsonFileMetadataStore | undefined;
  catalog: Catalog | undefined;
  /** The seed's EPICS devices, connected, with `--ioc`. */
  epics?: SeedDevices | undefined;
}

/**
 * Write the plots of one run beside its data file, named after it: `F.svg`, and `F.plot2.svg`,
 * `F.plot3.svg`, ... for the run's further plots (not `F-2.svg`, which is the plot of the data
 * file `F-2.hdf` that overwrite "rename" makes).
 * @param dataFile The run's data file.
 * @param plots The run's plots, in the order the callback made them.
 * @returns The paths written, in that order.
 */
export async function writePlotFiles(
  dataFile: string,
  plots: readonly PlotSeries[],
): Promise<string[]> {
  const base = dataFile.replace(/\.[^./\\]*$/, "");
  const paths: string[] = [];
  for (const [i, plot] of plots.entries()) {
    const path = i === 0 ? `${base}.svg` : `${base}.plot${i + 1}.svg`;
    await Deno.writeTextFile(path, renderSvg(plot));
    paths.push(path);
  }
  return paths;
}

async function scanWith(options: ScanArgs, io: CommandIO, targets: ScanTargets): Promise<number> {
  const { config, metadataStore, catalog, epics } = targets;
  const motor = epics?.motor ?? new SimMotor({ name: "motor", velocity: 1, acceleration: 0.1 });
  // The detector's files go beside the NeXus file, which links them by a relative path.
  const folder = options.file === undefined
    ? outputFolder(config)
    : options.file.includes("/")
    ? options.file.slice(0, options.file.lastIndexOf("/")) || "/"
    : ".";
  const detector = epics ? epics.sensor : options.detector === "image"
    ? new SimAreaDetector({
      motor: motor as SimMotor,
      folder: `${folder}/images`,
      range: [options.start, options.stop],
    })
    : new RandomSensor({ name: "sensor" });
  const RE = new RunEngine(metadataStore ? { metadataStore } : {});
  // Plots by run: each run's plots go beside that run's file.
  const plots = new Map<string, PlotSeries[]>();
  let start: RunStart | undefined;
  RE.subscribe("start", (_name, doc) => {
    start = doc;
    plots.set(doc.uid, []);
  });
  RE.subscribe(
    "all",
    createBestEffortCallback({
      write: io.out,
      table: options.table,
      onPlot: (plot) => {
        if (start) plots.get(start.uid)?.push(plot);
      },
    }),
  );
  const writer = configuredWriter(config, {
    // As the seed's example: the demo has no detector groups to miss.
    defaults: { warnOnMissingContent: false },
    commandLine: {
      // A file named here is taken from the current folder, not the config's filePath.
      ...(options.file === undefined ? {} : { fileName: options.file, filePath: "." }),
      ...(options.overwrite ? { overwrite: "replace" } : {}),
      ...(options.frames === undefined
        ? {}
        : { builtins: { streams: { frames: options.frames } } }),
      onWarning: (w) => io.err(`warning: ${w.plugin}${w.path ? ` ${w.path}` : ""}: ${w.message}`),
    },
  });
  // The catalog first: the documents are stored before anything else can fail on them.
  if (catalog) RE.subscribe("all", catalog.insert);
  RE.subscribe("all", writer.receiver);
  let detectorFile: string | undefined;
  RE.subscribe("event", () => {
    if (detector instanceof SimAreaDetector) detectorFile ??= detector.file;
  });

  let interrupts = 0;
  const stopListening = io.onInterrupt(() => {
    interrupts++;
    if (interrupts === 1) {
      io.err("Interrupted: aborting the run (Ctrl-C again to halt at once)");
      RE.abort("Interrupted by Ctrl-C");
    } else {
      RE.halt("Interrupted twice by Ctrl-C");
    }
  });
  let outcome: { exitStatus: string | undefined; reason: string };
  try {
    outcome = await RE.run(scan([detector], [[motor, options.start, options.stop]], {
      num: options.num,
    }));
  } catch (error) {
    // A failed run (a move or read that failed, an IOC gone) has its stop document already:
    // its file and plots are written below, from what was recorded.
    if (!start) throw error;
    outcome = {
      exitStatus: "fail",
      reason: error instanceof Error ? error.message : String(error),
    };
  } finally {
    stopListening();
  }
  if (!start) throw new Error("The scan opened no run");
  // The writer writes the file even for an aborted run: its documents end with a stop.
  const dataFile = await writer.wait();
  for (const [uid, runPlots] of plots) {
    const runFile = uid === start.uid ? dataFile : await writer.written(uid);
    if (runFile === undefined) continue;
    const paths = await writePlotFiles(runFile, runPlots);
    for (const [i, plot] of runPlots.entries()) {
      if (io.isTerminal) {
        for (const line of renderTerminal(plot, { width: Math.min(72, io.columns - 12) })) {
          io.out(line);
        }
      }
      io.out(`plot: ${paths[i]}`);
    }
  }
  if (catalog) {
    catalog.flush();
    io.out(`catalog: scan_id ${start.scan_id} uid ${start.uid} in "${options.catalog}"`);
  }
  if (detector instanceof SimAreaDetector) io.out(`detector file=${detectorFile}`);
  const exists = await Deno.stat(dataFile).then(() => true, () => false);
  io.out(`exists=${exists}  file=${dataFile}`);
  if (outcome.exitStatus !== "success") {
    io.err(`Run ${start.uid} ended with exit status "${outcome.exitStatus}": ${outcome.reason}`);
    return 1;
  }
  return 0;
}
