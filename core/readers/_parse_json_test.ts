import assert from "node:assert/strict";
import { parseJson } from "./_parse_json.ts";

Deno.test("parseJson() reads Python's non-finite tokens outside strings only", () => {
  assert.deepEqual(parseJson('{"NaN": [NaN, -Infinity, Infinity], "s": "NaN \\" Infinity"}'), {
    NaN: [NaN, -Infinity, Infinity],
    s: 'NaN " Infinity',
  });
});

Deno.test("parseJson() reports the plain parse's error for text that stays invalid", () => {
  assert.throws(() => parseJson("[NaN, x]"), {
    name: "SyntaxError",
    message: /Unexpected token 'N'/,
  });
  assert.throws(() => parseJson("[NaNa]"), SyntaxError);
  assert.throws(() => parseJson('["NaN"'), SyntaxError);
});
