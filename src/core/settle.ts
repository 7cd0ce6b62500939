import type { Clock } from './clock.js';
import type { Notifier } from './notifier.js';
import { type FailureCode, type Order, type OrderStatus, sourcesOf } from './order.js';
import { type LedgerResult, type OrderStore, type TransitionPatch, VOIDED_REASON } from './ports.js';

/** How an order ends. `reason` is the text the customer and the API see. */
export type Settlement = { status: 'completed' } | { status: 'failed'; code: FailureCode; reason: string };

export interface SettleDeps {
  store: OrderStore;
  notifier: Notifier;
  clock: Clock;
}

export interface Settled {
  /** The order as stored now: as this call settled it, or as someone else had. */
  order: Order;
  /** Whether this call made the transition (and so recorded and sent the notification). */
  settled: boolean;
}

/** The reason of an order whose payer died before its payment was taken. */
export const INTERRUPTED_REASON = 'the checkout was interrupted before the payment was taken';

/**
 * Ends an order, the one way every path does (checkout, processor, serverless
 * handler, sync recovery): the final patch; the customer's notification,
 * drafted from it; the guarded transition from whichever statuses the state
 * machine allows into the final one, recording the notification in the same
 * transaction; then the email. Of two settlers racing, exactly one wins; the
 * other gets the order as the winner left it.
 */
export async function settle(
  deps: SettleDeps,
  order: Order,
  outcome: Settlement,
  /** Monotonic reading when this process started paying; else the time since the order was created counts. */
  startedAt?: number,
  /**
   * The statuses it may end from; default every status the state machine allows into the final one.
   * Cancel and expiry pass ['pending']: once a worker has claimed an order, they leave it alone.
   */
  from: readonly OrderStatus[] = sourcesOf(outcome.status),
): Promise<Settled> {
  const { store, notifier, clock } = deps;
  const elapsed = startedAt !== undefined ? clock.monotonic() - startedAt : clock.now() - Date.parse(order.created_at);
  const patch: TransitionPatch = {
    status: outcome.status,
    processed_at: new Date(clock.now()).toISOString(),
    processing_time_ms: Math.round(elapsed * 100) / 100,
    ...(outcome.status === 'failed' ? { failure_reason: outcome.reason, failure_code: outcome.code } : {}),
  };
  const draft = notifier.draft({ ...order, ...patch });
  const final = await store.transition(order.order_id, from, patch, draft);
  if (!final) return { order: (await store.get(order.order_id)) ?? order, settled: false };
  notifier.deliver(final);
  return { order: final, settled: true };
}

/** The settlement a payment's result calls for; a voided charge means the payer was interrupted. */
export function settlementOf(result: LedgerResult): Settlement {
  if (result.status === 'approved') return { status: 'completed' };
  if (result.status === 'voided' || result.reason === VOIDED_REASON) {
    return { status: 'failed', code: 'interrupted', reason: INTERRUPTED_REASON };
  }
  return { status: 'failed', code: 'declined', reason: result.reason };
}
