import assert from "node:assert/strict";
import { NX_COMMAND_MODULES, NX_COMMANDS, nxCommand, nxUsage } from "./nx_command.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("Each command's module registers the command the usage text lists", async () => {
  for (const [name, listed] of NX_COMMAND_MODULES) {
    const command = await nxCommand(name);
    assert.ok(command, name);
    assert.equal(NX_COMMANDS.get(name), command, name);
    assert.equal(command.summary, listed.summary, name);
    assert.equal(command.synopsis, listed.synopsis, name);
    assert.match(
      nxUsage(),
      new RegExp(`^  ${name} .+ ${listed.summary.replace(/[()]/g, ".")}$`, "m"),
    );
  }
  assert.equal(await nxCommand("nonesuch"), undefined);
});

Deno.test("nx --help loads no command's module, and a command loads only its own", async () => {
  // A process of its own: the registry shows which command modules were imported.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/probe.ts`,
      `import { NX_COMMANDS, runNxCommand } from ${JSON.stringify(`${ROOT}cli/nx_command.ts`)};
const io = { out: () => {}, err: () => {}, isTerminal: false, columns: 80, onInterrupt: () => () => {} };
const codes = [await runNxCommand(["--help"], io)];
const afterHelp = [...NX_COMMANDS.keys()];
codes.push(await runNxCommand(["runs", "--help"], io));
console.log(JSON.stringify({ codes, afterHelp, afterRuns: [...NX_COMMANDS.keys()] }));`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", "--config", `${ROOT}deno.json`, "probe.ts"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
      codes: [0, 0],
      afterHelp: [],
      afterRuns: ["runs"],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
