import type { ServiceConfig } from '../config/config.js';
import type { BackoffOptions } from '../core/backoff.js';
import type { OutboxRelayOptions } from '../outbox/outbox-relay.js';
import type { OrderProcessorOptions } from '../processor/order-processor.js';

// The poll loops take every option as a required input. Until the settings
// table carries the ones below, the values they used to default to are
// passed from here, once for every composition root.

/** Retries while a dependency is down: 100 ms doubling to 5 s (real), full jitter. */
export const LOOP_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 5000 };

/** The outbox relay's former defaults. */
export const RELAY_OPTIONS: OutboxRelayOptions = {
  batchSize: 100,
  publishBatch: 10,
  pollIntervalMs: 200,
  leaseMs: 30_000,
  backoff: LOOP_BACKOFF,
  keepSentMs: 3_600_000,
};

/** The order processor's options from the config. */
export function processorOptions(config: ServiceConfig): OrderProcessorOptions {
  return {
    queue: config.queue.name,
    workers: config.workers,
    visibilityTimeoutMs: config.queue.visibilityTimeoutMs,
    waitTimeMs: config.queue.waitTimeMs,
    maxReceiveCount: config.queue.maxReceiveCount,
    retryDelayMs: config.queue.retryDelayMs,
    backoff: LOOP_BACKOFF,
  };
}
