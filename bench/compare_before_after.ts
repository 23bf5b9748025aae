/**
 * `deno run -A bench/compare_before_after.ts [COMMIT] [--keep DIR] [--git REPO]`: whether a
 * change leaves the files the same. The NeXus files of the same documents are written twice,
 * with the code of COMMIT (default `a18aca3`, in a temporary worktree) and with the current
 * checkout, each by
 * `deno task nx convert` as a user runs it (and once through `nx import` then `nx export`),
 * and compared in tree and data with h5py ({@linkcode nexusDifferences}; only the root's
 * `@file_time` is left out). Both write to the same paths, one after the other, so that the
 * file names recorded in the files agree.
 *
 * The documents: the seed's 5-point scan, the 17 real runs of `shared/fixtures/apstools`
 * (their `.json` files and `usaxs.json.gz`), and a 4-point scan of the simulated area detector
 * (frames linked to the detector's file). Prints one line per file and the differences; exits
 * with 1 when any file differs or is missing on one side. `--keep DIR` keeps the files in DIR;
 * `--git REPO` takes COMMIT from another repository (for a checkout that is not one).
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { NamedDocument } from "../core/documents/types.ts";
import { writeJsonLines } from "../core/readers/json_lines_writer.ts";
import { areaDetectorScan } from "../tests/_area_detector_scan.ts";
import { seedScan } from "./_documents.ts";
import { FIXTURE_DIR } from "../tests/_fixtures.ts";
import { nexusDifferences } from "../tests/_same_nexus.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/** The documents of a 4-point scan of the simulated area detector, its frames in `dir`. */
async function areaDetectorRun(dir: string): Promise<NamedDocument[]> {
  const { docs } = await areaDetectorScan({
    folder: `${dir}/detector`,
    width: 16,
    height: 12,
    num: 4,
    seed: 7,
  });
  return docs;
}

async function run(cwd: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "nx", ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  // A run with problems in its documents exits 1 and is still written: the files tell.
  if (code > 1) {
    throw new Error(`nx ${args.join(" ")} in ${cwd} failed: ${decoder.decode(stderr)}`);
  }
  return decoder.decode(stdout);
}

/** The files in a folder, by name. */
async function filesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.push(entry.name);
  return names.sort();
}

/** One input and how its files are written. */
interface Input {
  label: string;
  /** Writes the files of `input` into `out` with the checkout in `cwd`. */
  write(cwd: string, out: string, scratch: string): Promise<void>;
}

function converted(label: string, input: string): Input {
  return {
    label,
    write: async (cwd, out) => void await run(cwd, ["convert", input, "--dir", out, "--quiet"]),
  };
}

function importedAndExported(label: string, input: string): Input {
  return {
    label,
    async write(cwd, out, scratch) {
      const catalog = `${scratch}/catalog`;
      await Deno.remove(catalog, { recursive: true }).catch(() => {});
      await run(cwd, ["import", input, "--catalog", catalog]);
      await run(cwd, ["export", "--index", "-1", "--catalog", catalog, "--dir", out]);
      await Deno.remove(catalog, { recursive: true });
    },
  };
}

/** Write with one checkout, then move the files to `into` (the paths written are the same). */
async function writeWith(cwd: string, input: Input, scratch: string, into: string) {
  const out = `${scratch}/out`;
  await Deno.remove(out, { recursive: true }).catch(() => {});
  await Deno.mkdir(out, { recursive: true });
  await input.write(cwd, out, scratch);
  await Deno.mkdir(into, { recursive: true });
  for (const name of await filesIn(out)) await Deno.rename(`${out}/${name}`, `${into}/${name}`);
}

/**
 * Compare the files of every input written before (COMMIT) and after (this checkout).
 * @param commit The commit of "before".
 * @param dir The scratch folder.
 * @param repository The git repository that holds the commit.
 * @returns The lines of the report, and whether every file is the same.
 */
async function compare(
  commit: string,
  dir: string,
  repository: string,
): Promise<{ lines: string[]; same: boolean }> {
  const before = `${dir}/before-checkout`;
  const git = (args: string[]) =>
    new Deno.Command("git", {
      args: ["-C", repository, ...args],
      stdout: "null",
      stderr: "piped",
    }).output();
  const added = await git(["worktree", "add", "--detach", before, commit]);
  if (!added.success) {
    throw new Error(`git worktree add ${commit} failed: ${new TextDecoder().decode(added.stderr)}`);
  }
  try {
    const inputs: Input[] = [];
    await Deno.mkdir(`${dir}/inputs`, { recursive: true });
    const seed = `${dir}/inputs/seed.jsonl`;
    await writeJsonLines(seed, await seedScan());
    inputs.push(converted("seed's 5-point scan, nx convert", seed));
    inputs.push(importedAndExported("seed's 5-point scan, nx import + nx export", seed));
    const fixtures = (await filesIn(FIXTURE_DIR)).filter((n) => /\.json(\.gz)?$/.test(n));
    for (const name of fixtures) inputs.push(converted(`apstools ${name}`, FIXTURE_DIR + name));
    const area = `${dir}/inputs/area_detector.jsonl`;
    await writeJsonLines(area, await areaDetectorRun(`${dir}/inputs`));
    inputs.push(converted("area detector, 4 frames linked, nx convert", area));
    inputs.push(importedAndExported("area detector, nx import + nx export", area));

    const lines: string[] = [];
    let same = true;
    let files = 0;
    for (const [i, input] of inputs.entries()) {
      const a = `${dir}/written/${i}/before`;
      const b = `${dir}/written/${i}/after`;
      await writeWith(before, input, dir, a);
      await writeWith(ROOT, input, dir, b);
      const names = [...new Set([...await filesIn(a), ...await filesIn(b)])].sort();
      lines.push(`${input.label}: ${names.length} file(s)`);
      for (const name of names) {
        files++;
        const first = `${a}/${name}`;
        const second = `${b}/${name}`;
        const exists = await Promise.all(
          [first, second].map((p) => Deno.stat(p).then(() => true, () => false)),
        );
        if (!exists[0] || !exists[1]) {
          same = false;
          lines.push(`  ${name}: written only ${exists[0] ? "before" : "after"}`);
          continue;
        }
        const differences = await nexusDifferences(first, second);
        if (differences.length > 0) same = false;
        lines.push(`  ${name}: ${differences.length === 0 ? "same" : "DIFFERENT"}`);
        for (const d of differences) lines.push(`    ${d}`);
      }
    }
    lines.push(
      `${files} files compared, ${commit} against this checkout: ${
        same ? "all the same" : "differences above"
      }`,
    );
    return { lines, same };
  } finally {
    await git(["worktree", "remove", "--force", before]);
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { keep: { type: "string" }, git: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const commit = positionals[0] ?? "a18aca3";
  const dir = values.keep ?? await Deno.makeTempDir({ prefix: "nxdaq-compare-" });
  await Deno.mkdir(dir, { recursive: true });
  let same = false;
  try {
    const report = await compare(commit, dir, values.git ?? ROOT);
    same = report.same;
    console.log(report.lines.join("\n"));
  } finally {
    if (values.keep === undefined) await Deno.remove(dir, { recursive: true });
  }
  Deno.exit(same ? 0 : 1);
}
