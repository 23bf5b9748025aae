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
  numberedName,
  type OverwritePolicy,
  type PlotSeries,
  renderSvg,
  renderTerminal,
  RunEngine,
  type RunStart,
  scan,
} from "../mod.ts";
import { RandomSensor, SimAreaDetector, SimMotor } from "../devices/mod.ts";
import { Catalog, defaultCatalogDir, isPostgresUrl } from "../core/catalog/mod.ts";
import {
  CONFIG_OPTIONS,
  configOptionHelp,
  configuredWriter,
  loadConfig,
  type LoadedConfig,
  outputFolder,
} from "./_config.ts";
import {
  type CommandIO,
  type Interrupt,
  INTERRUPTS,
  joinNegativeValues,
  UsageError,
} from "./_io.ts";
import { connectSeedDevices, CountedWarnings, type SeedDevices } from "./_epics_seed.ts";
import { type CommandPublisher, openPublisher, publishOptionHelp } from "./_publish.ts";

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
                  with deno task nx export), and keep scan_id counting there; or in
                  a PostgreSQL database: postgres://USER@HOST[:PORT]/DATABASE
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
${publishOptionHelp(18)}
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
  publish: string | undefined;
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
        publish: { type: "string" },
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
  // No cap: the points are made one at a time. Beyond 2^53, num would not be the number given.
  if (!Number.isSafeInteger(num) || num < 1) {
    throw new UsageError(
      `Option --num needs a whole number of points from 1 to ${Number.MAX_SAFE_INTEGER}: ` +
        `got "${v.num}"`,
    );
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
    publish: v.publish,
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
  const overwrite: OverwritePolicy = options.overwrite
    ? "replace"
    : (config?.options.overwrite ?? "fail");
  // Before the scan, not after it: a file that cannot be written is known now.
  if (options.file !== undefined) {
    options.file = await checkDataFile(options.file, overwrite);
  }
  const publish = options.publish === undefined
    ? undefined
    : await openPublisher(options.publish, io);
  let metadataStore;
  let catalog: Catalog | undefined;
  if (options.catalog !== undefined) {
    catalog = Catalog.open(options.catalog);
    // A database holds no file: scan_id counts in the default catalog folder of this machine.
    const folder = isPostgresUrl(options.catalog) ? defaultCatalogDir() : options.catalog;
    if (folder !== options.catalog) await Deno.mkdir(folder, { recursive: true });
    metadataStore = new JsonFileMetadataStore(`${folder}/metadata.json`);
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
    const code = await scanWith(options, io, {
      config,
      metadataStore,
      catalog,
      epics,
      overwrite,
      publish,
    });
    return (await publish?.finish() ?? true) ? code : Math.max(code, 1);
  } finally {
    await publish?.finish();
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
  /** What an existing data file or plot is met with. */
  overwrite: OverwritePolicy;
  /** With `--publish`: the documents to Redis. */
  publish?: CommandPublisher | undefined;
}

/** The path of the first plot of the data file `dataFile`: `F.svg` for `F.hdf`. */
function plotPath(dataFile: string): string {
  return `${dataFile.replace(/\.[^./\\]*$/, "")}.svg`;
}

/** Whether anything (a file, a folder, a symlink, even a broken one) is at `path`. */
async function taken(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** The error of a data file or plot that exists and is not to be overwritten. */
function existsError(path: string): Error {
  return new Error(`File "${path}" already exists: not overwritten (use --overwrite)`);
}

/**
 * Check, before the scan, that `--file` can be written with its plot: its folder exists, and
 * neither it nor its plot exists unless `overwrite` allows. Under "rename", the first
 * `F-N.hdf` whose plot `F-N.svg` is free too, so that the pair keeps one name.
 * @returns The data file to write.
 */
async function checkDataFile(file: string, overwrite: OverwritePolicy): Promise<string> {
  const slash = file.lastIndexOf("/");
  const folder = slash >= 0 ? file.slice(0, slash) || "/" : ".";
  const info = await Deno.stat(folder).catch((error) => {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot write "${file}": the folder "${folder}" does not exist`);
    }
    throw new Error(`Cannot write "${file}": ${(error as Error).message}`, { cause: error });
  });
  if (!info.isDirectory) {
    throw new Error(`Cannot write "${file}": "${folder}" is not a folder`);
  }
  if (overwrite === "replace") return file;
  for (let n = 0; n < 10_000; n++) {
    const candidate = n === 0 ? file : numberedName(file, n);
    const busy = [candidate, plotPath(candidate)];
    for (const path of busy) {
      if (overwrite === "fail" && await taken(path)) throw existsError(path);
    }
    if (!(await taken(busy[0]!)) && !(await taken(busy[1]!))) return candidate;
  }
  throw new Error(`No free file name found next to "${file}"`);
}

/** Write `text` at `path` without following a symlink there, as `overwrite` says. */
async function writeNewFile(
  path: string,
  text: string,
  overwrite: OverwritePolicy,
): Promise<string> {
  if (overwrite === "replace") {
    // A rename replaces whatever is at path, a symlink itself rather than its target.
    const slash = path.lastIndexOf("/");
    const temporary = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${
      crypto.randomUUID().slice(0, 8)
    }.partial`;
    try {
      await Deno.writeTextFile(temporary, text, { createNew: true });
      await Deno.rename(temporary, path);
    } finally {
      await Deno.remove(temporary).catch(() => undefined);
    }
    return path;
  }
  for (let n = 0; n < 10_000; n++) {
    const candidate = n === 0 ? path : numberedName(path, n);
    try {
      // createNew (O_EXCL) refuses a symlink too, dangling or not.
      await Deno.writeTextFile(candidate, text, { createNew: true });
      return candidate;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      if (overwrite === "fail") throw existsError(candidate);
    }
  }
  throw new Error(`No free file name found next to "${path}"`);
}

/**
 * Write the plots of one run beside its data file, named after it: `F.svg`, and `F.plot2.svg`,
 * `F.plot3.svg`, ... for the run's further plots (not `F-2.svg`, which is the plot of the data
 * file `F-2.hdf` that overwrite "rename" makes). An existing plot is met as the data file is:
 * an error ("fail", the default), replaced ("replace"; a symlink is replaced, never written
 * through), or the plot takes the next free `-N` name ("rename").
 * @param dataFile The run's data file.
 * @param plots The run's plots, in the order the callback made them.
 * @param options `overwrite`: the data file's overwrite policy.
 * @returns The paths written, in that order.
 * @throws {Error} With "fail", when a plot's file exists.
 */
export async function writePlotFiles(
  dataFile: string,
  plots: readonly PlotSeries[],
  options: { overwrite?: OverwritePolicy } = {},
): Promise<string[]> {
  const base = dataFile.replace(/\.[^./\\]*$/, "");
  const paths: string[] = [];
  for (const [i, plot] of plots.entries()) {
    const path = i === 0 ? `${base}.svg` : `${base}.plot${i + 1}.svg`;
    paths.push(await writeNewFile(path, renderSvg(plot), options.overwrite ?? "fail"));
  }
  return paths;
}

async function scanWith(options: ScanArgs, io: CommandIO, targets: ScanTargets): Promise<number> {
  const { config, metadataStore, catalog, epics, overwrite } = targets;
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
  if (catalog) {
    let told = false;
    RE.subscribe("all", (name, doc) => {
      try {
        catalog.insert(name, doc);
      } catch (error) {
        // A catalog that cannot store (a full disk) must not end the run: the file still has it.
        if (catalog.failure === undefined) throw error;
        if (!told) {
          io.err(
            `warning: ${(error as Error).message}: the scan goes on, its file will have the run`,
          );
        }
        told = true;
      }
    });
  }
  if (targets.publish) RE.subscribe("all", targets.publish.publisher.receiver);
  RE.subscribe("all", writer.receiver);
  let detectorFile: string | undefined;
  RE.subscribe("event", () => {
    if (detector instanceof SimAreaDetector) detectorFile ??= detector.file;
  });

  // SIGTERM and SIGHUP are asked to stop as Ctrl-C is: the run ends with its stop document.
  // Listening goes on while the file is written, which a signal would otherwise cut short.
  let interrupts = 0;
  let running = true;
  const stopListening = io.onInterrupt((signalled?: Interrupt) => {
    const interrupt = signalled ?? INTERRUPTS.SIGINT;
    interrupts++;
    if (!running) {
      io.err(`${interrupt.description}: the run is over, writing its file first`);
    } else if (interrupts === 1) {
      io.err(
        interrupt.signal === "SIGINT"
          ? "Interrupted: aborting the run (Ctrl-C again to halt at once)"
          : `${interrupt.description}: aborting the run (again, or Ctrl-C, to halt at once)`,
      );
      RE.abort(`Interrupted by ${interrupt.source}`);
    } else {
      RE.halt(`Interrupted twice by ${interrupt.source}`);
    }
  });
  try {
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
      running = false;
    }
    if (!start) throw new Error("The scan opened no run");
    return await finishScan(start, outcome, {
      options,
      io,
      writer,
      plots,
      catalog,
      overwrite,
      detectorFile,
    });
  } finally {
    stopListening();
  }
}

/** What {@linkcode finishScan} writes and reports. */
interface Finish {
  options: ScanArgs;
  io: CommandIO;
  writer: ReturnType<typeof configuredWriter>;
  plots: Map<string, PlotSeries[]>;
  catalog: Catalog | undefined;
  overwrite: OverwritePolicy;
  detectorFile?: string | undefined;
}

/**
 * After the run: the data file, the plots, the catalog's last commit. A plot or the catalog
 * that fails is said on stderr after the rest is written, and the exit code is 1.
 */
async function finishScan(
  start: RunStart,
  outcome: { exitStatus: string | undefined; reason: string },
  finish: Finish,
): Promise<number> {
  const { options, io, writer, plots, catalog, overwrite } = finish;
  const failures: string[] = [];
  // The writer writes the file even for an aborted run: its documents end with a stop.
  const dataFile = await writer.wait();
  for (const [uid, runPlots] of plots) {
    const runFile = uid === start.uid ? dataFile : await writer.written(uid);
    if (runFile === undefined) continue;
    let paths: string[];
    try {
      paths = await writePlotFiles(runFile, runPlots, { overwrite });
    } catch (error) {
      failures.push(`Cannot write the plot of "${runFile}": ${(error as Error).message}`);
      continue;
    }
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
    try {
      catalog.flush();
      // A database's URL is shown without its password.
      const where = isPostgresUrl(options.catalog!) ? catalog.location : options.catalog;
      io.out(`catalog: scan_id ${start.scan_id} uid ${start.uid} in "${where}"`);
    } catch (error) {
      failures.push(
        `${(error as Error).message}; the file "${dataFile}" has every document of the run`,
      );
    }
  }
  if (finish.detectorFile !== undefined) io.out(`detector file=${finish.detectorFile}`);
  const exists = await Deno.stat(dataFile).then(() => true, () => false);
  io.out(`exists=${exists}  file=${dataFile}`);
  for (const failure of failures) io.err(`Error: ${failure}`);
  if (outcome.exitStatus !== "success") {
    io.err(`Run ${start.uid} ended with exit status "${outcome.exitStatus}": ${outcome.reason}`);
    return 1;
  }
  return failures.length > 0 ? 1 : 0;
}
