/**
 * The autoscaler's decision, as a pure function of what it reads: target
 * tracking on the arrival rate (Little's law: λ × L busy workers keep up; a
 * little headroom keeps them from all being busy all the time) plus a term
 * that works a backlog off within the target drain time, bounded, and damped
 * by a dead band and cool-downs so it does not flap.
 */

export interface ScalingPolicy {
  /** Fewest workers. */
  minWorkers: number;
  /** Most workers. */
  maxWorkers: number;
  /** Simulated ms in which a backlog should be worked off. */
  targetDrainMs: number;
  /** Simulated ms after a change before the next increase. */
  scaleUpCooldownMs: number;
  /** Simulated ms after a change before a decrease. */
  scaleDownCooldownMs: number;
  /** A change smaller than this share of the current count is not worth making. Default 0.1. */
  tolerance?: number;
  /** Spare share above λ × L. At exactly λ × L every worker is always busy and any burst queues. Default 0.05. */
  headroom?: number;
}

export interface ScalingInputs {
  /** Simulated ms (monotonic) of the reading. */
  at: number;
  /** Orders arriving per simulated second. */
  arrivalRate: number;
  /** Messages waiting in the queue (visible, not yet taken). */
  backlog: number;
  /** Workers now. */
  current: number;
  /** Simulated ms per payment. */
  latencyMs: number;
  /** Payments the provider carries out at once; 0 = unlimited. */
  slots: number;
  /** When the count last changed (simulated ms), if it has. */
  lastChangeAt?: number;
}

export interface ScalingDecision {
  at: number;
  action: 'up' | 'down' | 'hold';
  /** Workers to run from now on. */
  workers: number;
  /** What the formula asks for, bounded by min, max and the provider's slots. */
  desired: number;
  /** The formula's unrounded, unbounded value. */
  raw: number;
  /** The upper bound used: max workers, or the provider's slots when fewer. */
  cap: number;
  reason: string;
  inputs: Omit<ScalingInputs, 'lastChangeAt' | 'at'>;
}

export function decide(inputs: ScalingInputs, policy: ScalingPolicy): ScalingDecision {
  const { at, arrivalRate, backlog, current, latencyMs, slots, lastChangeAt } = inputs;
  const tolerance = policy.tolerance ?? 0.1;
  const headroom = policy.headroom ?? 0.05;
  // Workers beyond the provider's slots would only wait in its line.
  const cap = slots > 0 ? Math.min(policy.maxWorkers, slots) : policy.maxWorkers;
  const drainRate = backlog / (policy.targetDrainMs / 1000);
  const raw = (arrivalRate * (1 + headroom) + drainRate) * (latencyMs / 1000);
  // The epsilon keeps 30.000000000004 from asking for a 31st worker.
  const desired = Math.min(cap, Math.max(policy.minWorkers, Math.ceil(raw - 1e-9)));
  const since = lastChangeAt === undefined ? Number.POSITIVE_INFINITY : at - lastChangeAt;
  const { lastChangeAt: _, at: __, ...seen } = inputs;
  const result = (action: ScalingDecision['action'], workers: number, reason: string): ScalingDecision => ({
    at,
    action,
    workers,
    desired,
    raw: Math.round(raw * 100) / 100,
    cap,
    reason,
    inputs: seen,
  });
  const formula = `(${round(arrivalRate)}/s × ${1 + headroom} + ${backlog} queued ÷ ${policy.targetDrainMs / 1000} s) × ${latencyMs / 1000} s = ${round(raw)}`;

  // A dead band on both sides: a measured rate always wobbles a little, and a
  // band only on the way down would ratchet the count up on every wobble. A
  // backlog that really builds up pushes `desired` out of the band soon enough.
  if (desired > current) {
    if (current > 0 && desired <= current * (1 + tolerance)) {
      return result('hold', current, `wants ${desired}, within tolerance`);
    }
    if (since < policy.scaleUpCooldownMs)
      return result('hold', current, `wants ${desired} but cooling down after a change`);
    return result('up', desired, `${formula} → ${desired}`);
  }
  if (desired < current) {
    // Above the cap (slots shrank, max lowered) there is nothing to wait for.
    if (current > cap) return result('down', desired, `above the cap of ${cap}`);
    if (desired >= current * (1 - tolerance)) return result('hold', current, `wants ${desired}, within tolerance`);
    if (since < policy.scaleDownCooldownMs)
      return result('hold', current, `wants ${desired} but cooling down after a change`);
    return result('down', desired, `${formula} → ${desired}`);
  }
  return result('hold', current, `steady at ${current}`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The arrival rate over a sliding window of cumulative counts. */
export class RateWindow {
  private readonly samples: Array<{ at: number; count: number }> = [];

  constructor(
    /** Simulated ms the rate is measured over. */
    private readonly windowMs: number,
  ) {}

  /** Records the cumulative count at simulated time `at` and returns the rate per simulated second. */
  add(at: number, count: number): number {
    this.samples.push({ at, count });
    // Keep one sample at or beyond the window's start, so the window is whole once it can be.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - this.windowMs) this.samples.shift();
    const first = this.samples[0];
    if (!first || at <= first.at) return 0;
    return ((count - first.count) / (at - first.at)) * 1000;
  }
}
