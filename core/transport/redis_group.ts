/**
 * The consumer side over Redis Streams: a member of a consumer group that owns partitions
 * through leases and reads them with XREADGROUP.
 *
 * Every `claimAfter / 3` ms a member renews its heartbeat (`KEY:group:G:alive:NAME`, which
 * expires after `claimAfter`), counts the live members, and wants the partitions `p` with
 * `p mod W` equal to its rank among the W live members (sorted by name). It renews the leases
 * it holds and wants (`SET ... PX claimAfter`), gives up those it no longer wants, and takes
 * the free ones it wants (`SET NX PX`).
 *
 * A partition taken over starts by recovering: the entries that its earlier owners read and
 * never acknowledged are claimed (XAUTOCLAIM, min idle `claimAfter`) and delivered, oldest
 * first, before any new entry is read. A member that died stops renewing: its leases expire
 * after `claimAfter`, by when its entries have been idle that long. A member that gives a
 * partition up marks its entries there as idle already, so the next owner takes them at once.
 *
 * At the same pace, the owner of a partition trims its stream of the entries that every
 * consumer group of the key has acknowledged and that are older than `retain` ms: the stream
 * stays as long as the documents not yet handled, plus the retention time, instead of growing
 * with every document ever published. A group that has not read an entry holds it back; a
 * group made later reads from what is left.
 *
 * @module
 */

import type { GroupMember, GroupMemberEvents, ReceivedEntry } from "./transport.ts";
import { DOCUMENT_NAMES, type DocumentName } from "../documents/types.ts";
import {
  openRedisClient,
  parseRedisUrl,
  type RedisClient,
  redisKeys,
  type RedisLocation,
  redisPartitions,
} from "./redis.ts";

/** Options of {@linkcode joinRedisGroup}. */
export interface RedisGroupOptions extends GroupMemberEvents {
  /** The consumer group. */
  group: string;
  /** This member's name (unique in the group); a random one by default. */
  name?: string;
  /**
   * How long a member may be silent before its partitions are taken over, in ms: the lease
   * and heartbeat time, and the idle time after which its unacknowledged entries are claimed.
   */
  claimAfter?: number;
  /** How long one read waits for new entries, in ms. */
  block?: number;
  /** The most entries one read returns per partition. */
  count?: number;
  /**
   * How long entries every group has acknowledged are kept, in ms, before the owner of their
   * partition trims them (XTRIM MINID); `null` keeps every entry for ever.
   */
  retain?: number | null;
}

/** Defaults of {@linkcode RedisGroupOptions}. */
export const redisGroupDefaults = {
  claimAfter: 30_000,
  block: 500,
  count: 500,
  retain: 3_600_000,
} as const satisfies Partial<RedisGroupOptions>;

/** Renew a key held by `ARGV[1]` for `ARGV[2]` ms, or take it when free. 1 when held. */
const HOLD = `local v = redis.call("GET", KEYS[1])
if v == false or v == ARGV[1] then
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  return 1
end
return 0`;

/** Renew a key only while `ARGV[1]` holds it. 1 when renewed. */
const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`;

/** Delete a key only while `ARGV[1]` holds it. */
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`;

interface Owned {
  state: "recovering" | "reading";
  /** When the partition was taken. */
  since: number;
  /** Ids delivered while recovering, which a later claim must not deliver again. */
  delivered: Set<string>;
  /** Whether this member's own pending entries were read back. */
  ownRead: boolean;
}

/** Compare two stream ids, `ms-seq`. */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
  return am < bm ? -1 : am > bm ? 1 : as < bs ? -1 : as > bs ? 1 : 0;
}

/** The id right after `id` in a stream. */
function nextId(id: string): string {
  const [ms, seq] = id.split("-").map(BigInt) as [bigint, bigint];
  return `${ms}-${seq + 1n}`;
}

/** An entry as XREADGROUP gives it. */
type StreamMessage = { id: string; message: Record<string, string> };
/** What XREADGROUP gives: the entries of each stream, or null. */
type StreamReply = { name: string; messages: (StreamMessage | null)[] }[] | null;

const NAMES: ReadonlySet<string> = new Set(DOCUMENT_NAMES);

/**
 * Join a consumer group of a stream key: creates the group on every partition when it is
 * new (reading from the stream's start), and takes this member's share of the partitions.
 *
 * @example A member that reads (a Redis server must listen there)
 * ```ts ignore
 * import { joinRedisGroup } from "./redis_group.ts";
 * const member = await joinRedisGroup("redis://127.0.0.1:6379/scans", { group: "writers" });
 * const entries = await member.read();
 * await member.close();
 * ```
 *
 * @param url `redis://HOST[:PORT]/KEY`, or its parts.
 * @param options The group, the member's name, the timings.
 * @returns The member, once connected and in the group.
 * @throws {TypeError} When the URL or an option is not valid.
 * @throws {Error} When another live member has the same name.
 */
export async function joinRedisGroup(
  url: string | RedisLocation,
  options: RedisGroupOptions,
): Promise<RedisGroupMember> {
  const where = typeof url === "string" ? parseRedisUrl(url) : url;
  if (!/^[\w.@-]+$/.test(options.group)) {
    throw new TypeError(`Invalid group name "${options.group}": letters, digits, _ . @ - only`);
  }
  const name = options.name ?? `worker-${crypto.randomUUID().slice(0, 8)}`;
  if (!/^[\w.@-]+$/.test(name)) {
    throw new TypeError(`Invalid member name "${name}": letters, digits, _ . @ - only`);
  }
  const claimAfter = options.claimAfter ?? redisGroupDefaults.claimAfter;
  if (!Number.isSafeInteger(claimAfter) || claimAfter < 30) {
    throw new RangeError(`Option claimAfter is a whole number of ms >= 30: got ${claimAfter}`);
  }
  const retain = options.retain === undefined ? redisGroupDefaults.retain : options.retain;
  if (retain !== null && !(Number.isSafeInteger(retain) && retain >= 0)) {
    throw new RangeError(`Option retain is a whole number of ms >= 0, or null: got ${retain}`);
  }
  const warn = (error: Error) => options.onWarning?.(`Redis at ${where.url}: ${error.message}`);
  const control = openRedisClient(where, warn);
  const reader = openRedisClient(where, warn);
  try {
    await Promise.all([control.connect().catch(() => {}), reader.connect().catch(() => {})]);
    while (!control.isReady || !reader.isReady) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const partitions = await redisPartitions(control, where);
    const keys = redisKeys(where.key);
    for (let p = 0; p < partitions; p++) {
      try {
        await control.xGroupCreate(keys.stream(p), options.group, "0", { MKSTREAM: true });
      } catch (error) {
        if (!/BUSYGROUP/.test((error as Error).message)) throw error;
      }
    }
    const member = new RedisGroupMember(where, { ...options, name, claimAfter, retain }, {
      control,
      reader,
      partitions,
    });
    await member.start();
    return member;
  } catch (error) {
    control.destroy();
    reader.destroy();
    throw error;
  }
}

/**
 * A member of a consumer group over Redis Streams; made by {@linkcode joinRedisGroup}.
 */
export class RedisGroupMember implements GroupMember {
  /** This member's name in the group. */
  readonly name: string;
  /** The number of partitions of the stream key. */
  readonly partitionCount: number;
  readonly #where: RedisLocation;
  readonly #options: RedisGroupOptions & { claimAfter: number };
  readonly #control: RedisClient;
  readonly #reader: RedisClient;
  readonly #keys: ReturnType<typeof redisKeys>;
  readonly #token = crypto.randomUUID();
  readonly #owned = new Map<number, Owned>();
  /** Entries claimed while recovering, for the next read. */
  #ready: ReceivedEntry[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #tick: Promise<void> = Promise.resolve();
  /** The recovery and trimming of partitions, which renewals do not wait for. */
  #upkeep: Promise<void> | undefined;
  #lastRenewal = Date.now();
  #closed = false;

  /**
   * Use {@linkcode joinRedisGroup}.
   * @param where The location.
   * @param options The options, with the name and timeout set.
   * @param parts The connected clients (one for blocking reads) and the partition count.
   */
  constructor(
    where: RedisLocation,
    options: RedisGroupOptions & { name: string; claimAfter: number },
    parts: { control: RedisClient; reader: RedisClient; partitions: number },
  ) {
    this.#where = where;
    this.#options = options;
    this.name = options.name;
    this.#control = parts.control;
    this.#reader = parts.reader;
    this.partitionCount = parts.partitions;
    this.#keys = redisKeys(where.key);
  }

  /** The partitions this member owns now. */
  get partitions(): ReadonlySet<number> {
    return new Set(this.#owned.keys());
  }

  /**
   * Take the member's name and first share of partitions, then keep them up to date.
   * @throws {Error} When another live member has the name.
   */
  async start(): Promise<void> {
    const { group, claimAfter } = this.#options;
    const alive = this.#keys.alive(group, this.name);
    // The name is this member's only while its heartbeat is: a second member of one name
    // would read the first one's entries as its own.
    const taken = await this.#control.set(alive, this.#token, { NX: true, PX: claimAfter });
    if (taken === null) {
      throw new Error(
        `Member name "${this.name}" is in use in group "${group}" at ${this.#where.url}: ` +
          `another live member has it (or had it less than ${claimAfter} ms ago)`,
      );
    }
    await this.#control.sAdd(this.#keys.members(group), this.name);
    await this.#rebalance();
    await this.#tend();
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#tick = this.#rebalance().then(() => {
        // Recovering a partition of many entries can take longer than a lease lasts: the
        // leases are renewed at their pace meanwhile.
        this.#upkeep ??= this.#tend().finally(() => this.#upkeep = undefined);
      }).finally(() => this.#schedule());
    }, Math.max(10, Math.floor(this.#options.claimAfter / 3)));
  }

  async #rebalance(): Promise<void> {
    const { group, claimAfter } = this.#options;
    const control = this.#control;
    try {
      const held = await control.eval(HOLD, {
        keys: [this.#keys.alive(group, this.name)],
        arguments: [this.#token, String(claimAfter)],
      });
      if (held !== 1) {
        this.#warn(`member name "${this.name}" was taken by another member: leaving`);
        for (const p of [...this.#owned.keys()]) this.#lose(p);
        return;
      }
      const membersKey = this.#keys.members(group);
      const names = (await control.sMembers(membersKey)).sort();
      const checks = control.multi();
      for (const n of names) checks.exists(this.#keys.alive(group, n));
      const exists = (await checks.exec()) as unknown as number[];
      const live = names.filter((_, i) => exists[i] === 1);
      const dead = names.filter((_, i) => exists[i] !== 1);
      if (dead.length > 0) await control.sRem(membersKey, dead);
      if (!live.includes(this.name)) live.push(this.name), live.sort();
      const rank = live.indexOf(this.name);
      const wanted = new Set<number>();
      for (let p = 0; p < this.partitionCount; p++) {
        if (p % live.length === rank) wanted.add(p);
      }
      for (const p of [...this.#owned.keys()]) {
        if (!wanted.has(p)) {
          await this.#release(p);
          continue;
        }
        const renewed = await control.eval(RENEW, {
          keys: [this.#keys.lease(group, p)],
          arguments: [this.name, String(claimAfter)],
        });
        if (renewed !== 1) {
          this.#warn(`lost the lease of partition ${p}: another member owns it now`);
          this.#lose(p);
        }
      }
      for (const p of wanted) {
        if (this.#owned.has(p)) continue;
        const got = await control.set(this.#keys.lease(group, p), this.name, {
          NX: true,
          PX: claimAfter,
        });
        if (got !== null) {
          this.#owned.set(p, {
            state: "recovering",
            since: Date.now(),
            delivered: new Set(),
            ownRead: false,
          });
        }
      }
      this.#lastRenewal = Date.now();
    } catch (error) {
      this.#warn((error as Error).message);
      // Leases not renewed for claimAfter may be another member's now.
      if (Date.now() - this.#lastRenewal >= claimAfter) {
        for (const p of [...this.#owned.keys()]) this.#lose(p);
      }
    }
  }

  /** Recover the partitions taken over, and trim those being read. */
  async #tend(): Promise<void> {
    try {
      for (const [p, owned] of [...this.#owned]) {
        if (this.#closed || this.#owned.get(p) !== owned) continue;
        if (owned.state === "recovering") await this.#recover(p, owned);
        else await this.#trim(p);
      }
    } catch (error) {
      this.#warn((error as Error).message);
    }
  }

  #warn(message: string): void {
    this.#options.onWarning?.(
      `Redis at ${this.#where.url}, group "${this.#options.group}": ${message}`,
    );
  }

  /** A partition no longer owned, its lease gone to another member or expired. */
  #lose(p: number): void {
    this.#owned.delete(p);
    this.#ready = this.#ready.filter((e) => e.partition !== p);
    this.#options.onRevoked?.(p);
  }

  /** Give a partition up: its entries here marked idle, so the next owner takes them now. */
  async #release(p: number): Promise<void> {
    this.#lose(p);
    const { group } = this.#options;
    await this.#abandon(p);
    await this.#control.eval(RELEASE, {
      keys: [this.#keys.lease(group, p)],
      arguments: [this.name],
    });
  }

  /** Mark this member's unacknowledged entries of a partition as idle for `claimAfter`. */
  async #abandon(p: number, only?: readonly string[]): Promise<void> {
    const { group, claimAfter } = this.#options;
    const stream = this.#keys.stream(p);
    for (;;) {
      const ids = only ?? (await this.#control.xPendingRange(stream, group, "-", "+", 1000, {
        consumer: this.name,
      })).map((e) => e.id);
      if (ids.length === 0) return;
      await this.#control.xClaimJustId(stream, group, this.name, 0, [...ids], {
        IDLE: claimAfter,
      });
      if (only !== undefined || ids.length < 1000) return;
    }
  }

  /**
   * Deliver what earlier owners of a partition left unacknowledged, oldest first; once no
   * other member has entries pending there (or after `claimAfter`), read new ones.
   */
  async #recover(p: number, owned: Owned): Promise<void> {
    const { group, claimAfter } = this.#options;
    const stream = this.#keys.stream(p);
    const found: ReceivedEntry[] = [];
    const take = (
      id: string,
      message: Record<string, string> | null | undefined,
      redelivered: boolean,
    ) => {
      if (owned.delivered.has(id)) return;
      owned.delivered.add(id);
      const entry = message ? this.#entry(p, id, message) : undefined;
      if (entry) found.push(redelivered ? { ...entry, redelivered } : entry);
    };
    if (!owned.ownRead) {
      // This member's own pending entries there: of runs it dropped when it lost the partition.
      for (let after = "0";;) {
        const reply = await this.#control.xReadGroup(group, this.name, { key: stream, id: after }, {
          COUNT: 1000,
        }) as unknown as StreamReply;
        const messages = reply?.[0]?.messages ?? [];
        // Read by this member before, which may have begun their runs: its own earlier work.
        for (const m of messages) if (m) take(m.id, m.message, true);
        if (messages.length < 1000) break;
        after = messages.at(-1)!.id;
      }
      owned.ownRead = true;
    }
    for (let cursor = "0-0";;) {
      const reply = await this.#control.xAutoClaim(stream, group, this.name, claimAfter, cursor, {
        COUNT: 1000,
      });
      for (const m of reply.messages) if (m) take(m.id, m.message, true);
      for (const id of reply.deletedMessages ?? []) owned.delivered.add(id);
      cursor = reply.nextId;
      if (cursor === "0-0") break;
    }
    // Lost while it was being recovered: the next owner delivers them.
    if (this.#owned.get(p) !== owned) return;
    found.sort((a, b) => compareIds(a.id, b.id));
    this.#ready.push(...found);
    const summary = await this.#control.xPending(stream, group);
    const others = (summary.consumers ?? []).filter((c) =>
      c.name !== this.name && Number(c.deliveriesCounter) > 0
    );
    if (others.length === 0 || Date.now() - owned.since >= 2 * claimAfter) {
      owned.state = "reading";
      owned.delivered.clear();
    }
  }

  /**
   * Trim a partition's stream below the first entry some group still needs (its oldest
   * pending entry, else the first after its last delivered one) and the retention time.
   * Entries only move forward: what a group is delivered after this looks is newer.
   */
  async #trim(p: number): Promise<void> {
    const { retain } = this.#options;
    if (retain === null || retain === undefined) return;
    const stream = this.#keys.stream(p);
    const groups = await this.#control.xInfoGroups(stream);
    if (groups.length === 0) return;
    let keep = `${Math.max(0, Date.now() - retain)}-0`;
    for (const g of groups) {
      const name = String(g.name);
      const pending = await this.#control.xPending(stream, name);
      const first = Number(pending.pending) > 0 && pending.firstId
        ? String(pending.firstId)
        : nextId(String(g["last-delivered-id"]));
      if (compareIds(first, keep) < 0) keep = first;
    }
    if (keep === "0-0") return;
    const trimmed = await this.#control.xTrim(stream, "MINID", keep);
    if (trimmed > 0) this.#options.onTrimmed?.(p, trimmed);
  }

  /** An entry from its fields, or undefined (with a warning) when they are not a document's. */
  #entry(p: number, id: string, fields: Record<string, string>): ReceivedEntry | undefined {
    const seq = Number(fields.seq);
    if (
      typeof fields.run !== "string" || !Number.isSafeInteger(seq) || seq < 0 ||
      typeof fields.name !== "string" || !NAMES.has(fields.name) ||
      typeof fields.json !== "string"
    ) {
      this.#warn(
        `entry ${id} of stream "${this.#keys.stream(p)}" is not a document entry ` +
          `(fields run, seq, name, json): acknowledged and passed over`,
      );
      void this.ack(p, [id]).catch(() => {});
      return undefined;
    }
    return {
      id,
      partition: p,
      run: fields.run,
      seq,
      name: fields.name as DocumentName,
      json: fields.json,
    };
  }

  /**
   * The next entries: first those claimed from earlier owners, else new ones of the
   * partitions being read (waiting up to `block` ms for them).
   * @returns The entries, possibly none.
   */
  async read(): Promise<ReceivedEntry[]> {
    if (this.#closed) return [];
    if (this.#ready.length > 0) {
      const ready = this.#ready;
      this.#ready = [];
      return ready;
    }
    const { group } = this.#options;
    const block = this.#options.block ?? redisGroupDefaults.block;
    const reading = [...this.#owned].filter(([, o]) => o.state === "reading").map(([p]) => p);
    if (reading.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(block, 100)));
      return [];
    }
    let reply: StreamReply;
    try {
      reply = await this.#reader.xReadGroup(
        group,
        this.name,
        reading.map((p) => ({ key: this.#keys.stream(p), id: ">" })),
        { COUNT: this.#options.count ?? redisGroupDefaults.count, BLOCK: block },
      ) as unknown as StreamReply;
    } catch (error) {
      if (this.#closed) return [];
      this.#warn(`cannot read: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(block, 500)));
      return [];
    }
    const entries: ReceivedEntry[] = [];
    for (const stream of reply ?? []) {
      const p = Number(stream.name.slice(this.#where.key.length + 1));
      const messages = stream.messages.filter((m) => m !== null) as StreamMessage[];
      if (!this.#owned.has(p)) {
        // Given up while the read waited: the next owner is to take them now.
        await this.#abandon(p, messages.map((m) => m.id)).catch(() => {});
        continue;
      }
      for (const m of messages) {
        const entry = this.#entry(p, m.id, m.message);
        if (entry) entries.push(entry);
      }
    }
    return entries;
  }

  /**
   * Acknowledge entries of a partition.
   * @param partition Their partition.
   * @param ids Their ids.
   * @throws {Error} When Redis is not reachable; the entries stay pending.
   */
  async ack(partition: number, ids: readonly string[]): Promise<void> {
    const stream = this.#keys.stream(partition);
    for (let i = 0; i < ids.length; i += 1000) {
      await this.#control.xAck(stream, this.#options.group, ids.slice(i, i + 1000));
    }
  }

  /**
   * Leave the group: every partition given up (a successor takes over without waiting for
   * the timeout), the heartbeat removed, the connections closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#tick;
    await this.#upkeep;
    const { group } = this.#options;
    try {
      for (const p of [...this.#owned.keys()]) await this.#release(p);
      await this.#control.eval(RELEASE, {
        keys: [this.#keys.alive(group, this.name)],
        arguments: [this.#token],
      });
      await this.#control.sRem(this.#keys.members(group), this.name);
    } catch {
      // Redis gone: the leases and the heartbeat expire by themselves.
    } finally {
      this.#reader.destroy();
      this.#control.destroy();
    }
  }
}
