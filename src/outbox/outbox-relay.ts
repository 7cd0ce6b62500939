import type { Clock } from '../core/clock.js';
import type { Outbox, OutboxEntry } from '../core/outbox.js';
import type { Logger, MessageBus } from '../core/ports.js';

export interface OutboxRelayOptions {
  /** Rows leased per round. Default 100. */
  batchSize?: number;
  /** Rows per bus.publish call, sent in parallel (SNS takes 10 per batch). Default 10. */
  publishBatch?: number;
  /** Real ms between looks for rows written by other processes. Default 200. */
  pollIntervalMs?: number;
  /** Real ms a leased row stays hidden from other relays. Default 30000. */
  leaseMs?: number;
  /** Longest real ms between retries while the bus or the store is down. Default 5000. */
  maxBackoffMs?: number;
  /** Real ms that sent rows are kept before being purged. Default 3600000 (1 h). */
  keepSentMs?: number;
}

export interface OutboxRelayStats {
  /** Messages published since start. */
  published: number;
  /** Rounds that published at least one message. */
  batches: number;
  /** Rounds that failed (bus or store unavailable). */
  failures: number;
  /** Wall ms of the last successful publish, 0 before the first. */
  lastPublishedAt: number;
}

/**
 * Publishes outbox rows to the bus, at least once: lease a batch, publish it,
 * mark it sent. A crash between publish and mark publishes the batch again
 * when the lease runs out; consumers are idempotent. Local writes wake the
 * relay at once; rows written by other processes are found by polling.
 */
export class OutboxRelay {
  private readonly opts: Required<OutboxRelayOptions>;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pendingWake = false;
  private unsubscribe?: () => void;
  private lastPurge = 0;
  private readonly counters: OutboxRelayStats = { published: 0, batches: 0, failures: 0, lastPublishedAt: 0 };

  constructor(
    private readonly deps: { outbox: Outbox; bus: MessageBus; clock: Clock; logger: Logger },
    options: OutboxRelayOptions = {},
  ) {
    this.opts = {
      batchSize: options.batchSize ?? 100,
      publishBatch: options.publishBatch ?? 10,
      pollIntervalMs: options.pollIntervalMs ?? 200,
      leaseMs: options.leaseMs ?? 30_000,
      maxBackoffMs: options.maxBackoffMs ?? 5000,
      keepSentMs: options.keepSentMs ?? 3_600_000,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.deps.outbox.onWrite(() => this.nudge());
    this.loop = this.run();
  }

  /** Stops after the round in progress; rows not yet published stay in the outbox. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.nudge();
    await this.loop;
  }

  stats(): OutboxRelayStats {
    return { ...this.counters };
  }

  /** Wakes the relay now (a local commit wrote rows). */
  nudge(): void {
    this.pendingWake = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Publishes until the outbox has nothing claimable; resolves to how many were published. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.round();
      if (n === 0) return total;
      total += n;
    }
  }

  private async run(): Promise<void> {
    const { logger } = this.deps;
    let backoff = 100;
    while (this.running) {
      this.pendingWake = false;
      let published: number;
      try {
        published = await this.round();
        backoff = 100;
        await this.purgeNowAndThen();
      } catch (error) {
        this.counters.failures++;
        logger.warn({ err: error, retryInMs: backoff }, 'outbox relay could not publish; retrying');
        await this.pause(backoff, false);
        backoff = Math.min(backoff * 2, this.opts.maxBackoffMs);
        continue;
      }
      // A full batch means more may be waiting: go again at once.
      if (published < this.opts.batchSize) await this.pause(this.opts.pollIntervalMs, true);
    }
  }

  /** One lease → publish → mark round; resolves to how many rows it published. */
  private async round(): Promise<number> {
    const { outbox, bus, clock } = this.deps;
    const entries = await outbox.claim(this.opts.batchSize, this.opts.leaseMs);
    if (entries.length === 0) return 0;
    // Chunks of a bus batch go out in parallel and are marked one by one, so a
    // failure republishes only its own chunk, not the ones that got through.
    const chunks = chunksOf(entries, this.opts.publishBatch);
    const outcomes = await Promise.allSettled(
      chunks.map((chunk) =>
        bus.publish(
          chunk[0]?.topic ?? '',
          chunk.map((entry) => entry.body),
        ),
      ),
    );
    const sent = chunks.filter((_, i) => outcomes[i]?.status === 'fulfilled').flat();
    const failed = chunks.filter((_, i) => outcomes[i]?.status === 'rejected').flat();
    if (sent.length > 0) {
      await outbox.markSent(sent.map((entry) => entry.id));
      this.counters.published += sent.length;
      this.counters.batches++;
      this.counters.lastPublishedAt = clock.now();
    }
    if (failed.length > 0) {
      // Let another round (here or in another process) retry them now rather than after the lease.
      await outbox.release(failed.map((entry) => entry.id)).catch(() => undefined);
      throw (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason;
    }
    return sent.length;
  }

  private async purgeNowAndThen(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    await this.deps.outbox.purge(now - this.opts.keepSentMs);
  }

  /** Waits `ms`, or less when nudged (if `wakeable`) or stopped. */
  private pause(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running || (wakeable && this.pendingWake)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (wakeable || !this.running) done();
      };
    });
  }
}

/** Consecutive entries of one topic, at most `size` per chunk. */
function chunksOf(entries: readonly OutboxEntry[], size: number): OutboxEntry[][] {
  const chunks: OutboxEntry[][] = [];
  for (const entry of entries) {
    const last = chunks[chunks.length - 1];
    if (last && last.length < size && last[0]?.topic === entry.topic) last.push(entry);
    else chunks.push([entry]);
  }
  return chunks;
}
