/**
 * The DBR payloads checked byte for byte against an independent implementation: caproto's
 * ctypes structures (in `../shared/ca`), which mirror EPICS' `db_access.h`.
 */

import assert from "node:assert/strict";
import { ignoreUnless } from "../../tests/_ci.ts";
import { dbrSize, dbrType, ECA, encodeDbr, FAMILIES, NATIVE_TYPES } from "./protocol.ts";

const CAPROTO = new URL("../../../shared/ca/", import.meta.url).pathname;

const available = (() => {
  try {
    return Deno.statSync(`${CAPROTO}caproto/_dbr.py`).isFile &&
      Deno.statSync("/usr/bin/python3").isFile;
  } catch {
    return false;
  }
})();

// Every structure filled with the same distinct values, followed by one element.
const SCRIPT = `
import json, struct, sys
from caproto import _dbr as d
natives = ["STRING", "INT", "FLOAT", "ENUM", "CHAR", "LONG", "DOUBLE"]
values = {"STRING": b"abc".ljust(40, b"\\0"), "INT": struct.pack(">h", -3),
          "FLOAT": struct.pack(">f", 0.5), "ENUM": struct.pack(">H", 1),
          "CHAR": struct.pack(">B", 65), "LONG": struct.pack(">i", -100000),
          "DOUBLE": struct.pack(">d", 0.25)}
limits = {"upper_disp_limit": 10, "lower_disp_limit": 1, "upper_alarm_limit": 9,
          "upper_warning_limit": 8, "lower_warning_limit": 2, "lower_alarm_limit": 3,
          "upper_ctrl_limit": 7, "lower_ctrl_limit": 4}
out = {}
for f, family in enumerate(["", "STS_", "TIME_", "GR_", "CTRL_"]):
    for n, native in enumerate(natives):
        name = "DBR_" + family + native
        if not hasattr(d, name):
            name = "DBR_STS_" + native  # GR/CTRL strings are the STS structure
        if family == "":
            out[f * 7 + n] = values[native].hex()
            continue
        s = getattr(d, name)()
        fields = [x[0] for x in s._fields_]
        s.status = 2
        s.severity = 1
        if "stamp" in fields:
            s.stamp.secondsSinceEpoch = 1000
            s.stamp.nanoSeconds = 500000000
        if "units" in fields:
            s.units = b"mm"
        if "precision" in fields:
            s.precision = 3
        for k, v in limits.items():
            if k in fields:
                setattr(s, k, v)
        if "no_str" in fields:
            s.no_str = 2
            s.strs[0].value = b"Off"
            s.strs[1].value = b"On"
        out[f * 7 + n] = (bytes(s) + values[native]).hex()
json.dump(out, sys.stdout)
`;

Deno.test({
  name: "encodeDbr() writes every DBR type byte for byte as caproto's structures",
  ignore: ignoreUnless(available, "caproto (../shared/ca) or /usr/bin/python3 is not available"),
  fn: async () => {
    const output = await new Deno.Command("/usr/bin/python3", {
      args: ["-c", SCRIPT],
      env: { PYTHONPATH: CAPROTO },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const theirs = JSON.parse(new TextDecoder().decode(output.stdout)) as Record<string, string>;
    const elements = {
      string: ["abc"],
      short: [-3],
      float: [0.5],
      enum: [1],
      char: [65],
      long: [-100000],
      double: [0.25],
    };
    let compared = 0;
    for (const family of FAMILIES) {
      for (const native of NATIVE_TYPES) {
        const type = dbrType(native, family);
        const ours = encodeDbr(type, 1, {
          elements: elements[native],
          status: 2,
          severity: 1,
          timestamp: 1000 + 631152000 + 0.5,
          units: "mm",
          precision: 3,
          limits: {
            upperDisp: 10,
            lowerDisp: 1,
            upperAlarm: 9,
            upperWarning: 8,
            lowerWarning: 2,
            lowerAlarm: 3,
            upperCtrl: 7,
            lowerCtrl: 4,
          },
          enumStrings: ["Off", "On"],
        }).subarray(0, dbrSize(type, 1));
        const hex = Array.from(ours, (b) => b.toString(16).padStart(2, "0")).join("");
        assert.equal(hex, theirs[type], `DBR type ${type} (${family} ${native})`);
        compared++;
      }
    }
    assert.equal(compared, 35);
  },
});

Deno.test({
  name: "The ECA status codes are caproto's",
  ignore: ignoreUnless(available, "caproto (../shared/ca) or /usr/bin/python3 is not available"),
  fn: async () => {
    const script = `
import json, sys
from caproto import _status as s
names = json.load(sys.stdin)
json.dump({n: s.CAStatus["ECA_" + n].value.code_with_severity for n in names}, sys.stdout)
`;
    const child = new Deno.Command("/usr/bin/python3", {
      args: ["-c", script],
      env: { PYTHONPATH: CAPROTO },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(Object.keys(ECA))));
    await writer.close();
    const output = await child.output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const theirs = JSON.parse(new TextDecoder().decode(output.stdout));
    assert.deepEqual({ ...ECA }, theirs);
  },
});
