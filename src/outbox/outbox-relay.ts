import type { BackoffOptions } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { Events, type Listener } from '../core/events.js';
import type { DependencyHealth } from '../core/health.js';
import type { Outbox, OutboxEntry } from '../core/outbox.js';
import { type NextRound, PollLoop } from '../core/poll-loop.js';
import type { Logger, MessageBus } from '../core/ports.js';

export interface OutboxRelayOptions {
  /** Rows leased per round (default 100). */
  batchSize: number;
  /** Rows per bus.publish call, sent in parallel; SNS takes 10 per batch (default 10). */
  publishBatch: number;
  /** Real ms between looks for rows written by other processes (default 200). */
  pollIntervalMs: number;
  /** Real ms a leased row stays hidden from other relays (default 30000). */
  leaseMs: number;
  /** Real ms between retries while the bus or the store is down (default 100 doubling to 5000, full jitter). */
  backoff: BackoffOptions;
  /** Real ms that sent rows are kept before being purged (default 3600000, 1 h). */
  keepSentMs: number;
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

export interface RelayEvents {
  /** A round published `count` rows and marked them sent. */
  published: [count: number];
}

/** Sent rows are purged at most once a minute: a sweep, not a hot path. */
const PURGE_EVERY_MS = 60_000;

/**
 * Publishes outbox rows to the bus, at least once: lease a batch, publish it,
 * mark it sent. A crash between publish and mark publishes the batch again
 * when the lease runs out; consumers are idempotent. Local writes wake the
 * relay at once; rows written by other processes are found by polling.
 */
export class OutboxRelay {
  private readonly loop: PollLoop<never>;
  private readonly events: Events<RelayEvents>;
  private unsubscribe?: () => void;
  private lastPurge = 0;
  private readonly counters: OutboxRelayStats = { published: 0, batches: 0, failures: 0, lastPublishedAt: 0 };

  constructor(
    private readonly deps: { outbox: Outbox; bus: MessageBus; clock: Clock; logger: Logger; health: DependencyHealth },
    private readonly opts: OutboxRelayOptions,
  ) {
    const { clock, logger, health } = deps;
    this.events = new Events((err) => logger.error({ err }, 'an outbox relay event listener failed'));
    this.loop = new PollLoop(
      { clock, logger, health, round: () => this.loopRound() },
      { name: 'outbox relay', dependency: 'store', backoff: opts.backoff },
    );
  }

  on<K extends keyof RelayEvents>(event: K, listener: Listener<RelayEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  start(): void {
    if (this.loop.isRunning) return;
    this.deps.health.track('bus');
    this.unsubscribe = this.deps.outbox.onWrite(() => this.nudge());
    this.loop.start();
  }

  /** Stops after the round in progress; rows not yet published stay in the outbox. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    // Nothing is held between rounds: the leased rows of an unfinished round come back when the lease ends.
    await this.loop.stop(0);
  }

  stats(): OutboxRelayStats {
    return { ...this.counters };
  }

  /** Wakes the relay now (a local commit wrote rows). */
  nudge(): void {
    this.loop.wake();
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

  private async loopRound(): Promise<NextRound> {
    let published: number;
    try {
      published = await this.round();
      await this.purgeNowAndThen();
    } catch (error) {
      this.counters.failures++;
      throw error;
    }
    // A full batch means more may be waiting: go again at once.
    return published < this.opts.batchSize ? { afterMs: this.opts.pollIntervalMs } : 'again';
  }

  /** One lease → publish → mark round; resolves to how many rows it published. */
  private async round(): Promise<number> {
    const { outbox, bus, clock, health } = this.deps;
    const entries = await health.observe('store', outbox.claim(this.opts.batchSize, this.opts.leaseMs));
    if (entries.length === 0) return 0;
    // Chunks of a bus batch go out in parallel and are marked one by one, so a
    // failure republishes only its own chunk, not the ones that got through.
    const chunks = chunksOf(entries, this.opts.publishBatch);
    const outcomes = await Promise.allSettled(
      chunks.map((chunk) =>
        health.observe(
          'bus',
          bus.publish(
            chunk[0]?.topic ?? '',
            chunk.map((entry) => entry.body),
          ),
        ),
      ),
    );
    const sent = chunks.filter((_, i) => outcomes[i]?.status === 'fulfilled').flat();
    const failed = chunks.filter((_, i) => outcomes[i]?.status === 'rejected').flat();
    if (sent.length > 0) {
      await health.observe('store', outbox.markSent(sent.map((entry) => entry.id)));
      this.counters.published += sent.length;
      this.counters.batches++;
      this.counters.lastPublishedAt = clock.now();
      this.events.emit('published', sent.length);
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
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    await this.deps.health.observe('store', this.deps.outbox.purge(now - this.opts.keepSentMs));
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
