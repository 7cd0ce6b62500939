import type { Clock } from './clock.js';
import type { Order, OrderStatus } from './order.js';
import { paymentAt, type QueuePlace, type QueueView } from './queue-position.js';

/** This process's own accepts kept between two readings at the most (a store that stays unreadable). */
const MAX_LOCAL = 100_000;

/** One reading of the store's counts: pending now, and every order ever accepted. */
interface Snapshot {
  /** Wall ms. */
  at: number;
  pending: number;
  accepted: number;
}

export interface QueueEstimateOptions {
  /** Simulated ms between two readings of the store's counts (at least 100 real ms). Default 1000. */
  refreshMs?: number;
  /** Simulated ms over which the accept and departure rates are measured. Default 60000. */
  rateWindowMs?: number;
  /** Readings kept to tell how many orders were accepted by a given time. Default 7200. */
  history?: number;
}

/**
 * The queue position where this process does not see the queue (api
 * processes on PostgreSQL, a bus in SNS/SQS with no order): an estimate from
 * the store's order counts, read at most once per refresh interval whatever
 * the request rate, never a scan of the queue.
 *
 * Orders are taken about first in, first out, so the orders ahead of one
 * accepted at `c` are those pending now minus those accepted after it. With
 * A(t) the orders accepted by t (interpolated between readings, O(log n)),
 * P the pending ones at the last reading t₀, and μ the rate at which orders
 * left pending over the window:
 *   accepted before t₀:  ahead ≈ P − 1 − (A(t₀) − A(c)) − μ·(now − t₀)
 *   accepted after t₀:   ahead ≈ P + max(L, λ·(c − t₀)) − μ·(now − t₀)
 * (λ: the accept rate; L: the orders this process accepted between t₀ and c, known exactly)
 * clamped at 0, and `estimated_payment_at` = now + (ahead + 1) ÷ μ.
 * Sync orders count in A and in μ (they never queue): an estimate, named one.
 */
export class QueueEstimate implements QueueView {
  private readonly snapshots: Snapshot[] = [];
  private readonly refreshMs: number;
  private readonly windowMs: number;
  private readonly history: number;
  private reading?: Promise<void>;
  /** This process's accepts since the last reading, in accept order, from `head` on; `localIndex` maps id → index. */
  private local: Array<{ id: string; at: number }> = [];
  private readonly localIndex = new Map<string, number>();
  private head = 0;

  constructor(
    private readonly deps: { clock: Clock; counts: () => Promise<Record<OrderStatus, number>> },
    options: QueueEstimateOptions = {},
  ) {
    this.refreshMs = Math.max(100, deps.clock.scale(options.refreshMs ?? 1000));
    this.windowMs = deps.clock.scale(options.rateWindowMs ?? 60_000);
    this.history = options.history ?? 7200;
  }

  async place(order: Order, accepted = false): Promise<QueuePlace | undefined> {
    if (order.status !== 'pending') return undefined;
    try {
      return await this.estimate(order, accepted);
    } catch {
      // The counts could not be read: the order is shown without a place rather than not at all.
      return undefined;
    }
  }

  private async estimate(order: Order, accepted: boolean): Promise<QueuePlace | undefined> {
    const { clock } = this.deps;
    const last = this.snapshots.at(-1);
    if (!last) await this.refresh();
    // A stale reading is refreshed in the background: the answer never waits for the count.
    else if (clock.now() - last.at >= this.refreshMs) void this.refresh().catch(() => undefined);
    const latest = this.snapshots.at(-1);
    if (!latest) return undefined;
    const created = Date.parse(order.created_at);
    if (accepted && created > latest.at) this.noteLocal(order.order_id, created);
    const now = clock.now();
    const { accept, depart } = this.rates();
    const before =
      created <= latest.at
        ? latest.pending - 1 - (latest.accepted - this.acceptedBy(created))
        : latest.pending + Math.max(this.localBefore(order.order_id, created), accept * (created - latest.at));
    const ahead = Math.max(0, Math.round(before - depart * Math.max(0, now - latest.at)));
    return { queue_position: ahead, queue_position_basis: 'estimate', ...paymentAt(clock, ahead, depart) };
  }

  /** An order this process accepted since the last reading: the ones after it count it as ahead. */
  private noteLocal(id: string, at: number): void {
    if (this.localIndex.has(id)) return;
    if (this.local.length - this.head >= MAX_LOCAL) this.forgetLocal(this.local[this.head]?.at ?? at);
    this.localIndex.set(id, this.local.length);
    this.local.push({ id, at });
  }

  /** Orders this process accepted after the last reading and before the order (by accept order when it is one of them). */
  private localBefore(id: string, at: number): number {
    const index = this.localIndex.get(id);
    if (index !== undefined) return index - this.head;
    let count = 0;
    for (let i = this.head; i < this.local.length; i++) if ((this.local[i]?.at ?? at) < at) count++;
    return count;
  }

  /** Drops the local accepts a reading at `at` counts already; compacts once half the list is dropped. */
  private forgetLocal(at: number): void {
    for (let entry = this.local[this.head]; entry && entry.at <= at; entry = this.local[this.head]) {
      this.localIndex.delete(entry.id);
      this.head++;
    }
    if (this.head > 0 && this.head * 2 >= this.local.length) {
      this.local = this.local.slice(this.head);
      this.head = 0;
      for (const [i, entry] of this.local.entries()) this.localIndex.set(entry.id, i);
    }
  }

  /** Reads the counts (one read at a time). */
  refresh(): Promise<void> {
    this.reading ??= this.deps
      .counts()
      .then((counts) => {
        const accepted = Object.values(counts).reduce((sum, n) => sum + n, 0);
        const at = this.deps.clock.now();
        this.snapshots.push({ at, pending: counts.pending, accepted });
        this.forgetLocal(at);
        if (this.snapshots.length > this.history) this.snapshots.splice(0, this.snapshots.length - this.history);
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  /** Orders accepted per wall ms, and orders leaving pending per wall ms, over the window. */
  private rates(): { accept: number; depart: number } {
    const last = this.snapshots.at(-1);
    if (!last) return { accept: 0, depart: 0 };
    const first = this.snapshots[this.indexAtOrAfter(last.at - this.windowMs)] ?? last;
    const span = last.at - first.at;
    if (span <= 0) return { accept: 0, depart: 0 };
    const accept = (last.accepted - first.accepted) / span;
    const departed = last.accepted - last.pending - (first.accepted - first.pending);
    return { accept: Math.max(0, accept), depart: Math.max(0, departed / span) };
  }

  /**
   * A(t): orders accepted by wall ms `t`, interpolated between readings. Before the first reading it is
   * taken as the first reading's: every order pending then counts as ahead (the longer wait of the two).
   */
  private acceptedBy(t: number): number {
    const i = this.indexAtOrAfter(t);
    const after = this.snapshots[i];
    const before = this.snapshots[i - 1];
    if (!after) return this.snapshots.at(-1)?.accepted ?? 0;
    if (!before || after.at === before.at) return after.accepted;
    return before.accepted + ((after.accepted - before.accepted) * (t - before.at)) / (after.at - before.at);
  }

  /** Index of the first reading at or after `t` (binary search); length when none. */
  private indexAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.snapshots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.snapshots[mid]?.at ?? 0) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
