/**
 * The commands every RunEngine understands, as bluesky's `RunEngine._command_registry`: one
 * handler per message a plan can yield. A handler's return value (or what its promise
 * resolves to) is the plan's answer to the message; `RunEngine.registerCommand()` may
 * replace any of them.
 *
 * @module
 */

import type { DocumentBus } from "../bus/bus.ts";
import type { DocumentMap, DocumentName, ExitStatus } from "../documents/types.ts";
import { PlanError } from "../errors.ts";
import type { Checkpoints, Interrupts } from "./_interrupts.ts";
import type { PlanState } from "./_plan_state.ts";
import type { Msg } from "./messages.ts";
import type { Readable } from "./protocols.ts";
import { isMovable, isReadable, isStageable, isTriggerable } from "./protocols.ts";

/** What the built-in commands act on. */
export interface CommandContext {
  /** The engine's bus, for `emit`. */
  readonly bus: DocumentBus;
  /** The plan's runs and devices. */
  readonly plan: PlanState;
  /** Pause requests, for `pause` and `checkpoint`. */
  readonly interrupts: Interrupts;
  /** What a resume rewinds to. */
  readonly checkpoints: Checkpoints;
}

/**
 * The built-in commands.
 * @param ctx The engine's plan state, interrupts, checkpoints and bus.
 * @returns One handler per command name, in the order the engine registers them.
 */
export function builtinCommands(ctx: CommandContext): Record<string, (msg: Msg) => unknown> {
  const { bus, plan, interrupts, checkpoints } = ctx;
  return {
    open_run: (m) => plan.openRun({ ...kw(m) }),
    close_run: (m) => {
      const { exit_status, reason } = kw(m);
      return plan.closeRun(
        (exit_status as ExitStatus | undefined) ?? "success",
        String(reason ?? ""),
      );
    },
    create: (m) => plan.requireRun("create").create(String(kw(m).name ?? m.args?.[0] ?? "primary")),
    read: (m) => {
      const obj = readable(m.command, m.obj);
      return plan.run ? plan.run.read(obj) : obj.read();
    },
    save: () => plan.requireRun("save").save(),
    drop: () => plan.requireRun("drop").drop(),
    declare_stream: (m) => {
      const objs = (m.args ?? []).map((obj) => readable(m.command, obj));
      return plan.requireRun("declare_stream").declareStream(String(kw(m).name ?? "primary"), objs);
    },
    set: (m) => {
      if (!isMovable(m.obj)) {
        throw new PlanError(`Cannot set: ${describeObj(m.obj)} is not movable`);
      }
      return plan.set(m.obj, m.args?.[0], kw(m).group);
    },
    trigger: (m) => {
      if (!isTriggerable(m.obj)) {
        throw new PlanError(`Cannot trigger: ${describeObj(m.obj)} is not triggerable`);
      }
      return plan.trigger(m.obj, kw(m).group);
    },
    wait: (m) => {
      const { group, timeout } = kw(m);
      return plan.wait(group, typeof timeout === "number" ? timeout : undefined);
    },
    sleep: (m) => {
      const seconds = Number(m.args?.[0] ?? 0);
      if (!(seconds > 0)) return;
      // An interrupted sleep must not hold its timer: it would keep the process alive.
      const signal = interrupts.signal;
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, seconds * 1000);
        signal.addEventListener("abort", done);
      });
    },
    checkpoint: () => {
      checkpoints.mark(plan.run);
      interrupts.checkpoint();
    },
    clear_checkpoint: () => checkpoints.clear(),
    pause: (m) => void interrupts.pause(Boolean(kw(m).defer), "paused by plan"),
    // As bluesky: staging a device that has no stage()/unstage() is nothing to do.
    stage: (m) => isStageable(m.obj) ? plan.stage(m.obj) : undefined,
    unstage: (m) => isStageable(m.obj) ? plan.unstage(m.obj) : undefined,
    subscribe: (m) => {
      const [name, callback] = m.args ?? [];
      return plan.subscribe(name, callback);
    },
    unsubscribe: (m) => plan.unsubscribe(Number(m.args?.[0] ?? kw(m).token)),
    null: () => undefined,
    locate: (m) => {
      const obj = m.obj as { position?: unknown } | null | undefined;
      if (obj && obj.position !== undefined) return obj.position;
      const readings = readable(m.command, m.obj).read();
      const first = (r: Record<string, { value: unknown }>) => Object.values(r)[0]?.value;
      return readings instanceof Promise ? readings.then(first) : first(readings);
    },
    emit: (m) => {
      const [name, doc] = m.args ?? [];
      bus.emit(name as DocumentName, doc as DocumentMap[DocumentName]);
    },
  };
}

function kw(m: Msg): Readonly<Record<string, unknown>> {
  return m.kwargs ?? {};
}

function readable(command: string, obj: unknown): Readable {
  if (!isReadable(obj)) {
    throw new PlanError(`Cannot ${command}: ${describeObj(obj)} is not readable`);
  }
  return obj;
}

function describeObj(obj: unknown): string {
  const name = (obj as { name?: unknown } | null)?.name;
  return typeof name === "string" ? `"${name}"` : String(obj);
}
