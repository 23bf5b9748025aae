/**
 * YAML text for structured metadata in NeXus files, laid out as PyYAML's `yaml.dump` lays it
 * out by default, so that a file written here reads like one written by apstools.
 *
 * @module
 */

import { Scalar, type ScalarTag, stringify, type Tags } from "yaml";

/** Width beyond which PyYAML breaks long scalars (its `best_width`). */
const BEST_WIDTH = 80;

const STRING_TAG = "tag:yaml.org,2002:str";
const FLOAT_TAG = "tag:yaml.org,2002:float";
const MERGE_TAG = "tag:yaml.org,2002:merge";

/**
 * What PyYAML reads as something other than a string, by tag: text matching one of these is
 * quoted. They differ from the yaml package's YAML 1.1 tests (PyYAML's booleans have no `y`
 * and `n`, its floats need a point, `=` is a value), and PyYAML's reading is the one to match.
 */
const PYYAML_IMPLICIT: Record<string, RegExp> = {
  "tag:yaml.org,2002:bool":
    /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  "tag:yaml.org,2002:float": new RegExp(
    "^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?" +
      "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$",
  ),
  "tag:yaml.org,2002:int": new RegExp(
    "^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+" +
      "|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
  ),
  "tag:yaml.org,2002:null": /^(?:~|null|Null|NULL|)$/,
  "tag:yaml.org,2002:timestamp": new RegExp(
    "^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \\t]+)" +
      "[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$",
  ),
};

/** PyYAML's `=` (YAML 1.1's value key), which the yaml package does not know. */
const VALUE_TAG: ScalarTag = {
  tag: "tag:yaml.org,2002:value",
  default: true,
  test: /^=$/,
  identify: () => false,
  resolve: (text) => text,
};

/** Characters PyYAML (with `allow_unicode`) writes as they are in a plain or quoted scalar. */
const PRINTABLE =
  /^[\n\x20-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD\u{10000}-\u{10FFFE}]*$/u;

/** Characters PyYAML writes as they are inside double quotes. */
const PRINTABLE_IN_DOUBLE =
  /^[\x20-\x21\x23-\x5B\x5D-\x7E\xA0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]$/;

const ESCAPES: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\b": "b",
  "\t": "t",
  "\n": "n",
  "\v": "v",
  "\f": "f",
  "\r": "r",
  "\x1B": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\u2028": "L",
  "\u2029": "P",
};

/** What the yaml package hands to a scalar tag's `stringify`, as far as this file reads it. */
interface StringifyContext {
  indent: string;
  indentStep: string;
  indentAtStart?: number;
  implicitKey?: boolean;
  inFlow?: boolean | null;
}

/**
 * Break `text` at single spaces the way PyYAML's emitter does: it writes a word, and breaks
 * at the next single space only once the line already runs past the width. Lines may thus be
 * longer than the width, and runs of spaces are never broken.
 */
function foldLikePyYaml(text: string, column: number, indent: string): string {
  const tokens = text.match(/ +|[^ ]+/g) ?? [];
  let out = "";
  let col = column;
  tokens.forEach((token, i) => {
    const inner = i > 0 && i < tokens.length - 1;
    if (token === " " && inner && col > BEST_WIDTH) {
      out += `\n${indent}`;
      col = indent.length;
    } else {
      out += token;
      col += [...token].length;
    }
  });
  return out;
}

function escape(ch: string): string {
  const named = ESCAPES[ch];
  if (named) return `\\${named}`;
  const code = ch.codePointAt(0)!;
  const hex = code.toString(16).toUpperCase();
  if (code <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  return code <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\U${hex.padStart(8, "0")}`;
}

/**
 * `text` in double quotes as PyYAML writes it: escapes for what it does not print, and long
 * lines broken with a `\` at the end and, when the next line starts with a space, a `\`
 * before it. `split` is false where no break is allowed (keys).
 */
function doubleQuoted(text: string, column: number, indent: string, split: boolean): string {
  const chars = [...text];
  let out = '"';
  let col = column + 1;
  const write = (data: string) => {
    out += data;
    col += [...data].length;
  };
  let start = 0;
  for (let end = 0; end <= chars.length; end++) {
    const ch = chars[end];
    if (ch === undefined || !PRINTABLE_IN_DOUBLE.test(ch)) {
      if (start < end) write(chars.slice(start, end).join(""));
      start = end;
      if (ch !== undefined) {
        write(escape(ch));
        start = end + 1;
      }
    }
    const inner = end > 0 && end < chars.length - 1;
    if (split && inner && (ch === " " || start >= end) && col + (end - start) > BEST_WIDTH) {
      write(`${chars.slice(start, end).join("")}\\`);
      start = Math.max(start, end);
      out += `\n${indent}`;
      col = indent.length;
      if (chars[start] === " ") write("\\");
    }
  }
  return `${out}"`;
}

/**
 * A fractional number as PyYAML writes a Python float: the shortest digits that read back as
 * the same number (JavaScript and Python agree on those), in exponent form below 1e-4, with a
 * `.0` in a mantissa without a point (`1.0e-05`).
 */
function pythonFloat(value: number): string {
  const [mantissa, exponent] = value.toExponential().split("e") as [string, string];
  const e = Number(exponent);
  if (e >= -4) return String(value);
  const digits = mantissa.includes(".") ? mantissa : `${mantissa}.0`;
  return `${digits}e-${String(-e).padStart(2, "0")}`;
}

/** The yaml package's string tag, choosing quotes and breaking lines as PyYAML does. */
function pyYamlStrings(original: ScalarTag): ScalarTag {
  const stringifyString = original.stringify!;
  return {
    ...original,
    stringify(item, ctx, onComment, onChompKeep) {
      const text = String(item.value);
      const c = ctx as unknown as StringifyContext;
      // Keys, flow collections and the document's own scalar are never broken.
      const split = !c.implicitKey && !c.inFlow && c.indent !== "";
      const column = c.indentAtStart === undefined
        ? c.indent.length
        : c.indent.length - c.indentStep.length + c.indentAtStart;
      if (!PRINTABLE.test(text)) return doubleQuoted(text, column, c.indent, split);
      let out = stringifyString(item, ctx, onComment, onChompKeep);
      if (out.startsWith('"')) {
        // PyYAML single-quotes whatever needs quotes and can be single-quoted; the yaml
        // package prefers double quotes for text that holds a single quote.
        if (/[ \t]\n|\n[ \t]/.test(text) || (c.implicitKey && text.includes("\n"))) {
          return doubleQuoted(text, column, c.indent, split);
        }
        const scalar = new Scalar(text);
        scalar.type = Scalar.QUOTE_SINGLE;
        out = stringifyString(scalar, ctx, onComment, onChompKeep);
      }
      if (!split) return out;
      if (out === text) return foldLikePyYaml(out, column, c.indent);
      // Single quotes: each line is broken on its own; lines after a line break start at the
      // indentation, and no space touches a line break (such text gets double quotes).
      const lines = out.slice(1, -1).split("\n").map((line, i) => {
        if (line === "") return line;
        const body = i === 0 ? line : line.slice(c.indent.length);
        const start = i === 0 ? column + 1 : c.indent.length;
        return `${i === 0 ? "" : c.indent}${foldLikePyYaml(body, start, c.indent)}`;
      });
      return `'${lines.join("\n")}'`;
    },
  };
}

/**
 * The yaml package's YAML 1.1 tags, made to agree with PyYAML: strings are quoted and broken
 * as PyYAML quotes and breaks them, where PyYAML would read them as something else, and
 * fractional numbers are written as Python writes floats.
 */
function pyYamlTags(tags: Tags): Tags {
  const adapted = tags.map((tag) => {
    if (typeof tag !== "object" || !("identify" in tag)) return tag;
    const scalar = tag as ScalarTag;
    if (scalar.tag === STRING_TAG) return pyYamlStrings(scalar);
    // The text "<<" is a string here, never the merge key it stands for in YAML 1.1.
    if (scalar.tag === MERGE_TAG) return { ...scalar, identify: () => false };
    const test = PYYAML_IMPLICIT[scalar.tag];
    const resolved: ScalarTag = test && scalar.test ? { ...scalar, test } : scalar;
    if (scalar.tag !== FLOAT_TAG) return resolved;
    const float: ScalarTag = {
      ...resolved,
      stringify(item, ctx, onComment, onChompKeep) {
        const value = item.value;
        return typeof value === "number" && Number.isFinite(value) && !Number.isInteger(value)
          ? pythonFloat(value)
          : scalar.stringify!(item, ctx, onComment, onChompKeep);
      },
    };
    return float;
  });
  return [...adapted, VALUE_TAG];
}

/**
 * Structured metadata as YAML text, laid out as PyYAML's `yaml.dump` lays it out: keys
 * sorted, sequences inside mappings not indented, long scalars broken past column 80 where
 * PyYAML breaks them, single quotes where quotes are needed (double quotes, with escapes, for
 * tabs and control characters), text PyYAML would read as something else (`yes`, `1.0`,
 * `2022-08-12`, `=`) quoted, and fractional numbers as Python writes floats (`1.0e-05`).
 *
 * The output equals `yaml.dump(value, allow_unicode=True)` for JSON-like values, with two
 * exceptions: the line separators U+0085, U+2028 and U+2029 are escaped in double quotes,
 * and a whole number is an integer (JSON cannot tell `1.0` from `1`). Non-ASCII text is
 * written as it is, where `yaml.dump`'s default escapes it. Python-only tags such as
 * `!!python/tuple` never appear: documents carry JSON, which has lists only.
 *
 * @example Start metadata as apstools writes it
 * ```ts
 * import assert from "node:assert/strict";
 * import { toYaml } from "./yaml.ts";
 * assert.equal(toYaml(["sensor"]), "- sensor\n");
 * assert.equal(toYaml({ ophyd: "1.6.4", bluesky: "1.8.3" }), "bluesky: 1.8.3\nophyd: 1.6.4\n");
 * assert.equal(
 *   toYaml({ dimensions: [[["motor"], "primary"]] }),
 *   "dimensions:\n- - - motor\n  - primary\n",
 * );
 * assert.equal(toYaml({ answer: "yes", empty: "" }), "answer: 'yes'\nempty: ''\n");
 * ```
 *
 * @example A long line breaks at the first space past column 80, as PyYAML breaks it
 * ```ts
 * import assert from "node:assert/strict";
 * import { toYaml } from "./yaml.ts";
 * const words = Array.from({ length: 20 }, (_, i) => `word${i}`).join(" ");
 * const text = toYaml({ note: words });
 * assert.equal(
 *   text,
 *   "note: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12\n" +
 *     "  word13 word14 word15 word16 word17 word18 word19\n",
 * );
 * ```
 *
 * @param value A JSON-like value: objects, arrays, strings, numbers, booleans, null.
 * @returns The YAML text, ending with a newline.
 */
export function toYaml(value: unknown): string {
  return stringify(value, {
    version: "1.1",
    customTags: pyYamlTags,
    sortMapEntries: true,
    indentSeq: false,
    singleQuote: true,
    blockQuote: false,
    lineWidth: 0,
  });
}
