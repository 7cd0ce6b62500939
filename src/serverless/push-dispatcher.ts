import type { Clock } from '../core/clock.js';
import { isAbortError } from '../core/clock.js';
import type { BusMessage, Logger, MessageBus } from '../core/ports.js';
import { type SnsEvent, snsEvent } from './sns-event.js';

export interface PushDispatcherOptions {
  /** Queue the topic's messages wait in until delivered. Default order-processing-queue. */
  queue?: string;
  /** Topic named in the delivered events. Default order-processing-events. */
  topic?: string;
  /** Invocations at once; 0 = unlimited. Default 1000 (Lambda's default concurrency). */
  concurrency?: number;
  /** Retries of a failed invocation. Default 2, as the study's topic. */
  retries?: number;
  /** Simulated ms before the first retry, doubling for each next one. Default 60000 (Lambda: 1 min, then 2). */
  retryDelayMs?: number;
  /** Keep a message whose every attempt failed as a dead letter (the failure destination); else drop it. Default false. */
  failureDestination?: boolean;
  /** The queue's visibility timeout, simulated ms; a running invocation keeps its message hidden by this much. Default 30000. */
  visibilityTimeoutMs?: number;
  /** Long-poll wait per receive, simulated ms. Default 20000. */
  waitTimeMs?: number;
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
  private readonly opts: Required<PushDispatcherOptions>;
  private running = false;
  private loop?: Promise<void>;
  private stopper = new AbortController();
  private wake?: () => void;
  private readonly active = new Map<string, { message: BusMessage; done: Promise<void> }>();
  private readonly counters = { invocations: 0, delivered: 0, retried: 0, dropped: 0, sentToFailureDestination: 0 };

  constructor(
    private readonly deps: {
      bus: MessageBus;
      clock: Clock;
      logger: Logger;
      /** The function: resolves when the event is processed, rejects to have it retried. */
      invoke: (event: SnsEvent) => Promise<unknown>;
    },
    options: PushDispatcherOptions = {},
  ) {
    this.opts = {
      queue: options.queue ?? 'order-processing-queue',
      topic: options.topic ?? 'order-processing-events',
      concurrency: options.concurrency ?? 1000,
      retries: options.retries ?? 2,
      retryDelayMs: options.retryDelayMs ?? 60_000,
      failureDestination: options.failureDestination ?? false,
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000,
      waitTimeMs: options.waitTimeMs ?? 20_000,
    };
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

  stats(): PushStats {
    return { concurrency: this.opts.concurrency, inFlight: this.active.size, ...this.counters };
  }

  /**
   * Stops taking messages and waits up to `graceMs` (real ms) for invocations
   * under way; messages still running then go back to the queue for the next start.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopper.abort();
    this.nudge();
    await this.loop;
    const all = Promise.allSettled([...this.active.values()].map((entry) => entry.done));
    // The grace timer is cancelled once all are done, so it does not hold the process open.
    const grace = new AbortController();
    const timedOut = await Promise.race([
      all.then(() => false),
      this.deps.clock.sleepReal(graceMs, grace.signal).then(
        () => true,
        () => false,
      ),
    ]);
    grace.abort();
    if (!timedOut) return;
    for (const { message } of this.active.values()) {
      await this.deps.bus.release(this.opts.queue, message.receipt).catch(() => false);
    }
  }

  private get free(): number {
    const limit = this.opts.concurrency === 0 ? Number.POSITIVE_INFINITY : this.opts.concurrency;
    return limit - this.active.size;
  }

  private nudge(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async poll(): Promise<void> {
    const { bus, clock, logger } = this.deps;
    let backoff = 100;
    while (this.running) {
      const free = this.free;
      if (free <= 0) {
        // At the concurrency limit messages wait in the queue, as throttled events wait in Lambda's.
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      let messages: BusMessage[];
      try {
        const receives = Math.min(PARALLEL_RECEIVES, Math.ceil(free / 10));
        const batches = await Promise.all(
          Array.from({ length: receives }, (_, i) =>
            bus.receive(this.opts.queue, {
              maxMessages: Math.min(10, free - i * 10),
              waitMs: this.opts.waitTimeMs,
              signal: this.stopper.signal,
            }),
          ),
        );
        messages = batches.flat();
        backoff = 100;
      } catch (error) {
        if (!this.running || isAbortError(error)) break;
        logger.warn({ err: error, retryInMs: backoff }, 'push receive failed; retrying');
        await clock.sleepReal(backoff).catch(() => undefined);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      for (const message of messages) {
        const done = this.deliver(message).finally(() => {
          this.active.delete(message.receipt);
          this.nudge();
        });
        this.active.set(message.receipt, { message, done });
      }
    }
  }

  private async deliver(message: BusMessage): Promise<void> {
    const { bus, clock, logger, invoke } = this.deps;
    const { queue, visibilityTimeoutMs, retries, retryDelayMs } = this.opts;
    // Keep the message hidden while the invocation runs, so it is never delivered twice at once.
    const keepAlive = setInterval(() => {
      bus.extend(queue, message.receipt, visibilityTimeoutMs).catch((err) => {
        logger.warn({ err, messageId: message.id }, 'could not extend visibility');
      });
    }, clock.scale(visibilityTimeoutMs) / 3);
    this.counters.invocations++;
    let failure: unknown;
    try {
      await invoke(snsEvent(this.opts.topic, message));
    } catch (error) {
      failure = error;
    } finally {
      clearInterval(keepAlive);
    }
    const attempt = message.receiveCount;
    const reason = failure instanceof Error ? failure.message : String(failure);
    try {
      if (failure === undefined) {
        await bus.ack(queue, message.receipt);
        this.counters.delivered++;
      } else if (attempt <= retries) {
        await bus.release(queue, message.receipt, retryDelayMs * 2 ** (attempt - 1));
        this.counters.retried++;
      } else if (this.opts.failureDestination) {
        await bus.deadLetter(queue, message.receipt, `invocation failed ${attempt} times: ${reason}`);
        this.counters.sentToFailureDestination++;
        logger.warn({ messageId: message.id, attempts: attempt, reason }, 'push delivery sent to failure destination');
      } else {
        await bus.ack(queue, message.receipt);
        this.counters.dropped++;
        logger.warn({ messageId: message.id, attempts: attempt, reason }, 'push delivery dropped after its retries');
      }
    } catch (err) {
      logger.warn({ err, messageId: message.id }, 'could not settle a pushed message; it will be delivered again');
    }
  }
}
