/**
 * The choices of EPICS base's menus that every record's fields use (`menuScan`,
 * `menuAlarmSevr`, ...), in their database order: a DBR_ENUM value is an index into them.
 *
 * @module
 */

/** `menuScan`: the SCAN field. */
export const MENU_SCAN = [
  "Passive",
  "Event",
  "I/O Intr",
  "10 second",
  "5 second",
  "2 second",
  "1 second",
  ".5 second",
  ".2 second",
  ".1 second",
] as const;

/** Seconds between processings of each periodic SCAN choice, by index into `MENU_SCAN`. */
export const SCAN_PERIODS: ReadonlyMap<number, number> = new Map([
  [3, 10],
  [4, 5],
  [5, 2],
  [6, 1],
  [7, 0.5],
  [8, 0.2],
  [9, 0.1],
]);

/** `menuAlarmSevr`. */
export const MENU_ALARM_SEVR = ["NO_ALARM", "MINOR", "MAJOR", "INVALID"] as const;

/** `menuAlarmStat`: only the first 16 fit in a DBR_CTRL_ENUM, as on a real IOC. */
export const MENU_ALARM_STAT = [
  "NO_ALARM",
  "READ",
  "WRITE",
  "HIHI",
  "HIGH",
  "LOLO",
  "LOW",
  "STATE",
  "COS",
  "COMM",
  "TIMEOUT",
  "HWLIMIT",
  "CALC",
  "SCAN",
  "LINK",
  "SOFT",
  "BAD_SUB",
  "UDF",
  "DISABLE",
  "SIMM",
  "READ_ACCESS",
  "WRITE_ACCESS",
] as const;

/** Alarm status codes used here, as indices into `MENU_ALARM_STAT`. */
export const ALARM_STATUS = { NONE: 0, CALC: 12, UDF: 17, DISABLE: 18 } as const;

/** Alarm severities, as indices into `MENU_ALARM_SEVR`. */
export const ALARM_SEVERITY = { NONE: 0, MINOR: 1, MAJOR: 2, INVALID: 3 } as const;

/** `menuYesNo`. */
export const MENU_YES_NO = ["NO", "YES"] as const;

/** `menuPini`. */
export const MENU_PINI = ["NO", "YES", "RUN", "RUNNING", "PAUSE", "PAUSED"] as const;

/** `menuPriority`. */
export const MENU_PRIORITY = ["LOW", "MEDIUM", "HIGH"] as const;

/** `menuOmsl`. */
export const MENU_OMSL = ["supervisory", "closed_loop"] as const;
