import type { BackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';
import type { DependencyHealth } from './health.js';
import type { Notifier } from './notifier.js';
import { type NextRound, PollLoop } from './poll-loop.js';
import type { Logger, OrderStore } from './ports.js';
import { settle } from './settle.js';

export interface ReservationSweeperOptions {
  /** Simulated ms an async order may stay pending before it is failed as expired (setting: no default, off). */
  timeoutMs: number;
  /** Simulated ms between sweeps. Default a tenth of the timeout, at most 10000; never under 50 real ms. */
  intervalMs?: number;
  /** Orders expired per round; a full round is followed by another at once. Default 100. */
  batch?: number;
  /** Real ms between retries while the store is down. */
  backoff: BackoffOptions;
}

/** The `reservations` section of /stats; counts since start. */
export type ReservationSweeperStats = {
  timeout_ms: number;
  sweeps: number;
  /** Orders this process failed as expired. */
  expired: number;
  /** Orders found overdue that a worker (or a cancel, or another sweeper) moved first. */
  taken_first: number;
  /** Epoch ms of the last sweep; 0 before the first. */
  last_sweep_at: number;
};

/** Real ms between sweeps at the least: closer would only churn the store. */
const MIN_INTERVAL_REAL_MS = 50;

/**
 * Holds that expire: every interval, the async orders still `pending` longer
 * than the reservation timeout end failed `expired` — the customer notified,
 * the units back on sale by the store's transition. The transition is guarded
 * from `pending` only: a worker claims an order (pending → processing) before
 * it charges, so an expiry can never race a payment, and of several sweepers
 * (one per process) exactly one expires an order.
 */
export class ReservationSweeper {
  private readonly loop: PollLoop<never>;
  private readonly batch: number;
  private readonly intervalRealMs: number;
  private readonly counters = { sweeps: 0, expired: 0, takenFirst: 0, lastSweepAt: 0 };

  constructor(
    private readonly deps: {
      store: OrderStore;
      notifier: Notifier;
      clock: Clock;
      logger: Logger;
      health: DependencyHealth;
    },
    private readonly options: ReservationSweeperOptions,
  ) {
    if (!(options.timeoutMs > 0)) throw new RangeError(`reservation timeout must be > 0 ms, got ${options.timeoutMs}`);
    this.batch = options.batch ?? 100;
    const interval = options.intervalMs ?? Math.min(options.timeoutMs / 10, 10_000);
    this.intervalRealMs = Math.max(MIN_INTERVAL_REAL_MS, deps.clock.scale(interval));
    this.loop = new PollLoop<never>(
      { clock: deps.clock, logger: deps.logger, health: deps.health, round: () => this.round() },
      { name: 'reservation sweeper', dependency: 'store', backoff: options.backoff },
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Sweeping now (between start() and stop()). */
  get isRunning(): boolean {
    return this.loop.isRunning;
  }

  /** Stops sweeping; the round under way ends first (its transitions are short writes). */
  stop(graceMs: number): Promise<void> {
    return this.loop.stop(graceMs);
  }

  /** Expires the orders overdue now, one batch; resolves to how many this call expired. */
  async sweep(): Promise<number> {
    return (await this.sweepOnce()).expired;
  }

  private async sweepOnce(): Promise<{ found: number; expired: number }> {
    const { store, clock, logger } = this.deps;
    const { timeoutMs } = this.options;
    const now = clock.now();
    const createdBefore = new Date(now - clock.scale(timeoutMs)).toISOString();
    const due = await store.pendingSince({ createdBefore, limit: this.batch });
    this.counters.sweeps++;
    this.counters.lastSweepAt = now;
    const reason = `not paid within the reservation timeout (${timeoutMs / 1000} s); its units are back on sale`;
    // In parallel: the embedded store commits them together.
    const ended = await Promise.all(
      due.map((order) =>
        settle(this.deps, order, { status: 'failed', code: 'expired', reason }, undefined, ['pending']),
      ),
    );
    const expired = ended.filter((e) => e.settled).length;
    this.counters.expired += expired;
    this.counters.takenFirst += ended.length - expired;
    if (expired > 0) logger.info({ expired, timeoutMs }, 'reservations expired');
    return { found: due.length, expired };
  }

  stats(): ReservationSweeperStats {
    const { sweeps, expired, takenFirst, lastSweepAt } = this.counters;
    return {
      timeout_ms: this.options.timeoutMs,
      sweeps,
      expired,
      taken_first: takenFirst,
      last_sweep_at: lastSweepAt,
    };
  }

  private async round(): Promise<NextRound> {
    const { found } = await this.sweepOnce();
    return found === this.batch ? 'again' : { afterMs: this.intervalRealMs };
  }
}
