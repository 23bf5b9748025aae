/**
 * Simulated devices, in the role of ophyd: signals, composite devices, a motor shaped like
 * `EpicsMotor`, the seed's 10 Hz random sensor, and a Gaussian detector. And EPICS devices
 * over a {@linkcode PvTransport} (Channel Access by default): `EpicsSignalRO`, `EpicsSignal`,
 * `EpicsMotor` and apstools' `SwaitRecord`.
 *
 * @example A motor and a sensor
 * ```ts
 * import assert from "node:assert/strict";
 * import { RandomSensor, SimMotor } from "./mod.ts";
 * const motor = new SimMotor({ instant: true });
 * const sensor = new RandomSensor({ seed: 1 });
 * assert.ok(motor.set(0.25).done);
 * assert.equal(motor.position, 0.25);
 * assert.deepEqual(sensor.hints, { fields: ["sensor"] });
 * ```
 *
 * @module
 */

export { Signal, SignalRO, wallClock } from "./signal.ts";
export type { Clock, Kind, SignalOptions, TimedValue } from "./signal.ts";
export { Device } from "./device.ts";
export type { DeviceOptions } from "./device.ts";
export { pyRepr } from "./_repr.ts";
export { SimMotor, simMotorDefaults } from "./motor.ts";
export type { SimMotorOptions } from "./motor.ts";
export { randomAt, RandomSensor, randomSensorDefaults } from "./sensor.ts";
export type { RandomSensorOptions } from "./sensor.ts";
export { GaussianDetector, gaussianDetectorDefaults } from "./gaussian.ts";
export type { GaussianDetectorOptions, Noise, PositionSource } from "./gaussian.ts";
export { type AssetFlavor, SimAreaDetector, simAreaDetectorDefaults } from "./area_detector.ts";
export type { SimAreaDetectorOptions } from "./area_detector.ts";
export { EpicsSignal, epicsSignalDefaults, EpicsSignalRO } from "./epics/epics_signal.ts";
export type {
  EpicsParent,
  EpicsSignalOptions,
  EpicsSignalROOptions,
  EpicsUpdate,
  EpicsValue,
} from "./epics/epics_signal.ts";
export { EpicsDevice } from "./epics/epics_device.ts";
export type { EpicsComponent, EpicsDeviceOptions } from "./epics/epics_device.ts";
export { EpicsMotor, epicsMotorDefaults } from "./epics/epics_motor.ts";
export type { EpicsMotorOptions } from "./epics/epics_motor.ts";
export {
  setupRandomNumberSwait,
  SWAIT_CHANNEL_LETTERS,
  SwaitRecord,
  SwaitRecordChannel,
} from "./epics/swait_record.ts";
export type {
  SwaitChannelLetter,
  SwaitMenuValue,
  SwaitRecordChannelOptions,
  SwaitRecordOptions,
} from "./epics/swait_record.ts";
export { closeDefaultTransport, defaultTransport } from "./epics/default_transport.ts";
export type {
  ConnectionInfo,
  GetOptions,
  PutOptions,
  PvChannel,
  PvTransport,
  PvValue,
  SubscribeOptions,
  Subscription,
} from "./ca/transport.ts";
export { FAMILIES, NATIVE_TYPES } from "./ca/protocol.ts";
export type { Family, Limits as PvLimits, NativeType } from "./ca/protocol.ts";
export { CAClient, caClientDefaults } from "./ca/client.ts";
export type { CAClientOptions } from "./ca/client.ts";
export {
  AccessDeniedError,
  ArrayTooLargeError,
  CAError,
  ClosedError,
  ConnectionTimeoutError,
  DisconnectedError,
  OperationError,
  OperationTimeoutError,
} from "./ca/errors.ts";
