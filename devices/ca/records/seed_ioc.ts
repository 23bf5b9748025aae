/**
 * The PVs of the seed's IOC (a synApps xxx IOC with prefix `gp:`): motor records `m1`..`m16`
 * and swait records `userCalc1`..`userCalc10` with their enable switches, ready to be served
 * by a Channel Access server.
 *
 * @module
 */

import { MapDatabase, SoftPv } from "../served_pv.ts";
import { MotorRecord, type MotorRecordOptions } from "./motor_record.ts";
import { SoftSwaitRecord } from "./swait_record.ts";

/** Options of {@linkcode seedIoc}. */
export interface SeedIocOptions {
  /** Prefix of every PV. */
  prefix?: string;
  /** Numbers of the motor records `<prefix>m<N>`. */
  motors?: readonly number[];
  /** Numbers of the swait records `<prefix>userCalc<N>`. */
  calcs?: readonly number[];
  /** Options of every motor (speeds, limits, units). */
  motor?: MotorRecordOptions;
  /** Source of the calcs' `RNDM`, uniform in `[0, 1)` (default `Math.random`). */
  random?: () => number;
  /** Source of POSIX seconds for the timestamps (default the wall clock). */
  clock?: () => number;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** Defaults of {@linkcode SeedIocOptions}: the xxx IOC's records. */
export const seedIocDefaults: {
  readonly prefix: string;
  readonly motors: readonly number[];
  readonly calcs: readonly number[];
} = {
  prefix: "gp:",
  motors: range(16),
  calcs: range(10),
} satisfies SeedIocOptions;

/** The records of a {@linkcode SeedIoc}, by number. */
export interface SeedIocRecords {
  /** Motor records: 10 is `<prefix>m10`. */
  motors: ReadonlyMap<number, MotorRecord>;
  /** Swait records: 10 is `<prefix>userCalc10`. */
  calcs: ReadonlyMap<number, SoftSwaitRecord>;
}

/** What {@linkcode seedIoc} builds. */
export interface SeedIoc {
  /** Every PV, for the server. */
  database: MapDatabase;
  /** The records. */
  records: SeedIocRecords;
  /** Stop the records' timers and monitors. */
  close(): void;
}

const ENABLE = ["Disable", "Enable"] as const;

function enableSwitch(clock: (() => number) | undefined): SoftPv {
  return new SoftPv({
    nativeType: "enum",
    value: 1,
    enumStrings: ENABLE,
    ...(clock ? { clock } : {}),
    onWrite(elements, pv) {
      const value = Number(elements[0]);
      if (value !== 0 && value !== 1) {
        throw new Error(`An enable switch takes 0 (Disable) or 1 (Enable): got "${elements[0]}"`);
      }
      pv.set(value);
    },
  });
}

/**
 * Build the seed's IOC: `<prefix>m<N>` motor records (fresh: at 0, EGU "degrees", PREC 5,
 * limits ±32000, VELO 1, ACCL 0.2) and `<prefix>userCalc<N>` swait records (fresh: CALC "0",
 * SCAN "Passive"), each calc disabled unless both `<prefix>userCalcEnable` and
 * `<prefix>userCalc<N>Enable` are "Enable" (as they are at start). The calcs' links may name
 * any PV of the IOC.
 *
 * @example The seed's two records
 * ```ts
 * import assert from "node:assert/strict";
 * import { seedIoc } from "./seed_ioc.ts";
 * const ioc = seedIoc({ motors: [10], calcs: [10] });
 * assert.equal(ioc.database.lookup("gp:m10.EGU")?.state().elements[0], "degrees");
 * assert.equal(ioc.database.lookup("gp:userCalc10.CALC")?.state().elements[0], "0");
 * assert.equal(ioc.records.motors.get(10)?.name, "gp:m10");
 * ioc.close();
 * ```
 *
 * @param options Prefix, record numbers, motor settings, random source and clock.
 * @returns The database, the records, and `close()`.
 */
export function seedIoc(options: SeedIocOptions = {}): SeedIoc {
  const o = { ...seedIocDefaults, ...options };
  const database = new MapDatabase();
  const clock = o.clock ? { clock: o.clock } : {};
  const motors = new Map<number, MotorRecord>();
  for (const n of o.motors) {
    const motor = new MotorRecord(`${o.prefix}m${n}`, { ...o.motor, ...clock });
    motor.addTo(database);
    motors.set(n, motor);
  }
  const calcs = new Map<number, SoftSwaitRecord>();
  const stops: (() => void)[] = [];
  const all = enableSwitch(o.clock);
  if (o.calcs.length) database.add(`${o.prefix}userCalcEnable`, all);
  for (const n of o.calcs) {
    const name = `${o.prefix}userCalc${n}`;
    const calc = new SoftSwaitRecord(name, {
      resolve: (pv) => database.lookup(pv),
      ...(o.random ? { random: o.random } : {}),
      ...clock,
    });
    calc.addTo(database);
    calcs.set(n, calc);
    // As the xxx IOC: SDIS reads a calc of the two switches, and 0 disables.
    const own = enableSwitch(o.clock);
    const both = new SoftPv({ nativeType: "long", value: 1, writable: false, ...clock });
    const update = () => both.set(Number(all.value) && Number(own.value) ? 1 : 0);
    stops.push(all.subscribe(update), own.subscribe(update));
    database.add(`${name}Enable`, own);
    database.add(`${name}EnableCalc`, both);
    calc.field("SDIS").set(`${name}EnableCalc NPP NMS`);
    calc.field("DISV").set(0);
  }
  return {
    database,
    records: { motors, calcs },
    close() {
      for (const stop of stops.splice(0)) stop();
      for (const motor of motors.values()) motor.close();
      for (const calc of calcs.values()) calc.close();
    },
  };
}
