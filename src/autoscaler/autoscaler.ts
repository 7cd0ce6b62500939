import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/ports.js';
import { decide, RateWindow, type ScalingDecision, type ScalingPolicy } from './policy.js';

/** What the autoscaler reads each round. */
export interface ScalingSignals {
  /** Orders arrived since start (a cumulative count; its growth is the arrival rate). */
  arrivals: number;
  /** Messages waiting in the queue. */
  backlog: number;
  /** Simulated ms per payment. */
  latencyMs: number;
  /** Payments the provider carries out at once; 0 = unlimited. */
  slots: number;
}

/** Where the decided count goes (the processing control). */
export interface WorkerTarget {
  readonly desiredWorkers: number;
  setWorkers(count: number, by: 'autoscaler'): void;
}

/** Defaults and variables: the settings table (autoscale.*). */
export interface AutoscalerOptions extends Required<ScalingPolicy> {
  /** Simulated ms between decisions. */
  intervalMs: number;
  /** Simulated ms over which the arrival rate is measured. */
  windowMs: number;
  /** Decisions that changed the count kept for /stats. */
  keep: number;
  /** Backlog readings whose minimum the decision uses. */
  backlogReadings: number;
}

/**
 * Runs `decide` every interval on fresh signals and applies its answer. Each
 * decision is logged with its inputs (changes at info, holds at debug), and
 * the last one plus the recent changes are shown in /stats.
 */
export class Autoscaler {
  private readonly policy: ScalingPolicy;
  private readonly intervalMs: number;
  private readonly keep: number;
  private readonly backlogReadings: number;
  private readonly windowMs: number;
  private rate: RateWindow;
  private running?: AbortController;
  private loop?: Promise<void>;
  private lastChangeAt?: number;
  private last?: ScalingDecision;
  private readonly changes: ScalingDecision[] = [];
  private startedAt = 0;
  /** The last few backlog readings: a spike the workers clear within seconds is no reason to scale. */
  private readonly backlogs: number[] = [];
  private disabledReason?: string;

  constructor(
    private readonly deps: {
      target: WorkerTarget;
      signals: () => Promise<ScalingSignals>;
      clock: Clock;
      logger: Logger;
    },
    options: AutoscalerOptions,
  ) {
    const { intervalMs, windowMs, keep, backlogReadings, ...policy } = options;
    this.policy = policy;
    this.intervalMs = intervalMs;
    this.keep = keep;
    this.backlogReadings = backlogReadings;
    this.windowMs = windowMs;
    this.rate = new RateWindow(this.windowMs);
  }

  get enabled(): boolean {
    return this.running !== undefined;
  }

  start(): void {
    if (this.running) return;
    const running = new AbortController();
    this.running = running;
    this.disabledReason = undefined;
    this.startedAt = this.now();
    this.rate = new RateWindow(this.windowMs);
    this.backlogs.length = 0;
    this.loop = this.run(running.signal);
  }

  /** Stops deciding; the worker count stays where it is. */
  async stop(reason?: string): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    this.disabledReason = reason;
    running.abort();
    await this.loop;
  }

  /** Reads the signals, decides and applies once. */
  async tick(): Promise<ScalingDecision> {
    const { target, signals, logger } = this.deps;
    const signal = await signals();
    const at = this.now();
    const arrivalRate = this.rate.add(at, signal.arrivals);
    this.backlogs.push(signal.backlog);
    if (this.backlogs.length > this.backlogReadings) this.backlogs.shift();
    const decision = decide(
      {
        at,
        arrivalRate,
        backlog: Math.min(...this.backlogs),
        current: target.desiredWorkers,
        latencyMs: signal.latencyMs,
        slots: signal.slots,
        ...(this.lastChangeAt !== undefined ? { lastChangeAt: this.lastChangeAt } : {}),
      },
      this.policy,
    );
    this.last = decision;
    const log = { autoscaler: decision.action, workers: decision.workers, ...decision.inputs, reason: decision.reason };
    if (decision.action === 'hold') {
      logger.debug(log, 'autoscaler holds');
      return decision;
    }
    this.lastChangeAt = at;
    this.changes.push(decision);
    if (this.changes.length > this.keep) this.changes.shift();
    logger.info(log, `autoscaler scales ${decision.action} to ${decision.workers} workers`);
    target.setWorkers(decision.workers, 'autoscaler');
    return decision;
  }

  /** The figures of /stats `autoscaler`. */
  snapshot() {
    const view = (d: ScalingDecision) => ({
      at_ms: Math.round(d.at - this.startedAt),
      action: d.action,
      workers: d.workers,
      desired: d.desired,
      raw: d.raw,
      cap: d.cap,
      arrival_rate: Math.round(d.inputs.arrivalRate * 100) / 100,
      backlog: d.inputs.backlog,
      current: d.inputs.current,
      latency_ms: d.inputs.latencyMs,
      slots: d.inputs.slots,
      reason: d.reason,
    });
    return {
      enabled: this.enabled,
      ...(this.disabledReason ? { disabled_reason: this.disabledReason } : {}),
      min_workers: this.policy.minWorkers,
      max_workers: this.policy.maxWorkers,
      target_drain_ms: this.policy.targetDrainMs,
      interval_ms: this.intervalMs,
      ...(this.last ? { last: view(this.last) } : {}),
      changes: this.changes.map(view),
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { clock, logger } = this.deps;
    while (!signal.aborted) {
      try {
        await this.tick();
      } catch (error) {
        logger.warn({ err: error }, 'autoscaler could not decide; keeping the worker count');
      }
      await clock.sleep(this.intervalMs, signal).catch(() => undefined);
    }
  }

  /** Simulated ms, monotonic. */
  private now(): number {
    return this.deps.clock.unscale(this.deps.clock.monotonic());
  }
}
