/**
 * The customer's wait: how many orders are ahead of a pending one in the
 * payment queue, and when its payment should start. Exact where one process
 * sees every order enter and leave the queue (the embedded serve), estimated
 * where it does not (queue-estimate.ts).
 */
import type { Clock } from './clock.js';
import type { Order } from './order.js';
import { RateMeter } from './rate-meter.js';

/** A pending order's place in the payment queue, as the API shows it. */
export interface QueuePlace {
  /** Orders ahead of it in the payment queue: 0 = the next one a worker takes. */
  queue_position: number;
  /** `exact`: this process saw every order enter and leave the queue; `estimate`: computed from counts and rates. */
  queue_position_basis: 'exact' | 'estimate';
  /** When a worker should start its payment (ISO 8601); absent while no rate has been measured. */
  estimated_payment_at?: string;
}

/** Where a pending order stands; undefined for an order not pending. Never rejects: a place is a courtesy. */
export interface QueueView {
  /** `accepted`: this process has just accepted the order (its 202), so it is the newest it knows of. */
  place(order: Order, accepted?: boolean): Promise<QueuePlace | undefined>;
}

/**
 * Pending flags by accept sequence number in a Fenwick tree: an order joins
 * with the next number, leaves by clearing its flag, and the orders ahead of
 * it are the prefix sum below its number — each in O(log n). Numbers only
 * grow; when they run out the live ones are renumbered in order (Map keeps
 * insertion order, which is number order), into a tree at least twice their
 * count, so a rebuild costs O(1) per insertion amortized.
 */
export class QueueLine {
  private tree: Int32Array;
  private readonly seqOf = new Map<string, number>();
  private next = 1;

  constructor(private capacity = 1024) {
    this.tree = new Int32Array(capacity + 1);
  }

  get size(): number {
    return this.seqOf.size;
  }

  has(id: string): boolean {
    return this.seqOf.has(id);
  }

  /** Joins at the back; an id already in line keeps its place. */
  push(id: string): void {
    if (this.seqOf.has(id)) return;
    if (this.next > this.capacity) this.rebuild();
    const seq = this.next++;
    this.seqOf.set(id, seq);
    this.add(seq, 1);
  }

  /** Leaves the line; false when it was not in it. */
  remove(id: string): boolean {
    const seq = this.seqOf.get(id);
    if (seq === undefined) return false;
    this.seqOf.delete(id);
    this.add(seq, -1);
    return true;
  }

  /** Ids ahead of `id`; undefined when it is not in line. */
  ahead(id: string): number | undefined {
    const seq = this.seqOf.get(id);
    if (seq === undefined) return undefined;
    let sum = 0;
    for (let i = seq - 1; i > 0; i -= i & -i) sum += this.tree[i] ?? 0;
    return sum;
  }

  private add(seq: number, delta: number): void {
    for (let i = seq; i <= this.capacity; i += i & -i) this.tree[i] = (this.tree[i] ?? 0) + delta;
  }

  /** Renumbers the live ids 1..n in order into a tree of at least 2n, built in O(n). */
  private rebuild(): void {
    const live = this.seqOf.size;
    this.capacity = Math.max(1024, 2 * live);
    this.tree = new Int32Array(this.capacity + 1);
    let seq = 0;
    for (const id of this.seqOf.keys()) this.seqOf.set(id, ++seq);
    for (let i = 1; i <= live; i++) this.tree[i] = 1;
    for (let i = 1; i <= this.capacity; i++) {
      const parent = i + (i & -i);
      if (parent <= this.capacity) this.tree[parent] = (this.tree[parent] ?? 0) + (this.tree[i] ?? 0);
    }
    this.next = live + 1;
  }
}

export interface QueueTrackerOptions {
  /** Simulated ms over which the rate of orders leaving the queue is measured. Default 60000. */
  rateWindowMs?: number;
  /** Answers for a pending order this tracker never saw enter (none on the embedded serve). */
  fallback?: QueueView;
}

/**
 * The exact queue of one process that sees every order enter the queue
 * (accepted, released, redriven) and leave it (claimed by a worker,
 * cancelled, expired, failed): a QueueLine fed by those events (see
 * queue-tracking-store.ts), and the rate of claims for the estimate of when a
 * payment starts: now + (position + 1) ÷ claims per ms over the window.
 */
export class QueueTracker implements QueueView {
  private readonly line = new QueueLine();
  private readonly claims: RateMeter;
  /** Accepts not yet committed, and those of them a worker took before the accept's promise resolved. */
  private readonly accepting = new Set<string>();
  private readonly leftWhileAccepting = new Set<string>();

  constructor(
    private readonly deps: { clock: Clock },
    private readonly options: QueueTrackerOptions = {},
  ) {
    this.claims = new RateMeter(deps.clock, deps.clock.scale(options.rateWindowMs ?? 60_000));
  }

  /** Orders in the queue now. */
  get size(): number {
    return this.line.size;
  }

  /** An accept of `id` is under way: a claim seen before it resolves must not leave it in line. */
  beginAccept(id: string): void {
    this.accepting.add(id);
  }

  /** The accept of `id` ended; `pending`: it created a pending order. */
  accepted(id: string, pending: boolean): void {
    this.accepting.delete(id);
    const leftAlready = this.leftWhileAccepting.delete(id);
    if (pending && !leftAlready) this.line.push(id);
  }

  /** The order is pending again (released, redriven): it joins at the back. */
  entered(id: string): void {
    this.line.push(id);
  }

  /** The order left the queue; `claimed`: a worker took it (the rate counts those). */
  left(id: string, claimed: boolean): void {
    if (!this.line.remove(id) && this.accepting.has(id)) this.leftWhileAccepting.add(id);
    if (claimed) this.claims.mark();
  }

  /** Orders found pending at start, oldest first. */
  seed(orders: readonly Order[]): void {
    for (const order of orders) if (order.status === 'pending') this.line.push(order.order_id);
  }

  async place(order: Order, accepted = false): Promise<QueuePlace | undefined> {
    if (order.status !== 'pending') {
      // Whatever moved it did so without this process seeing it: it is not ahead of anyone now.
      this.line.remove(order.order_id);
      return undefined;
    }
    const ahead = this.line.ahead(order.order_id);
    if (ahead === undefined) return this.options.fallback?.place(order, accepted);
    return {
      queue_position: ahead,
      queue_position_basis: 'exact',
      ...paymentAt(this.deps.clock, ahead, this.claims.perMs()),
    };
  }
}

/** `estimated_payment_at` for `ahead` orders at `perMs` leaving per real ms; nothing when no rate is known. */
export function paymentAt(clock: Clock, ahead: number, perMs: number | undefined): { estimated_payment_at?: string } {
  if (perMs === undefined || !(perMs > 0)) return {};
  return { estimated_payment_at: new Date(clock.now() + (ahead + 1) / perMs).toISOString() };
}
