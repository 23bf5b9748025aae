/**
 * The outgoing side of a server circuit: replies are queued and written in batches, and monitor
 * updates are coalesced when the client falls behind, as rsrv's event queue does.
 *
 * @module
 */

import { concatBytes } from "./_concat_bytes.ts";
import type { Header } from "./protocol.ts";
import type { PvState } from "./served_pv.ts";

/** A subscription as the queue sees it: it encodes an update when the update is sent. */
export interface EventSink {
  /** False once cancelled: its queued updates are dropped. */
  readonly active: boolean;
  /**
   * The message parts of one update.
   * @param state The state to send.
   * @returns Header and payload.
   */
  encode(state: PvState): Uint8Array[];
  /**
   * Bytes an update will take, for the memory budget.
   * @param state The state.
   * @returns An estimate.
   */
  estimate(state: PvState): number;
}

/** Limits of a {@linkcode SendQueue}. */
export interface SendQueueLimits {
  /** Updates of one subscription queued before newer ones replace the last. */
  perSubscription: number;
  /** Estimated bytes of queued updates before every subscription keeps only its last one. */
  eventBytes: number;
}

/** Counters of what a queue did. */
export interface SendCounters {
  /** Writes (system calls) made. */
  writes: number;
  /** Bytes written. */
  bytes: number;
  /** Monitor updates replaced by a newer one before they were sent. */
  dropped: number;
}

interface EventItem {
  sink: EventSink;
  state: PvState;
  size: number;
}

type Item = Uint8Array | EventItem;

interface SinkInfo {
  queued: number;
  last: EventItem | undefined;
}

/** Parts smaller than this are copied into one batch; larger ones are written as they are. */
const COPY_LIMIT = 64 * 1024;

/**
 * Bytes of a message header, standard or extended.
 * @param command Command code.
 * @param fields Data type, count and parameters.
 * @param payloadSize Payload bytes that follow (already padded).
 * @returns The header.
 */
export function encodeHeader(
  command: number,
  fields: Partial<Omit<Header, "command" | "payloadSize">>,
  payloadSize = 0,
): Uint8Array {
  const count = fields.dataCount ?? 0;
  const extended = payloadSize >= 0xffff || count > 0xffff;
  const out = new Uint8Array(extended ? 24 : 16);
  const view = new DataView(out.buffer);
  view.setUint16(0, command);
  view.setUint16(2, extended ? 0xffff : payloadSize);
  view.setUint16(4, fields.dataType ?? 0);
  view.setUint16(6, extended ? 0 : count);
  view.setUint32(8, (fields.parameter1 ?? 0) >>> 0);
  view.setUint32(12, (fields.parameter2 ?? 0) >>> 0);
  if (extended) {
    view.setUint32(16, payloadSize);
    view.setUint32(20, count);
  }
  return out;
}

/**
 * Queues what a circuit sends and writes it in as few writes as possible. Plain replies keep
 * their order; a subscription keeps at most `perSubscription` updates queued (then a new one
 * replaces the last queued, so the client always gets the latest value), and only one each when
 * the queued updates pass `eventBytes`. While the client has asked for no events (EVENTS_OFF),
 * only the latest update of each subscription is held.
 */
export class SendQueue {
  readonly counters: SendCounters = { writes: 0, bytes: 0, dropped: 0 };
  #write: (bytes: Uint8Array) => Promise<void>;
  #onError: (error: unknown) => void;
  #limits: SendQueueLimits;
  #items: (Item | undefined)[] = [];
  #head = 0;
  #sinks = new Map<EventSink, SinkInfo>();
  #held = new Map<EventSink, PvState>();
  #plainBytes = 0;
  #eventBytes = 0;
  #pumping = false;
  #paused = false;
  #closed = false;
  #drainWaiters: (() => void)[] = [];

  /**
   * @param write Writes all of the bytes.
   * @param onError Told of a failed write or encoding; a failed write closes the queue.
   * @param limits Coalescing limits.
   */
  constructor(
    write: (bytes: Uint8Array) => Promise<void>,
    onError: (error: unknown) => void,
    limits: SendQueueLimits,
  ) {
    this.#write = write;
    this.#onError = onError;
    this.#limits = limits;
  }

  /** Bytes of plain replies waiting to be written. */
  get backlog(): number {
    return this.#plainBytes;
  }

  /** Items (replies and updates) waiting to be written. */
  get length(): number {
    return this.#items.length - this.#head + this.#held.size;
  }

  /**
   * Queue message parts as they are.
   * @param parts Encoded messages.
   */
  send(...parts: Uint8Array[]): void {
    if (this.#closed) return;
    for (const part of parts) {
      this.#items.push(part);
      this.#plainBytes += part.length;
    }
    this.#schedule();
  }

  /**
   * Queue a monitor update, coalescing it when the client is behind.
   * @param sink The subscription.
   * @param state The new state.
   */
  post(sink: EventSink, state: PvState): void {
    if (this.#closed || !sink.active) return;
    if (this.#paused) {
      if (this.#held.has(sink)) this.counters.dropped++;
      this.#held.set(sink, state);
      return;
    }
    let info = this.#sinks.get(sink);
    if (!info) {
      info = { queued: 0, last: undefined };
      this.#sinks.set(sink, info);
    }
    const size = sink.estimate(state);
    const last = info.last;
    const full = info.queued >= this.#limits.perSubscription ||
      this.#eventBytes + size > this.#limits.eventBytes;
    if (last && full) {
      this.#eventBytes += size - last.size;
      last.state = state;
      last.size = size;
      this.counters.dropped++;
      return;
    }
    const item: EventItem = { sink, state, size };
    info.queued++;
    info.last = item;
    this.#eventBytes += size;
    this.#items.push(item);
    this.#schedule();
  }

  /**
   * Forget a subscription: its queued updates will not be sent.
   * @param sink The cancelled subscription.
   */
  forget(sink: EventSink): void {
    this.#sinks.delete(sink);
    this.#held.delete(sink);
  }

  /** Hold monitor updates (EVENTS_OFF). */
  pause(): void {
    this.#paused = true;
  }

  /** Send held monitor updates and the ones after them (EVENTS_ON). */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const held = [...this.#held];
    this.#held.clear();
    for (const [sink, state] of held) this.post(sink, state);
  }

  /**
   * Wait until everything queued is written (or the queue is closed).
   * @returns When drained.
   */
  drained(): Promise<void> {
    if (this.#closed || (!this.#pumping && this.#head === this.#items.length)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Drop everything queued; later sends are ignored. */
  close(): void {
    this.#closed = true;
    this.#items = [];
    this.#head = 0;
    this.#sinks.clear();
    this.#held.clear();
    this.#plainBytes = 0;
    this.#eventBytes = 0;
    this.#notifyDrained();
  }

  #schedule(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    // A microtask, so that everything queued by the same job goes out in one write.
    queueMicrotask(() => void this.#pump());
  }

  async #pump(): Promise<void> {
    try {
      while (!this.#closed && this.#head < this.#items.length) {
        const parts = this.#takeBatch();
        for (const bytes of coalesce(parts)) {
          if (this.#closed) break;
          await this.#write(bytes);
          this.counters.writes++;
          this.counters.bytes += bytes.length;
        }
      }
    } catch (error) {
      if (!this.#closed) {
        this.#onError(error);
        this.close();
      }
    } finally {
      this.#pumping = false;
      this.#notifyDrained();
    }
  }

  /** Take items worth about one batch and encode the updates among them. */
  #takeBatch(): Uint8Array[] {
    const parts: Uint8Array[] = [];
    let size = 0;
    while (this.#head < this.#items.length && size < 4 * COPY_LIMIT) {
      const item = this.#items[this.#head]!;
      this.#items[this.#head++] = undefined;
      if (item instanceof Uint8Array) {
        this.#plainBytes -= item.length;
        parts.push(item);
        size += item.length;
        continue;
      }
      this.#eventBytes -= item.size;
      const info = this.#sinks.get(item.sink);
      if (info) {
        info.queued--;
        if (info.last === item) info.last = undefined;
      }
      if (!item.sink.active) continue;
      try {
        for (const part of item.sink.encode(item.state)) {
          parts.push(part);
          size += part.length;
        }
      } catch (error) {
        this.#onError(error);
      }
    }
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return parts;
  }

  #notifyDrained(): void {
    if (this.#pumping && !this.#closed) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Small parts copied together; a large part goes alone, without a copy. */
function coalesce(parts: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  const flush = () => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) out.push(concatBytes(run));
    run = [];
  };
  for (const part of parts) {
    if (part.length >= COPY_LIMIT) {
      flush();
      out.push(part);
    } else {
      run.push(part);
    }
  }
  flush();
  return out;
}
