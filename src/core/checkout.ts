import { randomUUID } from 'node:crypto';
import { type Clock, isAbortError } from './clock.js';
import type { Notifier } from './notifier.js';
import { isFinal, newOrder, type Order, type OrderInput } from './order.js';
import type { OrderStore, PaymentGateway } from './ports.js';

export interface SubmitOptions {
  idempotencyKey?: string;
  /** Digest of the request body, to tell a replay from a key reused for a different order. */
  requestHash?: string;
  /** Aborts when the client goes away; a sync order not yet paying is then not charged. */
  signal?: AbortSignal;
}

export interface CheckoutOptions {
  /**
   * A sync order whose client gave up keeps its place in the payment line and is
   * paid for nobody, as the study's Go handler did (it kept sleeping). Off: it
   * leaves the line unpaid. Default (settings table): off.
   */
  holdAbandonedPayments: boolean;
}

export type SubmitResult =
  | { kind: 'accepted'; order: Order; replayed: boolean }
  | { kind: 'completed'; order: Order; replayed: boolean }
  | { kind: 'declined'; order: Order; replayed: boolean }
  | { kind: 'payment_error'; order: Order; replayed: boolean; message: string }
  | { kind: 'abandoned'; order: Order }
  | { kind: 'conflict'; orderId: string };

/**
 * The two ways to check out. Async stores the order and its message in one
 * durable transaction and returns; sync pays inline, exactly as narrow as the
 * gateway is, like the study's checkout.
 */
export class Checkout {
  private readonly syncInFlight = new Map<string, Promise<SubmitResult>>();

  constructor(
    private readonly deps: {
      store: OrderStore;
      gateway?: PaymentGateway;
      notifier: Notifier;
      clock: Clock;
      newId?: () => string;
    },
    private readonly options: CheckoutOptions,
  ) {}

  async submitAsync(input: OrderInput, options: SubmitOptions = {}): Promise<SubmitResult> {
    const order = newOrder(input, this.newId(), 'async', this.deps.clock.now());
    const outcome = await this.deps.store.accept({ order, ...keyOf(options), publish: true });
    if (outcome.kind === 'conflict') return outcome;
    return { kind: 'accepted', order: outcome.order, replayed: outcome.kind === 'replayed' };
  }

  async submitSync(input: OrderInput, options: SubmitOptions = {}): Promise<SubmitResult> {
    const { store, clock } = this.deps;
    const started = clock.monotonic();
    const order = newOrder(input, this.newId(), 'sync', clock.now());
    const outcome = await store.accept({ order, ...keyOf(options), publish: false });
    if (outcome.kind === 'conflict') return outcome;
    if (outcome.kind === 'replayed') return this.replay(outcome.order, options.signal);
    // Holding: the client's leaving does not reach the gateway, so the order keeps its place in the line.
    const payment = this.pay(outcome.order, started, this.options.holdAbandonedPayments ? undefined : options.signal);
    this.syncInFlight.set(order.order_id, payment);
    try {
      return await payment;
    } finally {
      this.syncInFlight.delete(order.order_id);
    }
  }

  private async pay(order: Order, started: number, signal?: AbortSignal): Promise<SubmitResult> {
    const { gateway, store, notifier, clock } = this.deps;
    if (!gateway) throw new Error('this process has no payment gateway for synchronous checkout');
    const finish = async (status: 'completed' | 'failed', reason?: string) => {
      const patch = {
        status,
        processed_at: new Date(clock.now()).toISOString(),
        processing_time_ms: Math.round((clock.monotonic() - started) * 100) / 100,
        ...(reason !== undefined ? { failure_reason: reason } : {}),
      };
      const final = await store.transition(
        order.order_id,
        ['processing'],
        patch,
        notifier.draft({ ...order, ...patch }),
      );
      if (final) notifier.deliver(final);
      return final ?? { ...order, ...patch };
    };
    try {
      const result = await gateway.charge({ orderId: order.order_id, amount: order.total }, signal);
      if (result.status === 'approved') return { kind: 'completed', order: await finish('completed'), replayed: false };
      return { kind: 'declined', order: await finish('failed', result.reason), replayed: false };
    } catch (error) {
      if (isAbortError(error) || signal?.aborted) {
        return { kind: 'abandoned', order: await finish('failed', 'client disconnected before the payment started') };
      }
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'payment_error', order: await finish('failed', message), replayed: false, message };
    }
  }

  /** A repeated sync request: answer with the first request's outcome, waiting for it if needed. */
  private async replay(order: Order, signal?: AbortSignal): Promise<SubmitResult> {
    const running = this.syncInFlight.get(order.order_id);
    let final = order;
    if (running) {
      const first = await running;
      if ('order' in first) final = first.order;
    }
    while (!isFinal(final.status)) {
      await this.deps.clock.sleepReal(20, signal);
      final = (await this.deps.store.get(order.order_id)) ?? final;
    }
    if (final.mode === 'async') return { kind: 'accepted', order: final, replayed: true };
    if (final.status === 'completed') return { kind: 'completed', order: final, replayed: true };
    return { kind: 'declined', order: final, replayed: true };
  }

  private newId(): string {
    return this.deps.newId ? this.deps.newId() : randomUUID();
  }
}

function keyOf(options: SubmitOptions): { idempotencyKey?: string; requestHash?: string } {
  const key: { idempotencyKey?: string; requestHash?: string } = {};
  if (options.idempotencyKey !== undefined) key.idempotencyKey = options.idempotencyKey;
  if (options.requestHash !== undefined) key.requestHash = options.requestHash;
  return key;
}
