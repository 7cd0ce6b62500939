import type { Clock } from '../core/clock.js';
import type { Notifier } from '../core/notifier.js';
import { isFinal, type Order, parseOrderMessage } from '../core/order.js';
import type { BusMessage, Logger, OrderStore, PaymentGateway } from '../core/ports.js';

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
 * One order's payment: mark processing → charge → mark completed or failed
 * (recording the customer's notification in the same transaction) → notify.
 * Safe to run again for the same message: a finished order is not charged
 * again, and the gateway charges an order at most once.
 */
export async function processOrderMessage(
  deps: ProcessDeps,
  message: BusMessage,
  options: { maxReceiveCount: number },
): Promise<Outcome> {
  const { store, gateway, notifier, clock } = deps;
  const parsed = parseOrderMessage(message.body);
  if (!parsed) return { action: 'dead-letter', finished: false, reason: 'unreadable message body' };
  const orderId = parsed.order_id;
  const order = await store.get(orderId);
  if (!order) return { action: 'dead-letter', finished: false, reason: `order ${orderId} does not exist` };
  if (isFinal(order.status)) return { action: 'done', finished: false, order };

  const started = clock.monotonic();
  // The claim is shown as status 'processing'; it runs alongside the charge
  // because the gateway, not the status, is what guards against paying twice.
  const claim =
    order.status === 'pending' ? store.transition(orderId, ['pending'], { status: 'processing' }) : undefined;

  let result: Awaited<ReturnType<PaymentGateway['charge']>>;
  try {
    result = await gateway.charge({ orderId, amount: order.total });
    await claim;
  } catch (error) {
    await claim?.catch(() => undefined);
    const cause = error instanceof Error ? error.message : String(error);
    if (message.receiveCount < options.maxReceiveCount) return { action: 'retry', finished: false, reason: cause };
    const reason = `payment failed after ${message.receiveCount} attempts: ${cause}`;
    const failed = await finish(deps, order, 'failed', started, reason);
    return { action: 'dead-letter', finished: failed !== undefined, reason, order: failed ?? order };
  }

  const status = result.status === 'approved' ? 'completed' : 'failed';
  const final = await finish(deps, order, status, started, result.status === 'declined' ? result.reason : undefined);
  if (!final) {
    // Someone else finished it between our read and our write; nothing more to do.
    return { action: 'done', finished: false, order: await store.get(orderId) };
  }
  notifier.deliver(final);
  return { action: 'done', finished: true, order: final };
}

async function finish(
  deps: ProcessDeps,
  order: Order,
  status: 'completed' | 'failed',
  started: number,
  reason?: string,
): Promise<Order | undefined> {
  const { store, notifier, clock } = deps;
  const patch = {
    status,
    processed_at: new Date(clock.now()).toISOString(),
    processing_time_ms: Math.round((clock.monotonic() - started) * 100) / 100,
    ...(reason !== undefined ? { failure_reason: reason } : {}),
  };
  const draft = notifier.draft({ ...order, ...patch });
  return store.transition(order.order_id, ['pending', 'processing'], patch, draft);
}
