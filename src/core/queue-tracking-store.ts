import type { Order, OrderStatus } from './order.js';
import type {
  AcceptOutcome,
  AcceptRequest,
  NodeInfo,
  NotificationDraft,
  NotificationRecord,
  OrderStore,
  TransitionPatch,
} from './ports.js';
import type { QueueTracker } from './queue-position.js';

/**
 * The store as the embedded serve's parts use it, telling the queue tracker
 * of every order entering the queue (an async accept, a transition back to
 * pending) and leaving it (any transition out of pending). Every path that
 * moves an order goes through the store, so no path can be forgotten; the
 * tracker is told after the write committed, never of a write that failed.
 */
export class QueueTrackingStore implements OrderStore {
  constructor(
    private readonly inner: OrderStore,
    private readonly tracker: QueueTracker,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async accept(request: AcceptRequest): Promise<AcceptOutcome> {
    const id = request.order.order_id;
    const queued = request.order.status === 'pending';
    if (queued) this.tracker.beginAccept(id);
    let outcome: AcceptOutcome | undefined;
    try {
      outcome = await this.inner.accept(request);
      return outcome;
    } finally {
      if (queued) this.tracker.accepted(id, outcome?.kind === 'created' && outcome.order.status === 'pending');
    }
  }

  async transition(
    orderId: string,
    from: readonly OrderStatus[],
    patch: TransitionPatch,
    notification?: NotificationDraft,
  ): Promise<Order | undefined> {
    const moved = await this.inner.transition(orderId, from, patch, notification);
    if (moved && moved.mode === 'async') {
      if (moved.status === 'pending') this.tracker.entered(orderId);
      else if (from.includes('pending')) this.tracker.left(orderId, moved.status === 'processing');
    }
    return moved;
  }

  get(orderId: string): Promise<Order | undefined> {
    return this.inner.get(orderId);
  }

  hasIdempotencyKey(key: string): Promise<boolean> {
    return this.inner.hasIdempotencyKey(key);
  }

  countByStatus(): Promise<Record<OrderStatus, number>> {
    return this.inner.countByStatus();
  }

  counts(): Promise<{ orders: number; messages: number; notifications: number }> {
    return this.inner.counts();
  }

  notifications(query: { orderId?: string; limit?: number }): Promise<NotificationRecord[]> {
    return this.inner.notifications(query);
  }

  markNotification(id: number, delivery: 'pending' | 'sent' | 'failed', error?: string): Promise<void> {
    return this.inner.markNotification(id, delivery, error);
  }

  heartbeat(node: NodeInfo, at: number): Promise<void> {
    return this.inner.heartbeat(node, at);
  }

  strandedSyncOrders(query: { self: string; staleBefore: number; limit: number }): Promise<Order[]> {
    return this.inner.strandedSyncOrders(query);
  }

  pruneNodes(before: number): Promise<number> {
    return this.inner.pruneNodes(before);
  }

  pendingSince(query: { createdBefore: string; limit: number }): Promise<Order[]> {
    return this.inner.pendingSince(query);
  }
}
