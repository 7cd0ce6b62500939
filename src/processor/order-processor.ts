import { setMaxListeners } from 'node:events';
import type { Clock } from '../core/clock.js';
import { isAbortError } from '../core/clock.js';
import type { Notifier } from '../core/notifier.js';
import type { BusMessage, Logger, MessageBus, OrderStore, PaymentGateway } from '../core/ports.js';
import { type Outcome, processOrderMessage } from './process-message.js';

export interface OrderProcessorOptions {
  /** Queue the orders arrive on. Default order-processing-queue. */
  queue?: string;
  /** Concurrent workers (messages processed at once). Default 1. */
  workers?: number;
  /** Visibility timeout of the queue, simulated ms; the keep-alive extends by this much. Default 30000. */
  visibilityTimeoutMs?: number;
  /** Long-poll wait per receive, simulated ms. Default 20000. */
  waitTimeMs?: number;
  /** Deliveries before a failing message is dead-lettered. Default 5. */
  maxReceiveCount?: number;
  /** Delay before a failed payment is retried, simulated ms. Default 1000. */
  retryDelayMs?: number;
}

export interface ProcessorStats {
  target: number;
  busy: number;
  paused: boolean;
  completed: number;
  failed: number;
  retried: number;
  deadLettered: number;
}

/**
 * The background side of async checkout: a poll loop receives up to 10
 * messages at a time — never more than there are idle workers — and hands each
 * to its own worker. The worker count can change while running.
 */
export class OrderProcessor {
  private readonly opts: Required<OrderProcessorOptions>;
  private target: number;
  private busy = 0;
  private paused = false;
  private running = false;
  private loop?: Promise<void>;
  private stopper = new AbortController();
  private wake?: () => void;
  /** Aborts the receives in progress, so a smaller or paused pool takes no more messages. */
  private receiving?: AbortController;
  private readonly active = new Map<string, { message: BusMessage; done: Promise<void> }>();
  private readonly settling = new Set<Promise<void>>();
  private readonly counters = { completed: 0, failed: 0, retried: 0, deadLettered: 0 };
  /** Called with each order that reaches a final state (metrics, e2e latency). */
  onFinished?: (outcome: Outcome, acceptedAt: number | undefined) => void;

  constructor(
    private readonly deps: {
      store: OrderStore;
      bus: MessageBus;
      gateway: PaymentGateway;
      notifier: Notifier;
      clock: Clock;
      logger: Logger;
    },
    options: OrderProcessorOptions = {},
  ) {
    this.opts = {
      queue: options.queue ?? 'order-processing-queue',
      workers: options.workers ?? 1,
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000,
      waitTimeMs: options.waitTimeMs ?? 20_000,
      maxReceiveCount: options.maxReceiveCount ?? 5,
      retryDelayMs: options.retryDelayMs ?? 1000,
    };
    this.target = this.opts.workers;
  }

  get queue(): string {
    return this.opts.queue;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopper = new AbortController();
    this.loop = this.poll();
  }

  /** Sets the number of workers; busy workers above the new count finish their message first. */
  setWorkers(count: number): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`worker count must be an integer ≥ 0, got ${count}`);
    if (count < this.target) this.receiving?.abort();
    this.target = count;
    this.deps.logger.info({ workers: count }, 'worker count set');
    this.nudge();
  }

  /** Stops taking messages (in-flight ones finish); resume() takes them again. */
  pause(): void {
    this.paused = true;
    this.receiving?.abort();
  }

  resume(): void {
    this.paused = false;
    this.nudge();
  }

  stats(): ProcessorStats {
    return { target: this.target, busy: this.busy, paused: this.paused, ...this.counters };
  }

  /**
   * Stops receiving and waits for in-flight messages up to `graceMs` (real
   * ms); those still running then are released back to the queue so another
   * worker picks them up, instead of waiting out their visibility timeout.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopper.abort();
    this.nudge();
    await this.loop;
    const pending = [...this.active.values()];
    const all = Promise.allSettled(pending.map((entry) => entry.done));
    const timedOut = await Promise.race([all.then(() => false), this.deps.clock.sleepReal(graceMs).then(() => true)]);
    if (timedOut) {
      for (const { message } of this.active.values()) {
        await this.deps.bus.release(this.opts.queue, message.receipt).catch(() => false);
      }
    }
    await Promise.allSettled([...this.settling]);
  }

  private nudge(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private async poll(): Promise<void> {
    const { bus, logger, clock } = this.deps;
    let backoff = 100;
    while (this.running) {
      const free = this.target - this.busy;
      if (free <= 0 || this.paused) {
        await this.idle();
        continue;
      }
      // One receive per 10 idle workers, all at once: they share one commit, so a
      // large pool refills in one round trip instead of free/10 sequential ones.
      this.receiving = new AbortController();
      const signal = AbortSignal.any([this.stopper.signal, this.receiving.signal]);
      // One receive per 10 workers listens on it: 100+ workers are expected, not a leak.
      setMaxListeners(0, signal);
      const results = await Promise.allSettled(
        Array.from({ length: Math.ceil(free / 10) }, (_, i) =>
          bus
            .receive(this.opts.queue, {
              maxMessages: Math.min(10, free - i * 10),
              waitMs: this.opts.waitTimeMs,
              signal,
            })
            // Each receive's messages go to workers the moment it returns: waiting for
            // the other receives' long polls would let their visibility lapse.
            .then((messages) => {
              for (const message of messages) this.dispatch(message);
            }),
        ),
      );
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (!failed) {
        backoff = 100;
        continue;
      }
      if (!this.running) break;
      // Aborted because the pool shrank or paused: go round again, nothing failed.
      if (isAbortError(failed.reason)) continue;
      logger.warn({ err: failed.reason, retryInMs: backoff }, 'receive failed; retrying');
      await clock.sleepReal(backoff).catch(() => undefined);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  private dispatch(message: BusMessage): void {
    this.busy++;
    const done = this.work(message).finally(() => {
      this.busy--;
      this.active.delete(message.receipt);
      this.nudge();
    });
    this.active.set(message.receipt, { message, done });
  }

  private async settle(message: BusMessage, outcome: Outcome): Promise<void> {
    const { bus, logger } = this.deps;
    const queue = this.opts.queue;
    try {
      if (outcome.action === 'done') {
        if (!(await bus.ack(queue, message.receipt))) {
          // Its visibility lapsed and another delivery took it; that delivery finds
          // the order settled and acknowledges it without a charge.
          logger.warn({ messageId: message.id }, 'message was redelivered while being processed');
        }
      } else if (outcome.action === 'retry') {
        await bus.release(queue, message.receipt, this.opts.retryDelayMs * 2 ** Math.min(message.receiveCount - 1, 5));
      } else await bus.deadLetter(queue, message.receipt, outcome.reason);
    } catch (err) {
      logger.warn({ err, messageId: message.id }, 'could not settle message; it will be redelivered');
    }
  }

  private async work(message: BusMessage): Promise<void> {
    const { bus, clock, logger } = this.deps;
    const queue = this.opts.queue;
    // Keep the message hidden while its payment runs, so it is never redelivered mid-payment.
    const every = clock.scale(this.opts.visibilityTimeoutMs) / 3;
    const keepAlive = setInterval(() => {
      bus.extend(queue, message.receipt, this.opts.visibilityTimeoutMs).catch((err) => {
        logger.warn({ err, messageId: message.id }, 'could not extend visibility');
      });
    }, every);
    try {
      const outcome = await processOrderMessage(this.deps, message, {
        maxReceiveCount: this.opts.maxReceiveCount,
      });
      if (outcome.finished && outcome.order) {
        if (outcome.order.status === 'completed') this.counters.completed++;
        else if (outcome.order.status === 'failed') this.counters.failed++;
        this.onFinished?.(outcome, Date.parse(outcome.order.created_at));
      }
      if (outcome.action === 'retry') this.counters.retried++;
      if (outcome.action === 'dead-letter') this.counters.deadLettered++;
      // The worker is free once the order is settled; settling the message is
      // bookkeeping that need not hold a worker (a redelivered message of a
      // finished order is acknowledged without a second charge).
      const settle = this.settle(message, outcome).finally(() => this.settling.delete(settle));
      this.settling.add(settle);
    } catch (error) {
      // Store or bus trouble: leave the message to reappear after its visibility timeout.
      logger.error({ err: error, messageId: message.id }, 'processing failed; message will be redelivered');
    } finally {
      clearInterval(keepAlive);
    }
  }
}
