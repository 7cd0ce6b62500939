import type { Order } from './order.js';
import { type SettleDeps, settle } from './settle.js';

/** The reason a cancelled order shows (failure_reason). */
export const CANCELLED_REASON = 'cancelled by the customer before its payment started';

export type CancelResult =
  | { kind: 'cancelled'; order: Order }
  /** A worker has claimed it (processing), or it has ended: `order` is as it stands. */
  | { kind: 'not_cancellable'; order: Order }
  | { kind: 'not_found' };

/**
 * The customer's cancel: a pending order ends failed `cancelled` through the
 * one settle path (notification drafted, recorded with the transition, sent),
 * its units returned by the store's transition. The transition is guarded
 * from `pending` only: a worker claims an order (pending → processing) before
 * it charges, so a cancel can never race a payment — the one that loses finds
 * the order moved and changes nothing.
 */
export async function cancelOrder(deps: SettleDeps, orderId: string): Promise<CancelResult> {
  const order = await deps.store.get(orderId);
  if (!order) return { kind: 'not_found' };
  if (order.status !== 'pending') return { kind: 'not_cancellable', order };
  const ended = await settle(
    deps,
    order,
    { status: 'failed', code: 'cancelled', reason: CANCELLED_REASON },
    undefined,
    ['pending'],
  );
  return ended.settled ? { kind: 'cancelled', order: ended.order } : { kind: 'not_cancellable', order: ended.order };
}
