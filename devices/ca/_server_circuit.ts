/**
 * One client's TCP circuit on the server: channels, reads, writes and subscriptions of one
 * connection. A malformed or oversized message closes this circuit only.
 *
 * @module
 */

import { ConversionError, convertElements } from "./convert.ts";
import {
  ACCESS_READ,
  ACCESS_WRITE,
  CA_MINOR_VERSION,
  Command,
  DBE,
  dbrSize,
  dbrType,
  decodeDbr,
  ECA,
  ecaMessage,
  type Elements,
  encodeMessage,
  type Header,
  type Message,
  MessageReader,
  MessageTooLargeError,
  pad8,
  paddedString,
  readFixedString,
  splitDbrType,
} from "./protocol.ts";
import type { PvDatabase, PvState, ServedPv } from "./served_pv.ts";
import { dbrReply, headElements, replySize } from "./_server_dbr.ts";
import { encodeHeader, type EventSink, SendQueue, type SendQueueLimits } from "./_server_queue.ts";
import type { CAServerEvent } from "./server.ts";

/** What a circuit needs from its server. */
export interface CircuitContext {
  /** Where PVs are looked up. */
  database: PvDatabase;
  /** Largest DBR payload sent or accepted. */
  maxArrayBytes: number;
  /** Coalescing limits of monitor updates. */
  limits: SendQueueLimits;
  /**
   * Tell the server's owner something happened.
   * @param event What happened.
   */
  emit(event: CAServerEvent): void;
}

interface Channel {
  sid: number;
  cid: number;
  name: string;
  pv: ServedPv;
  subscriptions: Set<Subscription>;
}

/** The obsolete READ_SYNC: a no-op for current clients. */
const READ_SYNC = 10;
/** Bytes of plain replies queued before the circuit stops reading requests. */
const HIGH_WATER = 4 * 1024 * 1024;
/** Identifier sent in an ERROR when the request names no known channel. */
const NO_CID = 0xffffffff;

/** A request that breaks the protocol: the circuit is closed after telling the client. */
class ProtocolViolation extends Error {
  override name = "ProtocolViolation";
}

class Subscription implements EventSink {
  active = true;
  unsubscribe: () => void = () => {};
  readonly id: number;
  readonly channel: Channel;
  readonly type: number;
  readonly count: number;
  readonly mask: number;
  #maxArrayBytes: number;

  constructor(id: number, channel: Channel, header: Header, mask: number, maxArrayBytes: number) {
    this.id = id;
    this.channel = channel;
    this.type = header.dataType;
    this.count = header.dataCount;
    this.mask = mask;
    this.#maxArrayBytes = maxArrayBytes;
  }

  encode(state: PvState): Uint8Array[] {
    const reply = dbrReply(state, this.channel.pv, this.type, this.count, this.#maxArrayBytes);
    const header = encodeHeader(Command.EVENT_ADD, {
      dataType: this.type,
      dataCount: reply.count,
      parameter1: reply.status,
      parameter2: this.id,
    }, reply.payload.length);
    return [header, reply.payload];
  }

  estimate(state: PvState): number {
    return 24 + replySize(state, this.channel.pv, this.type, this.count);
  }
}

/** A client's circuit: reads requests, answers them, and posts monitor updates. */
export class ServerCircuit {
  /** `host:port` of the client. */
  readonly client: string;
  #conn: Deno.Conn;
  #context: CircuitContext;
  #queue: SendQueue;
  #reader: MessageReader;
  #channels = new Map<number, Channel>();
  #subscriptions = new Map<number, Subscription>();
  #nextSid = 1;
  #closed = false;
  #user = "";
  #host = "";

  /**
   * @param conn The accepted connection.
   * @param context Database, limits and the event callback.
   */
  constructor(conn: Deno.Conn, context: CircuitContext) {
    this.#conn = conn;
    this.#context = context;
    const remote = conn.remoteAddr as Deno.NetAddr;
    this.client = `${remote.hostname}:${remote.port}`;
    this.#queue = new SendQueue(
      (bytes) => this.#writeAll(bytes),
      (error) => this.#report(error),
      context.limits,
    );
    // Room for the largest array plus the metadata of a CTRL type.
    this.#reader = new MessageReader(Math.max(context.maxArrayBytes, 16384) + 128);
  }

  /** Channels open on this circuit. */
  get channels(): number {
    return this.#channels.size;
  }

  /** Subscriptions open on this circuit. */
  get subscriptions(): number {
    return this.#subscriptions.size;
  }

  /** Counters of the sending side. */
  get counters(): SendQueue["counters"] {
    return this.#queue.counters;
  }

  /** Items waiting to be sent. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Serve the circuit until the client leaves, breaks the protocol, or `close()` is called.
   * @returns When the circuit is closed.
   */
  async run(): Promise<void> {
    this.#queue.send(encodeMessage(Command.VERSION, { dataCount: CA_MINOR_VERSION }));
    const buffer = new Uint8Array(256 * 1024);
    let reason = "the client closed the connection";
    try {
      while (!this.#closed) {
        if (this.#queue.backlog > HIGH_WATER) {
          await this.#queue.drained();
          continue;
        }
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        for (const message of this.#reader.push(buffer.subarray(0, n))) {
          if (this.#closed) break;
          this.#serve(message);
        }
      }
    } catch (error) {
      if (!this.#closed) {
        if (error instanceof MessageTooLargeError || error instanceof ProtocolViolation) {
          reason = error.message;
          this.#report(error);
          if (error instanceof MessageTooLargeError) {
            this.#error(error.header, ECA.TOLARGE, error.message);
          }
          await this.#drainBriefly();
        } else {
          reason = error instanceof Error ? error.message : String(error);
        }
      }
    }
    this.#close(reason);
  }

  /** Close the circuit now: the server is stopping. */
  close(): void {
    this.#close("the server closed");
  }

  #close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.close();
    for (const subscription of this.#subscriptions.values()) this.#cancel(subscription);
    this.#subscriptions.clear();
    this.#channels.clear();
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer.
    }
    this.#context.emit({ type: "disconnect", client: this.client, reason });
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
  }

  /** Let an error message out before closing, but not wait on a client that reads nothing. */
  async #drainBriefly(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, 500));
    await Promise.race([this.#queue.drained(), timeout]);
    clearTimeout(timer);
  }

  #report(error: unknown): void {
    this.#context.emit({
      type: "error",
      client: this.client,
      error: error instanceof Error ? error : new Error(String(error)),
    });
  }

  /** Handle one request; a failure of the server's own (a PV that throws) fails it alone. */
  #serve(message: Message): void {
    try {
      this.#handle(message);
    } catch (error) {
      if (error instanceof ProtocolViolation) throw error;
      this.#report(error);
      this.#error(message.header, ECA.INTERNAL, `The request failed: ${messageOf(error)}`);
    }
  }

  #handle({ header, payload }: Message): void {
    switch (header.command) {
      case Command.VERSION:
      case READ_SYNC:
        return;
      case Command.CLIENT_NAME:
      case Command.HOST_NAME: {
        const text = readFixedString(payload, 0, payload.length);
        if (header.command === Command.CLIENT_NAME) this.#user = text;
        else this.#host = text;
        this.#context.emit({
          type: "identify",
          client: this.client,
          user: this.#user,
          host: this.#host,
        });
        return;
      }
      case Command.ECHO:
        this.#queue.send(encodeMessage(Command.ECHO, {}));
        return;
      case Command.CREATE_CHAN:
        return this.#createChannel(header, payload);
      case Command.CLEAR_CHANNEL:
        return this.#clearChannel(header);
      case Command.READ_NOTIFY:
      case Command.READ:
        return this.#read(header);
      case Command.WRITE:
      case Command.WRITE_NOTIFY:
        return this.#write(header, payload);
      case Command.EVENT_ADD:
        return this.#eventAdd(header, payload);
      case Command.EVENT_CANCEL:
        return this.#eventCancel(header);
      case Command.EVENTS_OFF:
        this.#queue.pause();
        return;
      case Command.EVENTS_ON:
        this.#queue.resume();
        return;
      default: {
        const message = `Invalid request code "${header.command}" from ${this.client}`;
        this.#error(header, ECA.INTERNAL, message);
        throw new ProtocolViolation(message);
      }
    }
  }

  /** Send an ERROR: the failed request's header and a message. */
  #error(request: Header, status: number, message: string, cid = NO_CID): void {
    const embedded = encodeHeader(request.command, request, request.payloadSize);
    const text = paddedString(message);
    const payload = new Uint8Array(embedded.length + text.length);
    payload.set(embedded);
    payload.set(text, embedded.length);
    this.#queue.send(
      encodeMessage(Command.ERROR, { parameter1: cid, parameter2: status }, payload),
    );
  }

  /** The channel a request names, or an ERROR sent and `undefined`. */
  #channel(header: Header): Channel | undefined {
    const channel = this.#channels.get(header.parameter1);
    if (!channel) {
      this.#error(header, ECA.BADCHID, `No channel of id "${header.parameter1}" on this circuit`);
    }
    return channel;
  }

  /** Whether a request's DBR type is one of 0 to 34, else an ERROR sent. */
  #validType(header: Header, channel: Channel): boolean {
    if (header.dataType <= 34) return true;
    this.#error(
      header,
      ECA.BADTYPE,
      `PV "${channel.name}": DBR type "${header.dataType}" is not supported`,
      channel.cid,
    );
    return false;
  }

  #createChannel(header: Header, payload: Uint8Array): void {
    const cid = header.parameter1;
    const name = readFixedString(payload, 0, payload.length);
    let pv: ServedPv | undefined;
    try {
      pv = name === "" ? undefined : this.#context.database.lookup(name);
    } catch (error) {
      this.#report(error);
    }
    if (!pv) {
      this.#queue.send(encodeMessage(Command.CREATE_CH_FAIL, { parameter1: cid }));
      return;
    }
    const sid = this.#nextSid++;
    this.#channels.set(sid, { sid, cid, name, pv, subscriptions: new Set() });
    const rights = ACCESS_READ | (pv.writable ? ACCESS_WRITE : 0);
    this.#queue.send(
      encodeMessage(Command.ACCESS_RIGHTS, { parameter1: cid, parameter2: rights }),
      encodeMessage(Command.CREATE_CHAN, {
        dataType: dbrType(pv.nativeType),
        dataCount: pv.maxCount,
        parameter1: cid,
        parameter2: sid,
      }),
    );
  }

  #clearChannel(header: Header): void {
    const channel = this.#channel(header);
    if (!channel) return;
    for (const subscription of channel.subscriptions) {
      this.#cancel(subscription);
      this.#subscriptions.delete(subscription.id);
    }
    this.#channels.delete(channel.sid);
    this.#queue.send(encodeMessage(Command.CLEAR_CHANNEL, {
      parameter1: channel.sid,
      parameter2: channel.cid,
    }));
  }

  #read(header: Header): void {
    const channel = this.#channel(header);
    if (!channel || !this.#validType(header, channel)) return;
    const { pv } = channel;
    const fields = {
      dataType: header.dataType,
      parameter2: header.parameter2,
    };
    // READ, obsolete, answers with the channel; READ_NOTIFY with a status.
    const answer = (status: number, count: number, payload: Uint8Array) => {
      const parameter1 = header.command === Command.READ ? channel.sid : status;
      this.#queue.send(
        encodeHeader(header.command, { ...fields, dataCount: count, parameter1 }, payload.length),
        payload,
      );
    };
    if (header.dataCount > pv.maxCount) {
      answer(ECA.BADCOUNT, header.dataCount, new Uint8Array(8));
      return;
    }
    let state: PvState;
    try {
      state = pv.state();
    } catch (error) {
      this.#report(error);
      answer(ECA.GETFAIL, header.dataCount, new Uint8Array(8));
      return;
    }
    const reply = dbrReply(
      state,
      pv,
      header.dataType,
      header.dataCount,
      this.#context.maxArrayBytes,
    );
    answer(reply.status, reply.count, reply.payload);
  }

  #write(header: Header, payload: Uint8Array): void {
    const channel = this.#channel(header);
    if (!channel) return;
    const notify = header.command === Command.WRITE_NOTIFY;
    const { pv, name } = channel;
    const fail = (status: number, message: string) => {
      if (notify) this.#writeNotifyReply(header, status);
      else this.#error(header, status, message, channel.cid);
    };
    if (header.dataType > 34) {
      fail(ECA.BADTYPE, `PV "${name}": DBR type "${header.dataType}" cannot be written`);
      return;
    }
    if (!pv.writable) {
      fail(ECA.NOWTACCESS, `PV "${name}" is read-only`);
      return;
    }
    if (header.dataCount === 0) {
      fail(ECA.BADCOUNT, `PV "${name}": a write of 0 elements`);
      return;
    }
    let elements: Elements;
    try {
      const { native } = splitDbrType(header.dataType);
      const data = decodeDbr(header.dataType, header.dataCount, payload);
      const state = pv.state();
      elements = convertElements(native, pv.nativeType, headElements(data.elements, pv.maxCount), {
        precision: state.precision,
        enumStrings: state.enumStrings,
      });
    } catch (error) {
      const status = error instanceof ConversionError ? ECA.BADSTR : ECA.PUTFAIL;
      fail(status, `Write to PV "${name}" failed: ${messageOf(error)}`);
      return;
    }
    let result: Promise<void> | void;
    try {
      result = pv.write(elements);
    } catch (error) {
      fail(ECA.PUTFAIL, `Write to PV "${name}" failed: ${messageOf(error)}`);
      return;
    }
    if (notify) {
      Promise.resolve(result).then(
        () => this.#writeNotifyReply(header, ECA.NORMAL),
        () => this.#writeNotifyReply(header, ECA.PUTFAIL),
      );
    } else if (result instanceof Promise) {
      result.catch((error) =>
        this.#error(
          header,
          ECA.PUTFAIL,
          `Write to PV "${name}" failed: ${messageOf(error)}`,
          channel.cid,
        )
      );
    }
  }

  #writeNotifyReply(request: Header, status: number): void {
    this.#queue.send(encodeMessage(Command.WRITE_NOTIFY, {
      dataType: request.dataType,
      dataCount: request.dataCount,
      parameter1: status,
      parameter2: request.parameter2,
    }));
  }

  #eventAdd(header: Header, payload: Uint8Array): void {
    if (payload.length < 14) {
      const message = `An EVENT_ADD of ${payload.length} bytes from ${this.client} has no mask`;
      this.#error(header, ECA.INTERNAL, message);
      throw new ProtocolViolation(message);
    }
    const channel = this.#channel(header);
    if (!channel || !this.#validType(header, channel)) return;
    const { pv, name, cid } = channel;
    const mask = new DataView(payload.buffer, payload.byteOffset).getUint16(12) &
      (DBE.VALUE | DBE.LOG | DBE.ALARM | DBE.PROPERTY);
    if (mask === 0) {
      this.#error(header, ECA.BADMASK, `PV "${name}": a subscription with an empty mask`, cid);
      return;
    }
    if (header.dataCount > pv.maxCount) {
      this.#error(
        header,
        ECA.BADCOUNT,
        `PV "${name}": ${header.dataCount} elements asked, ${pv.maxCount} served`,
        cid,
      );
      return;
    }
    if (
      header.dataCount > 0 &&
      pad8(dbrSize(header.dataType, header.dataCount)) > this.#context.maxArrayBytes
    ) {
      this.#error(header, ECA.TOLARGE, `PV "${name}": ${ecaMessage(ECA.TOLARGE)}`, cid);
      return;
    }
    const previous = this.#subscriptions.get(header.parameter2);
    if (previous) {
      this.#cancel(previous);
      previous.channel.subscriptions.delete(previous);
    }
    const subscription = new Subscription(
      header.parameter2,
      channel,
      header,
      mask,
      this.#context.maxArrayBytes,
    );
    this.#subscriptions.set(subscription.id, subscription);
    channel.subscriptions.add(subscription);
    try {
      subscription.unsubscribe = pv.subscribe((state, eventMask) => {
        if (eventMask & subscription.mask) this.#queue.post(subscription, state);
      });
      this.#queue.post(subscription, pv.state());
    } catch (error) {
      this.#report(error);
    }
  }

  #eventCancel(header: Header): void {
    const subscription = this.#subscriptions.get(header.parameter2);
    if (!subscription || subscription.channel.sid !== header.parameter1) {
      this.#error(header, ECA.BADMONID, `No subscription of id "${header.parameter2}"`);
      return;
    }
    this.#cancel(subscription);
    this.#subscriptions.delete(subscription.id);
    subscription.channel.subscriptions.delete(subscription);
    this.#queue.send(encodeMessage(Command.EVENT_ADD, {
      dataType: subscription.type,
      dataCount: subscription.count,
      parameter1: subscription.channel.sid,
      parameter2: subscription.id,
    }));
  }

  #cancel(subscription: Subscription): void {
    subscription.active = false;
    this.#queue.forget(subscription);
    try {
      subscription.unsubscribe();
    } catch (error) {
      this.#report(error);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
