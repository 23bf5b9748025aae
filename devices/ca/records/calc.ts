/**
 * EPICS calc expressions, as the calc and swait records evaluate them: compiled once into a
 * tree of closures, then evaluated over the inputs `A`-`L` (and `VAL`) as often as a record
 * processes.
 *
 * The grammar and precedence are those of EPICS base's `postfix()`: from loosest to tightest
 * `?:`, then `|| | OR XOR`, then `&& & AND << >> >>>`, then the comparisons
 * `< <= > >= = == != #`, then `+ - >? <?`, then `* / %`, then `^ **` (left-associative, as in
 * EPICS), then the unary `- + ! ~ NOT`, which bind tighter than `^`, so `-2^2` is 4 there as
 * here. Names are case-insensitive. Statements separated by `;` may assign inputs (`A:=A+1`);
 * exactly one of them gives the value.
 *
 * @module
 */

/** An input of an expression: `A` to `L`. */
export type CalcVariable = "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "I" | "J" | "K" | "L";

/** The inputs, in order: index 0 is `A`, 11 is `L`. */
export const CALC_VARIABLES: readonly CalcVariable[] = [
  ..."ABCDEFGHIJKL",
] as CalcVariable[];

/**
 * Values of the inputs: by letter, or as an array indexed from `A` (index 12, if present, is
 * `VAL`). An array is updated in place by the expression's assignments.
 */
export type CalcInputs = Readonly<Partial<Record<CalcVariable, number>>> | number[] | Float64Array;

/** Options of {@linkcode compileCalc}. */
export interface CompileCalcOptions {
  /** Source of `RNDM`: uniform in `[0, 1)` (default `Math.random`). */
  random?: () => number;
}

/** A compiled expression. */
export interface CalcExpression {
  /** The text it was compiled from. */
  readonly expression: string;
  /** The inputs it reads before assigning them, in order `A` to `L`. */
  readonly inputs: readonly CalcVariable[];
  /** The inputs it assigns with `:=`. */
  readonly stores: readonly CalcVariable[];
  /**
   * Evaluate the expression.
   * @param inputs Values of `A`-`L`; missing ones are 0.
   * @param val The value of `VAL` (the record's previous result; default 0).
   * @returns The result; arithmetic that fails gives NaN or an infinity, never an error.
   */
  evaluate(inputs?: CalcInputs, val?: number): number;
}

/**
 * An expression that does not compile. The message quotes the expression and gives the
 * position (1 is the first character) of the trouble.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CalcError, compileCalc } from "./calc.ts";
 * assert.throws(() => compileCalc("A+*B"), (error) => {
 *   assert.ok(error instanceof CalcError);
 *   assert.equal(error.position, 3);
 *   assert.equal(error.message, 'Invalid calc expression "A+*B": operand expected at position 3, found "*"');
 *   return true;
 * });
 * ```
 */
export class CalcError extends SyntaxError {
  /** `"CalcError"`. */
  override name = "CalcError";
  /** The expression. */
  readonly expression: string;
  /** Position of the trouble, 1 for the first character. */
  readonly position: number;
  /** What is wrong, without the expression and position. */
  readonly reason: string;

  /**
   * Describe what is wrong with an expression, and where.
   * @param expression The expression.
   * @param position Position of the trouble, from 1.
   * @param reason What is wrong there.
   * @param found What was found there, quoted, when it helps.
   */
  constructor(expression: string, position: number, reason: string, found?: string) {
    super(
      `Invalid calc expression "${expression}": ${reason} at position ${position}` +
        (found === undefined ? "" : `, found ${found}`),
    );
    this.expression = expression;
    this.position = position;
    this.reason = reason;
  }
}

type Node = (v: Float64Array) => number;

type TokenKind = "number" | "name" | "op" | "end";

interface Token {
  kind: TokenKind;
  text: string;
  value: number;
  /** Index of the first character, from 0. */
  at: number;
}

// Longest first, so that a prefix never shadows a longer operator.
const SYMBOLS = ">>> ** || && == != <= >= << >> >? <? := + - * / % ^ < > = # ! ~ & | ? : ( ) , ;"
  .split(" ");

const WORD_OPERATORS = new Set(["AND", "OR", "XOR", "NOT"]);

const NUMBER = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expression.length) {
    const c = expression[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = expression.slice(i);
    const number = NUMBER.exec(rest);
    if (number) {
      const text = number[0];
      tokens.push({ kind: "number", text, value: Number(text), at: i });
      i += text.length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      const text = name[0].toUpperCase();
      const kind = WORD_OPERATORS.has(text) ? "op" : "name";
      tokens.push({ kind, text, value: 0, at: i });
      i += text.length;
      continue;
    }
    const symbol = SYMBOLS.find((s) => rest.startsWith(s));
    if (symbol === undefined) throw new CalcError(expression, i + 1, `unknown character "${c}"`);
    tokens.push({ kind: "op", text: symbol, value: 0, at: i });
    i += symbol.length;
  }
  tokens.push({ kind: "end", text: "", value: 0, at: expression.length });
  return tokens;
}

const truth = (x: number): boolean => x !== 0; // NaN is true, as in C

/**
 * Doubles to 32-bit integers for the bitwise operators. EPICS converts positive doubles through
 * an unsigned integer so that bit 31 survives; ToInt32's wrap-around gives the same bits.
 */
const toInt = (x: number): number => x | 0;

const BINARY: Record<string, { level: number; apply: (a: number, b: number) => number }> = {
  "||": { level: 1, apply: (a, b) => (truth(a) || truth(b) ? 1 : 0) },
  "|": { level: 1, apply: (a, b) => toInt(a) | toInt(b) },
  "OR": { level: 1, apply: (a, b) => toInt(a) | toInt(b) },
  "XOR": { level: 1, apply: (a, b) => toInt(a) ^ toInt(b) },
  "&&": { level: 2, apply: (a, b) => (truth(a) && truth(b) ? 1 : 0) },
  "&": { level: 2, apply: (a, b) => toInt(a) & toInt(b) },
  "AND": { level: 2, apply: (a, b) => toInt(a) & toInt(b) },
  "<<": { level: 2, apply: (a, b) => toInt(a) << (toInt(b) & 31) },
  ">>": { level: 2, apply: (a, b) => toInt(a) >> (toInt(b) & 31) },
  ">>>": { level: 2, apply: (a, b) => toInt(a) >>> (toInt(b) & 31) },
  "<": { level: 3, apply: (a, b) => (a < b ? 1 : 0) },
  "<=": { level: 3, apply: (a, b) => (a <= b ? 1 : 0) },
  ">": { level: 3, apply: (a, b) => (a > b ? 1 : 0) },
  ">=": { level: 3, apply: (a, b) => (a >= b ? 1 : 0) },
  "=": { level: 3, apply: (a, b) => (a === b ? 1 : 0) },
  "==": { level: 3, apply: (a, b) => (a === b ? 1 : 0) },
  "!=": { level: 3, apply: (a, b) => (a !== b ? 1 : 0) },
  "#": { level: 3, apply: (a, b) => (a !== b ? 1 : 0) },
  "+": { level: 4, apply: (a, b) => a + b },
  "-": { level: 4, apply: (a, b) => a - b },
  ">?": { level: 4, apply: (a, b) => maxOf([a, b]) },
  "<?": { level: 4, apply: (a, b) => minOf([a, b]) },
  "*": { level: 5, apply: (a, b) => a * b },
  "/": { level: 5, apply: (a, b) => a / b },
  "%": { level: 5, apply: (a, b) => (toInt(b) === 0 ? NaN : toInt(a) % toInt(b)) },
  "^": { level: 6, apply: (a, b) => Math.pow(a, b) },
  "**": { level: 6, apply: (a, b) => Math.pow(a, b) },
};

const UNARY: Record<string, (x: number) => number> = {
  "-": (x) => -x,
  "+": (x) => x,
  "!": (x) => (truth(x) ? 0 : 1),
  "~": (x) => ~toInt(x),
  "NOT": (x) => ~toInt(x),
};

function maxOf(values: number[]): number {
  let result = values[0]!;
  for (let i = 1; i < values.length; i++) {
    const x = values[i]!;
    if (result < x || Number.isNaN(x)) result = x;
  }
  return result;
}

function minOf(values: number[]): number {
  let result = values[0]!;
  for (let i = 1; i < values.length; i++) {
    const x = values[i]!;
    if (result > x || Number.isNaN(x)) result = x;
  }
  return result;
}

/** Round half away from zero to a 32-bit integer, as `NINT`. */
const nint = (x: number): number => Math.trunc(x >= 0 ? x + 0.5 : x - 0.5) | 0;

const FUNCTIONS_1: Record<string, (x: number) => number> = {
  ABS: Math.abs,
  SQR: Math.sqrt,
  SQRT: Math.sqrt,
  EXP: Math.exp,
  LOG: Math.log10,
  LN: Math.log,
  LOGE: Math.log,
  CEIL: Math.ceil,
  FLOOR: Math.floor,
  NINT: nint,
  SIN: Math.sin,
  COS: Math.cos,
  TAN: Math.tan,
  ASIN: Math.asin,
  ACOS: Math.acos,
  ATAN: Math.atan,
  SINH: Math.sinh,
  COSH: Math.cosh,
  TANH: Math.tanh,
  ISINF: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
};

const FUNCTIONS_2: Record<string, (a: number, b: number) => number> = {
  // EPICS passes ATAN2's arguments to C's atan2 the other way round: ATAN2(x, y) = atan2(y, x).
  ATAN2: (a, b) => Math.atan2(b, a),
  FMOD: (a, b) => a % b,
};

const FUNCTIONS_N: Record<string, (values: number[]) => number> = {
  MAX: maxOf,
  MIN: minOf,
  FINITE: (values) => (values.every(Number.isFinite) ? 1 : 0),
  ISNAN: (values) => (values.some(Number.isNaN) ? 1 : 0),
};

const CONSTANTS: Record<string, number> = {
  PI: Math.PI,
  D2R: Math.PI / 180,
  R2D: 180 / Math.PI,
  S2R: Math.PI / 180 / 3600,
  R2S: 180 * 3600 / Math.PI,
  INF: Infinity,
  NAN: NaN,
};

const VAL_INDEX = 12;

class Parser {
  readonly #expression: string;
  readonly #tokens: Token[];
  readonly #random: () => number;
  #i = 0;
  readonly inputs = new Set<number>();
  readonly stores = new Set<number>();

  constructor(expression: string, random: () => number) {
    this.#expression = expression;
    this.#tokens = tokenize(expression);
    this.#random = random;
  }

  #peek(): Token {
    return this.#tokens[this.#i]!;
  }

  #next(): Token {
    return this.#tokens[this.#i++]!;
  }

  #fail(token: Token, reason: string): never {
    const found = token.kind === "end" ? "the end" : `"${token.text}"`;
    throw new CalcError(this.#expression, token.at + 1, reason, found);
  }

  #expect(text: string, reason: string): void {
    const token = this.#next();
    if (token.kind !== "op" || token.text !== text) this.#fail(token, reason);
  }

  #isOp(token: Token, text: string): boolean {
    return token.kind === "op" && token.text === text;
  }

  program(): Node {
    if (this.#peek().kind === "end") {
      throw new CalcError(this.#expression, 1, "empty expression");
    }
    const statements: Node[] = [];
    let result: Node | undefined;
    let resultIndex = -1;
    for (;;) {
      const start = this.#peek();
      const after = this.#tokens[this.#i + 1]!;
      if (start.kind === "name" && this.#isOp(after, ":=")) {
        const index = CALC_VARIABLES.indexOf(start.text as CalcVariable);
        if (index < 0) this.#fail(start, "only A-L can be assigned");
        this.#i += 2;
        const value = this.#ternary();
        this.stores.add(index);
        statements.push((v) => (v[index] = value(v)));
      } else {
        if (result !== undefined) this.#fail(start, "only one statement may give a value");
        result = this.#ternary();
        resultIndex = statements.length;
        statements.push(result);
      }
      const token = this.#next();
      if (token.kind === "end") break;
      if (!this.#isOp(token, ";")) this.#fail(token, "operator expected");
      if (this.#peek().kind === "end") break;
    }
    if (result === undefined) {
      throw new CalcError(
        this.#expression,
        this.#expression.length + 1,
        "no statement gives a value",
      );
    }
    if (statements.length === 1) return result;
    const value = resultIndex;
    return (v) => {
      let out = 0;
      for (let s = 0; s < statements.length; s++) {
        const x = statements[s]!(v);
        if (s === value) out = x;
      }
      return out;
    };
  }

  #ternary(): Node {
    const condition = this.#binary(1);
    if (!this.#isOp(this.#peek(), "?")) return condition;
    this.#next();
    const then = this.#ternary();
    this.#expect(":", 'unbalanced conditional: ":" expected');
    const otherwise = this.#ternary();
    return (v) => (truth(condition(v)) ? then(v) : otherwise(v));
  }

  #binary(level: number): Node {
    let left = this.#unary();
    for (;;) {
      const token = this.#peek();
      const op = token.kind === "op" ? BINARY[token.text] : undefined;
      if (op === undefined || op.level < level) return left;
      this.#next();
      const right = this.#binary(op.level + 1);
      const a = left;
      const apply = op.apply;
      left = (v) => apply(a(v), right(v));
    }
  }

  #unary(): Node {
    const token = this.#peek();
    const op = token.kind === "op" ? UNARY[token.text] : undefined;
    if (op === undefined) return this.#primary();
    this.#next();
    const operand = this.#unary();
    return (v) => op(operand(v));
  }

  #arguments(name: Token): Node[] {
    this.#expect("(", `"(" expected after ${name.text}`);
    const args = [this.#ternary()];
    while (this.#isOp(this.#peek(), ",")) {
      this.#next();
      args.push(this.#ternary());
    }
    this.#expect(")", '"," or ")" expected');
    return args;
  }

  #primary(): Node {
    const token = this.#next();
    if (token.kind === "number") {
      if (Number.isNaN(token.value)) this.#fail(token, "badly formed number");
      const value = token.value;
      return () => value;
    }
    if (this.#isOp(token, "(")) {
      const inner = this.#ternary();
      this.#expect(")", 'parenthesis still open: ")" expected');
      return inner;
    }
    if (token.kind !== "name") this.#fail(token, "operand expected");
    const name = token.text;
    const variable = CALC_VARIABLES.indexOf(name as CalcVariable);
    if (variable >= 0) {
      if (!this.stores.has(variable)) this.inputs.add(variable);
      return (v) => v[variable]!;
    }
    if (name === "VAL") return (v) => v[VAL_INDEX]!;
    if (name === "RNDM") {
      const random = this.#random;
      return () => random();
    }
    if (name === "NRNDM") {
      const random = this.#random;
      return () => normal(random);
    }
    if (name in CONSTANTS) {
      const value = CONSTANTS[name]!;
      return () => value;
    }
    const f1 = FUNCTIONS_1[name];
    const f2 = FUNCTIONS_2[name];
    const fn = FUNCTIONS_N[name];
    if (f1 === undefined && f2 === undefined && fn === undefined) {
      this.#fail(token, "unknown name");
    }
    const args = this.#arguments(token);
    const arity = f1 ? 1 : f2 ? 2 : 0;
    if (arity && args.length !== arity) {
      throw new CalcError(
        this.#expression,
        token.at + 1,
        `${name} takes ${arity === 1 ? "one argument" : "two arguments"}`,
        String(args.length),
      );
    }
    if (f1) {
      const a = args[0]!;
      return (v) => f1(a(v));
    }
    if (f2) {
      const [a, b] = args as [Node, Node];
      return (v) => f2(a(v), b(v));
    }
    return (v) => fn!(args.map((a) => a(v)));
  }
}

/** A normal deviate of mean 0 and deviation 1 (Box-Muller). */
function normal(random: () => number): number {
  const u = 1 - random(); // in (0, 1], so the logarithm is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * Compile an EPICS calc expression.
 *
 * @example The random number of apstools' `setup_random_number_swait`, and a peak
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileCalc } from "./calc.ts";
 * const rndm = compileCalc("RNDM").evaluate();
 * assert.ok(rndm >= 0 && rndm < 1);
 * const peak = compileCalc("d*exp(-((a-b)/c)^2)");
 * assert.equal(peak.evaluate({ A: 1, B: 1, C: 0.5, D: 3 }), 3);
 * assert.deepEqual(peak.inputs, ["A", "B", "C", "D"]);
 * assert.equal(compileCalc("A>0 ? MAX(A,B,2) : -1").evaluate({ A: 1, B: 5 }), 5);
 * ```
 *
 * @param expression The expression, for example `"RNDM"` or `"A+B*2"`.
 * @param options Source of random numbers.
 * @returns The compiled expression.
 * @throws {CalcError} When the expression is not valid, naming the expression and position.
 */
export function compileCalc(expression: string, options: CompileCalcOptions = {}): CalcExpression {
  const parser = new Parser(expression, options.random ?? Math.random);
  const root = parser.program();
  const inputs = [...parser.inputs].sort((a, b) => a - b).map((i) => CALC_VARIABLES[i]!);
  const stores = [...parser.stores].sort((a, b) => a - b).map((i) => CALC_VARIABLES[i]!);
  const scratch = new Float64Array(VAL_INDEX + 1);
  return {
    expression,
    inputs,
    stores,
    evaluate(values?: CalcInputs, val = 0): number {
      if (values instanceof Float64Array && values.length > VAL_INDEX) {
        values[VAL_INDEX] = val;
        return root(values);
      }
      scratch.fill(0);
      if (values !== undefined) {
        if (Array.isArray(values) || values instanceof Float64Array) {
          for (let i = 0; i < Math.min(values.length, VAL_INDEX); i++) scratch[i] = values[i]!;
        } else {
          const byName = values as Partial<Record<CalcVariable, number>>;
          for (let i = 0; i < VAL_INDEX; i++) scratch[i] = byName[CALC_VARIABLES[i]!] ?? 0;
        }
      }
      scratch[VAL_INDEX] = val;
      const result = root(scratch);
      if ((Array.isArray(values) || values instanceof Float64Array) && stores.length) {
        for (const name of stores) {
          const i = CALC_VARIABLES.indexOf(name);
          if (i < values.length) values[i] = scratch[i]!;
        }
      }
      return result;
    },
  };
}
