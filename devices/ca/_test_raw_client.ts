/**
 * For tests: a minimal Channel Access client made of `protocol.ts` alone, to talk to the
 * server message by message over loopback (a TCP circuit and UDP searches).
 *
 * @module
 */

import dgram from "node:dgram";
import { concatBytes } from "./_concat_bytes.ts";
import {
  CA_MINOR_VERSION,
  Command,
  type DbrData,
  decodeDbr,
  DONT_REPLY,
  ECA,
  encodeDbr,
  encodeMessage,
  type Header,
  type Message,
  MessageReader,
  paddedString,
} from "./protocol.ts";

/** Fields of a message to send. */
export type Fields = Partial<Omit<Header, "command" | "payloadSize">>;

interface Waiter {
  match: (message: Message) => boolean;
  resolve: (message: Message) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** A TCP circuit to a server, with every received message kept until taken. */
export class RawCircuit {
  /** Messages received and not taken yet. */
  readonly inbox: Message[] = [];
  /** Whether the server closed the connection. */
  closedByServer = false;
  /** Reads made (chunks received). */
  reads = 0;
  #conn: Deno.TcpConn;
  #reader = new MessageReader();
  #waiters: Waiter[] = [];
  #loop: Promise<void>;
  #closed = false;
  #ended: (() => void)[] = [];
  #writing: Promise<void> = Promise.resolve();

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#loop = this.#read();
  }

  /**
   * Connect and introduce the client (VERSION, CLIENT_NAME, HOST_NAME), as libca does.
   * @param port Server port on 127.0.0.1.
   * @returns The circuit.
   */
  static async connect(port: number): Promise<RawCircuit> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const circuit = new RawCircuit(conn);
    circuit.send(Command.VERSION, { dataCount: CA_MINOR_VERSION });
    circuit.send(Command.CLIENT_NAME, {}, paddedString("tester"));
    circuit.send(Command.HOST_NAME, {}, paddedString("testhost"));
    await circuit.next((m) => m.header.command === Command.VERSION);
    return circuit;
  }

  /**
   * Send one message.
   * @param command Command code.
   * @param fields Header fields.
   * @param payload Payload.
   */
  send(command: number, fields: Fields = {}, payload?: Uint8Array): void {
    this.sendBytes(encodeMessage(command, fields, payload));
  }

  /**
   * Send raw bytes.
   * @param bytes Anything.
   */
  sendBytes(bytes: Uint8Array): void {
    // One write after the other, each to its end: a large one goes out in pieces.
    this.#writing = this.#writing.then(async () => {
      let offset = 0;
      while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
    }).catch(() => {});
  }

  /**
   * The next message that matches (kept ones first), waiting for it.
   * @param match Which message.
   * @param timeout Milliseconds.
   * @returns The message, taken out of the inbox.
   */
  next(match: (message: Message) => boolean = () => true, timeout = 3000): Promise<Message> {
    const index = this.inbox.findIndex(match);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0]!);
    if (this.#closed) return Promise.reject(new Error("The circuit is closed"));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(new Error(`No matching message within ${timeout} ms`));
        }, timeout),
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Create a channel.
   * @param name PV name.
   * @param cid Client id.
   * @returns Server id, native type and count, and access rights.
   */
  async createChannel(
    name: string,
    cid: number,
  ): Promise<{ sid: number; type: number; count: number; access: number }> {
    this.send(
      Command.CREATE_CHAN,
      { parameter1: cid, parameter2: CA_MINOR_VERSION },
      paddedString(name),
    );
    const created = await this.next((m) =>
      (m.header.command === Command.CREATE_CHAN || m.header.command === Command.CREATE_CH_FAIL) &&
      m.header.parameter1 === cid
    );
    if (created.header.command === Command.CREATE_CH_FAIL) throw new Error(`No PV "${name}"`);
    // ACCESS_RIGHTS comes first, so it is in the inbox by now.
    const access = await this.next((m) =>
      m.header.command === Command.ACCESS_RIGHTS && m.header.parameter1 === cid
    );
    return {
      sid: created.header.parameter2,
      type: created.header.dataType,
      count: created.header.dataCount,
      access: access.header.parameter2,
    };
  }

  /**
   * Read with READ_NOTIFY.
   * @param sid Server id.
   * @param type DBR type.
   * @param count Count (0 for the current length).
   * @param ioid Request id.
   * @returns Status, header and decoded data (when the status is normal).
   */
  async read(
    sid: number,
    type: number,
    count = 0,
    ioid = nextId(),
  ): Promise<{ status: number; header: Header; data?: DbrData }> {
    this.send(Command.READ_NOTIFY, {
      dataType: type,
      dataCount: count,
      parameter1: sid,
      parameter2: ioid,
    });
    const reply = await this.next((m) =>
      m.header.command === Command.READ_NOTIFY && m.header.parameter2 === ioid
    );
    const status = reply.header.parameter1;
    if (status !== ECA.NORMAL) return { status, header: reply.header };
    return {
      status,
      header: reply.header,
      data: decodeDbr(reply.header.dataType, reply.header.dataCount, reply.payload),
    };
  }

  /**
   * Write with WRITE_NOTIFY and wait for the answer.
   * @param sid Server id.
   * @param type DBR type of the payload.
   * @param elements Elements.
   * @param timeout Milliseconds to wait.
   * @returns The status.
   */
  async writeNotify(
    sid: number,
    type: number,
    elements: DbrData["elements"],
    timeout = 3000,
  ): Promise<number> {
    const ioid = nextId();
    this.send(Command.WRITE_NOTIFY, {
      dataType: type,
      dataCount: elements.length,
      parameter1: sid,
      parameter2: ioid,
    }, encodeDbr(type, elements.length, { elements }));
    const reply = await this.next(
      (m) => m.header.command === Command.WRITE_NOTIFY && m.header.parameter2 === ioid,
      timeout,
    );
    return reply.header.parameter1;
  }

  /**
   * Subscribe (EVENT_ADD).
   * @param sid Server id.
   * @param type DBR type.
   * @param mask DBE mask.
   * @param count Count (0 for the current length).
   * @returns The subscription id.
   */
  subscribe(sid: number, type: number, mask: number, count = 0): number {
    const subid = nextId();
    const payload = new Uint8Array(16);
    new DataView(payload.buffer).setUint16(12, mask);
    this.send(Command.EVENT_ADD, {
      dataType: type,
      dataCount: count,
      parameter1: sid,
      parameter2: subid,
    }, payload);
    return subid;
  }

  /**
   * The next update of a subscription.
   * @param subid Subscription id.
   * @param timeout Milliseconds.
   * @returns Its header and data.
   */
  async update(subid: number, timeout = 3000): Promise<{ header: Header; data: DbrData }> {
    const m = await this.next(
      (m) => m.header.command === Command.EVENT_ADD && m.header.parameter2 === subid,
      timeout,
    );
    return {
      header: m.header,
      data: decodeDbr(m.header.dataType, m.header.dataCount, m.payload),
    };
  }

  /**
   * Wait until the server closes the connection.
   * @param timeout Milliseconds.
   * @returns When closed.
   */
  closed(timeout = 3000): Promise<void> {
    if (this.closedByServer) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("The server kept the circuit")), timeout);
      this.#ended.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Close the connection and wait for the reading loop. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#conn.close();
      } catch {
        // Closed already.
      }
    }
    await this.#loop;
    await this.#writing;
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(1 << 20);
    try {
      while (true) {
        const n = await this.#conn.read(buffer);
        if (n === null) {
          this.closedByServer = true;
          break;
        }
        this.reads++;
        for (const message of this.#reader.push(buffer.subarray(0, n))) this.#deliver(message);
      }
    } catch {
      if (!this.#closed) this.closedByServer = true;
    }
    for (const end of this.#ended.splice(0)) end();
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#conn.close();
      } catch {
        // Closed already.
      }
    }
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error("The circuit closed"));
    }
  }

  #deliver(message: Message): void {
    const index = this.#waiters.findIndex((w) => w.match(message));
    if (index < 0) {
      this.inbox.push(message);
      return;
    }
    const [waiter] = this.#waiters.splice(index, 1);
    clearTimeout(waiter!.timer);
    waiter!.resolve(message);
  }
}

let id = 1;
/**
 * A fresh id for cids, ioids and subscription ids.
 * @returns A number not given before.
 */
export function nextId(): number {
  return id++;
}

/**
 * A UDP socket on 127.0.0.1 that collects what it receives.
 * @param port Port to bind (0 for a free one).
 * @returns The socket, its port, the datagrams received, and `close()`.
 */
export async function udpSocket(port = 0): Promise<{
  socket: dgram.Socket;
  port: number;
  received: { bytes: Uint8Array; at: number; port: number }[];
  next(timeout?: number): Promise<Uint8Array>;
  close(): Promise<void>;
}> {
  const socket = dgram.createSocket({ type: "udp4" });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ port, address: "127.0.0.1", exclusive: true }, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const received: { bytes: Uint8Array; at: number; port: number }[] = [];
  let wake: (() => void) | undefined;
  socket.on("message", (message, sender) => {
    received.push({
      bytes: new Uint8Array(message.buffer, message.byteOffset, message.byteLength).slice(),
      at: performance.now(),
      port: sender.port,
    });
    wake?.();
  });
  let taken = 0;
  return {
    socket,
    port: socket.address().port,
    received,
    async next(timeout = 2000) {
      const deadline = performance.now() + timeout;
      while (received.length <= taken) {
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`No datagram within ${timeout} ms`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, left);
        });
        clearTimeout(timer);
        wake = undefined;
      }
      return received[taken++]!.bytes;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/**
 * The messages of a datagram.
 * @param bytes The datagram.
 * @returns Its messages.
 */
export function messagesOf(bytes: Uint8Array): Message[] {
  return new MessageReader().push(bytes);
}

/**
 * A search datagram: VERSION with a sequence number, then one SEARCH per name.
 * @param names `[name, cid]` pairs.
 * @param reply `DO_REPLY` or `DONT_REPLY`.
 * @param sequence Sequence number.
 * @returns The datagram.
 */
export function searchDatagram(
  names: [string, number][],
  reply = DONT_REPLY,
  sequence = 1,
): Uint8Array {
  const parts = [
    encodeMessage(Command.VERSION, { dataCount: CA_MINOR_VERSION, parameter1: sequence }),
  ];
  for (const [name, cid] of names) {
    parts.push(encodeMessage(Command.SEARCH, {
      dataType: reply,
      dataCount: CA_MINOR_VERSION,
      parameter1: cid,
      parameter2: cid,
    }, paddedString(name)));
  }
  return concatBytes(parts);
}
