/**
 * Numbers and arrays that suitcase-msgpack wrote through `msgpack_numpy`: each numpy value is a
 * map with binary keys, `{nd, type, kind, shape, data}`, holding the raw bytes. They are turned
 * back into plain numbers, booleans, strings and nested arrays, as event-model's JSON encoder
 * would have written them.
 *
 * @module
 */

type Read = (view: DataView, at: number) => unknown;

/**
 * The symbol under which a restored array keeps its numpy type (`"<u2"`), for the NeXus
 * writer; symbols stay out of `JSON.stringify` and of every key listing.
 */
export const NUMPY_TYPE: unique symbol = Symbol.for("nxdaq.numpy_type") as never;

/** A 64-bit integer as a number when a number holds it exactly, else as a bigint. */
export function exact(value: bigint): number | bigint {
  return value >= -Number.MAX_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER
    ? Number(value)
    : value;
}

function reader(kind: string, size: number, little: boolean): Read | undefined {
  switch (`${kind}${size}`) {
    case "b1":
      return (view, at) => view.getUint8(at) !== 0;
    case "i1":
      return (view, at) => view.getInt8(at);
    case "i2":
      return (view, at) => view.getInt16(at, little);
    case "i4":
      return (view, at) => view.getInt32(at, little);
    case "i8":
      return (view, at) => exact(view.getBigInt64(at, little));
    case "u1":
      return (view, at) => view.getUint8(at);
    case "u2":
      return (view, at) => view.getUint16(at, little);
    case "u4":
      return (view, at) => view.getUint32(at, little);
    case "u8":
      return (view, at) => exact(view.getBigUint64(at, little));
    case "f4":
      return (view, at) => view.getFloat32(at, little);
    case "f8":
      return (view, at) => view.getFloat64(at, little);
  }
  if (kind !== "U") return undefined;
  // Fixed-width UTF-32, padded with NULs.
  return (view, at) => {
    let text = "";
    for (let k = 0; k < size; k++) {
      const code = view.getUint32(at + 4 * k, little);
      if (code === 0) break;
      text += String.fromCodePoint(code);
    }
    return text;
  };
}

function isNumpy(record: Record<string, unknown>): boolean {
  return typeof record.nd === "boolean" && record.data instanceof Uint8Array &&
    record.type !== undefined;
}

function toValue(record: Record<string, unknown>): unknown {
  const type = record.type;
  const match = typeof type === "string" ? /^([<>|=])([biufU])(\d+)$/.exec(type) : null;
  const read = match && reader(match[2] as string, Number(match[3]), match[1] !== ">");
  if (!match || !read) throw new Error(`Unsupported numpy dtype ${JSON.stringify(type)}`);
  const itemSize = (match[2] === "U" ? 4 : 1) * Number(match[3]);
  const data = record.data as Uint8Array;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const shape = record.nd ? record.shape : [];
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new Error(`Invalid numpy shape ${JSON.stringify(shape)}`);
  }
  const count = shape.reduce((product: number, n: number) => product * n, 1);
  if (data.byteLength !== count * itemSize) {
    throw new Error(
      `A numpy ${type} array of shape [${shape.join(", ")}] needs ${count * itemSize} bytes, ` +
        `not ${data.byteLength}`,
    );
  }
  let at = 0;
  const build = (dim: number): unknown => {
    if (dim === shape.length) {
      const value = read(view, at);
      at += itemSize;
      return value;
    }
    const rows: unknown[] = new Array(shape[dim] as number);
    for (let k = 0; k < rows.length; k++) rows[k] = build(dim + 1);
    return rows;
  };
  const value = build(0);
  if (Array.isArray(value)) Object.defineProperty(value, NUMPY_TYPE, { value: type });
  return value;
}

/**
 * Replace, in place, every msgpack-numpy value inside a decoded document by plain values.
 *
 * @param value The decoded value.
 * @returns The value, or its replacement when it is itself a numpy value.
 * @throws {Error} For a numpy dtype that has no JSON form (complex, bytes, structured,
 * object).
 */
export function restoreNumpy(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) value[k] = restoreNumpy(value[k]);
  } else if (typeof value === "object" && value !== null && !ArrayBuffer.isView(value)) {
    const record = value as Record<string, unknown>;
    if (isNumpy(record)) return toValue(record);
    for (const key in record) record[key] = restoreNumpy(record[key]);
  }
  return value;
}
