import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/ports.js';
import type { BreakerGateway, BreakerState } from './breaker-gateway.js';

/** The part of the order processor that operations steer. */
export interface WorkerPool {
  setWorkers(count: number): void;
  pause(): void;
  resume(): void;
  stats(): { target: number; busy: number; paused: boolean };
}

/** Who set the worker count last. */
export type WorkersSetBy = 'config' | 'operator' | 'autoscaler';

/**
 * One place that decides what the processor may do, from three voices: the
 * operator (pause, worker count), the autoscaler (worker count) and the
 * circuit breaker. While the breaker is open the processor takes no messages,
 * so they wait in the queue instead of failing into the dead-letter queue;
 * when a probe is due it runs with one worker, so one message — not a batch —
 * tests the provider; when the breaker closes the wanted count returns.
 */
export class ProcessingControl {
  private desired: number;
  private setBy: WorkersSetBy = 'config';
  private operatorPaused = false;
  private hold: 'none' | 'open' | 'probing' = 'none';
  private probeTimer?: AbortController;
  private unsubscribe?: () => void;

  constructor(private readonly deps: { pool: WorkerPool; breaker?: BreakerGateway; clock: Clock; logger: Logger }) {
    this.desired = deps.pool.stats().target;
  }

  start(): void {
    this.unsubscribe = this.deps.breaker?.onStateChange((state) => this.breakerChanged(state));
  }

  stop(): void {
    this.unsubscribe?.();
    this.probeTimer?.abort();
  }

  /** The worker count wanted when nothing holds the processor back. */
  get desiredWorkers(): number {
    return this.desired;
  }

  setWorkers(count: number, by: WorkersSetBy): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`worker count must be an integer ≥ 0, got ${count}`);
    this.desired = count;
    this.setBy = by;
    this.apply();
  }

  /** The operator's pause: no new messages until resume(), whatever the breaker says. */
  pause(): void {
    this.operatorPaused = true;
    this.apply();
  }

  resume(): void {
    this.operatorPaused = false;
    this.apply();
  }

  /** The figures of /stats `processing`. */
  snapshot() {
    return {
      desired_workers: this.desired,
      workers_set_by: this.setBy,
      paused_by_operator: this.operatorPaused,
      held_by_breaker: this.hold === 'none' ? null : this.hold,
    };
  }

  private breakerChanged(state: BreakerState): void {
    this.probeTimer?.abort();
    this.probeTimer = undefined;
    if (state === 'open') {
      this.hold = 'open';
      this.scheduleProbe();
    } else {
      this.hold = state === 'half-open' ? 'probing' : 'none';
    }
    this.apply();
  }

  /** cockatiel half-opens on the first call after the break; with the processor paused, that call is ours to make. */
  private scheduleProbe(): void {
    const { breaker, clock, logger } = this.deps;
    if (!breaker) return;
    const timer = new AbortController();
    this.probeTimer = timer;
    // A few ms past the due time: cockatiel compares Date.now(), timers run on another clock.
    clock.sleepReal(breaker.retryAfterMs() + 5, timer.signal).then(
      () => {
        if (timer.signal.aborted || this.hold !== 'open') return;
        logger.info({ breaker: breaker.state }, 'breaker probe due: processing one message');
        this.hold = 'probing';
        this.apply();
      },
      () => undefined,
    );
  }

  private apply(): void {
    const { pool } = this.deps;
    const target = this.hold === 'probing' ? Math.min(1, this.desired) : this.desired;
    if (pool.stats().target !== target) pool.setWorkers(target);
    if (this.operatorPaused || this.hold === 'open') pool.pause();
    else pool.resume();
  }
}
