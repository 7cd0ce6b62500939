import type { Order, OrderStatus } from './order.js';
import type { AcceptOutcome, AcceptRequest, NotificationDraft, OrderStore, TransitionPatch } from './ports.js';
import type { QueueTracker } from './queue-position.js';

/**
 * The store as the embedded serve's parts use it, telling the queue tracker
 * of every order entering the queue (an async accept, a transition back to
 * pending) and leaving it (any transition out of pending). Every path that
 * moves an order goes through the store, so no path can be forgotten; the
 * tracker is told after the write committed, never of a write that failed.
 *
 * A proxy rather than a class listing the port's methods: every other method
 * (and any the port gains) reaches the store itself, bound to it.
 */
export function trackQueue(inner: OrderStore, tracker: QueueTracker): OrderStore {
  const accept = async (request: AcceptRequest): Promise<AcceptOutcome> => {
    const id = request.order.order_id;
    const queued = request.order.status === 'pending';
    if (queued) tracker.beginAccept(id);
    let outcome: AcceptOutcome | undefined;
    try {
      outcome = await inner.accept(request);
      return outcome;
    } finally {
      if (queued) tracker.accepted(id, outcome?.kind === 'created' && outcome.order.status === 'pending');
    }
  };
  const transition = async (
    orderId: string,
    from: readonly OrderStatus[],
    patch: TransitionPatch,
    notification?: NotificationDraft,
  ): Promise<Order | undefined> => {
    const moved = await inner.transition(orderId, from, patch, notification);
    if (moved && moved.mode === 'async') {
      if (moved.status === 'pending') tracker.entered(orderId);
      else if (from.includes('pending')) tracker.left(orderId, moved.status === 'processing');
    }
    return moved;
  };
  const own = new Map<PropertyKey, unknown>([
    ['accept', accept],
    ['transition', transition],
  ]);
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(inner, {
    get(target, property) {
      if (own.has(property)) return own.get(property);
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let fn = bound.get(property);
      if (!fn) {
        fn = value.bind(target);
        bound.set(property, fn);
      }
      return fn;
    },
  });
}
