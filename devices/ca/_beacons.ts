/**
 * Beacon anomalies: which server beacons mean that a server (re)appeared, so that PVs not found
 * yet are worth searching for again at once.
 *
 * @module
 */

interface Seen {
  id: number;
  at: number;
  interval: number | undefined;
}

/**
 * Follows the beacons of every server and tells which are anomalies: the first beacon of a
 * server, an id sequence that went backwards (the server restarted), beacons suddenly much
 * more frequent (a restarted server starts fast), or a beacon after a long silence (the server
 * or its network came back). A repeated id (a duplicate route) is ignored.
 */
export class BeaconTracker {
  #servers = new Map<string, Seen>();

  /**
   * Take note of a beacon.
   * @param server `host:port` of the server.
   * @param id The beacon's sequence number.
   * @param at Milliseconds, from a monotonic clock.
   * @returns Whether the beacon is an anomaly.
   */
  observe(server: string, id: number, at: number): boolean {
    const seen = this.#servers.get(server);
    if (seen === undefined) {
      this.#servers.set(server, { id, at, interval: undefined });
      return true;
    }
    const advance = (id - seen.id) >>> 0;
    if (advance === 0) return false;
    const interval = at - seen.at;
    const restarted = advance > 0x80000000;
    const previous = seen.interval;
    seen.id = id;
    seen.at = at;
    if (restarted) {
      seen.interval = undefined;
      return true;
    }
    // A few missing ids are lost datagrams, not a change; the interval then spans them.
    const perBeacon = interval / Math.min(advance, 8);
    seen.interval = perBeacon;
    if (previous === undefined) return false;
    return perBeacon < previous * 0.5 || perBeacon > previous * 4;
  }

  /**
   * Forget a server, so that its next beacon counts as new.
   * @param server `host:port`.
   */
  forget(server: string): void {
    this.#servers.delete(server);
  }
}
