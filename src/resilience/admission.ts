import type { GatewayStats } from '../core/ports.js';

/** Defaults and variables: the settings table (admission.*). */
export interface AdmissionOptions {
  /** Refuse requests that could not be paid in time; off = every request waits its turn (the study's collapse). */
  enabled: boolean;
  /** How long a client waits when it does not say, simulated ms. */
  deadlineMs: number;
}

export type AdmissionDecision =
  | {
      admit: true;
      /** Simulated ms until this request's payment would end, counting every payment ahead as a whole one. */
      expectedMs: number;
      ahead: number;
      /** Call once the request is answered (or abandoned). */
      release: () => void;
    }
  | {
      admit: false;
      expectedMs: number;
      ahead: number;
      deadlineMs: number;
      /** Simulated ms until the line should be short enough for this deadline. */
      retryAfterMs: number;
    };

/**
 * Admission control for synchronous checkout. A new request's payment ends
 * after ⌊ahead ÷ slots⌋ + 1 payment latencies, where `ahead` counts the
 * payments in flight and those waiting for a slot — each as a whole latency,
 * so the estimate is the worst case and an admitted request meets its deadline.
 * A request that would miss its deadline is refused at once instead of
 * waiting to time out. Requests admitted but not yet at the gateway (storing
 * the order) are counted too, so a burst cannot all slip through at once.
 * Admitted requests wait in the gateway's FIFO line, which hands a freed slot
 * straight to the next live waiter, so the slot never idles while they wait.
 */
export class AdmissionControl {
  private readonly opts: AdmissionOptions;
  private admitted = 0;
  private readonly counters = { admitted: 0, rejected: 0 };

  constructor(
    private readonly deps: { gateway: () => GatewayStats },
    options: AdmissionOptions,
  ) {
    this.opts = { enabled: options.enabled, deadlineMs: options.deadlineMs };
  }

  get enabled(): boolean {
    return this.opts.enabled;
  }

  get defaultDeadlineMs(): number {
    return this.opts.deadlineMs;
  }

  /** Decides on one sync request whose client waits `deadlineMs` (simulated). */
  decide(deadlineMs = this.opts.deadlineMs): AdmissionDecision {
    const { slots, inFlight, waiting, latencyMs } = this.deps.gateway();
    // Sync requests still storing their order are not yet in the gateway's
    // line; those at the gateway are in both counts, hence max, not sum.
    const ahead = Math.max(inFlight + waiting, this.admitted);
    const expectedMs = slots > 0 ? (Math.floor(ahead / slots) + 1) * latencyMs : latencyMs;
    if (this.opts.enabled && expectedMs > deadlineMs) {
      this.counters.rejected++;
      // The estimate falls by one latency each time `slots` payments end.
      const excess = expectedMs - deadlineMs;
      const retryAfterMs = latencyMs > 0 ? Math.ceil(excess / latencyMs) * latencyMs : 0;
      return { admit: false, expectedMs, ahead, deadlineMs, retryAfterMs };
    }
    this.admitted++;
    this.counters.admitted++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.admitted--;
    };
    return { admit: true, expectedMs, ahead, release };
  }

  /** The figures of /stats `admission`. */
  snapshot() {
    return {
      enabled: this.opts.enabled,
      deadline_ms: this.opts.deadlineMs,
      in_progress: this.admitted,
      admitted: this.counters.admitted,
      rejected: this.counters.rejected,
    };
  }
}
