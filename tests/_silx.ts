/**
 * For tests: silx, the X-ray toolbox whose viewer beamline scientists open NeXus files with, as
 * an oracle of what a viewer can plot. It checks every NXdata group of a file the way its viewer
 * does (`silx.io.nxdata.is_valid_nxdata`) and finds the default plot (`get_default`).
 *
 * @module
 */

import { isCi } from "./_ci.ts";

const PYTHON = "/usr/bin/python3";

/** What silx makes of a file. */
export interface SilxVerdict {
  /** Paths of NXdata groups silx's viewer cannot plot, with silx's reason. */
  invalid: { path: string; reason: string }[];
  /** Path of the NXdata the file's `@default` chain leads to, or null when there is none. */
  defaultPlot: string | null;
  /** The default plot's signal: its path and shape. */
  signal: { path: string; shape: number[] } | null;
}

let available: boolean | undefined;

/**
 * Whether Debian's python3-silx can be imported.
 * @returns `true` when it can.
 */
export function silxAvailable(): boolean {
  try {
    available ??= new Deno.Command(PYTHON, {
      args: ["-c", "import silx.io.nxdata"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    available = false;
  }
  return available;
}

const reported = new Set<string>();

/**
 * The `ignore` option of a test that needs silx: skip with a printed reason when it is absent,
 * except under CI, where the test runs and fails.
 * @returns Whether to skip.
 */
export function ignoreWithoutSilx(): boolean {
  if (silxAvailable() || isCi()) return false;
  if (!reported.has("silx")) {
    reported.add("silx");
    console.log("python3-silx not found: skipping the tests that need it (with CI=true they fail)");
  }
  return true;
}

const SCRIPT = `
import json, sys, h5py
from silx.io.nxdata import NXdata, get_default
f = h5py.File(sys.argv[1], "r")
invalid = []
def visit(name, obj):
    if isinstance(obj, h5py.Group) and obj.attrs.get("NX_class") in (b"NXdata", "NXdata"):
        nx = NXdata(obj, validate=True)
        if not nx.is_valid:
            invalid.append({"path": "/" + name, "reason": "; ".join(nx.issues)})
f.visititems(visit)
default = get_default(f)
out = {"invalid": invalid, "defaultPlot": None, "signal": None}
if default is not None:
    out["defaultPlot"] = default.group.name
    out["signal"] = {"path": default.signal.name, "shape": list(default.signal.shape)}
json.dump(out, sys.stdout)
`;

/**
 * Ask silx about a file.
 * @param file Path of the NeXus file.
 * @returns Its verdict.
 */
export async function silxVerdict(file: string): Promise<SilxVerdict> {
  const output = await new Deno.Command(PYTHON, {
    args: ["-c", SCRIPT, file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`silx could not read "${file}": ${new TextDecoder().decode(output.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(output.stdout)) as SilxVerdict;
}
