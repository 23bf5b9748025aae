import assert from "node:assert/strict";
import { createLocalClock } from "./local_clock.ts";

Deno.test("createLocalClock() follows daylight saving time and rounds as Python", () => {
  const clock = createLocalClock("America/Chicago");
  assert.equal(clock.dateTime(1660343258.78), "2022-08-12 17:27:38");
  assert.equal(clock.dateTime(1642000000), "2022-01-12 09:06:40");
  assert.equal(clock.time(1660343260.1), "17:27:40.100000");
  assert.equal(clock.time(1660343259.9999996), "17:27:40");
});
