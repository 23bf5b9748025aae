/**
 * Test helper: one Python process per test module that runs the h5py scripts of the tests, so
 * that reading a hundred files costs their reading, not a hundred starts of Python, numpy and
 * h5py (about 0.4 s of CPU each).
 *
 * The process is started when this module is loaded, before any test runs: a process started
 * inside a test and still running at its end would be a leak to Deno's test sanitizers. It
 * reads one request per line (a script and its arguments), runs the script as `python3 -c`
 * would, with `sys.argv` set and its output captured, and answers with one line; it ends when
 * the test module's process does, at the end of its input. Without it (no `/usr/bin/python3`
 * or `python3`, or one without h5py) each script runs in a Python of its own.
 *
 * @module
 */

/** What a script run in the service printed, and whether it succeeded. */
export interface ScriptOutput {
  /** Whether the script ended without an exception (or with `sys.exit(0)`). */
  success: boolean;
  /** What it printed. */
  stdout: string;
  /** What it wrote to standard error, with the traceback of the exception that ended it. */
  stderr: string;
}

const SERVICE = String.raw`
import contextlib, io, json, sys, traceback
try:
    import h5py, numpy
    ready = True
except Exception:
    ready = False
print(json.dumps({"h5py": ready}), flush=True)
compiled = {}
for line in sys.stdin:
    request = json.loads(line)
    code = request["code"]
    if code not in compiled:
        compiled[code] = compile(code, "<string>", "exec")
    out, err = io.StringIO(), io.StringIO()
    success = True
    sys.argv = ["-c"] + request["argv"]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compiled[code], {"__name__": "__main__"})
    except SystemExit as e:
        success = e.code in (None, 0)
    except BaseException:
        success = False
        err.write(traceback.format_exc())
    sys.__stdout__.write(json.dumps({"success": success, "stdout": out.getvalue(), "stderr": err.getvalue()}) + "\n")
    sys.__stdout__.flush()
`;

interface Service {
  child: Deno.ChildProcess;
  input: WritableStreamDefaultWriter<Uint8Array>;
  output: ReadableStreamDefaultReader<Uint8Array>;
  decoder: TextDecoder;
  buffered: string;
  /** The calls in order: each waits for the one before it. */
  queue: Promise<unknown>;
  /** Whether it imported h5py; undefined until its first line is read. */
  h5py: boolean | undefined;
  /** Why it cannot be used any more. */
  broken: string | undefined;
  /** Calls made and not yet answered. */
  busy: number;
}

function start(): Service | undefined {
  const python = ["/usr/bin/python3"].find((exe) => {
    try {
      return Deno.statSync(exe).isFile;
    } catch {
      return false;
    }
  }) ?? "python3";
  try {
    const child = new Deno.Command(python, {
      args: ["-u", "-c", SERVICE],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    // Idle, it does not keep a script that has done its work from ending.
    child.unref();
    return {
      child,
      input: child.stdin.getWriter(),
      // Read only while a call waits for its answer: a read left pending at the end of a test
      // would be a leak to the sanitizers.
      output: child.stdout.getReader(),
      decoder: new TextDecoder(),
      buffered: "",
      queue: Promise.resolve(),
      h5py: undefined,
      broken: undefined,
      busy: 0,
    };
  } catch {
    return undefined;
  }
}

const service = start();

async function line(s: Service): Promise<string> {
  for (;;) {
    const end = s.buffered.indexOf("\n");
    if (end >= 0) {
      const text = s.buffered.slice(0, end);
      s.buffered = s.buffered.slice(end + 1);
      return text;
    }
    const { value, done } = await s.output.read();
    if (done) throw new Error("the Python process ended");
    s.buffered += s.decoder.decode(value, { stream: true });
  }
}

async function runInService(
  s: Service,
  code: string,
  argv: string[],
): Promise<ScriptOutput | undefined> {
  if (s.broken !== undefined) return undefined;
  try {
    s.h5py ??= (JSON.parse(await line(s)) as { h5py: boolean }).h5py;
    if (!s.h5py) return undefined;
    await s.input.write(new TextEncoder().encode(JSON.stringify({ code, argv }) + "\n"));
    return JSON.parse(await line(s)) as ScriptOutput;
  } catch (error) {
    s.broken = (error as Error).message;
    return undefined;
  }
}

/**
 * Run a Python script that uses h5py, as `python -c code argv...` would.
 *
 * @param python The Python to run it in when the service cannot (see the module's notes).
 * @param code The script.
 * @param argv Its arguments (`sys.argv[1:]`).
 * @returns What it printed and whether it succeeded.
 */
export function runH5pyScript(
  python: string,
  code: string,
  argv: string[],
): Promise<ScriptOutput> {
  const run = async (): Promise<ScriptOutput> => {
    const answer = service && await runInService(service, code, argv);
    if (answer) return answer;
    const { success, stdout, stderr } = await new Deno.Command(python, {
      args: ["-c", code, ...argv],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return { success, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
  };
  const s = service;
  if (!s) return run();
  // While a call waits for its answer, the process keeps the event loop alive.
  if (s.busy++ === 0) s.child.ref();
  const result = s.queue.then(run).finally(() => {
    if (--s.busy === 0) s.child.unref();
  });
  s.queue = result.catch(() => undefined);
  return result;
}
