import assert from "node:assert/strict";
import { RunInterrupted } from "../../errors.ts";
import { type Msg, msg, type Plan } from "../../engine/messages.ts";
import { absSet, closeRun, mv, nullPlan, openRun, sleep } from "../stubs/mod.ts";
import {
  baselineWrapper,
  contingencyWrapper,
  finalizeWrapper,
  msgMutator,
  planMutator,
  relativeSetWrapper,
  resetPositionsWrapper,
  runWrapper,
  stageWrapper,
  SupplementalData,
} from "../mod.ts";
import { answerAsEngine, brief as briefMessages, drive, fakeMotor } from "../_plan_fakes.ts";

// ------------------------------------------------------------ fakes

function fakeDetector(name: string) {
  return {
    name,
    read: () => ({ [name]: { value: 1, timestamp: 0 } }),
    describe: () => ({ [name]: { dtype: "number" as const, shape: [], source: `SIM:${name}` } }),
    stage: () => {},
    unstage: () => {},
  };
}

/**
 * Run a plan against a responder that answers as the RunEngine does. `fail` may return an
 * error to throw into the plan in place of a message's answer.
 */
function simulate<R>(plan: Plan<R>, fail: (m: Msg) => unknown = () => undefined) {
  return drive(plan, (m) => {
    const failure = fail(m);
    if (failure !== undefined) throw failure;
    if (m.command === "open_run" || m.command === "close_run") return "uid-1";
    if (m.command === "read" || m.command === "set") return answerAsEngine(m);
    if (m.command === "null") return "null-answer";
    return undefined;
  });
}

/** Messages as short strings, without groups. */
function brief(messages: Msg[]): string[] {
  return briefMessages(messages, { groups: false });
}

// ------------------------------------------------------------ mutators

Deno.test("planMutator() inserts head and tail plans and answers with the head's last reply", () => {
  const answers: unknown[] = [];
  function* plan(): Plan<string> {
    answers.push(yield msg("null"));
    answers.push(yield msg("save"));
    return "done";
  }
  const mutated = planMutator(plan(), (m) => {
    if (m.command === "null") {
      return {
        head: (function* () {
          yield msg("checkpoint");
          return yield m;
        })(),
        tail: sleep(1),
      };
    }
    return undefined;
  });
  const { messages, value } = simulate(mutated);
  assert.deepEqual(brief(messages), ["checkpoint", "null", "sleep 1", "save"]);
  assert.deepEqual(answers, ["null-answer", undefined]);
  assert.equal(value, "done");
});

Deno.test("planMutator() shows inserted messages to the callback once each", () => {
  const seen: string[] = [];
  const mutated = planMutator(nullPlan(), (m) => {
    seen.push(m.command);
    return m.command === "null" ? { tail: sleep(2) } : undefined;
  });
  assert.deepEqual(brief(simulate(mutated).messages), ["null", "sleep 2"]);
  assert.deepEqual(seen, ["null", "sleep"]);
});

Deno.test("planMutator() throws errors into the plan that can catch them", () => {
  function* plan(): Plan<string> {
    try {
      yield msg("read", fakeMotor("m"));
    } catch (error) {
      return `caught ${(error as Error).message}`;
    }
    return "not caught";
  }
  const mutated = planMutator(plan(), () => ({ tail: sleep(1) }));
  const result = simulate(mutated, (m) => m.command === "read" ? new Error("boom") : undefined);
  assert.equal(result.value, "caught boom");
  assert.deepEqual(brief(result.messages), ["read m"], "the tail is skipped after an error");
});

Deno.test("msgMutator() changes messages and answers undefined for dropped ones", () => {
  const answers: unknown[] = [];
  function* plan(): Plan<void> {
    answers.push(yield msg("null"));
    answers.push(yield msg("sleep", undefined, [1]));
  }
  const mutated = msgMutator(plan(), (m) => m.command === "null" ? undefined : m);
  assert.deepEqual(brief(simulate(mutated).messages), ["sleep 1"]);
  assert.deepEqual(answers, [undefined, undefined]);
});

// ------------------------------------------------------------ try/finally helpers

Deno.test("finalizeWrapper() runs the cleanup after success and after an error", () => {
  const ok = simulate(finalizeWrapper(nullPlan(), () => sleep(0)));
  assert.deepEqual(brief(ok.messages), ["null", "sleep 0"]);
  assert.equal(ok.value, "null-answer");
  const failed = simulate(
    finalizeWrapper(nullPlan(), sleep(0)),
    (m) => m.command === "null" ? new Error("boom") : undefined,
  );
  assert.deepEqual(brief(failed.messages), ["null", "sleep 0"]);
  assert.match(String(failed.error), /boom/);
});

Deno.test("finalizeWrapper() skips the cleanup when the plan is closed with return()", () => {
  const plan = finalizeWrapper(nullPlan(), () => sleep(0));
  plan.next();
  assert.deepEqual(plan.return("closed"), { done: true, value: "closed" });
});

Deno.test("contingencyWrapper() runs except, else and final plans as try/except/else/finally", () => {
  const options = {
    exceptPlan: function* (e: unknown): Plan<unknown> {
      yield msg("except", undefined, [(e as Error).message]);
      return "handled";
    },
    elsePlan: () => sleep(1),
    finalPlan: () => sleep(2),
  };
  const ok = simulate(contingencyWrapper(nullPlan(), options));
  assert.deepEqual(brief(ok.messages), ["null", "sleep 1", "sleep 2"]);
  const boom = (m: Msg) => m.command === "null" ? new Error("boom") : undefined;
  const failed = simulate(contingencyWrapper(nullPlan(), options), boom);
  assert.deepEqual(brief(failed.messages), ["null", "except boom", "sleep 2"]);
  assert.match(String(failed.error), /boom/);
  const swallowed = simulate(
    contingencyWrapper(nullPlan(), { ...options, autoRaise: false }),
    boom,
  );
  assert.equal(swallowed.error, undefined);
  assert.equal(swallowed.value, "handled");
});

// ------------------------------------------------------------ runs and staging

Deno.test("runWrapper() opens and closes a run and returns its uid", () => {
  const { messages, value } = simulate(runWrapper(nullPlan(), { md: { sample: "Si" } }));
  assert.deepEqual(brief(messages), ["open_run", "null", "close_run"]);
  assert.deepEqual(messages[0]?.kwargs, { sample: "Si" });
  assert.deepEqual(messages[2]?.kwargs, {});
  assert.equal(value, "uid-1");
});

Deno.test("runWrapper() closes the run with the failure's status and reason", () => {
  const cases: [unknown, string, string][] = [
    [new Error("motor stalled"), "fail", "motor stalled"],
    [new RunInterrupted("abort", "aborted by user"), "abort", "aborted by user"],
    [new RunInterrupted("stop", ""), "success", ""],
  ];
  for (const [error, exitStatus, reason] of cases) {
    const run = simulate(runWrapper(nullPlan()), (m) => m.command === "null" ? error : undefined);
    assert.equal(run.error, error);
    assert.deepEqual(run.messages.at(-1)?.kwargs, { exit_status: exitStatus, reason });
  }
});

Deno.test("stageWrapper() unstages in reverse order, also after an error", () => {
  const [a, b] = [fakeDetector("a"), fakeDetector("b")];
  const run = simulate(
    stageWrapper(nullPlan(), [a, b, a]),
    (m) => m.command === "null" ? new Error("boom") : undefined,
  );
  assert.deepEqual(brief(run.messages), ["stage a", "stage b", "null", "unstage b", "unstage a"]);
  assert.match(String(run.error), /boom/);
  const parent = { ...fakeDetector("parent") };
  const child = { ...fakeDetector("child"), parent };
  assert.deepEqual(brief(simulate(stageWrapper(nullPlan(), [child, parent])).messages), [
    "stage parent",
    "null",
    "unstage parent",
  ]);
});

// ------------------------------------------------------------ baseline

Deno.test("baselineWrapper() reads the devices after open_run and before close_run", () => {
  const temp = fakeDetector("temp");
  const answers: unknown[] = [];
  function* plan(): Plan<void> {
    answers.push(yield* openRun());
    yield* nullPlan();
    answers.push(yield* closeRun());
  }
  const { messages } = simulate(baselineWrapper(plan(), [temp]));
  assert.deepEqual(brief(messages), [
    "open_run",
    "declare_stream temp baseline",
    "create baseline",
    "read temp",
    "save",
    "null",
    "create baseline",
    "read temp",
    "save",
    "close_run",
  ]);
  assert.deepEqual(answers, ["uid-1", "uid-1"]);
  assert.deepEqual(brief(simulate(baselineWrapper(nullPlan(), [])).messages), ["null"]);
});

Deno.test("SupplementalData wraps plans with the baseline devices it holds when they start", () => {
  const sd = new SupplementalData();
  const wrap = sd.wrap;
  const plan = wrap(runWrapper(nullPlan()));
  sd.baseline.push(fakeDetector("temp"));
  const commands = simulate(plan).messages.map((m) => m.command);
  assert.equal(commands.filter((c) => c === "read").length, 2);
  assert.deepEqual(brief(simulate(new SupplementalData().wrap(nullPlan())).messages), ["null"]);
});

// ------------------------------------------------------------ relative moves

Deno.test("relativeSetWrapper() offsets the sets of the listed devices only", () => {
  const [x, y] = [fakeMotor("x", 10), fakeMotor("y", 20)];
  function* plan(): Plan<void> {
    yield* mv([[x, 1], [y, 1]]);
    yield* mv([[x, 2], [y, 2]]);
  }
  const { messages } = simulate(relativeSetWrapper(plan(), [x]));
  assert.deepEqual(brief(messages), ["set x 11", "set y 1", "wait", "set x 12", "set y 2", "wait"]);
  const all = simulate(relativeSetWrapper(absSet(fakeMotor("z", 1), 1)));
  assert.deepEqual(brief(all.messages), ["set z 2"]);
  const text = { ...fakeMotor("t"), position: "home" as unknown as number };
  assert.ok(simulate(relativeSetWrapper(absSet(text, 1))).error instanceof TypeError);
});

Deno.test("resetPositionsWrapper() puts moved devices back, also after an error", () => {
  const [x, y] = [fakeMotor("x", 1), fakeMotor("y", 2)];
  function* plan(): Plan<void> {
    yield* mv([[x, 5], [y, 6]]);
    yield* nullPlan();
  }
  const run = simulate(
    resetPositionsWrapper(plan()),
    (m) => m.command === "null" ? new Error("boom") : undefined,
  );
  assert.deepEqual(brief(run.messages), [
    "set x 5",
    "set y 6",
    "wait",
    "null",
    "set x 1",
    "set y 2",
    "wait",
  ]);
  assert.match(String(run.messages.at(-1)?.kwargs?.group), /^reset-[0-9a-f]{6}$/);
  assert.match(String(run.error), /boom/);
  assert.deepEqual([x.position, y.position], [1, 2]);
});
