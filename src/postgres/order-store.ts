import { assertTransition, ORDER_STATUSES, type Order, type OrderStatus } from '../core/order.js';
import type {
  AcceptOutcome,
  AcceptRequest,
  NodeInfo,
  NotificationDraft,
  NotificationRecord,
  OrderStore,
  TransitionPatch,
} from '../core/ports.js';
import { stockEffect } from '../core/stock.js';
import { AcceptBatcher } from './accept-batch.js';
import { acceptOne } from './accept-sql.js';
import { STOCK_CHANNEL } from './catalog.js';
import type { PostgresDatabase } from './database.js';
import { acceptNaive } from './naive-reservation.js';
import { type OrderRow, toOrder } from './order-rows.js';
import type { PostgresOutbox } from './outbox.js';
import { statusParams, transitionWithStock, UPDATE_STATUS } from './stock-transition.js';

export interface PostgresOrderStoreOptions {
  /** Topic the order messages go to. Default order-processing-events. */
  topic?: string;
  /**
   * Group commit: the accepts of one event-loop turn are written as one batch
   * (setting postgres.batch). Default true; false writes each on its own.
   */
  batch?: boolean;
  /**
   * How orders take catalog units (setting stock.reservation): batched, one
   * decrement per sku per batch; naive, each order its own conditional UPDATE
   * and transaction (the benchmark's baseline). Default batched.
   */
  stockReservation?: 'batched' | 'naive';
}

/**
 * Orders in PostgreSQL, safe for many API and worker processes at once:
 * acceptance stores the order, its idempotency key, its outbox row and its
 * reservation in one transaction (batched, see accept-batch.ts); a transition
 * is a guarded UPDATE (`WHERE status = ANY(from)`), so of two workers moving an
 * order out of a status exactly one succeeds — and moves its units.
 */
export class PostgresOrderStore implements OrderStore {
  private readonly topic: string;
  private readonly batcher: AcceptBatcher;

  constructor(
    private readonly deps: { database: PostgresDatabase; outbox: PostgresOutbox },
    private readonly options: PostgresOrderStoreOptions = {},
  ) {
    this.topic = options.topic ?? 'order-processing-events';
    this.batcher = new AcceptBatcher(
      { database: deps.database, afterCommit: () => deps.outbox.afterCommit() },
      { topic: this.topic },
    );
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async accept(request: AcceptRequest): Promise<AcceptOutcome> {
    if (request.stock && this.options.stockReservation === 'naive') {
      const outcome = await acceptNaive(this.deps.database, this.topic, request);
      if (outcome.kind === 'created' && request.publish) this.deps.outbox.afterCommit();
      return outcome;
    }
    if (this.options.batch === false) {
      if (request.stock) return (await this.batcher.write([request]))[0] as AcceptOutcome;
      const outcome = await acceptOne(this.deps.database, this.topic, request);
      if (outcome.kind === 'created' && request.publish) this.deps.outbox.afterCommit();
      return outcome;
    }
    return this.batcher.submit(request);
  }

  async hasIdempotencyKey(key: string): Promise<boolean> {
    const { rows } = await this.deps.database.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
    return rows.length > 0;
  }

  async get(orderId: string): Promise<Order | undefined> {
    const { rows } = await this.deps.database.query<OrderRow>('SELECT * FROM orders WHERE order_id = $1', [orderId]);
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  async transition(
    orderId: string,
    from: readonly OrderStatus[],
    patch: TransitionPatch,
    notification?: NotificationDraft,
  ): Promise<Order | undefined> {
    assertTransition(from, patch.status);
    const { database } = this.deps;
    // A move that cannot touch units (a claim, a release back to pending), or an order holding
    // none, is one statement. A second UPDATE of the same row waits for the first to commit, then
    // re-checks the status and matches nothing.
    const moves = from.some((status) => stockEffect(status, patch.status) !== undefined);
    const { rows } = await database.query<OrderRow>(
      UPDATE_STATUS(moves ? 'reservation IS NULL' : 'TRUE'),
      statusParams(orderId, from, patch, notification),
    );
    if (rows[0]) return toOrder(rows[0]);
    if (!moves) return undefined;
    const moved = await transitionWithStock(database, orderId, from, patch, notification);
    for (const { sku, available } of moved.released) database.channels.local(STOCK_CHANNEL, `${sku}:${available}`);
    return moved.order;
  }

  async countByStatus(): Promise<Record<OrderStatus, number>> {
    const counts = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;
    const { rows } = await this.deps.database.query<{ status: OrderStatus; n: number }>(
      'SELECT status, count(*)::int AS n FROM orders GROUP BY status',
    );
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  async counts(): Promise<{ orders: number; messages: number; notifications: number }> {
    const { rows } = await this.deps.database.query<{ orders: number; messages: number; notifications: number }>(
      `SELECT (SELECT count(*) FROM orders)::int AS orders,
              (SELECT count(*) FROM outbox)::int AS messages,
              (SELECT count(*) FROM notifications)::int AS notifications`,
    );
    return rows[0] ?? { orders: 0, messages: 0, notifications: 0 };
  }

  async notifications(query: { orderId?: string; limit?: number }): Promise<NotificationRecord[]> {
    const limit = query.limit ?? 100;
    const { rows } = await this.deps.database.query<
      Omit<NotificationRecord, 'created_at'> & { created_at: Date; delivery_error: string | null }
    >(
      query.orderId !== undefined
        ? 'SELECT id::int AS id, order_id, recipient, subject, body, created_at, delivery, delivery_error FROM notifications WHERE order_id = $1 ORDER BY id LIMIT $2'
        : 'SELECT id::int AS id, order_id, recipient, subject, body, created_at, delivery, delivery_error FROM notifications ORDER BY id DESC LIMIT $1',
      query.orderId !== undefined ? [query.orderId, limit] : [limit],
    );
    return rows.map(({ delivery_error, created_at, ...rest }) => ({
      ...rest,
      created_at: created_at.toISOString(),
      ...(delivery_error === null ? {} : { delivery_error }),
    }));
  }

  async markNotification(id: number, delivery: 'pending' | 'sent' | 'failed', error?: string): Promise<void> {
    await this.deps.database.query('UPDATE notifications SET delivery = $1, delivery_error = $2 WHERE id = $3', [
      delivery,
      error ?? null,
      id,
    ]);
  }

  async heartbeat(node: NodeInfo, at: number): Promise<void> {
    await this.deps.database.query(
      `INSERT INTO nodes (node_id, role, started_at, heartbeat_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      [node.id, node.role, node.startedAt, at],
    );
  }

  async strandedSyncOrders(query: { self: string; staleBefore: number; limit: number }): Promise<Order[]> {
    const { rows } = await this.deps.database.query<OrderRow>(
      `SELECT o.* FROM orders o LEFT JOIN nodes n ON n.node_id = o.owner
       WHERE o.status = 'processing' AND o.mode = 'sync'
         AND (o.owner = $1::text
           OR (o.owner IS NULL AND o.created_at < to_timestamp($2::float8 / 1000))
           OR (o.owner IS NOT NULL AND (n.node_id IS NULL OR n.heartbeat_at < $2::bigint)))
       ORDER BY o.created_at LIMIT $3`,
      [query.self, query.staleBefore, query.limit],
    );
    return rows.map(toOrder);
  }

  async pruneNodes(before: number): Promise<number> {
    const { rowCount } = await this.deps.database.query('DELETE FROM nodes WHERE heartbeat_at < $1', [before]);
    return rowCount ?? 0;
  }

  async pendingSince(query: { createdBefore: string; limit: number }): Promise<Order[]> {
    const { rows } = await this.deps.database.query<OrderRow>(
      `SELECT * FROM orders WHERE status = 'pending' AND created_at < $1::timestamptz ORDER BY created_at LIMIT $2`,
      [query.createdBefore, query.limit],
    );
    return rows.map(toOrder);
  }
}
