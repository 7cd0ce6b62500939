import { type Clock, isAbortError } from './clock.js';
import { uuidv7 } from './ids.js';
import type { Notifier } from './notifier.js';
import { isFinal, newOrder, type Order, type OrderInput } from './order.js';
import type { AcceptOutcome, AcceptRequest, OrderStore, PaymentGateway, PaymentResult } from './ports.js';
import { settle, settlementOf } from './settle.js';
import type { SoldOut } from './sold-out.js';
import type { CatalogMode, Rejection } from './stock.js';

export interface SubmitOptions {
  idempotencyKey?: string;
  /** Digest of the request body, to tell a replay from a key reused for a different order. */
  requestHash?: string;
  /** Aborts when the client goes away; a sync order not yet paying is then not charged. */
  signal?: AbortSignal;
  /** Simulated ms the client waits (X-Deadline-Ms): how long a repeat of a sync request waits for its outcome. */
  deadlineMs?: number;
}

export type SubmitResult =
  | { kind: 'accepted'; order: Order; replayed: boolean }
  | { kind: 'completed'; order: Order; replayed: boolean }
  | { kind: 'declined'; order: Order; replayed: boolean }
  | { kind: 'payment_error'; order: Order; replayed: boolean; message: string }
  /** A repeat answered at its deadline while the first request's payment is still under way. */
  | { kind: 'in_progress'; order: Order; replayed: boolean }
  | { kind: 'abandoned'; order: Order }
  | { kind: 'conflict'; orderId: string }
  /** Refused by the catalog (sold out, over the limit, price changed, not on sale, unknown sku); nothing stored. */
  | { kind: 'rejected'; rejection: Rejection };

export interface CheckoutOptions {
  /** Simulated ms a repeated sync request waits for the first one's outcome when it names no deadline (config: the admission deadline, 10000). */
  replayDeadlineMs: number;
  /**
   * A sync order whose client gave up keeps its place in the payment line and is
   * paid for nobody, as the study's Go handler did (it kept sleeping). Off: it
   * leaves the line unpaid (config default off).
   */
  holdAbandonedPayments: boolean;
  /**
   * With a catalog: the store reserves each order's catalog lines as it stores
   * it, and `mode` says whether a sku not in the catalog is sold (open) or
   * refused (closed). Absent: no stock checks.
   */
  stock?: { mode: CatalogMode };
}

/**
 * The two ways to check out. Async stores the order and its message in one
 * durable transaction and returns; sync pays inline, exactly as narrow as the
 * gateway is, like the study's checkout. A sync order records this process
 * (`node`) as its owner, so that sync recovery settles it if the process dies.
 */
export class Checkout {
  private readonly syncInFlight = new Map<string, Promise<SubmitResult>>();
  /** Sync orders this process pays, from before they are stored until they are settled. */
  private readonly paying = new Set<string>();

  constructor(
    private readonly deps: {
      store: OrderStore;
      gateway?: PaymentGateway;
      notifier: Notifier;
      clock: Clock;
      /** Id of this process in the store's nodes table, recorded as the owner of its sync orders. */
      node?: string;
      newId?: () => string;
      /** The sold-out fast path of this process (with a catalog). */
      soldOut?: SoldOut;
    },
    private readonly options: CheckoutOptions,
  ) {}

  /** Whether this process is paying the sync order now (sync recovery leaves it alone). */
  isPaying(orderId: string): boolean {
    return this.paying.has(orderId);
  }

  async submitAsync(input: OrderInput, options: SubmitOptions = {}): Promise<SubmitResult> {
    const soldOut = await this.knownSoldOut(input, options);
    if (soldOut) return soldOut;
    const order = newOrder(input, this.newId(), 'async', this.deps.clock.now());
    const outcome = await this.accept({ order, ...keyOf(options), publish: true });
    if (outcome.kind === 'conflict' || outcome.kind === 'rejected') return outcome;
    return { kind: 'accepted', order: outcome.order, replayed: outcome.kind === 'replayed' };
  }

  async submitSync(input: OrderInput, options: SubmitOptions = {}): Promise<SubmitResult> {
    const soldOut = await this.knownSoldOut(input, options);
    if (soldOut) return soldOut;
    const { clock, node } = this.deps;
    const started = clock.monotonic();
    const order = newOrder(input, this.newId(), 'sync', clock.now());
    // Marked before it is stored: recovery must never find it unpaid-for in between.
    this.paying.add(order.order_id);
    try {
      const owner = node !== undefined ? { owner: node } : {};
      const outcome = await this.accept({ order, ...keyOf(options), publish: false, ...owner });
      if (outcome.kind === 'conflict' || outcome.kind === 'rejected') return outcome;
      if (outcome.kind === 'replayed') return this.replay(outcome.order, options);
      // Holding: the client's leaving does not reach the gateway, so the order keeps its place in the line.
      const signal = this.options.holdAbandonedPayments ? undefined : options.signal;
      const payment = this.pay(outcome.order, started, signal);
      this.syncInFlight.set(order.order_id, payment);
      try {
        return await payment;
      } finally {
        this.syncInFlight.delete(order.order_id);
      }
    } finally {
      this.paying.delete(order.order_id);
    }
  }

  /**
   * The sold-out answer for an order of a sku this process knows is sold out,
   * with no write: nothing is stored. A request with an Idempotency-Key already
   * used goes on to the store, so that a repeat gets its first order back.
   */
  private async knownSoldOut(input: OrderInput, options: SubmitOptions): Promise<SubmitResult | undefined> {
    const rejection = this.deps.soldOut?.check(input.items);
    if (!rejection) return undefined;
    if (options.idempotencyKey !== undefined && (await this.deps.store.hasIdempotencyKey(options.idempotencyKey))) {
      return undefined;
    }
    return { kind: 'rejected', rejection };
  }

  /** Stores the order (reserving its stock with a catalog) and tells the fast path what the store found. */
  private async accept(request: AcceptRequest): Promise<AcceptOutcome> {
    const { soldOut } = this.deps;
    const { stock } = this.options;
    if (!stock) return this.deps.store.accept(request);
    const before = soldOut?.mark();
    const outcome = await this.deps.store.accept({ ...request, stock });
    if (soldOut && before !== undefined) {
      if (outcome.kind === 'created') soldOut.observe(before, outcome.stock ? { stock: outcome.stock } : {});
      if (outcome.kind === 'rejected') soldOut.observe(before, { rejection: outcome.rejection });
    }
    return outcome;
  }

  private async pay(order: Order, started: number, signal?: AbortSignal): Promise<SubmitResult> {
    const { gateway } = this.deps;
    if (!gateway) throw new Error('this process has no payment gateway for synchronous checkout');
    let result: PaymentResult;
    try {
      result = await gateway.charge({ orderId: order.order_id, amount: order.total }, signal);
    } catch (error) {
      if (isAbortError(error) || signal?.aborted) {
        const reason = 'client disconnected before the payment started';
        const ended = await settle(this.deps, order, { status: 'failed', code: 'abandoned', reason }, started);
        return ended.settled ? { kind: 'abandoned', order: ended.order } : resultOf(ended.order, false);
      }
      const message = error instanceof Error ? error.message : String(error);
      const failure = { status: 'failed', code: 'payment_error', reason: message } as const;
      const ended = await settle(this.deps, order, failure, started);
      return ended.settled
        ? { kind: 'payment_error', order: ended.order, replayed: false, message }
        : resultOf(ended.order, false);
    }
    return resultOf((await settle(this.deps, order, settlementOf(result), started)).order, false);
  }

  /**
   * A repeated sync request: the first request's outcome if it comes within
   * the deadline — waiting on the payment when this process makes it, else
   * reading the store at growing intervals — or else the order as it stands.
   */
  private async replay(order: Order, options: SubmitOptions): Promise<SubmitResult> {
    const { clock, store } = this.deps;
    const { signal } = options;
    const until = clock.monotonic() + clock.scale(options.deadlineMs ?? this.options.replayDeadlineMs);
    let current = order;
    const running = this.syncInFlight.get(order.order_id);
    if (running && !isFinal(current.status)) {
      const first = await withinDeadline(running, until - clock.monotonic(), clock, signal);
      if (first && 'order' in first) current = first.order;
    }
    let pauseMs = 10;
    while (!isFinal(current.status) && !signal?.aborted) {
      const leftMs = until - clock.monotonic();
      if (leftMs <= 0) break;
      await clock.sleepReal(Math.min(pauseMs, leftMs), signal).catch(() => undefined);
      pauseMs = Math.min(pauseMs * 2, 500);
      current = (await store.get(order.order_id)) ?? current;
    }
    return resultOf(current, true);
  }

  private newId(): string {
    return this.deps.newId ? this.deps.newId() : uuidv7(this.deps.clock.now());
  }
}

/** How a request is answered for the order as it stands. */
function resultOf(order: Order, replayed: boolean): SubmitResult {
  if (order.mode === 'async') return { kind: 'accepted', order, replayed };
  if (order.status === 'completed') return { kind: 'completed', order, replayed };
  if (order.status === 'failed') return { kind: 'declined', order, replayed };
  return { kind: 'in_progress', order, replayed };
}

/** `work`'s value if it settles within `realMs` (and before `signal` aborts), else undefined. */
async function withinDeadline<T>(
  work: Promise<T>,
  realMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const timer = new AbortController();
  const stop = signal ? AbortSignal.any([timer.signal, signal]) : timer.signal;
  try {
    return await Promise.race([
      work.catch(() => undefined),
      clock.sleepReal(Math.max(0, realMs), stop).then(
        () => undefined,
        () => undefined,
      ),
    ]);
  } finally {
    timer.abort();
  }
}

function keyOf(options: SubmitOptions): { idempotencyKey?: string; requestHash?: string } {
  const key: { idempotencyKey?: string; requestHash?: string } = {};
  if (options.idempotencyKey !== undefined) key.idempotencyKey = options.idempotencyKey;
  if (options.requestHash !== undefined) key.requestHash = options.requestHash;
  return key;
}
