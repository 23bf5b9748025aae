import assert from "node:assert/strict";
import { createLocalClock } from "./local_clock.ts";

Deno.test("createLocalClock() follows daylight saving time and rounds as Python", () => {
  const clock = createLocalClock("America/Chicago");
  assert.equal(clock.dateTime(1660343258.78), "2022-08-12 17:27:38");
  assert.equal(clock.dateTime(1642000000), "2022-01-12 09:06:40");
  assert.equal(clock.time(1660343260.1), "17:27:40.100000");
  assert.equal(clock.time(1660343259.9999996), "17:27:40");
});

Deno.test("timeTenths() is the first ten characters of time(), across seconds and zones", () => {
  for (const zone of ["UTC", "America/Chicago", "Asia/Kolkata"]) {
    // Two clocks, so that neither one's cache of the current second serves the other.
    const clock = createLocalClock(zone);
    const reference = createLocalClock(zone);
    // Rows a few microseconds apart, whole seconds, the rounding edge, and a jump back in time.
    const epochs = [
      1660343259.9999996,
      1660343260,
      1660343260.0000004,
      1660343260.09999,
      1660343260.1,
    ];
    for (let i = 0; i < 3000; i++) epochs.push(1700000000 + i * 0.000731);
    epochs.push(1600000000.25, 1700000000.05, 0, -1.5);
    for (const epoch of epochs) {
      assert.equal(clock.timeTenths(epoch), reference.time(epoch).slice(0, 10), `${zone} ${epoch}`);
    }
  }
});
