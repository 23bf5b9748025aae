/**
 * Channel Access, both sides: the client that the EPICS devices use, and the server of the
 * soft IOC, with its records (motor, swait) and the publishing of simulated devices as PVs.
 * For facility developers who serve their own PVs or speak the protocol directly; scans use
 * the devices of `@nxdaq/nxdaq/devices`.
 *
 * @example Serve a PV and read it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { CAClient, CAServer, MapDatabase, SoftPv } from "./mod.ts";
 * const database = new MapDatabase();
 * database.add("demo:temperature", new SoftPv({ nativeType: "double", value: 21.5, units: "degC" }));
 * const server = new CAServer(database, { port: 0, beaconPort: 1 });
 * await server.start();
 * const client = new CAClient({
 *   env: {
 *     EPICS_CA_ADDR_LIST: "127.0.0.1",
 *     EPICS_CA_AUTO_ADDR_LIST: "NO",
 *     EPICS_CA_SERVER_PORT: String(server.port),
 *     EPICS_CA_REPEATER_PORT: "1",
 *   },
 * });
 * try {
 *   const [temperature] = await client.connect(["demo:temperature"]);
 *   const reading = await temperature!.get({ family: "ctrl" });
 *   assert.equal(reading.value, 21.5);
 *   assert.equal(reading.units, "degC");
 * } finally {
 *   await client.close();
 *   await server.close();
 * }
 * ```
 *
 * @module
 */

export { CAClient, caClientDefaults } from "./client.ts";
export type { CAClientOptions } from "./client.ts";
export {
  CA_ENVIRONMENT_VARIABLES,
  caEnvironmentDefaults,
  readCaEnvironment,
} from "./environment.ts";
export type { CaAddress, CaEnvironment } from "./environment.ts";
export {
  AccessDeniedError,
  ArrayTooLargeError,
  CAError,
  ClosedError,
  ConnectionTimeoutError,
  DisconnectedError,
  OperationError,
  OperationTimeoutError,
} from "./errors.ts";
export type {
  ConnectionInfo,
  GetOptions,
  PutOptions,
  PvChannel,
  PvTransport,
  PvValue,
  SubscribeOptions,
  Subscription,
} from "./transport.ts";
export { CAServer, caServerDefaults } from "./server.ts";
export type { CAServerEvent, CAServerOptions, CAServerStats } from "./server.ts";
export { MapDatabase, SoftPv } from "./served_pv.ts";
export type { PvDatabase, PvState, ServedPv, SoftPvOptions } from "./served_pv.ts";
export { publishDefaults, publishDevice, publishSignal } from "./publish.ts";
export type { PublishDeviceOptions, PublishSignalOptions } from "./publish.ts";
export { MotorRecord, motorRecordDefaults } from "./records/motor_record.ts";
export type { MotorRecordOptions } from "./records/motor_record.ts";
export { SoftSwaitRecord, softSwaitRecordDefaults } from "./records/swait_record.ts";
export type { SoftSwaitRecordOptions } from "./records/swait_record.ts";
export { CALC_VARIABLES, CalcError, compileCalc } from "./records/calc.ts";
export type {
  CalcExpression,
  CalcInputs,
  CalcVariable,
  CompileCalcOptions,
} from "./records/calc.ts";
export { seedIoc, seedIocDefaults } from "./records/seed_ioc.ts";
export type { SeedIoc, SeedIocOptions, SeedIocRecords } from "./records/seed_ioc.ts";
export {
  CA_MINOR_VERSION,
  DBE,
  dbrType,
  decodeDbr,
  encodeDbr,
  FAMILIES,
  NATIVE_TYPES,
} from "./protocol.ts";
export type { DbrData, Elements, Family, Limits, NativeType } from "./protocol.ts";
