/**
 * A detector's own file with h5wasm: one growable dataset, a frame appended at a time and
 * flushed, so a reader sees each frame as soon as it is taken.
 *
 * @module
 */

import { fileSystemFull } from "../disk_full.ts";
import type { FrameFile, FrameFileOptions } from "./backend.ts";
import { FRAME_ARRAYS, FRAME_TYPES } from "./frame_stack.ts";
import { splitPath } from "./names.ts";
import {
  claim,
  closeFile,
  createFile,
  FRAME_DTYPES,
  type H5File,
  type H5wasm,
  hdf5Error,
} from "./_h5wasm.ts";

/** The reason of a failure, a full disk said as such. */
function why(cause: unknown): string {
  return fileSystemFull(cause) ?? (cause as Error).message;
}

/**
 * Create `path` with an empty stack of frames at `options.dataset`.
 * @param h5 The library.
 * @param path The file, which must not exist.
 * @param options The dataset, its frames and the classes of the groups above it. When the
 *   dataset's group is an NXdata, the dataset is its `@signal` and each group above has the
 *   `@default` that leads to it.
 * @returns The file, to append frames to.
 * @throws {RangeError} When the frame shape or pixel type is not one.
 * @throws {Deno.errors.AlreadyExists} When the file exists.
 * @throws {Error} With HDF5's reason, naming the file and the path, when the library refuses.
 */
export async function createFrameFile(
  h5: H5wasm,
  path: string,
  options: FrameFileOptions,
): Promise<FrameFile> {
  const { dataset, frameShape, dtype, classes = {} } = options;
  if (!frameShape.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new RangeError(
      `A frame shape must be whole numbers >= 1: got [${frameShape.join(", ")}]`,
    );
  }
  if (!(dtype in FRAME_TYPES)) throw new RangeError(`Unknown pixel type "${dtype}"`);
  const segments = splitPath(dataset);
  const name = segments.pop();
  if (name === undefined) throw new RangeError(`The frames need a dataset path: got "${dataset}"`);
  await claim(path);
  let file: H5File;
  try {
    file = createFile(h5, path);
  } catch (error) {
    await Deno.remove(path).catch(() => undefined);
    throw error;
  }
  const call = (at: string, message: string, action: () => unknown) => {
    h5.takeDiagnostics();
    let result: unknown;
    try {
      result = action();
    } catch (cause) {
      throw new Error(`${message} "${at}" in "${path}": ${why(cause)}`, { cause });
    }
    const report = h5.takeDiagnostics();
    if (report || typeof result === "number" && result < 0) {
      const error = hdf5Error(`${message} "${at}" in "${path}"`, report);
      const full = fileSystemFull(error);
      // A full disk is said as such, not as HDF5's report of it.
      if (full !== undefined) throw new Error(`Cannot write "${path}": ${full}`, { cause: error });
      throw error;
    }
  };
  try {
    let parent = "/";
    for (const segment of segments) {
      const group = parent === "/" ? `/${segment}` : `${parent}/${segment}`;
      call(
        group,
        "Cannot create",
        () => new h5.api.Group(file.file_id, parent).create_group(segment),
      );
      const nxClass = classes[group];
      if (nxClass !== undefined) {
        call(
          group,
          "Cannot set @NX_class of",
          () =>
            new h5.api.Group(file.file_id, group).create_attribute("NX_class", nxClass, [], "S"),
        );
      }
      parent = group;
    }
    call(dataset, "Cannot create", () =>
      new h5.api.Group(file.file_id, parent).create_dataset({
        name,
        data: new FRAME_ARRAYS[dtype](0),
        shape: [0, ...frameShape],
        maxshape: [null, ...frameShape],
        chunks: [1, ...frameShape],
        dtype: FRAME_DTYPES[dtype],
      }));
    // Frames in an NXdata group are its signal, and the @default chain leads viewers to them.
    if (classes[parent] === "NXdata") {
      const text = (at: string, attr: string, value: string) =>
        call(
          at,
          `Cannot set @${attr} of`,
          () => new h5.api.Group(file.file_id, at).create_attribute(attr, value, [], "S"),
        );
      text(parent, "signal", name);
      let above = "/";
      for (const segment of segments) {
        text(above, "default", segment);
        above = above === "/" ? `/${segment}` : `${above}/${segment}`;
      }
    }
  } catch (error) {
    file.close();
    h5.takeDiagnostics();
    await Deno.remove(path).catch(() => undefined);
    throw error;
  }
  const stack = new h5.api.Dataset(file.file_id, dataset);
  const size = frameShape.reduce((a, b) => a * b, 1);
  const rest = frameShape.map((n): [number, number] => [0, n]);
  const Pixels = FRAME_ARRAYS[dtype];
  let count = 0;
  let open = true;
  return {
    path,
    get count() {
      return count;
    },
    append(frame) {
      if (!open) {
        throw new Error(`Cannot append a frame to "${dataset}" in "${path}": it is closed`);
      }
      if (frame.length !== size) {
        throw new RangeError(
          `A frame of [${frameShape.join(", ")}] has ${size} values: got ${frame.length}`,
        );
      }
      const values = frame instanceof Pixels ? frame : Pixels.from(frame);
      const at = `frame ${count} of`;
      call(dataset, `Cannot write ${at}`, () => stack.resize([count + 1, ...frameShape]));
      call(
        dataset,
        `Cannot write ${at}`,
        () => stack.write_slice([[count, count + 1], ...rest], values),
      );
      call(dataset, `Cannot write ${at}`, () => file.flush());
      count++;
    },
    close() {
      if (!open) return;
      open = false;
      closeFile(h5, file);
    },
  };
}
