import type { BackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';
import type { DependencyHealth } from './health.js';
import { type NextRound, PollLoop } from './poll-loop.js';
import type { BusMessage, Logger, MessageBus } from './ports.js';

// What the queue-fed loops (processor, push dispatcher) do with the bus.

/**
 * The poll loop of a queue consumer: a failed round is blamed on the bus, and
 * a message still being worked on when the stop's grace ends goes back to the
 * queue at once.
 */
export function queueLoop(
  deps: { bus: MessageBus; clock: Clock; logger: Logger; health: DependencyHealth },
  options: {
    name: string;
    queue: string;
    backoff: BackoffOptions;
    round: (signal: AbortSignal) => Promise<NextRound>;
    probes?: Readonly<Record<string, () => Promise<unknown>>>;
  },
): PollLoop<BusMessage> {
  const { bus, clock, logger, health } = deps;
  const { name, queue, backoff, round, probes } = options;
  return new PollLoop<BusMessage>(
    {
      clock,
      logger,
      health,
      round,
      release: (message) => health.observe('bus', bus.release(queue, message.receipt)),
      ...(probes ? { probes } : {}),
    },
    { name, dependency: 'bus', backoff },
  );
}

/**
 * `receives` long polls at once for up to `free` messages, 10 per receive;
 * each receive's messages go to `take` the moment it returns, since waiting
 * for the other long polls would let their visibility lapse. Rejects with the
 * first failure, after every receive has ended.
 */
export async function receiveBatches(
  deps: { bus: MessageBus; health: DependencyHealth },
  request: { queue: string; free: number; receives: number; waitMs: number; signal: AbortSignal },
  take: (message: BusMessage) => void,
): Promise<void> {
  const { bus, health } = deps;
  const { queue, free, receives, waitMs, signal } = request;
  const results = await Promise.allSettled(
    Array.from({ length: receives }, (_, i) =>
      health
        .observe('bus', bus.receive(queue, { maxMessages: Math.min(10, free - i * 10), waitMs, signal }))
        .then((messages) => {
          for (const message of messages) take(message);
        }),
    ),
  );
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Extends a received message's visibility every third of its timeout until
 * the returned function is called, so it is not delivered again while its
 * work runs. A failed extension is reported to the health of the bus.
 */
export function keepHidden(
  deps: { bus: MessageBus; clock: Clock; health: DependencyHealth },
  message: { queue: string; receipt: string; visibilityTimeoutMs: number },
): () => void {
  const { bus, clock, health } = deps;
  const { queue, receipt, visibilityTimeoutMs } = message;
  return repeatEvery(clock, clock.scale(visibilityTimeoutMs) / 3, () =>
    health.observe('bus', bus.extend(queue, receipt, visibilityTimeoutMs)),
  );
}

/**
 * Starts `task` every `everyMs` real ms on `clock` until the returned function
 * is called. The next start does not wait for the last to end: a slow
 * extension under load must not stretch the period past the visibility timeout.
 */
function repeatEvery(clock: Clock, everyMs: number, task: () => Promise<unknown>): () => void {
  const stop = new AbortController();
  void (async () => {
    for (;;) {
      try {
        await clock.sleepReal(everyMs, stop.signal);
      } catch {
        return;
      }
      // The task reports its own failures (to the dependency health).
      task().catch(() => undefined);
    }
  })();
  return () => stop.abort();
}
