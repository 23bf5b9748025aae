/**
 * A fake motor and a fake RunEngine responder shared by the plan unit tests. For tests only:
 * not exported from `mod.ts`.
 *
 * @module
 */
import type { Msg, Plan } from "../engine/messages.ts";
import { Status } from "../engine/status.ts";

/** A motor that moves at once and reads back its position. */
export function fakeMotor(name: string, position = 0) {
  const motor = {
    name,
    position,
    hints: { fields: [name] },
    set(value: unknown) {
      motor.position = value as number;
      return Status.done();
    },
    read: () => ({ [name]: { value: motor.position, timestamp: 0 } }),
    describe: () => ({ [name]: { dtype: "number" as const, shape: [], source: `SIM:${name}` } }),
  };
  return motor;
}

/** What a plan yielded, returned and threw when driven to its end. */
export interface Simulation<R> {
  messages: Msg[];
  value: R | undefined;
  error: unknown;
}

/**
 * Drive a plan to its end without any waiting. `respond` answers each message; whatever it
 * throws is thrown into the plan.
 */
export function drive<R>(
  plan: Plan<R>,
  respond: (m: Msg) => unknown,
  limit = Infinity,
): Simulation<R> {
  const messages: Msg[] = [];
  let answer: unknown = undefined;
  let failure: unknown = undefined;
  try {
    for (;;) {
      const step = failure === undefined ? plan.next(answer) : plan.throw(failure);
      failure = undefined;
      if (step.done) return { messages, value: step.value, error: undefined };
      const m = step.value;
      messages.push(m);
      if (messages.length > limit) throw new Error("The plan did not end");
      answer = undefined;
      try {
        answer = respond(m);
      } catch (error) {
        failure = error;
      }
    }
  } catch (error) {
    return { messages, value: undefined, error };
  }
}

/** Answer `read`, `set`, `trigger` and `locate` as the RunEngine does; anything else with undefined. */
export function answerAsEngine(m: Msg): unknown {
  const obj = m.obj as Record<string, (...args: unknown[]) => unknown>;
  if (m.command === "read") return obj.read!();
  if (m.command === "set") return obj.set!(m.args?.[0]);
  if (m.command === "trigger") return obj.trigger!();
  if (m.command === "locate") return (m.obj as { position: unknown }).position;
  return undefined;
}

/**
 * Messages as short strings; unless `groups` is false, groups become g1, g2... in order of
 * appearance.
 */
export function brief(messages: Msg[], options: { groups?: boolean } = {}): string[] {
  const groups = new Map<unknown, string>();
  return messages.map((m) => {
    const parts = [m.command];
    const name = (m.obj as { name?: string } | undefined)?.name;
    if (name) parts.push(name);
    for (const arg of m.args ?? []) parts.push((arg as { name?: string })?.name ?? String(arg));
    const kwargs = m.kwargs ?? {};
    if (m.command === "create" || m.command === "declare_stream") parts.push(String(kwargs.name));
    if (m.command === "close_run" && kwargs.exit_status) parts.push(String(kwargs.exit_status));
    if (options.groups !== false && kwargs.group !== undefined) {
      if (!groups.has(kwargs.group)) groups.set(kwargs.group, `g${groups.size + 1}`);
      parts.push(groups.get(kwargs.group)!);
    }
    return parts.join(" ");
  });
}
