import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import type { Notifier } from './notifier.js';
import type { Order } from './order.js';
import type { Logger, NodeInfo, OrderStore, PaymentGateway } from './ports.js';
import { settle, settlementOf } from './settle.js';

export interface SyncRecoveryOptions {
  /** Simulated ms between heartbeats and between scans (at least 50 ms real); 3 missed heartbeats mark a node dead. Default in config: 10000. */
  scanIntervalMs: number;
  /** This process is the store's only user (the embedded serve): every other node's sync orders are stranded at once. */
  soleNode: boolean;
  /** Stranded orders taken per scan. Default 100. */
  batch?: number;
}

/** The `sync_recovery` section of /stats; counts since start. */
export type SyncRecoveryStats = {
  node: string;
  scans: number;
  /** Stranded orders being settled now (some wait for a charge still under way at the gateway). */
  recovering: number;
  completed: number;
  failed: number;
  errors: number;
  /** Epoch ms of the last scan; 0 before the first. */
  last_scan_at: number;
};

/** Heartbeats closer than this, real ms, would only churn the store. */
const MIN_INTERVAL_REAL_MS = 50;
/** Heartbeats a node may miss before its sync orders are taken for stranded. */
const MISSED_HEARTBEATS = 3;

/** A process's id in the nodes table: unique per run, readable in logs. */
export function newNodeId(role: string): string {
  return `${role}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/**
 * Every sync order reaches an end. A sync order is paid inline by the process
 * that took it (its owner); if that process dies mid-payment, the order stays
 * `processing`. Each process heart-beats in the store's nodes table; at start
 * and every scan interval this sweeper takes the sync orders whose owner fell
 * silent, asks the gateway to close their charge (the recorded result, once a
 * charge still running ends; else a void so that no later charge goes
 * through), and settles them: approved → completed, declined → failed,
 * void → failed `interrupted`, the customer notified.
 */
export class SyncRecovery {
  private readonly batch: number;
  private readonly intervalRealMs: number;
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private scanning?: Promise<void>;
  private readonly recovering = new Map<string, Promise<void>>();
  private readonly counters = { scans: 0, completed: 0, failed: 0, errors: 0, lastScanAt: 0 };
  private heartbeatFailing = false;

  constructor(
    private readonly deps: {
      store: OrderStore;
      gateway: PaymentGateway;
      notifier: Notifier;
      clock: Clock;
      logger: Logger;
      node: NodeInfo;
      /** Whether this process is paying the order now (then it is not stranded). */
      isPaying: (orderId: string) => boolean;
    },
    private readonly options: SyncRecoveryOptions,
  ) {
    this.batch = options.batch ?? 100;
    this.intervalRealMs = Math.max(MIN_INTERVAL_REAL_MS, deps.clock.scale(options.scanIntervalMs));
  }

  /** Registers this node — before it takes orders, so no one takes them for stranded — then scans now and every interval. */
  async start(): Promise<void> {
    await this.deps.store.heartbeat(this.deps.node, this.deps.clock.now());
    this.loop = this.run();
  }

  /** Stops scanning; waits up to `graceMs` (real) for the orders being settled, which the next start takes up again. */
  async stop(graceMs: number): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.scanning;
    const grace = new AbortController();
    await Promise.race([
      Promise.allSettled(this.recovering.values()),
      this.deps.clock.sleepReal(graceMs, grace.signal).catch(() => undefined),
    ]);
    grace.abort();
  }

  /** Resolves once the orders being settled are, after stop()'s grace too (a charge under way ends). */
  async finished(): Promise<void> {
    await Promise.allSettled(this.recovering.values());
  }

  /** Takes the stranded sync orders found now; resolves once every one of them is settled. */
  async scan(): Promise<void> {
    const taken = await this.sweep();
    await Promise.allSettled(taken);
  }

  /** Starts settling the stranded sync orders found now; resolves once they are found. */
  private async sweep(): Promise<Array<Promise<void>>> {
    const { store, clock, isPaying, node } = this.deps;
    const now = clock.now();
    const staleBefore = this.options.soleNode ? now : now - MISSED_HEARTBEATS * this.intervalRealMs;
    const stranded = await store.strandedSyncOrders({ self: node.id, staleBefore, limit: this.batch });
    this.counters.scans++;
    this.counters.lastScanAt = now;
    const taken: Array<Promise<void>> = [];
    for (const order of stranded) {
      const id = order.order_id;
      const running = this.recovering.get(id);
      if (running) taken.push(running);
      if (running || isPaying(id)) continue;
      const job = this.recover(order).finally(() => this.recovering.delete(id));
      this.recovering.set(id, job);
      taken.push(job);
    }
    // Orders of a forgotten node count as stranded all the same.
    await store.pruneNodes(staleBefore);
    return taken;
  }

  stats(): SyncRecoveryStats {
    const { scans, completed, failed, errors, lastScanAt } = this.counters;
    const recovering = this.recovering.size;
    return { node: this.deps.node.id, scans, recovering, completed, failed, errors, last_scan_at: lastScanAt };
  }

  private async run(): Promise<void> {
    const { clock, logger } = this.deps;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      // Settling runs on in the background (it may wait on a long charge); scans themselves never overlap.
      this.scanning ??= this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => logger.warn({ err }, 'sync recovery scan failed; trying again next interval'))
        .finally(() => {
          this.scanning = undefined;
        });
      try {
        await clock.sleepReal(this.intervalRealMs, signal);
      } catch {
        return;
      }
      await this.heartbeat();
    }
  }

  private async heartbeat(): Promise<void> {
    const { store, clock, logger, node } = this.deps;
    try {
      await store.heartbeat(node, clock.now());
      if (this.heartbeatFailing) logger.info({ node: node.id }, 'heartbeat recorded again');
      this.heartbeatFailing = false;
    } catch (err) {
      if (!this.heartbeatFailing) logger.warn({ err, node: node.id }, 'heartbeat failed; retrying every interval');
      this.heartbeatFailing = true;
    }
  }

  private async recover(order: Order): Promise<void> {
    const { gateway, logger } = this.deps;
    try {
      const result = await gateway.voidUnlessCharged(order.order_id);
      const ended = await settle(this.deps, order, settlementOf(result));
      if (!ended.settled) return;
      if (ended.order.status === 'completed') this.counters.completed++;
      else this.counters.failed++;
      logger.info(
        { orderId: order.order_id, status: ended.order.status, failureCode: ended.order.failure_code },
        'stranded sync order settled',
      );
    } catch (err) {
      this.counters.errors++;
      logger.warn({ err, orderId: order.order_id }, 'could not settle a stranded sync order; trying again next scan');
    }
  }
}
