/**
 * The external assets of a run (area-detector frames written to their own files): which
 * frames each event points at, found through its datums or stream datums, waited for after the
 * stop until their files hold them, and offered to plugins as image stacks to link or copy.
 *
 * @module
 */

import {
  AssetError,
  type AssetHandler,
  type AssetRegistry,
  type FrameDtype,
  framesOfStreamDatum,
  type FrameSource,
  specOf,
  waitForFrames,
} from "../assets/mod.ts";
import type { Resource, StreamResource } from "../documents/types.ts";
import type { RunData, StreamData } from "./run_data.ts";
import { type FrameStack, frameStack } from "./frame_stack.ts";

/** The frames of one external data key of one stream, in `seq_num` order. */
export interface ImageStack {
  /** Stream name. */
  readonly stream: string;
  /** Data key. */
  readonly key: string;
  /** Shape of one frame. */
  readonly frameShape: readonly number[];
  /** Type of the pixels. */
  readonly dtype: FrameDtype;
  /** Number of frames (one per event, or `frame_per_point` per event). */
  readonly count: number;
  /**
   * File and dataset to link to, when the frames are exactly one dataset of one file, in
   * order; undefined when only a copy can hold just the referenced frames.
   */
  readonly link: { readonly file: string; readonly dataset: string } | undefined;
  /** The frames, read one at a time from their files when written. */
  frames(): FrameStack;
}

/**
 * A run's image stacks, and the assets that could not be had.
 *
 * @example The assets of a run without images
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveAssets, type RunAssets } from "./run_assets.ts";
 * import { AssetRegistry } from "../assets/mod.ts";
 * import { composeRun } from "../documents/compose.ts";
 * import { RunAccumulator } from "./run_data.ts";
 * const assets: RunAssets = await resolveAssets(new RunAccumulator(composeRun().start), {
 *   registry: new AssetRegistry(), timeout: 10, interval: 5,
 * });
 * assert.equal(assets.errors.length, 0);
 * assets.close();
 * ```
 */
export interface RunAssets {
  /** The stack of a stream's external key, if its frames were found. */
  get(stream: string, key: string): ImageStack | undefined;
  /** Assets missing or short when the waiting ended, one error per file. */
  readonly errors: readonly AssetError[];
  /** Close the asset files. */
  close(): void;
}

/**
 * Options of {@linkcode resolveAssets}.
 *
 * @example Wait up to 2 s
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ResolveAssetsOptions } from "./run_assets.ts";
 * import { AssetRegistry, builtinAssetHandlers } from "../assets/mod.ts";
 * const options: ResolveAssetsOptions = {
 *   registry: new AssetRegistry(builtinAssetHandlers()),
 *   timeout: 2000,
 *   interval: 100,
 * };
 * assert.ok(options.registry.get("AD_HDF5"));
 * ```
 */
export interface ResolveAssetsOptions {
  /** The handlers, by resource spec or mimetype. */
  registry: AssetRegistry;
  /** How long to wait for each file to hold its frames, in ms. */
  timeout: number;
  /** Time between two looks at a file, in ms. */
  interval: number;
  /** Folder that relative resource paths are taken in. */
  root?: string;
}

/** Frames of one file that one stack needs, in order. */
interface Part {
  readonly resource: Resource | StreamResource;
  readonly indices: number[];
}

/** An empty result: a run without external keys. */
/** The assets of a run that has none. */
export const NO_ASSETS: RunAssets = { get: () => undefined, errors: [], close() {} };

/**
 * Find, and wait for, the frames of a run's external keys.
 *
 * @param run The run.
 * @param options Handlers and waiting.
 * @returns The stacks, and an error for each file that did not hold its frames in time.
 *
 * @example A run without external keys has no stacks
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveAssets } from "./run_assets.ts";
 * import { AssetRegistry } from "../assets/mod.ts";
 * import { composeRun } from "../documents/compose.ts";
 * import { RunAccumulator } from "./run_data.ts";
 * const run = new RunAccumulator(composeRun().start);
 * const assets = await resolveAssets(run, { registry: new AssetRegistry(), timeout: 10, interval: 5 });
 * assert.equal(assets.get("primary", "image"), undefined);
 * assert.deepEqual(assets.errors, []);
 * ```
 */
export async function resolveAssets(
  run: RunData,
  options: ResolveAssetsOptions,
): Promise<RunAssets> {
  const wanted = new Map<string, { stream: StreamData; key: string; parts: Part[] }>();
  const push = (stream: StreamData, key: string, part: Part) => {
    const id = `${stream.name}\u0000${key}`;
    const entry = wanted.get(id) ?? { stream, key, parts: [] };
    const last = entry.parts.at(-1);
    if (last && last.resource === part.resource) last.indices.push(...part.indices);
    else entry.parts.push(part);
    wanted.set(id, entry);
  };
  const handlerOf = (resource: Resource | StreamResource): AssetHandler | undefined =>
    options.registry.get(specOf(resource));
  // A datum whose frames cannot be told (a datum_page whose columns disagree, a stream_datum
  // whose indices are no range) costs its stack only: the error names the document.
  const errors: AssetError[] = [];
  const failed = new Set<Resource | StreamResource>();
  // A resource that fails costs only its own frames; the error says which file.
  const fail = (resource: Resource | StreamResource, error: unknown) => {
    failed.add(resource);
    errors.push(
      error instanceof AssetError
        ? error
        : new AssetError((error as Error).message, { file: specOf(resource), frames: [] }),
    );
  };
  const framesOf = (resource: Resource | StreamResource, frames: () => number[]) => {
    try {
      return frames();
    } catch (error) {
      fail(resource, error);
      return [];
    }
  };
  // Classic datums: the event's value is a datum id.
  for (const stream of run.streams.values()) {
    for (const key of stream.keys()) {
      const column = stream.column(key)!;
      const external = column.dataKey.external;
      if (external === undefined || external.startsWith("STREAM:")) continue;
      for (const id of column.values() as unknown[]) {
        const datum = typeof id === "string" ? run.datums.get(id) : undefined;
        const resource = datum ? run.resources.get(datum.resource) : undefined;
        const handler = resource ? handlerOf(resource) : undefined;
        if (!datum || !resource || !handler) continue;
        const indices = framesOf(resource, () => {
          try {
            return handler.framesOfDatum(resource, datum.datum_kwargs as Record<string, unknown>);
          } catch (error) {
            throw new AssetError(
              `datum "${datum.datum_id}" of resource "${resource.uid}": ${
                (error as Error).message
              }`,
              { file: error instanceof AssetError ? error.file : specOf(resource), frames: [] },
              { cause: error },
            );
          }
        });
        push(stream, key, { resource, indices });
      }
    }
  }
  // Stream datums: ranges of frames of a stream resource, in seq_num order.
  const streamOfDescriptor = new Map<string, StreamData>();
  for (const stream of run.streams.values()) {
    for (const descriptor of stream.descriptors) streamOfDescriptor.set(descriptor.uid, stream);
  }
  const ordered = [...run.streamDatums].sort((a, b) => a.seq_nums.start - b.seq_nums.start);
  for (const datum of ordered) {
    const resource = run.streamResources.get(datum.stream_resource);
    const stream = streamOfDescriptor.get(datum.descriptor);
    if (!resource || !stream || !handlerOf(resource)) continue;
    const indices = framesOf(resource, () => framesOfStreamDatum(datum));
    push(stream, resource.data_key, { resource, indices });
  }
  if (wanted.size === 0) return errors.length === 0 ? NO_ASSETS : { ...NO_ASSETS, errors };

  const sources = new Map<Resource | StreamResource, FrameSource>();
  const needed = new Map<Resource | StreamResource, Set<number>>();
  for (const { parts } of wanted.values()) {
    for (const part of parts) {
      const set = needed.get(part.resource) ?? new Set<number>();
      for (const index of part.indices) set.add(index);
      needed.set(part.resource, set);
    }
  }
  // Files are waited for side by side: the timeout bounds the whole wait, not each file.
  await Promise.all([...needed].map(async ([resource, indices]) => {
    if (failed.has(resource)) return;
    try {
      const source = await waitForFrames(
        { handler: handlerOf(resource)!, resource },
        [...indices],
        {
          timeout: options.timeout,
          interval: options.interval,
          ...(options.root === undefined ? {} : { root: options.root }),
        },
      );
      sources.set(resource, source);
    } catch (error) {
      fail(resource, error);
    }
  }));

  const stacks = new Map<string, ImageStack>();
  for (const [id, { stream, key, parts }] of wanted) {
    if (parts.some((part) => failed.has(part.resource))) continue;
    const first = sources.get(parts[0]!.resource)!;
    const count = parts.reduce((n, part) => n + part.indices.length, 0);
    const only = parts.length === 1 ? parts[0]! : undefined;
    const inOrder = only !== undefined && first.dataset !== undefined &&
      only.indices.length === first.count && only.indices.every((index, i) => index === i);
    stacks.set(id, {
      stream: stream.name,
      key,
      frameShape: first.frameShape,
      dtype: first.dtype,
      count,
      link: inOrder ? { file: first.file, dataset: first.dataset! } : undefined,
      frames: () => {
        const order: [FrameSource, number][] = [];
        for (const part of parts) {
          const source = sources.get(part.resource)!;
          for (const index of part.indices) order.push([source, index]);
        }
        return frameStack({
          count,
          frameShape: first.frameShape,
          dtype: first.dtype,
          frame: (i) => {
            const [source, index] = order[i]!;
            return source.read(index);
          },
        });
      },
    });
  }
  return {
    get: (stream, key) => stacks.get(`${stream}\u0000${key}`),
    errors,
    close() {
      for (const source of sources.values()) source.close();
    },
  };
}
