/**
 * The speed profile of a motor record's move: from the base speed (VBAS) up to the speed
 * (VELO) in ACCL seconds, on at that speed, and down again to stop on the target. A move too
 * short to reach full speed turns back at its middle (a triangle).
 *
 * @module
 */

/** A move's profile. Distances are positive, in the motor's units; times in seconds. */
export interface Trapezoid {
  /** Length of the move. */
  readonly distance: number;
  /** Seconds the move takes. */
  readonly duration: number;
  /** Seconds spent speeding up (and again slowing down). */
  readonly ramp: number;
  /** Speed at the start and end. */
  readonly base: number;
  /** Top speed reached. */
  readonly peak: number;
  /** Acceleration (units/s²); `Infinity` for none. */
  readonly acceleration: number;
}

/**
 * The profile of a move.
 * @param distance Length of the move (its absolute value is used).
 * @param speed Top speed, > 0.
 * @param base Start and end speed, at most `speed`.
 * @param rampTime Seconds from `base` to `speed` (ACCL); 0 for a sudden start.
 * @returns The profile.
 */
export function trapezoid(
  distance: number,
  speed: number,
  base: number,
  rampTime: number,
): Trapezoid {
  const d = Math.abs(distance);
  const top = Math.max(speed, Number.MIN_VALUE);
  const vb = Math.min(Math.max(base, 0), top);
  if (!(rampTime > 0) || vb === top) {
    return {
      distance: d,
      duration: d / top,
      ramp: 0,
      base: top,
      peak: top,
      acceleration: Infinity,
    };
  }
  const a = (top - vb) / rampTime;
  const rampDistance = (vb + top) / 2 * rampTime;
  if (d >= 2 * rampDistance) {
    const duration = 2 * rampTime + (d - 2 * rampDistance) / top;
    return { distance: d, duration, ramp: rampTime, base: vb, peak: top, acceleration: a };
  }
  const peak = Math.sqrt(vb * vb + a * d);
  const ramp = (peak - vb) / a;
  return { distance: d, duration: 2 * ramp, ramp, base: vb, peak, acceleration: a };
}

/**
 * How far a move has gone after `t` seconds.
 * @param p The profile.
 * @param t Seconds since the start.
 * @returns Distance covered, from 0 to `p.distance`.
 */
export function travelled(p: Trapezoid, t: number): number {
  if (t <= 0) return 0;
  if (t >= p.duration) return p.distance;
  if (p.acceleration === Infinity) return p.peak * t;
  const up = (s: number) => p.base * s + p.acceleration * s * s / 2;
  if (t < p.ramp) return up(t);
  const cruiseEnd = p.duration - p.ramp;
  if (t <= cruiseEnd) return up(p.ramp) + p.peak * (t - p.ramp);
  return p.distance - up(p.duration - t);
}
