/**
 * Answers to the UDP datagrams a server receives on its search port: SEARCH requests for the
 * names it has (and NOT_FOUND for the others when the client asks for it). Anything else, and
 * anything that does not parse, gets no answer.
 *
 * @module
 */

import {
  CA_MINOR_VERSION,
  Command,
  DO_REPLY,
  encodeMessage,
  type Message,
  MessageReader,
  readFixedString,
} from "./protocol.ts";

/** What an answer needs to know about the server. */
export interface SearchContext {
  /** TCP port of the server. */
  tcpPort: number;
  /** Address clients should connect to, as a number; 0xFFFFFFFF for "the sender's". */
  serverAddress: number;
  /**
   * Whether a name is served.
   * @param name PV name.
   * @returns `true` when served.
   */
  has(name: string): boolean;
}

/** Largest answer datagram: well under an Ethernet frame. */
const MAX_DATAGRAM = 1024;

/** Bit of a VERSION reply's data type: the sequence number in parameter 1 is valid. */
const SEQUENCE_VALID = 1;

/**
 * The datagrams that answer one received datagram.
 * @param datagram The bytes received.
 * @param context Port, address and names of the server.
 * @returns Datagrams to send back to the sender; none for noise.
 */
export function answerSearch(datagram: Uint8Array, context: SearchContext): Uint8Array[] {
  let messages: Message[];
  try {
    messages = new MessageReader(datagram.length).push(datagram);
  } catch {
    return [];
  }
  let sequence: number | undefined;
  const answers: Uint8Array[] = [];
  for (const { header, payload } of messages) {
    if (header.command === Command.VERSION) {
      // Clients of 4.11 and later number their search rounds; echoing it times them.
      if (header.dataCount >= 11) sequence = header.parameter1;
      continue;
    }
    if (header.command !== Command.SEARCH) continue;
    const name = readFixedString(payload, 0, payload.length);
    if (name === "") continue;
    let found = false;
    try {
      found = context.has(name);
    } catch {
      found = false;
    }
    const cid = header.parameter1;
    if (found) {
      const minor = new Uint8Array(8);
      new DataView(minor.buffer).setUint16(0, CA_MINOR_VERSION);
      answers.push(encodeMessage(Command.SEARCH, {
        dataType: context.tcpPort,
        parameter1: context.serverAddress,
        parameter2: cid,
      }, minor));
    } else if (header.dataType === DO_REPLY) {
      answers.push(encodeMessage(Command.NOT_FOUND, {
        dataType: DO_REPLY,
        dataCount: header.dataCount,
        parameter1: cid,
        parameter2: cid,
      }));
    }
  }
  if (answers.length === 0) return [];
  const version = encodeMessage(Command.VERSION, {
    dataType: sequence === undefined ? 0 : SEQUENCE_VALID,
    dataCount: CA_MINOR_VERSION,
    parameter1: sequence ?? 0,
  });
  const datagrams: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let size = version.length;
  const flush = () => {
    if (batch.length === 0) return;
    const out = new Uint8Array(size);
    out.set(version);
    let offset = version.length;
    for (const answer of batch) {
      out.set(answer, offset);
      offset += answer.length;
    }
    datagrams.push(out);
    batch = [];
    size = version.length;
  };
  for (const answer of answers) {
    if (size + answer.length > MAX_DATAGRAM) flush();
    batch.push(answer);
    size += answer.length;
  }
  flush();
  return datagrams;
}
