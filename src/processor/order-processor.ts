import type { BackoffOptions } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { Events, type Listener } from '../core/events.js';
import type { DependencyHealth } from '../core/health.js';
import type { Notifier } from '../core/notifier.js';
import type { Order } from '../core/order.js';
import type { NextRound, PollLoop } from '../core/poll-loop.js';
import type { BusMessage, Logger, MessageBus, OrderStore, PaymentGateway } from '../core/ports.js';
import { keepHidden, queueLoop, receiveBatches } from '../core/receive-batches.js';
import { type Outcome, processOrderMessage } from './process-message.js';

export interface OrderProcessorOptions {
  /** Queue the orders arrive on (config default order-processing-queue). */
  queue: string;
  /** Concurrent workers, i.e. messages processed at once (config default 1). */
  workers: number;
  /** Visibility timeout of the queue, simulated ms; the keep-alive extends by this much (config default 30000). */
  visibilityTimeoutMs: number;
  /** Long-poll wait per receive, simulated ms (config default 20000). */
  waitTimeMs: number;
  /** Deliveries before a failing message is dead-lettered (config default 5). */
  maxReceiveCount: number;
  /** Delay before a failed payment is retried, simulated ms, doubling per delivery (config default 1000). */
  retryDelayMs: number;
  /** Real ms between retries while the bus or the store is down (default 100 doubling to 5000, full jitter). */
  backoff: BackoffOptions;
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

/** An outcome that brought its order to a final state. */
export type SettledOutcome = Outcome & { finished: true; order: Order };

export interface ProcessorEvents {
  /** An order reached completed or failed here (metrics, e2e latency). */
  settled: [outcome: SettledOutcome];
}

/**
 * An id no order has. A guarded transition of it matches no row: it proves the
 * store takes writes (what a worker needs; a read could pass on a read-only
 * database) and changes nothing.
 */
const PROBE_ORDER_ID = 'health-probe';

/**
 * The background side of async checkout: a poll loop receives up to 10
 * messages at a time — never more than there are idle workers — and hands each
 * to its own worker. The worker count can change while running. While the
 * store is down no message is taken (it would only use up one of its
 * deliveries); the messages in hand go back to the queue at once.
 */
export class OrderProcessor {
  private readonly loop: PollLoop<BusMessage>;
  private readonly events: Events<ProcessorEvents>;
  private target: number;
  private paused = false;
  private readonly counters = { completed: 0, failed: 0, retried: 0, deadLettered: 0 };

  constructor(
    private readonly deps: {
      store: OrderStore;
      bus: MessageBus;
      gateway: PaymentGateway;
      notifier: Notifier;
      clock: Clock;
      logger: Logger;
      health: DependencyHealth;
    },
    private readonly opts: OrderProcessorOptions,
  ) {
    const { store, logger } = deps;
    this.target = opts.workers;
    this.events = new Events((err) => logger.error({ err }, 'a processor event listener failed'));
    this.loop = queueLoop(deps, {
      name: 'processor',
      queue: opts.queue,
      backoff: opts.backoff,
      round: (signal) => this.round(signal),
      // While the store is down a message taken would only use up one of its deliveries.
      probes: { store: () => store.transition(PROBE_ORDER_ID, ['pending'], { status: 'processing' }) },
    });
  }

  get queue(): string {
    return this.opts.queue;
  }

  on<K extends keyof ProcessorEvents>(event: K, listener: Listener<ProcessorEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  start(): void {
    this.loop.start();
  }

  /** Sets the number of workers; busy workers above the new count finish their message first. */
  setWorkers(count: number): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`worker count must be an integer ≥ 0, got ${count}`);
    // A smaller pool takes no more messages: the receives under way would bring too many.
    if (count < this.target) this.loop.abort();
    this.target = count;
    this.deps.logger.info({ workers: count }, 'worker count set');
    this.loop.wake();
  }

  /** Stops taking messages (in-flight ones finish); resume() takes them again. */
  pause(): void {
    this.paused = true;
    this.loop.abort();
  }

  resume(): void {
    this.paused = false;
    this.loop.wake();
  }

  stats(): ProcessorStats {
    return { target: this.target, busy: this.loop.busy, paused: this.paused, ...this.counters };
  }

  /** Resolves once the messages taken, released by stop() or not, are done with: payment ended, order settled. */
  finished(): Promise<void> {
    return this.loop.finished();
  }

  /**
   * Stops receiving and waits for in-flight messages up to `graceMs` (real
   * ms); those still running then are released back to the queue so another
   * worker picks them up, instead of waiting out their visibility timeout.
   */
  stop(graceMs: number): Promise<void> {
    return this.loop.stop(graceMs);
  }

  private async round(signal: AbortSignal): Promise<NextRound> {
    const { bus, health } = this.deps;
    const free = this.target - this.loop.busy;
    if (free <= 0 || this.paused) return 'idle';
    // One receive per 10 idle workers, all at once: they share one commit, so a
    // large pool refills in one round trip instead of free/10 sequential ones.
    await receiveBatches(
      { bus, health },
      { queue: this.opts.queue, free, receives: Math.ceil(free / 10), waitMs: this.opts.waitTimeMs, signal },
      (message) => this.loop.run(message, this.work(message)),
    );
    return 'again';
  }

  private async work(message: BusMessage): Promise<void> {
    const { bus, logger, health } = this.deps;
    const { queue, visibilityTimeoutMs } = this.opts;
    // Keep the message hidden while its payment runs, so it is never redelivered mid-payment.
    const stopKeepAlive = keepHidden(this.deps, { queue, receipt: message.receipt, visibilityTimeoutMs });
    try {
      const outcome = await health.observe(
        'store',
        processOrderMessage(this.deps, message, { maxReceiveCount: this.opts.maxReceiveCount }),
      );
      this.count(outcome);
      // The worker is free once the order is settled; settling the message is
      // bookkeeping that need not hold a worker (a redelivered message of a
      // finished order is acknowledged without a second charge).
      this.loop.later(this.settle(message, outcome));
    } catch (err) {
      // The store failed (health has logged it, once): the loop takes no more messages until it
      // answers again, and this one goes back to the queue now, to be paid then.
      logger.debug({ err, messageId: message.id }, 'processing failed; the message goes back to the queue');
      this.loop.later(health.observe('bus', bus.release(queue, message.receipt)).catch(() => false));
    } finally {
      stopKeepAlive();
    }
  }

  private count(outcome: Outcome): void {
    if (outcome.finished && outcome.order) {
      if (outcome.order.status === 'completed') this.counters.completed++;
      else if (outcome.order.status === 'failed') this.counters.failed++;
      this.events.emit('settled', outcome as SettledOutcome);
    }
    if (outcome.action === 'retry') this.counters.retried++;
    if (outcome.action === 'dead-letter') this.counters.deadLettered++;
  }

  private async settle(message: BusMessage, outcome: Outcome): Promise<void> {
    const { bus, logger, health } = this.deps;
    const queue = this.opts.queue;
    try {
      if (outcome.action === 'done') {
        if (!(await health.observe('bus', bus.ack(queue, message.receipt)))) {
          // Its visibility lapsed and another delivery took it; that delivery finds
          // the order settled and acknowledges it without a charge.
          logger.warn({ messageId: message.id }, 'message was redelivered while being processed');
        }
      } else if (outcome.action === 'retry') {
        const delay = this.opts.retryDelayMs * 2 ** Math.min(message.receiveCount - 1, 5);
        await health.observe('bus', bus.release(queue, message.receipt, delay));
      } else await health.observe('bus', bus.deadLetter(queue, message.receipt, outcome.reason));
    } catch (err) {
      logger.debug({ err, messageId: message.id }, 'could not settle message; it will be redelivered');
    }
  }
}
