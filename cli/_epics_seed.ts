/**
 * The seed's EPICS devices, built as the seed builds them: `EpicsMotor("<ioc>m10")`, an swait
 * record `<ioc>userCalc10` set up as a 10 Hz random number generator, and
 * `EpicsSignalRO("<ioc>userCalc10.VAL")` as the sensor.
 *
 * @module
 */

import {
  CAClient,
  ConnectionTimeoutError,
  EpicsMotor,
  EpicsSignalRO,
  setupRandomNumberSwait,
  SwaitRecord,
} from "../devices/mod.ts";

/** The seed's devices on one client. */
export interface SeedDevices {
  /** `EpicsMotor("<ioc>m10", name="motor")`. */
  motor: EpicsMotor;
  /** `SwaitRecord("<ioc>userCalc10", name="calc10")`. */
  calc10: SwaitRecord;
  /** `EpicsSignalRO(calc10.calculated_value.pvname, name="sensor")`. */
  sensor: EpicsSignalRO;
  /** Close the client. */
  close(): Promise<void>;
}

/**
 * Connect the seed's devices and set up the random number generator, as the seed does. Every
 * PV is waited for at once, so a failure lists all the PVs that did not connect.
 * @param ioc PV prefix of the IOC, for example `"gp:"`.
 * @param options Seconds to wait for the connections; the client's `EPICS_CA_*` variables
 * (default: the process's); where the client's errors that nobody awaits go.
 * @returns The connected devices.
 * @throws {ConnectionTimeoutError} Listing every PV not connected in time.
 */
export async function connectSeedDevices(
  ioc: string,
  options: {
    timeout: number;
    env?: Record<string, string>;
    onError?: (error: Error) => void;
  },
): Promise<SeedDevices> {
  const transport = new CAClient({
    ...(options.env ? { env: options.env } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  try {
    const motor = new EpicsMotor(`${ioc}m10`, { name: "motor", transport });
    const calc10 = new SwaitRecord(`${ioc}userCalc10`, { name: "calc10", transport });
    const sensor = new EpicsSignalRO(calc10.calculatedValue.readPv, { name: "sensor", transport });
    const waits = await Promise.allSettled(
      [motor, sensor, calc10].map((device) => device.waitForConnection(options.timeout)),
    );
    const missing = new Set<string>();
    for (const wait of waits) {
      if (wait.status === "fulfilled") continue;
      if (!(wait.reason instanceof ConnectionTimeoutError)) throw wait.reason;
      for (const pv of wait.reason.pvs) missing.add(pv);
    }
    if (missing.size > 0) throw new ConnectionTimeoutError([...missing], options.timeout);
    await setupRandomNumberSwait(calc10);
    return { motor, calc10, sensor, close: () => transport.close() };
  } catch (error) {
    await transport.close();
    throw error;
  }
}

/**
 * A sink for errors that come again and again (a search that cannot be sent, a lost circuit):
 * the first of each message is shown at once, the repeats are counted and summed up at the end.
 */
export class CountedWarnings {
  #counts = new Map<string, number>();
  #show: (line: string) => void;

  /**
   * Make a sink that shows each new warning with `show`.
   * @param show Prints one line.
   */
  constructor(show: (line: string) => void) {
    this.#show = show;
  }

  /**
   * Show the error, or count it when its message was shown before.
   * @param error The error.
   */
  readonly add = (error: Error): void => {
    const count = this.#counts.get(error.message) ?? 0;
    this.#counts.set(error.message, count + 1);
    if (count === 0) this.#show(`warning: ${error.message}`);
  };

  /** Show how often each warning came again, then forget them. */
  summarize(): void {
    for (const [message, count] of this.#counts) {
      if (count > 1) this.#show(`warning: ${count - 1} more times: ${message}`);
    }
    this.#counts.clear();
  }
}
