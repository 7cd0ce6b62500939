import {
  assertTransition,
  type FailureCode,
  ORDER_STATUSES,
  type Order,
  type OrderStatus,
  orderMessage,
} from '../core/order.js';
import type {
  AcceptOutcome,
  AcceptRequest,
  NodeInfo,
  NotificationDraft,
  NotificationRecord,
  OrderStore,
  TransitionPatch,
} from '../core/ports.js';
import type { PostgresDatabase } from './database.js';
import type { PostgresOutbox } from './outbox.js';

export interface PostgresOrderStoreOptions {
  /** Topic the order messages go to. Default order-processing-events. */
  topic?: string;
}

interface OrderRow {
  order_id: string;
  customer_id: number;
  status: OrderStatus;
  mode: 'sync' | 'async';
  items: Order['items'];
  total: string;
  created_at: Date;
  processed_at: Date | null;
  processing_time_ms: number | null;
  failure_reason: string | null;
  failure_code: FailureCode | null;
}

function toOrder(row: OrderRow): Order {
  const order: Order = {
    order_id: row.order_id,
    customer_id: row.customer_id,
    status: row.status,
    items: row.items,
    total: Number(row.total),
    mode: row.mode,
    created_at: row.created_at.toISOString(),
  };
  if (row.processed_at !== null) order.processed_at = row.processed_at.toISOString();
  if (row.processing_time_ms !== null) order.processing_time_ms = row.processing_time_ms;
  if (row.failure_reason !== null) order.failure_reason = row.failure_reason;
  if (row.failure_code !== null) order.failure_code = row.failure_code;
  return order;
}

// Each write is one statement, so it is atomic without BEGIN/COMMIT round trips.
const INSERT_ORDER = `
  o AS (
    INSERT INTO orders (order_id, customer_id, status, mode, items, total, created_at, owner)
    SELECT $1::text, $2::integer, $3::text, $4::text, $5::json, $6::numeric, $7::timestamptz, $11::text FROM source
    RETURNING order_id),
  m AS (INSERT INTO outbox (topic, body) SELECT $9::text, $10::text FROM o WHERE $8::boolean)
  SELECT count(*)::int AS created FROM o`;
const ACCEPT = `WITH source AS (SELECT 1), ${INSERT_ORDER}`;
// The key row is inserted first; a concurrent request with the same key waits on it and then inserts nothing.
const ACCEPT_WITH_KEY = `WITH source AS (
    INSERT INTO idempotency_keys (key, order_id, request_hash, created_at)
    VALUES ($12::text, $1::text, $13::text, $7::timestamptz)
    ON CONFLICT (key) DO NOTHING RETURNING order_id), ${INSERT_ORDER}`;

/**
 * Orders in PostgreSQL, safe for many API and worker processes at once:
 * acceptance stores the order, its idempotency key and its outbox row in one
 * statement; a transition is a guarded UPDATE (`WHERE status = ANY(from)`),
 * so of two workers moving an order out of a status exactly one succeeds.
 */
export class PostgresOrderStore implements OrderStore {
  private readonly topic: string;

  constructor(
    private readonly deps: { database: PostgresDatabase; outbox: PostgresOutbox },
    options: PostgresOrderStoreOptions = {},
  ) {
    this.topic = options.topic ?? 'order-processing-events';
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async accept(request: AcceptRequest): Promise<AcceptOutcome> {
    const { order, idempotencyKey, requestHash, publish } = request;
    const values: unknown[] = [
      order.order_id,
      order.customer_id,
      order.status,
      order.mode,
      JSON.stringify(order.items),
      order.total,
      order.created_at,
      publish,
      this.topic,
      JSON.stringify(orderMessage(order)),
      request.owner ?? null,
    ];
    const { database, outbox } = this.deps;
    const keyed = idempotencyKey !== undefined;
    if (keyed) values.push(idempotencyKey, requestHash ?? null);
    const { rows } = await database.query<{ created: number }>(keyed ? ACCEPT_WITH_KEY : ACCEPT, values);
    if ((rows[0]?.created ?? 0) > 0) {
      if (publish) outbox.afterCommit();
      return { kind: 'created', order };
    }
    const existing = await database.query<OrderRow & { key_order_id: string; request_hash: string | null }>(
      `SELECT k.order_id AS key_order_id, k.request_hash, o.*
       FROM idempotency_keys k LEFT JOIN orders o ON o.order_id = k.order_id WHERE k.key = $1`,
      [idempotencyKey],
    );
    const row = existing.rows[0];
    if (!row) throw new Error(`idempotency key ${idempotencyKey} vanished while it was being used`);
    if (requestHash !== undefined && row.request_hash !== null && row.request_hash !== requestHash) {
      return { kind: 'conflict', orderId: row.key_order_id };
    }
    if (row.order_id === null) throw new Error(`idempotency key ${idempotencyKey} names a missing order`);
    return { kind: 'replayed', order: toOrder(row) };
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
    // A second UPDATE of the same row waits for the first to commit, then re-checks the status and matches nothing.
    const { rows } = await this.deps.database.query<OrderRow>(
      `WITH u AS (
         UPDATE orders SET status = $2::text,
           processed_at = COALESCE($3::timestamptz, processed_at),
           processing_time_ms = COALESCE($4::float8, processing_time_ms),
           failure_reason = COALESCE($5::text, failure_reason),
           failure_code = $11::text
         WHERE order_id = $1::text AND status = ANY($6::text[])
         RETURNING *),
       n AS (
         INSERT INTO notifications (order_id, recipient, subject, body, delivery)
         SELECT order_id, $7::text, $8::text, $9::text, 'recorded' FROM u WHERE $10::boolean)
       SELECT * FROM u`,
      [
        orderId,
        patch.status,
        patch.processed_at ?? null,
        patch.processing_time_ms ?? null,
        patch.failure_reason ?? null,
        from,
        notification?.recipient ?? null,
        notification?.subject ?? null,
        notification?.body ?? null,
        notification !== undefined,
        patch.status === 'failed' ? (patch.failure_code ?? null) : null,
      ],
    );
    return rows[0] ? toOrder(rows[0]) : undefined;
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
