/**
 * What the document transport offers, whatever the broker behind it (Redis Streams here;
 * Kafka or NATS JetStream could take its place): a publisher that appends documents in order,
 * and members of a consumer group that share a stream's partitions between them.
 *
 * A stream key has a fixed number of partitions, recorded with the stream. All the documents
 * of a run go to one partition, chosen from the run's uid ({@linkcode partitionOf}), as a
 * Kafka partition key would, so that their order is kept. Each document carries the uid of
 * its run and its place in the run (`seq`: 0 for the start document, then 1, 2, ...), by
 * which a consumer puts a run back in order and drops a document that was sent twice.
 *
 * @module
 */

import type { DocumentName } from "../documents/types.ts";

/**
 * One document on its way: the uid of its run, its place in the run, its name, and the
 * document as JSON.
 *
 * @example The start document of a run
 * ```ts
 * import type { TransportEntry } from "./transport.ts";
 * const entry: TransportEntry = { run: "r1", seq: 0, name: "start", json: '{"uid":"r1","time":0}' };
 * ```
 */
export interface TransportEntry {
  /** Uid of the run's start document. */
  readonly run: string;
  /** Place of the document in its run: 0 for the start document, then 1, 2, ... */
  readonly seq: number;
  /** The document's name. */
  readonly name: DocumentName;
  /** The document, as JSON. */
  readonly json: string;
}

/**
 * The publisher side of a transport.
 *
 * @example A sink that keeps the entries in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DocumentSink, TransportEntry } from "./transport.ts";
 * const kept: TransportEntry[] = [];
 * const sink: DocumentSink = {
 *   target: "memory",
 *   publish: (entries) => Promise.resolve(void kept.push(...entries)),
 *   close: () => Promise.resolve(),
 * };
 * await sink.publish([{ run: "r1", seq: 0, name: "start", json: "{}" }]);
 * assert.equal(kept.length, 1);
 * ```
 */
export interface DocumentSink {
  /** Where the entries go, for messages (the URL). */
  readonly target: string;
  /**
   * Append a batch of entries, in order.
   * @param entries The entries.
   * @returns A promise that resolves once the broker has stored every entry, and rejects when
   *   it may not have (some may be stored all the same: a consumer drops repeats by `seq`).
   */
  publish(entries: readonly TransportEntry[]): Promise<void>;
  /** Let the connection go. */
  close(): Promise<void>;
}

/** An entry as a consumer receives it: with its partition and its id in that partition. */
export interface ReceivedEntry extends TransportEntry {
  /** The entry's id in its partition, to acknowledge it by. */
  readonly id: string;
  /** The partition it was read from. */
  readonly partition: number;
  /**
   * Whether another consumer was given it before (it was claimed from a member that died or
   * gave its partition up): that consumer may have begun to handle its run.
   */
  readonly redelivered?: boolean;
}

/**
 * A member of a consumer group. The group's live members share the stream's partitions
 * between them, each owning about P/W of them; a member reads only the partitions it owns.
 * When it takes a partition over (its owner died, or gave it up), it first receives the
 * entries that earlier owners read and never acknowledged, so it sees the unfinished runs
 * from their start; an entry is acknowledged once the run it belongs to is fully handled.
 *
 * @example A worker's loop (`member` from the Redis transport)
 * ```ts ignore
 * for (;;) {
 *   for (const entry of await member.read()) handle(entry);
 *   await member.ack(partition, doneIds);
 * }
 * ```
 */
export interface GroupMember {
  /** This member's name in the group. */
  readonly name: string;
  /** The partitions this member owns now. */
  readonly partitions: ReadonlySet<number>;
  /**
   * The next entries of the partitions this member owns, each partition's in stream order
   * (entries taken over from an earlier owner first); waits a while when there are none.
   * @returns The entries, possibly none.
   */
  read(): Promise<ReceivedEntry[]>;
  /**
   * Acknowledge entries: they are handled and will not be delivered again.
   * @param partition Their partition.
   * @param ids Their ids.
   */
  ack(partition: number, ids: readonly string[]): Promise<void>;
  /** Give up every partition at once (a successor takes over without waiting) and leave. */
  close(): Promise<void>;
}

/** How a member hears of partitions it no longer owns. */
export interface GroupMemberEvents {
  /**
   * A partition this member owned is gone (given up to another member, or its lease lost):
   * its runs in progress are to be dropped, unacknowledged; the next owner receives them.
   */
  onRevoked?: (partition: number) => void;
  /** A problem the member works around (a lost connection it retries), for a warning. */
  onWarning?: (message: string) => void;
  /**
   * Entries of a partition were removed from the broker: every group had handled them and
   * their retention time had passed.
   */
  onTrimmed?: (partition: number, entries: number) => void;
}

/**
 * The partition of a run: FNV-1a of its uid's UTF-8 bytes, modulo the number of partitions.
 *
 * @example A run always goes to the same partition
 * ```ts
 * import assert from "node:assert/strict";
 * import { partitionOf } from "./transport.ts";
 * assert.equal(partitionOf("r1", 8), partitionOf("r1", 8));
 * assert.ok(partitionOf("r1", 8) < 8);
 * ```
 *
 * @param run The run's uid.
 * @param partitions The number of partitions.
 * @returns The partition, from 0 to `partitions - 1`.
 * @throws {RangeError} When `partitions` is not a whole number of at least 1.
 */
export function partitionOf(run: string, partitions: number): number {
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new RangeError(`The number of partitions is a whole number >= 1: got ${partitions}`);
  }
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(run)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
