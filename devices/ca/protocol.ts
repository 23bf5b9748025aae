/**
 * The Channel Access wire format, protocol version 4.13, as both the client and the server
 * speak it: message headers (standard and extended), command and status codes, and the DBR
 * payloads of every type family (plain, STS, TIME, GR, CTRL) of the seven native types.
 *
 * All numbers on the wire are big-endian. A payload is padded to a multiple of 8 bytes.
 *
 * @module
 */

/** Minor protocol version spoken (4.13). */
export const CA_MINOR_VERSION = 13;

/** Default TCP and UDP port of a server (`EPICS_CA_SERVER_PORT`). */
export const CA_SERVER_PORT = 5064;

/** Default UDP port of the repeater (`EPICS_CA_REPEATER_PORT`). */
export const CA_REPEATER_PORT = 5065;

/** Seconds between 1970-01-01 and the EPICS epoch, 1990-01-01 (UTC). */
export const EPICS_EPOCH_OFFSET = 631152000;

/** Bytes of a DBR_STRING element, terminator included. */
export const MAX_STRING_SIZE = 40;

/** Bytes of the units field of GR and CTRL types. */
export const MAX_UNITS_SIZE = 8;

/** Number of enum strings a GR or CTRL enum carries. */
export const MAX_ENUM_STATES = 16;

/** Bytes of one enum string. */
export const MAX_ENUM_STRING_SIZE = 26;

/** Command codes of the messages. */
export const Command = {
  VERSION: 0,
  EVENT_ADD: 1,
  EVENT_CANCEL: 2,
  READ: 3,
  WRITE: 4,
  SEARCH: 6,
  EVENTS_OFF: 8,
  EVENTS_ON: 9,
  ERROR: 11,
  CLEAR_CHANNEL: 12,
  RSRV_IS_UP: 13,
  NOT_FOUND: 14,
  READ_NOTIFY: 15,
  REPEATER_CONFIRM: 17,
  CREATE_CHAN: 18,
  WRITE_NOTIFY: 19,
  CLIENT_NAME: 20,
  HOST_NAME: 21,
  ACCESS_RIGHTS: 22,
  ECHO: 23,
  REPEATER_REGISTER: 24,
  CREATE_CH_FAIL: 26,
  SERVER_DISCONN: 27,
} as const;

/** `data_type` of a search request: the server replies only when it has the PV. */
export const DONT_REPLY = 5;
/** `data_type` of a search request: the server replies NOT_FOUND too. */
export const DO_REPLY = 10;

/** Event masks of a subscription (`DBE_*`). */
export const DBE = {
  VALUE: 1,
  LOG: 2,
  ALARM: 4,
  PROPERTY: 8,
} as const;

/** Access rights bits of ACCESS_RIGHTS. */
export const ACCESS_READ = 1;
/** Access rights bits of ACCESS_RIGHTS. */
export const ACCESS_WRITE = 2;

/** The seven native types of Channel Access, in DBR order. */
export const NATIVE_TYPES = ["string", "short", "float", "enum", "char", "long", "double"] as const;
/** A native type. */
export type NativeType = typeof NATIVE_TYPES[number];

/** The five type families, in DBR order. */
export const FAMILIES = ["plain", "sts", "time", "gr", "ctrl"] as const;
/** A type family: the value alone, with alarm status, with a timestamp, graphic, control. */
export type Family = typeof FAMILIES[number];

/** DBR type codes of the special types. */
export const DBR_SPECIAL = {
  PUT_ACKT: 35,
  PUT_ACKS: 36,
  STSACK_STRING: 37,
  CLASS_NAME: 38,
} as const;

/**
 * The DBR type code of a native type in a family, for example `dbrType("double", "ctrl")` is
 * 34 (`DBR_CTRL_DOUBLE`).
 *
 * @example Codes and back
 * ```ts
 * import assert from "node:assert/strict";
 * import { dbrType, splitDbrType } from "./protocol.ts";
 * assert.equal(dbrType("double", "time"), 20);
 * assert.deepEqual(splitDbrType(34), { native: "double", family: "ctrl" });
 * ```
 *
 * @param native Native type.
 * @param family Type family.
 * @returns The code, 0 to 34.
 */
export function dbrType(native: NativeType, family: Family = "plain"): number {
  return FAMILIES.indexOf(family) * 7 + NATIVE_TYPES.indexOf(native);
}

/**
 * The native type and family of a DBR type code.
 * @param type DBR type code, 0 to 34.
 * @returns Native type and family.
 * @throws {RangeError} For any other code.
 */
export function splitDbrType(type: number): { native: NativeType; family: Family } {
  if (!Number.isInteger(type) || type < 0 || type > 34) {
    throw new RangeError(`DBR type ${type} is not one of 0 to 34`);
  }
  return { native: NATIVE_TYPES[type % 7]!, family: FAMILIES[Math.floor(type / 7)]! };
}

/** Bytes per element of each native type. */
export const ELEMENT_SIZE: Record<NativeType, number> = {
  string: MAX_STRING_SIZE,
  short: 2,
  float: 4,
  enum: 2,
  char: 1,
  long: 4,
  double: 8,
};

/** Bytes before the first element, by family and native type (the C structs' layout). */
const META_SIZE: Record<Family, Record<NativeType, number>> = {
  plain: { string: 0, short: 0, float: 0, enum: 0, char: 0, long: 0, double: 0 },
  sts: { string: 4, short: 4, float: 4, enum: 4, char: 5, long: 4, double: 8 },
  time: { string: 12, short: 14, float: 12, enum: 14, char: 15, long: 12, double: 16 },
  gr: { string: 4, short: 24, float: 40, enum: 422, char: 19, long: 36, double: 64 },
  ctrl: { string: 4, short: 28, float: 48, enum: 422, char: 21, long: 44, double: 80 },
};

/**
 * Bytes of a DBR payload before padding.
 * @param type DBR type code.
 * @param count Number of elements.
 * @returns Size in bytes.
 */
export function dbrSize(type: number, count: number): number {
  const { native, family } = splitDbrType(type);
  return META_SIZE[family][native] + ELEMENT_SIZE[native] * count;
}

/** Display, alarm, warning and control limits of GR and CTRL types. */
export interface Limits {
  /** Upper display limit. */
  upperDisp: number;
  /** Lower display limit. */
  lowerDisp: number;
  /** Upper alarm limit. */
  upperAlarm: number;
  /** Upper warning limit. */
  upperWarning: number;
  /** Lower warning limit. */
  lowerWarning: number;
  /** Lower alarm limit. */
  lowerAlarm: number;
  /** Upper control limit (CTRL only). */
  upperCtrl: number;
  /** Lower control limit (CTRL only). */
  lowerCtrl: number;
}

/** Elements of a value: numbers for numeric and enum types, strings for DBR_STRING. */
export type Elements = ArrayLike<number> | readonly string[];

/**
 * A decoded DBR payload, or what to encode: the elements and as much metadata as the family
 * carries. Fields a family does not carry are absent after decoding and ignored when encoding.
 */
export interface DbrData {
  /** The elements; one element for a scalar. */
  elements: Elements;
  /** Alarm status (STS and up). */
  status?: number;
  /** Alarm severity, 0 to 3 (STS and up). */
  severity?: number;
  /** POSIX seconds (TIME). */
  timestamp?: number;
  /** Engineering units (GR and CTRL of numeric types). */
  units?: string;
  /** Decimal places (GR and CTRL of float and double). */
  precision?: number;
  /** Limits (GR and CTRL of numeric types). */
  limits?: Partial<Limits>;
  /** Enum state strings (GR and CTRL of enum). */
  enumStrings?: readonly string[];
}

/** Limits in wire order. */
const LIMIT_ORDER = [
  "upperDisp",
  "lowerDisp",
  "upperAlarm",
  "upperWarning",
  "lowerWarning",
  "lowerAlarm",
  "upperCtrl",
  "lowerCtrl",
] as const satisfies readonly (keyof Limits)[];

const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

/**
 * Write `text` into `length` bytes at `offset`, NUL-terminated and truncated to fit.
 * @param bytes Target.
 * @param offset Start.
 * @param length Room, terminator included.
 * @param text The string.
 */
export function writeFixedString(
  bytes: Uint8Array,
  offset: number,
  length: number,
  text: string,
): void {
  const encoded = encoder.encode(text);
  bytes.set(encoded.subarray(0, length - 1), offset);
}

/**
 * Read a NUL-terminated string of at most `length` bytes.
 * @param bytes Source.
 * @param offset Start.
 * @param length Most bytes to read.
 * @returns The string up to its terminator.
 */
export function readFixedString(bytes: Uint8Array, offset: number, length: number): string {
  const end = Math.min(offset + length, bytes.length);
  let stop = offset;
  while (stop < end && bytes[stop] !== 0) stop++;
  return decoder.decode(bytes.subarray(offset, stop));
}

/**
 * A NUL-terminated string padded to a multiple of 8 bytes, as PV names, host names and error
 * messages travel.
 * @param text The string.
 * @returns Its bytes.
 */
export function paddedString(text: string): Uint8Array {
  const encoded = encoder.encode(text);
  const out = new Uint8Array(pad8(encoded.length + 1));
  out.set(encoded);
  return out;
}

/**
 * Round up to a multiple of 8.
 * @param n Bytes.
 * @returns The padded size.
 */
export function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** A message header, in the field names of the protocol specification. */
export interface Header {
  /** Command code. */
  command: number;
  /** Payload bytes, padded. */
  payloadSize: number;
  /** Data type (meaning depends on the command). */
  dataType: number;
  /** Data count (meaning depends on the command). */
  dataCount: number;
  /** Parameter 1. */
  parameter1: number;
  /** Parameter 2. */
  parameter2: number;
}

/** A message: header and payload. */
export interface Message {
  /** The header. */
  header: Header;
  /** The payload, `header.payloadSize` bytes. */
  payload: Uint8Array;
}

/**
 * Encode a message. The payload is padded to a multiple of 8 bytes; a payload of 0xFFFF bytes
 * or more, or a count above 0xFFFF, uses the extended (24-byte) header.
 * @param command Command code.
 * @param fields Data type, count and parameters (default 0).
 * @param payload Payload bytes (default none).
 * @returns The message bytes.
 */
export function encodeMessage(
  command: number,
  fields: { dataType?: number; dataCount?: number; parameter1?: number; parameter2?: number },
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const size = pad8(payload.length);
  const count = fields.dataCount ?? 0;
  const extended = size >= 0xffff || count > 0xffff;
  const headerSize = extended ? 24 : 16;
  const out = new Uint8Array(headerSize + size);
  const view = new DataView(out.buffer);
  view.setUint16(0, command);
  view.setUint16(2, extended ? 0xffff : size);
  view.setUint16(4, fields.dataType ?? 0);
  view.setUint16(6, extended ? 0 : count);
  view.setUint32(8, (fields.parameter1 ?? 0) >>> 0);
  view.setUint32(12, (fields.parameter2 ?? 0) >>> 0);
  if (extended) {
    view.setUint32(16, size);
    view.setUint32(20, count);
  }
  out.set(payload, headerSize);
  return out;
}

/** A message too large to accept, reported by {@linkcode MessageReader}. */
export class MessageTooLargeError extends Error {
  /** Payload bytes announced. */
  readonly size: number;
  /** Largest payload accepted. */
  readonly limit: number;
  /** The header announcing it. */
  readonly header: Header;

  /**
   * Make the error of a message announced too large.
   * @param header Header of the message.
   * @param limit Largest payload accepted.
   */
  constructor(header: Header, limit: number) {
    super(
      `A Channel Access message of ${header.payloadSize} bytes (command ${header.command}) ` +
        `is above the limit of ${limit} bytes`,
    );
    this.name = "MessageTooLargeError";
    this.size = header.payloadSize;
    this.limit = limit;
    this.header = header;
  }
}

/**
 * Splits a byte stream (a TCP circuit, or one UDP datagram) into messages. Bytes are pushed as
 * they arrive; complete messages come out in order.
 *
 * @example Two messages in one chunk
 * ```ts
 * import assert from "node:assert/strict";
 * import { Command, encodeMessage, MessageReader } from "./protocol.ts";
 * const reader = new MessageReader();
 * const a = encodeMessage(Command.ECHO, {});
 * const b = encodeMessage(Command.VERSION, { dataCount: 13 });
 * const messages = reader.push(new Uint8Array([...a, ...b]));
 * assert.deepEqual(messages.map((m) => m.header.command), [Command.ECHO, Command.VERSION]);
 * ```
 */
export class MessageReader {
  /** Largest payload accepted; a larger one throws {@linkcode MessageTooLargeError}. */
  readonly maxPayload: number;
  #buffer = new Uint8Array(0);
  #used = 0;

  /**
   * Make a reader holding no bytes.
   * @param maxPayload Largest payload accepted (default no limit).
   */
  constructor(maxPayload = Number.POSITIVE_INFINITY) {
    this.maxPayload = maxPayload;
  }

  /**
   * Add bytes and take out every complete message.
   * @param chunk Bytes received.
   * @returns The messages completed by them.
   * @throws {MessageTooLargeError} When a header announces a payload above the limit; the
   * reader cannot be used after that.
   */
  push(chunk: Uint8Array): Message[] {
    this.#append(chunk);
    const messages: Message[] = [];
    let offset = 0;
    const bytes = this.#buffer;
    while (this.#used - offset >= 16) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
      let payloadSize = view.getUint16(2);
      let dataCount = view.getUint16(6);
      let headerSize = 16;
      if (payloadSize === 0xffff) {
        if (this.#used - offset < 24) break;
        payloadSize = view.getUint32(16);
        dataCount = view.getUint32(20);
        headerSize = 24;
      }
      const header: Header = {
        command: view.getUint16(0),
        payloadSize,
        dataType: view.getUint16(4),
        dataCount,
        parameter1: view.getUint32(8),
        parameter2: view.getUint32(12),
      };
      if (payloadSize > this.maxPayload) throw new MessageTooLargeError(header, this.maxPayload);
      if (this.#used - offset < headerSize + payloadSize) break;
      const start = offset + headerSize;
      messages.push({ header, payload: bytes.slice(start, start + payloadSize) });
      offset = start + payloadSize;
    }
    if (offset > 0) {
      bytes.copyWithin(0, offset, this.#used);
      this.#used -= offset;
    }
    return messages;
  }

  /** Bytes held that do not yet make a message. */
  get pending(): number {
    return this.#used;
  }

  #append(chunk: Uint8Array): void {
    const needed = this.#used + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2, 4096));
      grown.set(this.#buffer.subarray(0, this.#used));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#used);
    this.#used = needed;
  }
}

/** Clamp and round a number to what an integer native type holds. */
function toInteger(native: NativeType, x: number): number {
  if (!Number.isFinite(x)) return 0;
  const n = Math.round(x);
  switch (native) {
    case "short":
      return Math.max(-32768, Math.min(32767, n));
    case "enum":
      return Math.max(0, Math.min(65535, n));
    case "char":
      return Math.max(0, Math.min(255, n)) /* unsigned, as dbr_char_t */;
    case "long":
      return Math.max(-2147483648, Math.min(2147483647, n));
    default:
      return n;
  }
}

function setNumber(view: DataView, offset: number, native: NativeType, x: number): void {
  switch (native) {
    case "short":
      view.setInt16(offset, toInteger(native, x));
      break;
    case "enum":
      view.setUint16(offset, toInteger(native, x));
      break;
    case "char":
      view.setUint8(offset, toInteger(native, x));
      break;
    case "long":
      view.setInt32(offset, toInteger(native, x));
      break;
    case "float":
      view.setFloat32(offset, x);
      break;
    case "double":
      view.setFloat64(offset, x);
      break;
    case "string":
      throw new TypeError("A string is not a number");
  }
}

function getNumber(view: DataView, offset: number, native: NativeType): number {
  switch (native) {
    case "short":
      return view.getInt16(offset);
    case "enum":
      return view.getUint16(offset);
    case "char":
      return view.getUint8(offset);
    case "long":
      return view.getInt32(offset);
    case "float":
      return view.getFloat32(offset);
    case "double":
      return view.getFloat64(offset);
    case "string":
      throw new TypeError("A string is not a number");
  }
}

/**
 * Encode a DBR payload of `count` elements, padded to a multiple of 8 bytes. Numeric elements
 * are rounded and clamped to integer types; missing elements are zero.
 *
 * @example A DBR_TIME_DOUBLE and back
 * ```ts
 * import assert from "node:assert/strict";
 * import { dbrType, decodeDbr, encodeDbr } from "./protocol.ts";
 * const type = dbrType("double", "time");
 * const bytes = encodeDbr(type, 1, { elements: [0.5], timestamp: 1660343260.5, severity: 0 });
 * const back = decodeDbr(type, 1, bytes);
 * assert.deepEqual([...back.elements as Float64Array], [0.5]);
 * assert.equal(back.timestamp, 1660343260.5);
 * ```
 *
 * @param type DBR type code.
 * @param count Number of elements.
 * @param data Elements and metadata.
 * @returns The payload.
 * @throws {TypeError} When the elements do not suit the type (strings for a number).
 */
export function encodeDbr(type: number, count: number, data: DbrData): Uint8Array {
  const { native, family } = splitDbrType(type);
  const bytes = new Uint8Array(pad8(dbrSize(type, count)));
  const view = new DataView(bytes.buffer);
  if (family !== "plain") {
    view.setInt16(0, data.status ?? 0);
    view.setInt16(2, data.severity ?? 0);
  }
  if (family === "time") {
    const t = data.timestamp ?? 0;
    let seconds = Math.floor(t) - EPICS_EPOCH_OFFSET;
    let nanoseconds = Math.round((t - Math.floor(t)) * 1e9);
    if (nanoseconds >= 1e9) {
      seconds += 1;
      nanoseconds -= 1e9;
    }
    view.setUint32(4, Math.max(0, seconds));
    view.setUint32(8, nanoseconds);
  }
  if ((family === "gr" || family === "ctrl") && native !== "string") {
    if (native === "enum") {
      const strings = data.enumStrings ?? [];
      const n = Math.min(strings.length, MAX_ENUM_STATES);
      view.setInt16(4, n);
      for (let i = 0; i < n; i++) {
        writeFixedString(bytes, 6 + i * MAX_ENUM_STRING_SIZE, MAX_ENUM_STRING_SIZE, strings[i]!);
      }
    } else {
      let offset = 4;
      if (native === "float" || native === "double") {
        view.setInt16(4, data.precision ?? 0);
        offset = 8;
      }
      writeFixedString(bytes, offset, MAX_UNITS_SIZE, data.units ?? "");
      offset += MAX_UNITS_SIZE;
      const nLimits = family === "ctrl" ? 8 : 6;
      const size = ELEMENT_SIZE[native];
      for (let i = 0; i < nLimits; i++) {
        setNumber(view, offset + i * size, native, data.limits?.[LIMIT_ORDER[i]!] ?? 0);
      }
    }
  }
  const start = META_SIZE[family][native];
  const elements = data.elements;
  const n = Math.min(count, elements.length);
  if (native === "string") {
    for (let i = 0; i < n; i++) {
      const element = elements[i];
      if (typeof element !== "string") {
        throw new TypeError(`Cannot encode "${String(element)}" as a DBR_STRING element`);
      }
      writeFixedString(bytes, start + i * MAX_STRING_SIZE, MAX_STRING_SIZE, element);
    }
  } else if (native === "double" && elements instanceof Float64Array) {
    // The fast path of large waveforms: swap bytes through a typed array.
    for (let i = 0; i < n; i++) view.setFloat64(start + i * 8, elements[i]!);
  } else {
    const size = ELEMENT_SIZE[native];
    for (let i = 0; i < n; i++) {
      const element = elements[i];
      if (typeof element !== "number") {
        throw new TypeError(
          `Cannot encode "${String(element)}" as a DBR_${native.toUpperCase()} element`,
        );
      }
      setNumber(view, start + i * size, native, element);
    }
  }
  return bytes;
}

/**
 * Decode a DBR payload. Numeric elements come back as a typed array of the native type
 * (`Float64Array` for double, `Int32Array` for long, and so on); strings as an array.
 * A payload shorter than `count` elements is read for as many as it holds.
 *
 * @example The control metadata of a motor's readback
 * ```ts
 * import assert from "node:assert/strict";
 * import { dbrType, decodeDbr, encodeDbr } from "./protocol.ts";
 * const type = dbrType("double", "ctrl");
 * const limits = { lowerCtrl: -32000, upperCtrl: 32000 };
 * const bytes = encodeDbr(type, 1, { elements: [0.25], units: "degrees", precision: 5, limits });
 * const data = decodeDbr(type, 1, bytes);
 * assert.equal(data.units, "degrees");
 * assert.equal(data.precision, 5);
 * assert.equal(data.limits?.lowerCtrl, -32000);
 * assert.equal(data.elements[0], 0.25);
 * ```
 *
 * @param type DBR type code.
 * @param count Number of elements announced by the header.
 * @param payload Payload bytes.
 * @returns Elements and metadata.
 * @throws {RangeError} When the payload is shorter than the type's metadata.
 */
export function decodeDbr(type: number, count: number, payload: Uint8Array): DbrData {
  const { native, family } = splitDbrType(type);
  const start = META_SIZE[family][native];
  if (payload.length < start) {
    throw new RangeError(
      `A DBR payload of type ${type} needs at least ${start} bytes, got ${payload.length}`,
    );
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const data: DbrData = { elements: [] };
  if (family !== "plain") {
    data.status = view.getInt16(0);
    data.severity = view.getInt16(2);
  }
  if (family === "time") {
    const seconds = view.getUint32(4);
    const nanoseconds = view.getUint32(8);
    data.timestamp = seconds + EPICS_EPOCH_OFFSET + nanoseconds / 1e9;
  }
  if ((family === "gr" || family === "ctrl") && native !== "string") {
    if (native === "enum") {
      const n = Math.max(0, Math.min(view.getInt16(4), MAX_ENUM_STATES));
      const strings: string[] = [];
      for (let i = 0; i < n; i++) {
        strings.push(readFixedString(payload, 6 + i * MAX_ENUM_STRING_SIZE, MAX_ENUM_STRING_SIZE));
      }
      data.enumStrings = strings;
    } else {
      let offset = 4;
      if (native === "float" || native === "double") {
        data.precision = view.getInt16(4);
        offset = 8;
      }
      data.units = readFixedString(payload, offset, MAX_UNITS_SIZE);
      offset += MAX_UNITS_SIZE;
      const nLimits = family === "ctrl" ? 8 : 6;
      const size = ELEMENT_SIZE[native];
      const limits: Partial<Limits> = {};
      for (let i = 0; i < nLimits; i++) {
        limits[LIMIT_ORDER[i]!] = getNumber(view, offset + i * size, native);
      }
      data.limits = limits;
    }
  }
  const size = ELEMENT_SIZE[native];
  const n = Math.max(0, Math.min(count, Math.floor((payload.length - start) / size)));
  if (native === "string") {
    const strings: string[] = [];
    for (let i = 0; i < n; i++) {
      strings.push(readFixedString(payload, start + i * MAX_STRING_SIZE, MAX_STRING_SIZE));
    }
    // A single string may arrive shorter than 40 bytes.
    if (n === 0 && count >= 1 && payload.length > start) {
      strings.push(readFixedString(payload, start, payload.length - start));
    }
    data.elements = strings;
    return data;
  }
  const elements = newTypedArray(native, n);
  for (let i = 0; i < n; i++) elements[i] = getNumber(view, start + i * size, native);
  data.elements = elements;
  return data;
}

/** A typed array of a numeric native type. */
export type NumericArray =
  | Int16Array
  | Float32Array
  | Uint16Array
  | Uint8Array
  | Int32Array
  | Float64Array;

/**
 * An empty typed array suited to a numeric native type.
 * @param native Native type other than string.
 * @param n Length.
 * @returns The array.
 */
export function newTypedArray(native: NativeType, n: number): NumericArray {
  switch (native) {
    case "short":
      return new Int16Array(n);
    case "float":
      return new Float32Array(n);
    case "enum":
      return new Uint16Array(n);
    case "char":
      return new Uint8Array(n);
    case "long":
      return new Int32Array(n);
    case "double":
      return new Float64Array(n);
    case "string":
      throw new TypeError("Strings have no typed array");
  }
}

/** Severity bits of a status code. */
const SEVERITY = { WARNING: 0, SUCCESS: 1, ERROR: 2, INFO: 3, SEVERE: 4, FATAL: 6 } as const;

function eca(message: number, severity: number): number {
  return (message << 3) | severity;
}

/** Status codes (`ECA_*`) used by this implementation. */
export const ECA = {
  NORMAL: eca(0, SEVERITY.SUCCESS),
  ALLOCMEM: eca(6, SEVERITY.WARNING),
  TOLARGE: eca(9, SEVERITY.WARNING),
  TIMEOUT: eca(10, SEVERITY.WARNING),
  BADTYPE: eca(14, SEVERITY.ERROR),
  INTERNAL: eca(17, SEVERITY.FATAL),
  GETFAIL: eca(19, SEVERITY.WARNING),
  PUTFAIL: eca(20, SEVERITY.WARNING),
  ADDFAIL: eca(21, SEVERITY.WARNING),
  BADCOUNT: eca(22, SEVERITY.WARNING),
  BADSTR: eca(23, SEVERITY.ERROR),
  DISCONN: eca(24, SEVERITY.WARNING),
  BADMONID: eca(30, SEVERITY.ERROR),
  BADMASK: eca(41, SEVERITY.ERROR),
  NORDACCESS: eca(46, SEVERITY.WARNING),
  NOWTACCESS: eca(47, SEVERITY.WARNING),
  NOCONVERT: eca(50, SEVERITY.WARNING),
  BADCHID: eca(51, SEVERITY.ERROR),
  UNAVAILINSERV: eca(54, SEVERITY.WARNING),
} as const;

const ECA_TEXT: Record<number, string> = {
  [ECA.NORMAL]: "Normal successful completion",
  [ECA.ALLOCMEM]: "Unable to allocate additional dynamic memory",
  [ECA.TOLARGE]: "The requested data transfer is greater than available memory or " +
    "EPICS_CA_MAX_ARRAY_BYTES",
  [ECA.TIMEOUT]: "User specified timeout on IO operation expired",
  [ECA.BADTYPE]: "The data type specifed is invalid",
  [ECA.INTERNAL]: "Channel Access Internal Failure",
  [ECA.GETFAIL]: "Could not perform a database value get for that channel",
  [ECA.PUTFAIL]: "Could not perform a database value put for that channel",
  [ECA.ADDFAIL]: "Channel subscription request failed",
  [ECA.BADCOUNT]: "Invalid element count requested",
  [ECA.BADSTR]: "Invalid string",
  [ECA.DISCONN]: "Virtual circuit disconnect",
  [ECA.BADMONID]: "Invalid event id",
  [ECA.BADMASK]: "Invalid event selection mask",
  [ECA.NORDACCESS]: "Read access denied",
  [ECA.NOWTACCESS]: "Write access denied",
  [ECA.NOCONVERT]: "No reasonable data conversion between client and server types",
  [ECA.BADCHID]: "Invalid channel identifier",
  [ECA.UNAVAILINSERV]: "Not supported by attached service",
};

/**
 * The text of a status code, as libca's `ca_message()`.
 * @param code An `ECA_*` code.
 * @returns Its message, or `"status <code>"` when unknown.
 */
export function ecaMessage(code: number): string {
  return ECA_TEXT[code] ?? `status ${code}`;
}

/**
 * Whether a status code means success (its severity bit 0 is set).
 * @param code An `ECA_*` code.
 * @returns `true` for success and information codes.
 */
export function ecaSuccess(code: number): boolean {
  return (code & 1) === 1;
}

/**
 * IPv4 address as a 32-bit number.
 * @param address Dotted quad.
 * @returns The number.
 */
export function ipv4ToNumber(address: string): number {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255 && Number.isInteger(p)))) {
    throw new TypeError(`"${address}" is not an IPv4 address`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/**
 * A 32-bit number as an IPv4 address.
 * @param n The number.
 * @returns Dotted quad.
 */
export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}
