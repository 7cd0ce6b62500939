import type { OrderProcessorOptions } from '../../src/processor/order-processor.js';

/** The processor's options as the default config sets them, for tests that build one by hand. */
export const PROCESSOR_OPTIONS: OrderProcessorOptions = {
  queue: 'order-processing-queue',
  workers: 5,
  visibilityTimeoutMs: 30_000,
  waitTimeMs: 20_000,
  maxReceiveCount: 5,
  retryDelayMs: 1000,
  backoff: { baseMs: 100, maxMs: 5000 },
};
