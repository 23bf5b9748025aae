/**
 * A simulated area detector: frames with a spot that follows a motor, written frame by frame
 * to the detector's own HDF5 file, as areaDetector's HDF5 plugin does, with the run's
 * documents only pointing at them.
 *
 * @module
 */

import type { DataKeys } from "../core/documents/types.ts";
import { isReadable, type Readings } from "../core/engine/protocols.ts";
import { Status } from "../core/engine/status.ts";
import { AD_DATASET } from "../core/assets/mod.ts";
import type { FrameFile, Hdf5Backend } from "../core/nexus/backend.ts";
import { H5wasmBackend } from "../core/nexus/h5wasm_backend.ts";
import type { PositionSource } from "./gaussian.ts";

/**
 * Which asset documents the detector emits.
 */
export type AssetFlavor = "resource" | "stream";

/**
 * Options of {@linkcode SimAreaDetector}.
 *
 * @example A small detector
 * ```ts
 * import assert from "node:assert/strict";
 * import { SimAreaDetector, type SimAreaDetectorOptions } from "./area_detector.ts";
 * const options: SimAreaDetectorOptions = { motor: { name: "m", position: 0 }, folder: "/tmp", width: 64, height: 32 };
 * assert.equal(new SimAreaDetector(options).imageKey, "image_image");
 * ```
 */
export interface SimAreaDetectorOptions {
  /** What the spot follows. */
  motor: PositionSource;
  /** Folder of the detector's files (made when missing). */
  folder: string;
  /** Name of the detector; its keys are `<name>_image`, `<name>_total`, ... */
  name?: string;
  /** Frame width in pixels. */
  width?: number;
  /** Frame height in pixels. */
  height?: number;
  /**
   * `"resource"`: classic `resource`/`datum` documents (spec `AD_HDF5`), the event holds the
   * datum id; `"stream"`: `stream_resource`/`stream_datum` (`application/x-hdf5`), the event
   * holds nothing for the image.
   */
  flavor?: AssetFlavor;
  /** Motor position of the brightest spot. */
  center?: number;
  /** Width of the brightness peak, in motor units. */
  sigma?: number;
  /** Motor positions that map to the left and right edges of the frame. */
  range?: [number, number];
  /** Peak intensity in counts. */
  imax?: number;
  /** Width of the spot in pixels. */
  spotSize?: number;
  /** Mean background in counts. */
  background?: number;
  /** Seed of the noise. */
  seed?: number;
  /** The HDF5 backend that writes the detector's files. */
  backend?: Pick<Hdf5Backend, "createFrameFile">;
}

/**
 * Defaults of {@linkcode SimAreaDetectorOptions}.
 */
export const simAreaDetectorDefaults: Readonly<
  Required<Omit<SimAreaDetectorOptions, "motor" | "folder" | "seed">>
> = {
  name: "image",
  width: 512,
  height: 512,
  flavor: "resource",
  center: 0,
  sigma: 0.5,
  range: [-1, 1],
  imax: 1000,
  spotSize: 8,
  background: 10,
  backend: new H5wasmBackend(),
};

interface OpenFile {
  readonly uid: string;
  readonly file: FrameFile;
}

function gaussian(length: number, center: number, width: number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.exp(-((i - center) ** 2) / (2 * width ** 2));
  return out;
}

/**
 * A simulated area detector, as areaDetector with its HDF5 file plugin: `stage()` opens a new
 * HDF5 file, each `trigger()` adds a `uint16` frame to its `/entry/data/data`, `unstage()`
 * closes it. The spot's column follows the motor across `range`; its brightness is a
 * Gaussian of the motor's distance from `center`; the background has noise. The frames' total,
 * maximum and centroid are ordinary scalar keys, so a scan has something to plot.
 *
 * @example Three frames, with their datums
 * ```ts
 * import assert from "node:assert/strict";
 * import { SimAreaDetector } from "./area_detector.ts";
 * const folder = await Deno.makeTempDir();
 * const motor = { name: "m", position: 0 };
 * const det = new SimAreaDetector({ motor, folder, width: 16, height: 8, seed: 1 });
 * await det.stage();
 * for (let i = 0; i < 3; i++) await det.trigger().wait();
 * const docs = [...det.collectAssetDocs()];
 * assert.deepEqual(docs.map(([name]) => name), ["resource", "datum", "datum", "datum"]);
 * assert.equal((await det.read()).image_image?.value, docs[3]![1].datum_id);
 * await det.unstage();
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export class SimAreaDetector {
  /** Name of the detector. */
  readonly name: string;
  /** The options in effect. */
  readonly options: Readonly<Required<Omit<SimAreaDetectorOptions, "seed">>> & { seed: number };
  /** The hinted key: the frame's total counts. */
  readonly hints: { fields: string[] };
  #open: OpenFile | undefined;
  #pending: [string, Record<string, unknown>][] = [];
  #readings: Readings = {};
  #random: number;
  #frame: Uint16Array;

  /**
   * Make a detector; it writes nothing until staged.
   * @param options Motor, folder, frame size, flavor and spot.
   */
  constructor(options: SimAreaDetectorOptions) {
    const o = { ...simAreaDetectorDefaults, ...options };
    for (const [key, value] of [["width", o.width], ["height", o.height]] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`Cannot create detector "${o.name}": ${key} ${value} is not >= 1`);
      }
    }
    this.name = o.name;
    this.options = { ...o, seed: o.seed ?? Math.floor(Math.random() * 2 ** 31) };
    this.hints = { fields: [`${o.name}_total`] };
    this.#random = this.options.seed >>> 0 || 1;
    this.#frame = new Uint16Array(o.width * o.height);
  }

  /** Key of the image. */
  get imageKey(): string {
    return `${this.name}_image`;
  }

  /** Path of the file of the current stage, if staged. */
  get file(): string | undefined {
    return this.#open?.file.path;
  }

  /**
   * Open a new HDF5 file for this stage's frames.
   * @returns Nothing.
   */
  async stage(): Promise<void> {
    if (this.#open) return;
    const folder = this.options.folder.startsWith("/")
      ? this.options.folder
      : `${Deno.cwd()}/${this.options.folder}`;
    await Deno.mkdir(folder, { recursive: true });
    const uid = crypto.randomUUID();
    const path = `${folder.replace(/\/+$/, "")}/${this.name}_${uid.slice(0, 8)}.h5`;
    const { width, height } = this.options;
    const file = await this.options.backend.createFrameFile(path, {
      dataset: AD_DATASET,
      frameShape: [height, width],
      dtype: "uint16",
      classes: { "/entry": "NXentry", "/entry/data": "NXdata" },
    });
    this.#open = { uid, file };
    this.#pending = [];
  }

  /**
   * Close the file.
   * @returns Nothing.
   */
  unstage(): void {
    const open = this.#open;
    this.#open = undefined;
    if (open) open.file.close();
  }

  /**
   * Take a frame at the motor's position and append it to the file.
   * @returns A status, finished when the frame is written.
   */
  trigger(): Status {
    const status = new Status({ label: `Trigger of "${this.name}"` });
    Promise.resolve(this.#position()).then((x) => {
      this.#acquire(x);
      status.setFinished();
    }).catch((error) => status.setException(error));
    return status;
  }

  /**
   * The last frame's readings.
   * @returns The image key (a datum id, for the resource flavor) and the statistics.
   */
  read(): Readings {
    return this.#readings;
  }

  /**
   * What each key holds.
   * @returns The image key (external) and the statistics keys.
   */
  describe(): DataKeys {
    const { width, height, flavor } = this.options;
    const source = `SIM:${this.name}`;
    const scalar = (units: string) => ({ dtype: "number" as const, shape: [], source, units });
    return {
      [this.imageKey]: {
        dtype: "array",
        shape: [height, width],
        dtype_numpy: "<u2",
        source,
        external: flavor === "stream" ? "STREAM:" : "FILESTORE:",
      },
      [`${this.name}_total`]: scalar("counts"),
      [`${this.name}_max`]: scalar("counts"),
      [`${this.name}_centroid_x`]: scalar("pixels"),
      [`${this.name}_centroid_y`]: scalar("pixels"),
    };
  }

  /**
   * The asset documents since the last call: the resource once per file, then one datum per
   * frame (or their stream counterparts).
   * @returns `[name, doc]` pairs.
   */
  *collectAssetDocs(): Iterable<[string, Record<string, unknown>]> {
    const pending = this.#pending;
    this.#pending = [];
    yield* pending;
  }

  #position(): number | Promise<number> {
    const motor = this.options.motor;
    if (typeof motor.position === "number") return motor.position;
    if (!isReadable(motor)) {
      throw new TypeError(`Cannot trigger "${this.name}": "${motor.name}" has no position`);
    }
    return Promise.resolve(motor.read()).then((r) => Number(r[motor.name]?.value));
  }

  #noise(): number {
    // xorshift32: fast and reproducible from the seed.
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x >>> 0;
    return this.#random / 4294967296;
  }

  #acquire(x: number): void {
    const open = this.#open;
    if (!open) throw new Error(`Cannot trigger "${this.name}": it is not staged`);
    const o = this.options;
    const [low, high] = o.range;
    const column = ((x - low) / (high - low)) * (o.width - 1);
    const brightness = o.imax * Math.exp(-((x - o.center) ** 2) / (2 * o.sigma ** 2));
    const gx = gaussian(o.width, column, o.spotSize);
    const gy = gaussian(o.height, (o.height - 1) / 2, o.spotSize);
    const frame = this.#frame;
    let total = 0, max = 0, sx = 0, sy = 0;
    for (let i = 0; i < o.height; i++) {
      const row = brightness * gy[i]!;
      for (let j = 0; j < o.width; j++) {
        const value = Math.min(65535, Math.round(row * gx[j]! + o.background * 2 * this.#noise()));
        frame[i * o.width + j] = value;
        total += value;
        sx += value * j;
        sy += value * i;
        if (value > max) max = value;
      }
    }
    const n = open.file.count;
    open.file.append(frame);
    const time = Date.now() / 1000;
    const reading = (value: number) => ({ value, timestamp: time });
    this.#readings = {
      [`${this.name}_total`]: reading(total),
      [`${this.name}_max`]: reading(max),
      [`${this.name}_centroid_x`]: reading(total ? sx / total : NaN),
      [`${this.name}_centroid_y`]: reading(total ? sy / total : NaN),
    };
    this.#assetDocs(open, n);
  }

  #assetDocs(open: OpenFile, n: number): void {
    const o = this.options;
    if (o.flavor === "stream") {
      if (n === 0) {
        this.#pending.push(["stream_resource", {
          uid: open.uid,
          data_key: this.imageKey,
          mimetype: "application/x-hdf5",
          uri: `file://localhost${open.file.path}`,
          parameters: { dataset: AD_DATASET, chunk_shape: [1, o.height, o.width] },
        }]);
      }
      this.#pending.push(["stream_datum", {
        uid: `${open.uid}/${n}`,
        stream_resource: open.uid,
        descriptor: "",
        indices: { start: n, stop: n + 1 },
        seq_nums: { start: n + 1, stop: n + 2 },
      }]);
      return;
    }
    if (n === 0) {
      const { path } = open.file;
      const slash = path.lastIndexOf("/");
      this.#pending.push(["resource", {
        uid: open.uid,
        spec: "AD_HDF5",
        root: path.slice(0, slash),
        resource_path: path.slice(slash + 1),
        resource_kwargs: { frame_per_point: 1 },
        path_semantics: "posix",
      }]);
    }
    const datumId = `${open.uid}/${n}`;
    this.#pending.push(["datum", {
      datum_id: datumId,
      resource: open.uid,
      datum_kwargs: { point_number: n },
    }]);
    this.#readings = {
      [this.imageKey]: { value: datumId, timestamp: Date.now() / 1000 },
      ...this.#readings,
    };
  }
}
