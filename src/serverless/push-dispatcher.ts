import type { BackoffOptions } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { Events, type Listener } from '../core/events.js';
import type { DependencyHealth } from '../core/health.js';
import type { NextRound, PollLoop } from '../core/poll-loop.js';
import type { BusMessage, Logger, MessageBus } from '../core/ports.js';
import { keepHidden, queueLoop, receiveBatches } from '../core/receive-batches.js';
import { type SnsEvent, snsEvent } from './sns-event.js';

export interface PushDispatcherOptions {
  /** Queue the topic's messages wait in until delivered (config default order-processing-queue). */
  queue: string;
  /** Topic named in the delivered events (config default order-processing-events). */
  topic: string;
  /** Invocations at once; 0 = unlimited (config default 1000, Lambda's default concurrency). */
  concurrency: number;
  /** Retries of a failed invocation (config default 2, as the study's topic). */
  retries: number;
  /** Simulated ms before the first retry, doubling for each next one (config default 60000; Lambda: 1 min, then 2). */
  retryDelayMs: number;
  /** Keep a message whose every attempt failed as a dead letter (the failure destination); else drop it (config default false). */
  failureDestination: boolean;
  /** The queue's visibility timeout, simulated ms; a running invocation keeps its message hidden by this much (config default 30000). */
  visibilityTimeoutMs: number;
  /** Long-poll wait per receive, simulated ms (config default 20000). */
  waitTimeMs: number;
  /** Real ms between retries while the bus is down (default 100 doubling to 5000, full jitter). */
  backoff: BackoffOptions;
}

export interface PushStats {
  /** 0 = unlimited. */
  concurrency: number;
  inFlight: number;
  invocations: number;
  /** Invocations that succeeded; their message is deleted. */
  delivered: number;
  /** Failed invocations to be tried again. */
  retried: number;
  /** Messages given up after the last retry, without a failure destination: gone. */
  dropped: number;
  /** Messages given up after the last retry and kept as dead letters. */
  sentToFailureDestination: number;
}

/** What became of one invocation's message. */
export type DeliveryOutcome = 'delivered' | 'retried' | 'dropped' | 'failure-destination';

export interface PushEvents {
  /** An invocation ended and its message was settled accordingly. */
  delivery: [message: BusMessage, outcome: DeliveryOutcome];
}

/** Several receives at once share one commit, so a burst is taken 40 messages per round trip. */
const PARALLEL_RECEIVES = 4;

/**
 * SNS → function delivery on top of a queue: each message published to the
 * topic is handed to `invoke` as an SNS event, many at once, the way SNS
 * invokes a subscribed function. A failed invocation is retried after a delay,
 * `retries` times, then the message is dropped (or dead-lettered, as a failure
 * destination would keep it). The messages wait in the bus's queue meanwhile,
 * so every accepted order is delivered even across a restart; the receive count
 * is the attempt number.
 */
export class PushDispatcher {
  private readonly loop: PollLoop<BusMessage>;
  private readonly events: Events<PushEvents>;
  private readonly counters = { invocations: 0, delivered: 0, retried: 0, dropped: 0, sentToFailureDestination: 0 };

  constructor(
    private readonly deps: {
      bus: MessageBus;
      clock: Clock;
      logger: Logger;
      health: DependencyHealth;
      /** The function: resolves when the event is processed, rejects to have it retried. */
      invoke: (event: SnsEvent) => Promise<unknown>;
    },
    private readonly opts: PushDispatcherOptions,
  ) {
    const { logger } = deps;
    this.events = new Events((err) => logger.error({ err }, 'a push event listener failed'));
    this.loop = queueLoop(deps, {
      name: 'push dispatcher',
      queue: opts.queue,
      backoff: opts.backoff,
      round: (signal) => this.round(signal),
    });
  }

  get queue(): string {
    return this.opts.queue;
  }

  on<K extends keyof PushEvents>(event: K, listener: Listener<PushEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  start(): void {
    this.loop.start();
  }

  stats(): PushStats {
    return { concurrency: this.opts.concurrency, inFlight: this.loop.busy, ...this.counters };
  }

  /**
   * Stops taking messages and waits up to `graceMs` (real ms) for invocations
   * under way; messages still running then go back to the queue for the next start.
   */
  stop(graceMs: number): Promise<void> {
    return this.loop.stop(graceMs);
  }

  /** Resolves once the invocations under way, released by stop() or not, have ended. */
  finished(): Promise<void> {
    return this.loop.finished();
  }

  private async round(signal: AbortSignal): Promise<NextRound> {
    const { bus, health } = this.deps;
    const limit = this.opts.concurrency === 0 ? Number.POSITIVE_INFINITY : this.opts.concurrency;
    const free = limit - this.loop.busy;
    // At the concurrency limit messages wait in the queue, as throttled events wait in Lambda's.
    if (free <= 0) return 'idle';
    await receiveBatches(
      { bus, health },
      {
        queue: this.opts.queue,
        free,
        receives: Math.min(PARALLEL_RECEIVES, Math.ceil(free / 10)),
        waitMs: this.opts.waitTimeMs,
        signal,
      },
      (message) => this.loop.run(message, this.deliver(message)),
    );
    return 'again';
  }

  private async deliver(message: BusMessage): Promise<void> {
    const { invoke } = this.deps;
    const { queue, visibilityTimeoutMs } = this.opts;
    // Keep the message hidden while the invocation runs, so it is never delivered twice at once.
    const stopKeepAlive = keepHidden(this.deps, { queue, receipt: message.receipt, visibilityTimeoutMs });
    this.counters.invocations++;
    let failure: unknown;
    try {
      await invoke(snsEvent(this.opts.topic, message));
    } catch (error) {
      failure = error;
    } finally {
      stopKeepAlive();
    }
    await this.settle(message, failure);
  }

  private async settle(message: BusMessage, failure: unknown): Promise<void> {
    const { bus, logger, health } = this.deps;
    const { queue, retries, retryDelayMs } = this.opts;
    const attempt = message.receiveCount;
    const reason = failure instanceof Error ? failure.message : String(failure);
    let outcome: DeliveryOutcome;
    try {
      if (failure === undefined) {
        await health.observe('bus', bus.ack(queue, message.receipt));
        outcome = 'delivered';
        this.counters.delivered++;
      } else if (attempt <= retries) {
        await health.observe('bus', bus.release(queue, message.receipt, retryDelayMs * 2 ** (attempt - 1)));
        outcome = 'retried';
        this.counters.retried++;
      } else if (this.opts.failureDestination) {
        await health.observe(
          'bus',
          bus.deadLetter(queue, message.receipt, `invocation failed ${attempt} times: ${reason}`),
        );
        outcome = 'failure-destination';
        this.counters.sentToFailureDestination++;
        logger.warn({ messageId: message.id, attempts: attempt, reason }, 'push delivery sent to failure destination');
      } else {
        await health.observe('bus', bus.ack(queue, message.receipt));
        outcome = 'dropped';
        this.counters.dropped++;
        logger.warn({ messageId: message.id, attempts: attempt, reason }, 'push delivery dropped after its retries');
      }
    } catch (err) {
      logger.debug({ err, messageId: message.id }, 'could not settle a pushed message; it will be delivered again');
      return;
    }
    this.events.emit('delivery', message, outcome);
  }
}
