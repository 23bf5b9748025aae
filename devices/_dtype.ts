/**
 * The `dtype`, `shape` and `dtype_numpy` of a signal's value, inferred as ophyd does.
 *
 * @module
 */

import type { Dtype } from "../core/documents/types.ts";
import { isList } from "./_is_list.ts";

const TYPED_NUMPY: Record<string, string> = {
  Float64Array: "<f8",
  Float32Array: "<f4",
  Int8Array: "|i1",
  Uint8Array: "|u1",
  Uint8ClampedArray: "|u1",
  Int16Array: "<i2",
  Uint16Array: "<u2",
  Int32Array: "<i4",
  Uint32Array: "<u4",
  BigInt64Array: "<i8",
  BigUint64Array: "<u8",
};

/** `dtype`, `shape` and `dtype_numpy` of a value, as ophyd infers them. */
export function dtypeOf(
  value: unknown,
  numeric: "number" | "integer" | undefined,
): { dtype: Dtype; shape: (number | null)[]; dtype_numpy: string } {
  if (isList(value)) {
    const typed = TYPED_NUMPY[value.constructor.name];
    return {
      dtype: "array",
      shape: shapeOf(value),
      dtype_numpy: typed ?? listNumpy(value, numeric),
    };
  }
  return { ...scalarDtype(value, numeric), shape: [] };
}

function scalarDtype(value: unknown, numeric: "number" | "integer" | undefined) {
  switch (typeof value) {
    case "number":
      return numeric === "integer"
        ? { dtype: "integer" as const, dtype_numpy: "<i8" }
        : { dtype: "number" as const, dtype_numpy: "<f8" };
    case "bigint":
      return { dtype: "integer" as const, dtype_numpy: "<i8" };
    case "boolean":
      return { dtype: "boolean" as const, dtype_numpy: "|b1" };
    case "string":
      return { dtype: "string" as const, dtype_numpy: "<U0" };
    default:
      throw new TypeError(
        `Cannot describe "${String(value)}": not a number, string, boolean or array`,
      );
  }
}

/** numpy's dtype of a nested list: from its first element, strings as wide as the widest. */
function listNumpy(list: ArrayLike<unknown>, numeric: "number" | "integer" | undefined): string {
  const leaves: unknown[] = [];
  const walk = (item: unknown) => isList(item) ? Array.from(item).forEach(walk) : leaves.push(item);
  walk(list);
  if (leaves.length === 0) return "<f8";
  if (typeof leaves[0] === "string") {
    return `<U${Math.max(...leaves.map((leaf) => String(leaf).length))}`;
  }
  return scalarDtype(leaves[0], numeric).dtype_numpy;
}

/** Shape of a nested list; a dimension whose length varies is `null`. */
function shapeOf(list: ArrayLike<unknown>): (number | null)[] {
  const inner = Array.from(list, (item) => isList(item) ? shapeOf(item) : []);
  const first = inner[0] ?? [];
  const rest = first.map((n, i) =>
    inner.every((shape) => shape.length === first.length && shape[i] === n) ? n : null
  );
  return [list.length, ...rest];
}
