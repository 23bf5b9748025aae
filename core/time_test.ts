import assert from "node:assert/strict";
import { localParts } from "./time.ts";

/** The fields in the system's zone, as `localParts()` gives them, from a process run in `tz`. */
async function partsIn(tz: string, instants: number[]): Promise<{ own: string[]; intl: string[] }> {
  const script = `
    import { localParts } from ${JSON.stringify(new URL("./time.ts", import.meta.url).href)};
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const show = (p) => [p.year, p.month, p.day, p.hour, p.minute, p.second].join(" ");
    const instants = ${JSON.stringify(instants)};
    console.log(JSON.stringify({
      own: instants.map((t) => show(localParts(t))),
      intl: instants.map((t) => show(localParts(t, zone))),
    }));`;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=js", script],
    env: { TZ: tz },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test("localParts() in the system's zone agrees with Intl's fields of that zone", async () => {
  // Around the 2022 DST changes of Chicago and Sydney, every 20 minutes, and a century apart.
  const instants: number[] = [0, Date.UTC(1900, 0, 1), Date.UTC(2099, 11, 31, 23, 59, 59)];
  for (
    const change of [Date.UTC(2022, 2, 13, 8), Date.UTC(2022, 10, 6, 7), Date.UTC(2022, 3, 2, 16)]
  ) {
    for (let m = -180; m <= 180; m += 20) instants.push(change + m * 60_000 + 123);
  }
  for (const tz of ["America/Chicago", "Australia/Sydney", "UTC", "Asia/Kolkata"]) {
    const { own, intl } = await partsIn(tz, instants);
    assert.deepEqual(own, intl, tz);
  }
  // With a zone named, the fields are that zone's, whatever the system's.
  assert.equal(localParts(Date.UTC(2022, 7, 12, 22, 27, 38), "America/Chicago").hour, "17");
});
