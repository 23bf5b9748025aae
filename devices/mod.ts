/**
 * Simulated devices, in the role of ophyd: signals, composite devices, a motor shaped like
 * `EpicsMotor`, the seed's 10 Hz random sensor, and a Gaussian detector.
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
