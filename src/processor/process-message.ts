import type { Clock } from '../core/clock.js';
import type { Notifier } from '../core/notifier.js';
import { isFinal, type Order, parseOrderMessage } from '../core/order.js';
import type { BusMessage, Logger, OrderStore, PaymentGateway, PaymentResult } from '../core/ports.js';
import { settle, settlementOf } from '../core/settle.js';

/** What to do with a message after processing it. */
export type Outcome =
  /** Delete it: the order reached a final state now (finished) or had already. */
  | { action: 'done'; finished: boolean; order?: Order }
  /** Make it visible again later: the payment failed in a way that may pass. */
  | { action: 'retry'; finished: false; reason: string; order?: Order }
  /** Move it to the dead-letter queue; the order, if any, is marked failed. */
  | { action: 'dead-letter'; finished: boolean; reason: string; order?: Order };

export interface ProcessDeps {
  store: OrderStore;
  gateway: PaymentGateway;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
}

/**
 * One order's payment: claim it (pending → processing) → charge → settle it
 * completed or failed (the customer's notification recorded in the same
 * transaction, then sent). Safe to run again for the same message: a finished
 * order is not charged again, and the gateway charges an order at most once.
 * Store trouble rejects the returned promise; the message is then redelivered.
 */
export async function processOrderMessage(
  deps: ProcessDeps,
  message: BusMessage,
  options: { maxReceiveCount: number },
): Promise<Outcome> {
  const { store, gateway, clock } = deps;
  const parsed = parseOrderMessage(message.body);
  if (!parsed) return { action: 'dead-letter', finished: false, reason: 'unreadable message body' };
  const orderId = parsed.order_id;
  const found = await store.get(orderId);
  if (!found) return { action: 'dead-letter', finished: false, reason: `order ${orderId} does not exist` };
  if (isFinal(found.status)) return { action: 'done', finished: false, order: found };

  const started = clock.monotonic();
  // Claimed before the charge, so that whatever finishes an order meanwhile
  // (another delivery, an operator) is seen before money moves. An order
  // already processing is a redelivery after its worker died: the gateway
  // joins or replays that charge rather than paying twice.
  const order = found.status === 'pending' ? await claim(store, found) : found;
  if (isFinal(order.status)) return { action: 'done', finished: false, order };
  if (order.status !== 'processing')
    return { action: 'retry', finished: false, reason: 'the order was released', order };

  let result: PaymentResult;
  try {
    result = await gateway.charge({ orderId, amount: order.total });
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    if (message.receiveCount < options.maxReceiveCount) return { action: 'retry', finished: false, reason: cause };
    const reason = `payment failed after ${message.receiveCount} attempts: ${cause}`;
    const ended = await settle(deps, order, { status: 'failed', code: 'dead_lettered', reason }, started);
    return { action: 'dead-letter', finished: ended.settled, reason, order: ended.order };
  }
  const ended = await settle(deps, order, settlementOf(result), started);
  // Not settled here: someone else finished it between our claim and our write.
  return { action: 'done', finished: ended.settled, order: ended.order };
}

/** pending → processing; when someone else moved it first, the order as they left it. */
async function claim(store: OrderStore, order: Order): Promise<Order> {
  const claimed = await store.transition(order.order_id, ['pending'], { status: 'processing' });
  return claimed ?? (await store.get(order.order_id)) ?? order;
}
